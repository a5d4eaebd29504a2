"""A live trading rig for the reliability scenarios (R1-R17, docs/reliability.md).

Each *bot* of a :class:`LiveRig` is the real order path of a live bot: an
:class:`~xor_trading.execution.engine.ExecutionEngine` on its own bus, a
:class:`~xor_trading.exchanges.ccxt_client.live_port.LiveExchangePort` over the real CCXT
client, a :class:`~xor_trading.execution.reconciliation.Reconciler` running its periodic
in-flight checks, and a portfolio; all bots talk over loopback HTTP/WebSocket to one running
simulated Binance server (``running_binance_server``), which a test starts with the fault
plan and clock of its scenario. Bots have one API key each, or ``bots_per_key`` of them share
one (they then trade different symbols: a shared account's trades are one ledger).

A run: :meth:`LiveRig.drive` sends seeded intents (market and limit orders, cancels),
:meth:`LiveRig.settle` cancels what still works, waits until nothing is in flight and runs
the full reconciliation until it passes, and :meth:`LiveRig.report` compares every bot with
the venue's own ledger (exact ``Decimal``): duplicates, lost orders, lost or double fills,
positions, balances, the longest time an order stayed UNKNOWN, logged errors.

Seeds: every run prints ``XOR_CHAOS_SEED=<seed>``; :func:`chaos_seeds` returns only that
seed when the variable is set, so a failing run reproduces with
``XOR_CHAOS_SEED=<seed> pytest tests/integration/reliability/...``. ``XOR_CHAOS_SCALE`` is
``ci`` (default) or ``full`` (the spec's numbers, ``make chaos``).

Times are UTC epoch milliseconds of the rig's clock unless a name ends in ``_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import random
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import Clock, LiveClock
from xor_trading.core.errors import ConfigError
from xor_trading.core.ids import IdGenerator, OrderId, StrategyId, Symbol
from xor_trading.domain.accounts import Account
from xor_trading.domain.commands import CancelOrder, SubmitOrder
from xor_trading.domain.events import OrderFilled, OrderStatusChanged
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import Order, OrderSide, OrderStatus, OrderType
from xor_trading.exchanges.ccxt_client.async_client import make_async_client
from xor_trading.exchanges.ccxt_client.circuit_breaker import CircuitBreaker
from xor_trading.exchanges.ccxt_client.client import ApiCredentials
from xor_trading.exchanges.ccxt_client.live_port import LiveExchangePort, LivePortConfig
from xor_trading.exchanges.ccxt_client.request_limiter import RequestLimiter
from xor_trading.exchanges.simulated.binance_server import (
    AccountSnapshot,
    BinanceServerConfig,
    BinanceServerHandle,
    KeySpec,
    running_binance_server,
)
from xor_trading.exchanges.simulated.catalog import list_instruments
from xor_trading.execution.engine import ExecutionEngine
from xor_trading.execution.reconciliation import Reconciler
from xor_trading.execution.reconciliation_config import ReconciliationConfig
from xor_trading.execution.reconciliation_result import (
    ReconciliationResult,
)
from xor_trading.execution.unknown_resolution import UnknownResolutionConfig
from xor_trading.portfolio.engine import PortfolioEngine

__all__ = [
    "LiveRig",
    "RigBot",
    "RigConfig",
    "RigReport",
    "SkewedClock",
    "chaos_scale",
    "chaos_seeds",
    "key_specs",
    "run_rig",
    "run_seeds",
    "scaled",
]

SCALE_ENV = "XOR_CHAOS_SCALE"
SEED_ENV = "XOR_CHAOS_SEED"
START_BALANCES: dict[str, Decimal] = {
    "USDT": Decimal(1_000_000),
    "BTC": Decimal(10),
    "ETH": Decimal(100),
}
_OPEN_WORKING = frozenset(
    {OrderStatus.ACCEPTED, OrderStatus.TRIGGERED, OrderStatus.PARTIALLY_FILLED}
)
_IN_FLIGHT = frozenset({OrderStatus.SUBMITTED, OrderStatus.UNKNOWN, OrderStatus.PENDING_CANCEL})
# What a terminal local status allows the venue to say about the order (None: no order).
_CONSISTENT: dict[OrderStatus, frozenset[str | None]] = {
    OrderStatus.FILLED: frozenset({"FILLED"}),
    OrderStatus.CANCELED: frozenset({"CANCELED"}),
    OrderStatus.EXPIRED: frozenset({"EXPIRED"}),
    OrderStatus.REJECTED: frozenset({None, "REJECTED"}),
    OrderStatus.DENIED: frozenset({None}),
}
_CODE = re.compile(r'"code"\s*:\s*(-?\d+)')


# -- scale and seeds ---------------------------------------------------------------------------


def chaos_scale() -> str:
    """``ci`` (default) or ``full``, from ``XOR_CHAOS_SCALE``."""
    scale = os.environ.get(SCALE_ENV, "ci").strip().lower() or "ci"
    if scale not in ("ci", "full"):
        raise ConfigError(
            f"{SCALE_ENV}={scale!r} is not a chaos scale.",
            "use XOR_CHAOS_SCALE=ci (per commit) or XOR_CHAOS_SCALE=full (make chaos)",
        )
    return scale


def scaled(ci: int, full: int) -> int:
    """``ci`` or ``full`` by :func:`chaos_scale`."""
    return full if chaos_scale() == "full" else ci


def chaos_seeds(ci: int, full: int, base: int = 1) -> list[int]:
    """The seeds to run: ``XOR_CHAOS_SEED`` alone when set, else ``base``, ``base + 1``..."""
    pinned = os.environ.get(SEED_ENV, "").strip()
    if pinned:
        if not pinned.lstrip("-").isdigit():
            raise ConfigError(
                f"{SEED_ENV}={pinned!r} is not an integer.",
                "copy the seed a failing run printed, e.g. XOR_CHAOS_SEED=3",
            )
        return [int(pinned)]
    return [base + i for i in range(scaled(ci, full))]


class SkewedClock:
    """The wall clock moved by ``skew_ms`` (a venue whose clock is ahead: positive)."""

    def __init__(self, skew_ms: int) -> None:
        self.skew_ms = skew_ms
        self._wall = LiveClock()

    def now_ms(self) -> int:
        return self._wall.now_ms() + self.skew_ms


# -- configuration -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RigConfig:
    """One run. Bot ``i`` trades ``symbols[i % len(symbols)]`` with key ``key_of(i)``.

    ``recv_window_ms`` is sent with every signed request and is the reconciler's recvWindow;
    ``check_interval_ms`` is the reconciler's in-flight check interval and the settle loop's
    step. Intent mix: shares of market orders, limit orders (resting ``limit_offset_bps``
    away from the price, or marketable) and cancels; the rest are market orders.
    """

    seed: int
    bots: int = 1
    intents_per_bot: int = 20
    symbols: tuple[str, ...] = ("BTC/USDT",)
    bots_per_key: int = 1
    timeout_ms: int = 500
    recv_window_ms: int = 5_000
    check_interval_ms: int = 1_000
    not_found_answers: int = 3
    not_found_span_ms: int = 2_000
    max_clock_offset_ms: int = 300
    use_private_stream: bool = False
    poll_interval_s: float = 0.5
    read_backoff_s: float = 0.1
    intent_pace_s: float = 0.02
    settle_timeout_s: float = 45.0
    breaker_failures: int = 5
    breaker_cool_down_s: float = 1.0
    limiter_budget_per_minute: int = 100_000
    limit_share: float = 0.3
    cancel_share: float = 0.15
    marketable_limit_share: float = 0.3
    limit_offset_bps: tuple[int, int] = (100, 300)
    notional_usdt: tuple[int, int] = (15, 60)
    check_in_flight: bool = True

    def key_of(self, bot: int) -> str:
        return f"chaos-key-{bot // self.bots_per_key}"

    def api_keys(self) -> list[str]:
        return sorted({self.key_of(i) for i in range(self.bots)})


def key_specs(config: RigConfig) -> dict[str, KeySpec]:
    """The venue's key table for ``config`` (each key starts with :data:`START_BALANCES`)."""
    return {key: KeySpec(balances=dict(START_BALANCES)) for key in config.api_keys()}


# -- one bot -----------------------------------------------------------------------------------


class FillLedger:
    """What the bot believes it holds per asset, from its fills: deltas from the start.

    Spot rules of the venue: a buy adds the quantity minus a fee in the base, pays
    ``price * qty`` of the quote; a sell gives the quantity, receives the quote minus a fee
    in the quote. Exact ``Decimal``.
    """

    def __init__(self, instruments: dict[Symbol, Instrument]) -> None:
        self._instruments = instruments
        self.delta: dict[str, Decimal] = {}

    def on_fill(self, event: OrderFilled) -> None:
        fill = event.fill
        inst = self._instruments[fill.symbol]
        sign = Decimal(1) if fill.side is OrderSide.BUY else Decimal(-1)
        self._add(inst.base, sign * fill.quantity)
        self._add(inst.quote, -sign * fill.quantity * fill.price)
        self._add(fill.fee_currency, -fill.fee)

    def _add(self, asset: str, amount: Decimal) -> None:
        self.delta[asset] = self.delta.get(asset, Decimal(0)) + amount

    def held(self, asset: str) -> Decimal:
        return START_BALANCES.get(asset, Decimal(0)) + self.delta.get(asset, Decimal(0))


@dataclass
class RigBot:
    """One bot's real order path and what it published."""

    index: int
    key: str
    prefix: str
    symbol: Symbol
    instrument: Instrument
    clock: Clock
    bus: MessageBus
    engine: ExecutionEngine
    port: LiveExchangePort
    reconciler: Reconciler
    portfolio: PortfolioEngine
    ledger: FillLedger
    client: Any
    ids: IdGenerator
    cursors: dict[Symbol, int]
    sent_ms: dict[str, int] = field(default_factory=dict)  # client id -> last create call
    statuses: list[OrderStatusChanged] = field(default_factory=list)
    fills: list[OrderFilled] = field(default_factory=list)
    checks: list[ReconciliationResult] = field(default_factory=list)
    final: list[ReconciliationResult] = field(default_factory=list)
    responses: Counter[tuple[int, int | None]] = field(default_factory=Counter)

    def client_id(self, order_id: OrderId) -> str:
        return f"{self.prefix}{order_id}"

    def request_ts_ms(self, order: Order) -> int:
        """When the last create of ``order`` was handed to CCXT; "now" while not yet sent
        (an order still queued in the limiter can be accepted later: never final)."""
        return self.sent_ms.get(self.client_id(order.order_id), self.clock.now_ms())

    def orders(self) -> list[Order]:
        return self.engine.cache.all()

    def submit(
        self, side: OrderSide, quantity: Decimal, limit_price: Decimal | None = None
    ) -> OrderId:
        order_id = OrderId(self.ids.next())
        self.engine.execute(
            SubmitOrder(
                order_id=order_id,
                strategy_id=StrategyId(f"bot{self.index}"),
                symbol=self.symbol,
                side=side,
                order_type=OrderType.MARKET if limit_price is None else OrderType.LIMIT,
                quantity=quantity,
                ts_ms=self.clock.now_ms(),
                limit_price=limit_price,
            )
        )
        return order_id

    def cancel(self, order_id: OrderId) -> None:
        self.engine.execute(CancelOrder(order_id, self.clock.now_ms()))


def _hook_client(bot: RigBot) -> None:
    """Note when each create is handed to CCXT (the request's timestamp is taken right
    after) and count each REST reply by (HTTP status, Binance error code)."""
    client = bot.client
    post_order = client.private_post_order

    def recording_post_order(params: dict[str, Any], *args: Any) -> Any:
        bot.sent_ms[str(params.get("newClientOrderId", ""))] = bot.clock.now_ms()
        return post_order(params, *args)

    client.private_post_order = recording_post_order
    observed = client.on_rest_response

    def counting(code: int, reason: str, url: str, method: str, headers: Any, body: Any,
                 *rest: Any) -> Any:  # fmt: skip
        found = _CODE.search(body[:200]) if isinstance(body, str) else None
        bot.responses[(code, int(found.group(1)) if found else None)] += 1
        return observed(code, reason, url, method, headers, body, *rest)

    client.on_rest_response = counting


class _ErrorLog(logging.Handler):
    """Every ERROR record of the platform's loggers during a run: unhandled failures."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f" ({record.exc_info[1]!r})"
        self.messages.append(f"{record.name}: {text}")


# -- the rig -----------------------------------------------------------------------------------


@dataclass
class RigReport:
    """What a run did and every invariant it broke (empty lists: none)."""

    seed: int
    intents: int
    venue_orders: int
    venue_trades: int
    create_requests: int
    signed_requests: int
    duplicates: list[str]
    lost_orders: list[str]
    lost_fills: list[str]
    double_fills: list[str]
    phantom_fills: list[str]
    positions: list[str]
    balances: list[str]
    not_reconciled: list[str]
    errors: list[str]
    max_unknown_ms: int
    final_statuses: Counter[str]
    check_statuses: Counter[str]
    faults: Counter[str]
    responses: Counter[tuple[int, int | None]]
    event_hash: str
    outcome_hash: str
    ledger_hash: str

    @property
    def violations(self) -> list[str]:
        return [
            *self.duplicates,
            *self.lost_orders,
            *self.lost_fills,
            *self.double_fills,
            *self.phantom_fills,
            *self.positions,
            *self.balances,
            *self.not_reconciled,
            *self.errors,
        ]

    def summary(self) -> str:
        return (
            f"seed={self.seed} intents={self.intents} venue_orders={self.venue_orders} "
            f"venue_trades={self.venue_trades} max_unknown_ms={self.max_unknown_ms} "
            f"final={dict(self.final_statuses)} checks={dict(self.check_statuses)} "
            f"faults={dict(self.faults)} violations={len(self.violations)}"
        )


class LiveRig:
    """Bots against one running simulated Binance server; build with :meth:`running`."""

    def __init__(self, venue: BinanceServerHandle, config: RigConfig, clock: Clock) -> None:
        self.venue = venue
        self.config = config
        self.clock = clock
        self.bots: list[RigBot] = []
        self.intents = 0
        self._stop_checks = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._errors = _ErrorLog()
        self._loop_errors: list[str] = []
        self._limiter = RequestLimiter(config.limiter_budget_per_minute)
        self.breaker = CircuitBreaker(
            "binance",
            failure_threshold=config.breaker_failures,
            cool_down_s=config.breaker_cool_down_s,
        )

    @classmethod
    @contextlib.asynccontextmanager
    async def running(
        cls, venue: BinanceServerHandle, config: RigConfig, clock: Clock | None = None
    ) -> AsyncIterator[LiveRig]:
        """Start every bot (clock sync, poller, stream, in-flight checks); close them after."""
        print(f"XOR_CHAOS_SEED={config.seed} (reproduce: {SEED_ENV}={config.seed})")
        rig = cls(venue, config, clock or LiveClock())
        logging.getLogger("xor_trading").addHandler(rig._errors)
        loop = asyncio.get_running_loop()
        previous = loop.get_exception_handler()
        loop.set_exception_handler(rig._on_loop_error)
        try:
            for i in range(config.bots):
                rig.bots.append(rig._build_bot(i))
            for bot in rig.bots:
                await bot.port.start()
                if config.check_in_flight:
                    rig._tasks.append(asyncio.create_task(rig._checks(bot)))
            yield rig
        finally:
            rig._stop_checks.set()
            await asyncio.gather(*rig._tasks, return_exceptions=True)
            for bot in rig.bots:
                await bot.port.close()
            loop.set_exception_handler(previous)
            logging.getLogger("xor_trading").removeHandler(rig._errors)

    def _on_loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        self._loop_errors.append(
            f"event loop: {context.get('message')} {context.get('exception')!r}"
        )

    def _build_bot(self, index: int) -> RigBot:
        cfg = self.config
        symbol = Symbol(cfg.symbols[index % len(cfg.symbols)])
        instruments = {i.symbol: i for i in list_instruments("binance")}
        instrument = instruments[symbol]
        key = cfg.key_of(index)
        prefix = f"b{index}-"
        client = make_async_client(
            "binance",
            ApiCredentials(key, f"secret-of-{key}"),
            base_url=self.venue.url,
            ws_url=self.venue.ws_url,
            timeout_ms=cfg.timeout_ms,
        )
        client.timeout_on_exit = 0  # CCXT waits 250 ms on close for TLS; loopback has none
        client.options["recvWindow"] = cfg.recv_window_ms
        bus = MessageBus()
        ledger = FillLedger({symbol: instrument})
        account = Account(instrument.quote)
        account.deposit(START_BALANCES[instrument.quote], self.clock.now_ms())
        portfolio = PortfolioEngine(bus, account, {symbol: instrument})
        holder: list[RigBot] = []
        port = LiveExchangePort(
            client,
            clock=self.clock,
            client_order_id=lambda order: f"{prefix}{order.order_id}",
            limiter=self._limiter,
            breaker=self.breaker,
            config=LivePortConfig(
                use_private_stream=cfg.use_private_stream,
                poll_interval_s=cfg.poll_interval_s,
                backoff_s=cfg.read_backoff_s,
            ),
        )
        engine = ExecutionEngine(bus, self.clock, port, {symbol: instrument})
        sole_owner = cfg.bots_per_key == 1

        def holdings() -> dict[str, Decimal]:
            held = {instrument.base: ledger.held(instrument.base)}
            if sole_owner:  # a shared key's quote balance is every sharer's
                held[instrument.quote] = ledger.held(instrument.quote)
            return held

        def request_ts_ms(order: Order) -> int:
            return holder[0].request_ts_ms(order)  # the bot is built after its reconciler

        reconciler = Reconciler(
            engine,
            port,
            self.clock,
            bus,
            {symbol: instrument},
            ReconciliationConfig(
                client_order_id_prefix=prefix,
                unknown=UnknownResolutionConfig(
                    min_not_found_answers=cfg.not_found_answers,
                    min_not_found_span_ms=cfg.not_found_span_ms,
                    recv_window_ms=cfg.recv_window_ms,
                    max_clock_offset_ms=cfg.max_clock_offset_ms,
                ),
                in_flight_check_interval_ms=cfg.check_interval_ms,
            ),
            client_order_id=lambda order_id: f"{prefix}{order_id}",
            request_ts_ms=request_ts_ms,
            holdings=holdings,
        )
        bot = RigBot(
            index=index,
            key=key,
            prefix=prefix,
            symbol=symbol,
            instrument=instrument,
            clock=self.clock,
            bus=bus,
            engine=engine,
            port=port,
            reconciler=reconciler,
            portfolio=portfolio,
            ledger=ledger,
            client=client,
            ids=IdGenerator("O"),
            cursors={symbol: self.clock.now_ms() - 1},
        )
        holder.append(bot)
        _hook_client(bot)
        bus.subscribe(OrderFilled, ledger.on_fill)
        bus.subscribe(OrderFilled, bot.fills.append)
        bus.subscribe(OrderStatusChanged, bot.statuses.append)
        return bot

    async def _checks(self, bot: RigBot) -> None:
        try:
            await bot.reconciler.run_in_flight_checks(
                bot.cursors, self._stop_checks, bot.checks.append
            )
        except Exception as exc:  # a bug: the reconciler raises only for bugs
            self._loop_errors.append(f"bot {bot.index} in-flight check crashed: {exc!r}")

    # -- driving -------------------------------------------------------------------------------

    async def drive(self) -> None:
        """Every bot sends ``intents_per_bot`` seeded intents, all bots at once."""
        await asyncio.gather(*(self._drive_bot(bot) for bot in self.bots))

    async def _drive_bot(self, bot: RigBot) -> None:
        cfg = self.config
        rng = random.Random(f"{cfg.seed}/{bot.index}")
        price = self.venue.price(bot.instrument.base + bot.instrument.quote)
        for n in range(cfg.intents_per_bot):
            if n % 10 == 0:
                price = self.venue.price(bot.instrument.base + bot.instrument.quote)
            self.intents += 1
            draw = rng.random()
            working = [o for o in bot.orders() if o.status in _OPEN_WORKING]
            if draw < cfg.cancel_share and working:
                bot.cancel(rng.choice(working).order_id)
            elif draw < cfg.cancel_share + cfg.limit_share:
                side = rng.choice((OrderSide.BUY, OrderSide.SELL))
                marketable = rng.random() < cfg.marketable_limit_share
                bps = Decimal(rng.randint(*cfg.limit_offset_bps)) / Decimal(10_000)
                away = -bps if (side is OrderSide.BUY) != marketable else bps
                limit = round_to_tick(price * (1 + away), bot.instrument.tick_size)
                bot.submit(side, self._quantity(rng, bot, limit), limit)
            else:
                side = rng.choice((OrderSide.BUY, OrderSide.SELL))
                bot.submit(side, self._quantity(rng, bot, price))
            await asyncio.sleep(cfg.intent_pace_s)

    def _quantity(self, rng: random.Random, bot: RigBot, price: Decimal) -> Decimal:
        notional = Decimal(rng.randint(*self.config.notional_usdt))
        lot = bot.instrument.lot_size
        return max((notional / price / lot).to_integral_value(ROUND_DOWN) * lot, lot)

    async def wait_until(self, done: Callable[[], bool], timeout_s: float) -> bool:
        """Poll ``done`` every 20 ms until it holds or ``timeout_s`` passed."""
        deadline = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def settle(self) -> None:
        """Cancel every working order until none is open, stop the in-flight checks, then run
        the full reconciliation of every bot until it passes (or the settle time is up)."""
        cfg = self.config
        deadline = time.monotonic() + cfg.settle_timeout_s
        step_s = cfg.check_interval_ms / 1000
        while time.monotonic() < deadline:
            open_orders = [o for bot in self.bots for o in bot.orders() if o.status.is_open]
            if not open_orders:
                break
            for bot in self.bots:
                for order in bot.orders():
                    if order.status in _OPEN_WORKING:
                        bot.cancel(order.order_id)
            await asyncio.sleep(step_s)
        self._stop_checks.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for bot in self.bots:
            while True:
                result = await bot.reconciler.reconcile(bot.cursors)
                bot.final.append(result)
                if result.status.may_trade or time.monotonic() > deadline:
                    break
                await asyncio.sleep(step_s)

    # -- invariants ------------------------------------------------------------------------------

    def report(self) -> RigReport:
        accounts = {key: self.venue.account(key) for key in self.config.api_keys()}
        found = _Findings()
        for bot in self.bots:
            _check_bot(bot, accounts[bot.key], found)
        _check_balances(self.bots, accounts, found)
        final_statuses: Counter[str] = Counter(
            o.status.value for bot in self.bots for o in bot.orders()
        )
        check_statuses: Counter[str] = Counter(
            r.status.value for bot in self.bots for r in bot.checks
        )
        responses: Counter[tuple[int, int | None]] = Counter()
        for bot in self.bots:
            responses.update(bot.responses)
        return RigReport(
            seed=self.config.seed,
            intents=self.intents,
            venue_orders=sum(len(a.orders) for a in accounts.values()),
            venue_trades=sum(len(a.trades) for a in accounts.values()),
            create_requests=self.venue.signed_request_count(endpoint="POST /api/v3/order"),
            signed_requests=self.venue.signed_request_count(),
            duplicates=found.duplicates,
            lost_orders=found.lost_orders,
            lost_fills=found.lost_fills,
            double_fills=found.double_fills,
            phantom_fills=found.phantom_fills,
            positions=found.positions,
            balances=found.balances,
            not_reconciled=[
                f"bot {b.index}: final reconciliation {b.final[-1].status.value}: "
                f"{'; '.join(b.final[-1].reasons)}"
                for b in self.bots
                if not b.final or not b.final[-1].status.may_trade
            ],
            errors=[*self._errors.messages, *self._loop_errors],
            max_unknown_ms=max((_max_unknown_ms(b) for b in self.bots), default=0),
            final_statuses=final_statuses,
            check_statuses=check_statuses,
            faults=Counter(f.kind.value for f in self.venue.fault_log()),
            responses=responses,
            event_hash=_event_hash(self.bots),
            outcome_hash=_event_hash(self.bots, outcomes_only=True),
            ledger_hash=_ledger_hash(accounts),
        )


def round_to_tick(price: Decimal, tick: Decimal) -> Decimal:
    return (price / tick).to_integral_value(ROUND_DOWN) * tick


@dataclass
class _Findings:
    duplicates: list[str] = field(default_factory=list)
    lost_orders: list[str] = field(default_factory=list)
    lost_fills: list[str] = field(default_factory=list)
    double_fills: list[str] = field(default_factory=list)
    phantom_fills: list[str] = field(default_factory=list)
    positions: list[str] = field(default_factory=list)
    balances: list[str] = field(default_factory=list)


def _check_bot(bot: RigBot, account: AccountSnapshot, found: _Findings) -> None:
    market = bot.instrument.base + bot.instrument.quote
    venue_orders = [o for o in account.orders if o.client_order_id.startswith(bot.prefix)]
    by_client: dict[str, list[Any]] = {}
    for vo in venue_orders:
        by_client.setdefault(vo.client_order_id, []).append(vo)
    local = {bot.client_id(o.order_id): o for o in bot.orders()}
    for cid, copies in by_client.items():
        if len(copies) > 1:
            found.duplicates.append(f"{cid}: {len(copies)} venue orders for one intent")
        if cid not in local:
            found.lost_orders.append(f"{cid}: at the venue, unknown to bot {bot.index}")
    owners: dict[str, list[OrderId]] = {}
    for order in bot.orders():
        if order.venue_order_id is not None:
            owners.setdefault(order.venue_order_id, []).append(order.order_id)
    for venue_id, ids in owners.items():
        if len(ids) > 1:
            found.duplicates.append(f"venue order {venue_id} claimed by {ids}")
    for cid, order in local.items():
        copies = by_client.get(cid, [])
        last = copies[-1] if copies else None
        venue_status = None if last is None else str(last.status)
        allowed = _CONSISTENT.get(order.status)
        if allowed is None:
            found.lost_orders.append(f"{cid}: still {order.status.value} (venue {venue_status})")
        elif venue_status not in allowed:
            found.lost_orders.append(f"{cid}: {order.status.value} here, venue {venue_status}")
        elif last is not None and last.executed_qty != order.filled_qty:
            found.lost_orders.append(
                f"{cid}: filled {order.filled_qty} here, {last.executed_qty} at the venue"
            )
    venue_ids = {vo.order_id for vo in venue_orders}
    trades = [t for t in account.trades if t.symbol == market and t.order_id in venue_ids]
    booked = Counter(str(e.fill.trade_id) for e in bot.fills)
    for trade in trades:
        times = booked.get(str(trade.trade_id), 0)
        if times == 0:
            found.lost_fills.append(
                f"{market} trade {trade.trade_id} never booked by bot {bot.index}"
            )
        elif times > 1:
            found.double_fills.append(f"{market} trade {trade.trade_id} booked {times} times")
    venue_trade_ids = {str(t.trade_id) for t in trades}
    for trade_id in booked:
        if trade_id not in venue_trade_ids:
            found.phantom_fills.append(f"bot {bot.index} booked trade {trade_id} the venue lacks")
    base = bot.instrument.base
    venue_position = sum(
        (
            (t.qty if t.is_buyer else -t.qty)
            - (t.commission if t.commission_asset == base else Decimal(0))
            for t in trades
        ),
        Decimal(0),
    )  # what the trades left in the account: a commission in the base asset is not held
    local_position = bot.portfolio.holding(bot.symbol)
    if local_position != venue_position:
        found.positions.append(
            f"bot {bot.index} position {local_position} {bot.instrument.base}, "
            f"venue trades {venue_position}"
        )


def _check_balances(
    bots: list[RigBot], accounts: dict[str, AccountSnapshot], found: _Findings
) -> None:
    for key, account in accounts.items():
        sharers = [b for b in bots if b.key == key]
        assets = set(account.balances) | {a for b in sharers for a in b.ledger.delta}
        for asset in sorted(assets):
            local = START_BALANCES.get(asset, Decimal(0)) + sum(
                (b.ledger.delta.get(asset, Decimal(0)) for b in sharers), Decimal(0)
            )
            venue = account.free(asset) + account.locked(asset)
            if local != venue:
                found.balances.append(f"{key} {asset}: bots hold {local}, venue {venue}")


def _max_unknown_ms(bot: RigBot) -> int:
    """The longest stretch an order spent UNKNOWN (still UNKNOWN: until now)."""
    since: dict[OrderId, int] = {}
    longest = 0
    for event in bot.statuses:
        start = since.pop(event.order_id, None)
        if start is not None:
            longest = max(longest, event.ts_ms - start)
        if event.status is OrderStatus.UNKNOWN:
            since[event.order_id] = event.ts_ms
    now = bot.clock.now_ms()
    return max([longest, *(now - start for start in since.values())])


def _event_hash(bots: list[RigBot], *, outcomes_only: bool = False) -> str:
    """SHA-256 of each bot's order status sequences and fills, per order in id order.

    Wall-clock parts (event times, reasons that quote durations) are left out; the order
    *between* different orders is left out too, since concurrent tasks may interleave them.
    ``outcomes_only``: each order's last status instead of its whole sequence. The steps
    in between (how often an order was UNKNOWN, whether a poll saw it working before it
    filled) depend on when replies and polls happen on real sockets, not on the seed.
    """
    digest = hashlib.sha256()
    for bot in bots:
        per_order: dict[str, list[str]] = {}
        for status in bot.statuses:
            steps = per_order.setdefault(status.order_id, [])
            if outcomes_only:
                steps[:] = [status.status.value]
            else:
                steps.append(status.status.value)
        for filled in bot.fills:
            f = filled.fill
            per_order.setdefault(f.order_id, []).append(
                f"fill {f.trade_id} {f.quantity} @ {f.price} fee {f.fee} {f.fee_currency}"
            )
        for order_id in sorted(per_order, key=_natural):
            digest.update(f"{bot.index}/{order_id}: {' '.join(per_order[order_id])}\n".encode())
    return digest.hexdigest()


def _ledger_hash(accounts: dict[str, AccountSnapshot]) -> str:
    """SHA-256 of the venue's ledgers without wall-clock times."""
    digest = hashlib.sha256()
    for key in sorted(accounts):
        account = accounts[key]
        for o in account.orders:
            digest.update(
                f"{key} order {o.symbol} {o.order_id} {o.client_order_id} {o.side} {o.type} "
                f"{o.orig_qty} {o.price} {o.status} {o.executed_qty}\n".encode()
            )
        for t in account.trades:
            digest.update(
                f"{key} trade {t.symbol} {t.trade_id} {t.order_id} {t.price} {t.qty} "
                f"{t.commission} {t.commission_asset}\n".encode()
            )
        for asset in sorted(account.balances):
            digest.update(f"{key} {asset} {account.free(asset)} {account.locked(asset)}\n".encode())
    return digest.hexdigest()


def _natural(order_id: str) -> tuple[str, int]:
    head, _, tail = order_id.rpartition("-")
    return (head, int(tail)) if tail.isdigit() else (order_id, 0)


def run_seeds(
    runs: list[tuple[BinanceServerConfig, RigConfig]],
    scenario: Callable[[LiveRig], Awaitable[None]] | None = None,
    at_once: int = 5,
) -> list[RigReport]:
    """Each (server, rig) pair on its own simulated Binance server (a thread each), up to
    ``at_once`` rigs at a time on one event loop; the reports in the order given."""
    if len(runs) > at_once:
        return [
            report
            for start in range(0, len(runs), at_once)
            for report in run_seeds(runs[start : start + at_once], scenario, at_once)
        ]
    with contextlib.ExitStack() as stack:
        venues = [stack.enter_context(running_binance_server(server)) for server, _ in runs]

        async def all_runs() -> list[RigReport]:
            return list(
                await asyncio.gather(
                    *(run_rig(v, cfg, scenario) for v, (_, cfg) in zip(venues, runs, strict=True))
                )
            )

        return asyncio.run(all_runs())


async def run_rig(
    venue: BinanceServerHandle,
    config: RigConfig,
    scenario: Callable[[LiveRig], Awaitable[None]] | None = None,
    clock: Clock | None = None,
) -> RigReport:
    """Start the rig, run ``scenario`` (default: :meth:`LiveRig.drive`), settle, report."""
    async with LiveRig.running(venue, config, clock) as rig:
        await (scenario or LiveRig.drive)(rig)
        await rig.settle()
        report = rig.report()
    print(report.summary())
    return report
