"""The state of one simulated Binance venue: markets, accounts, limits, faults, records.

Everything here runs on the server's event loop thread (the handle hops onto that loop),
so there are no locks. Server time is the injected wall clock; market data follows the
:class:`ReplayClock`.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xor_trading.core.errors import ConfigError
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.samples import SAMPLES_DIR
from xor_trading.domain.instruments import Instrument
from xor_trading.exchanges.simulated.binance_server import api_error, payloads
from xor_trading.exchanges.simulated.binance_server.accounts import Account
from xor_trading.exchanges.simulated.binance_server.config import BinanceServerConfig, KeySpec
from xor_trading.exchanges.simulated.binance_server.faults import FaultInjector
from xor_trading.exchanges.simulated.binance_server.market_replay import MarketReplay
from xor_trading.exchanges.simulated.binance_server.matching import MatchingEngine, OrderEvent
from xor_trading.exchanges.simulated.binance_server.order_book import SyntheticBook
from xor_trading.exchanges.simulated.binance_server.rate_limits import (
    OrderCounter,
    WeightLimiter,
)
from xor_trading.exchanges.simulated.binance_server.replay_clock import ReplayClock
from xor_trading.exchanges.simulated.catalog import list_instruments

Json = dict[str, Any]
UserListener = Callable[[Json], None]


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One HTTP request as the venue saw it (``signed``: it carried a signature)."""

    seq: int
    wall_ms: int
    method: str
    path: str
    api_key: str | None
    signed: bool
    status: int = 0
    fault: str | None = None

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}"


class SimulatedBinance:
    """Markets, accounts and the bookkeeping the handle exposes; see the package docs."""

    def __init__(self, config: BinanceServerConfig) -> None:
        self.config = config
        self.wall = config.clock
        self.instruments = {payloads.binance_id(i): i for i in list_instruments("binance")}
        timeframe = Timeframe.parse(config.timeframe)
        markets, start_ms = self._load_markets(config, timeframe)
        self.replay = ReplayClock(self.wall, start_ms, config.speed)
        self.books = {
            s: SyntheticBook(
                m.instrument,
                config.venue.spread_bps,
                config.order_book_levels,
                config.level_step_bps,
            )
            for s, m in markets.items()
        }
        self.matching = MatchingEngine(
            markets,
            self.replay,
            self.wall,
            config.venue,
            self._on_order_event,
            commission_in_quote=config.commission_in_quote,
        )
        self.accounts: dict[str, Account] = {}
        self.order_counters: dict[str, OrderCounter] = {}
        self.limiter = WeightLimiter(
            config.weight_limit_per_window, config.weight_window_ms, config.ban_ms
        )
        self.faults = FaultInjector(config.faults)
        self.requests: list[RequestRecord] = []
        self.listen_keys: dict[str, str] = {}
        self._user_listeners: dict[str, list[UserListener]] = {}
        self._seq = itertools.count(1)
        self._uids = itertools.count(100_000_001)
        self._account_uids: dict[str, int] = {}
        self.refresh_books()

    @property
    def markets(self) -> dict[str, MarketReplay]:
        return self.matching.markets

    @staticmethod
    def _load_markets(
        config: BinanceServerConfig, tf: Timeframe
    ) -> tuple[dict[str, MarketReplay], int]:
        """The replayed markets and the market time the replay starts at."""
        store = ParquetCandleStore(config.candles_root or SAMPLES_DIR)
        catalog: dict[str, Instrument] = {i.symbol: i for i in list_instruments("binance")}
        frames = {}
        for symbol in config.symbols:
            instrument = catalog.get(symbol.upper())
            if instrument is None:
                raise ConfigError(
                    f"{symbol} is not in the Binance instrument catalog",
                    f"use one of: {', '.join(sorted(catalog))}",
                )
            loaded = store.read("binance", instrument.symbol, tf, start_ms=config.replay_start_ms)
            if loaded.frame.is_empty:
                raise ConfigError(
                    f"no {tf} candles of {symbol} from {config.replay_start_ms} in the store",
                    "run `xor data list` to see what is stored, or drop --replay-start",
                )
            frames[instrument] = loaded.frame
        # One shift for every market keeps them in step. The replay starts
        # ``history_candles`` after the latest first candle (so every market has data and
        # history to show), at the current wall-clock candle open.
        first = max(int(f.ts_ms[0]) for f in frames.values())
        last = min(int(f.ts_ms[-1]) for f in frames.values())
        start = min(first + config.history_candles * tf.ms, last)
        shift = config.clock.now_ms() // tf.ms * tf.ms - start
        markets = {
            payloads.binance_id(inst): MarketReplay(inst, frame.between(first, None), shift)
            for inst, frame in frames.items()
        }
        return markets, start + shift

    # -- bookkeeping ----------------------------------------------------------------------

    def next_seq(self) -> int:
        return next(self._seq)

    def key_spec(self, api_key: str) -> KeySpec | None:
        """The key's spec, a default one in open mode, or None if the key is refused."""
        spec = self.config.keys.get(api_key)
        if spec is None and not self.config.restrict_keys:
            return KeySpec()
        return spec

    def account(self, api_key: str) -> Account:
        account = self.accounts.get(api_key)
        if account is None:
            spec = self.key_spec(api_key) or KeySpec()
            balances = dict(spec.balances or self.config.default_balances)
            for inst in self.instruments.values():
                balances.setdefault(inst.base, Decimal(0))
                balances.setdefault(inst.quote, Decimal(0))
            account = Account(api_key, balances)
            self.accounts[api_key] = account
            self.order_counters[api_key] = OrderCounter()
            self._account_uids[api_key] = next(self._uids)
            self.matching.register(account)
        return account

    def uid(self, api_key: str) -> int:
        self.account(api_key)
        return self._account_uids[api_key]

    def market_instrument(self, symbol: str | None) -> Instrument:
        if not symbol:
            raise api_error.mandatory_missing("symbol")
        inst = self.instruments.get(symbol)
        if inst is None:
            raise api_error.invalid_symbol()
        return inst

    # -- time and streams -----------------------------------------------------------------

    def advance(self) -> None:
        """Bring matching and books up to the current market time."""
        self.matching.step()
        self.refresh_books()

    def refresh_books(self) -> None:
        now = self.replay.now_ms()
        for symbol, book in self.books.items():
            book.refresh(self.markets[symbol].price(now))

    def new_listen_key(self, api_key: str) -> str:
        for key, owner in self.listen_keys.items():
            if owner == api_key:
                return key  # Binance returns the same listenKey while it is alive
        key = secrets.token_urlsafe(45)[:60]
        self.listen_keys[key] = api_key
        return key

    def add_user_listener(self, api_key: str, listener: UserListener) -> None:
        self._user_listeners.setdefault(api_key, []).append(listener)

    def remove_user_listener(self, api_key: str, listener: UserListener) -> None:
        listeners = self._user_listeners.get(api_key, [])
        if listener in listeners:
            listeners.remove(listener)

    def _on_order_event(self, account: Account, event: OrderEvent) -> None:
        listeners = self._user_listeners.get(account.api_key)
        if not listeners:
            return
        if self.faults.drop_user_event(f"executionReport {event.kind}"):
            return  # user_stream_silent: the event and its account update are lost
        now = self.wall.now_ms()
        report = payloads.execution_report(
            event.order, event.kind, event.trade, now, event.reject_reason
        )
        messages = [report]
        if event.kind in ("NEW", "TRADE", "CANCELED", "EXPIRED"):
            inst = self.instruments[event.order.symbol]
            messages.append(payloads.account_position(account, [inst.base, inst.quote], now))
        for listener in list(listeners):
            for message in messages:
                listener(message)
