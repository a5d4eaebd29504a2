"""Assemble one bot: a :class:`TradingKernel` and one strategy runner per symbol.

This is the one place where a bot (paper or live) is put together, and the one place
where a candle is fed to it. Backtests, paper and live share the kernel; a bot adds the
intent journal (fenced, durable intents), the order id prefix (the lease's fencing token)
and the command gate (pause, warm-up, kill switch, fees), all optional, so benchmarks can
run bare bots::

    clock = TestClock(first_open_ms)
    venue = paper_venue(spec, clock)
    bot = assemble_bot(spec, clock, venue, order_id_prefix="7.")
    bot.start()
    for candle in candles:
        bot.feed_candle(candle)          # one symbol; else bot.feed_candle(candle, symbol)
        if bot.failure is not None: ...  # a strategy raised: it is stopped

Per candle, :meth:`AssembledBot.feed_candle` does exactly what the backtest event path does
(``backtest/event_path.py``): the clock (a :class:`TestClock`) moves to the candle's open
and the venue matches working orders along the candle's path (a simulated venue only: a
live venue matches by itself), then the clock moves to the close and ``CandleClosed`` is
published. With the same candles, the same strategy and the same venue configuration, a
paper bot's fills are therefore the backtest's fills, to the last decimal. With a
:class:`~xor_trading.core.clock.LiveClock` the clock is not moved (it is the wall clock).

Stable contract (``bench/bots_scale.py`` builds on it): :func:`assemble_bot`,
:func:`paper_venue`, :attr:`AssembledBot.kernel`, :meth:`AssembledBot.start`,
:meth:`AssembledBot.feed_candle`, :attr:`AssembledBot.failure`.

Restart: :meth:`AssembledBot.restore_position`, :meth:`AssembledBot.restore_account` and
:meth:`AssembledBot.restore_order` give back what an earlier run left (from the database):
nothing is sent and nothing is re-booked.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from xor_trading.core.clock import Clock, TestClock
from xor_trading.core.errors import ConfigError, StrategyError
from xor_trading.core.ids import StrategyId, Symbol, TradeId
from xor_trading.domain.accounts import Account
from xor_trading.domain.candles import Candle
from xor_trading.domain.events import CandleClosed
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import Order
from xor_trading.domain.positions import Position
from xor_trading.domain.values import Quantity
from xor_trading.exchanges.simulated.catalog import load_instrument
from xor_trading.exchanges.simulated.venue import SimulatedVenue
from xor_trading.execution.ports import ExchangePort, IntentJournal
from xor_trading.runtime.bot_spec import DEFAULT_PAPER_BALANCE, BotSpec
from xor_trading.runtime.kernel import CommandGate, TradingKernel
from xor_trading.runtime.strategy_runner import StrategyRunner
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import TradeSettings
from xor_trading.strategy.registry import get_strategy

__all__ = ["AssembledBot", "assemble_bot", "bot_instruments", "paper_venue", "quote_of"]


def bot_instruments(spec: BotSpec) -> list[Instrument]:
    """The instruments of the spec's symbols, from the exchange's market catalog."""
    return [load_instrument(spec.exchange, s) for s in spec.symbols]


def quote_of(spec: BotSpec, instruments: list[Instrument] | None = None) -> str:
    """The one quote currency of the bot's symbols (its account's currency).

    Raises :class:`ConfigError` when the symbols are quoted in different currencies.
    """
    quotes = {i.quote for i in (instruments or bot_instruments(spec))}
    if len(quotes) != 1:
        raise ConfigError(
            f"bot {spec.bot_id} trades symbols quoted in {', '.join(sorted(quotes))}",
            "give a bot symbols of one quote currency (e.g. all .../USDT)",
        )
    return quotes.pop()


def _starting_balances(spec: BotSpec, quote: str) -> dict[str, Decimal]:
    balances = dict(spec.balances)
    balances.setdefault(quote, DEFAULT_PAPER_BALANCE)
    return balances


def paper_venue(spec: BotSpec, clock: Clock, *, trade_id_prefix: str = "T-") -> SimulatedVenue:
    """The simulated venue of a paper bot: the spec's symbols, fill model and balances
    (the quote currency defaults to :data:`DEFAULT_PAPER_BALANCE`). No key, no network.
    ``trade_id_prefix``: unique per run of the bot (the worker passes the lease's)."""
    instruments = bot_instruments(spec)
    quote = quote_of(spec, instruments)
    return SimulatedVenue(
        clock,
        instruments,
        spec.paper_venue,
        balances=_starting_balances(spec, quote),
        name=f"paper:{spec.exchange}",
        trade_id_prefix=trade_id_prefix,
    )


@dataclass(slots=True)
class AssembledBot:
    """A bot's kernel, its runners (one per symbol) and its venue. See the module."""

    spec: BotSpec
    clock: Clock
    venue: ExchangePort
    kernel: TradingKernel
    runners: dict[Symbol, StrategyRunner]
    instruments: dict[Symbol, Instrument]
    started: bool = False
    _sim: SimulatedVenue | None = field(default=None, repr=False)
    _test_clock: TestClock | None = field(default=None, repr=False)
    _unplaced: list[Order] = field(default_factory=list, repr=False)  # see restore_order

    @property
    def matching_venue(self) -> SimulatedVenue | None:
        """The simulated venue matching candles (paper), ``None`` for a live venue."""
        return self._sim

    @property
    def failure(self) -> StrategyError | None:
        """The first strategy failure (its runner stopped feeding it), or ``None``."""
        for runner in self.runners.values():
            if runner.failure is not None:
                return runner.failure
        return None

    def start(self) -> None:
        """Call each strategy's ``on_start`` once."""
        if not self.started:
            self.started = True
            for runner in self.runners.values():
                runner.start()

    def feed_candle(self, candle: Candle, symbol: str | None = None) -> None:
        """One closed candle of ``symbol`` (default: the bot's only symbol), exactly as the
        backtest event path handles it: venue matching at the open, then ``CandleClosed``."""
        sym = Symbol(symbol) if symbol is not None else self._only_symbol()
        if self._test_clock is not None:
            self._test_clock.set_time(candle.ts_ms)
        if self._sim is not None:
            if self._unplaced:
                self._place_restored(self._sim, sym, candle)
            self._sim.on_candle(sym, candle)
        if self._test_clock is not None:
            self._test_clock.set_time(candle.ts_ms + candle.timeframe_ms)
        self.kernel.bus.publish(CandleClosed(sym, candle))

    def warm_up(self, candle: Candle, symbol: str | None = None) -> None:
        """A historical candle: strategies and indicators see it, the venue does not match
        on it (the command gate must refuse orders meanwhile: history is not traded). The
        clock stays where it is: history is in its past."""
        sym = Symbol(symbol) if symbol is not None else self._only_symbol()
        self.kernel.bus.publish(CandleClosed(sym, candle))

    def _only_symbol(self) -> Symbol:
        if len(self.runners) != 1:
            raise ValueError(
                f"bot {self.spec.bot_id} trades {len(self.runners)} symbols: name the symbol"
            )
        return next(iter(self.runners))

    # -- restart ------------------------------------------------------------------------

    def strategy_id_of(self, symbol: str) -> StrategyId:
        """The strategy instance trading ``symbol`` (orders of an earlier run belong to it)."""
        return self.runners[Symbol(symbol)].strategy.ctx.strategy_id

    def restore_account(self, cash: Decimal, ts_ms: int) -> None:
        """Set the account's starting balance (quote currency): the paper capital plus
        realised PnL minus fees so far, or a live account's balance. Call once, first."""
        account = self.kernel.portfolio.account
        if account.entries:
            raise ValueError(f"bot {self.spec.bot_id}: the account was restored already")
        if cash > 0:
            account.deposit(cash, ts_ms, "restored balance")
        self.kernel.risk.state.set_equity(float(cash))

    def restore_position(
        self,
        symbol: str,
        quantity: Decimal,
        average_price: Decimal,
        opened_ms: int,
        dust: Decimal = Decimal(0),
    ) -> None:
        """Give back a position recorded by an earlier run (signed ``quantity``) and the dust
        it held below one lot (base-asset commissions), valued at ``average_price``."""
        sym = Symbol(symbol)
        if quantity == 0 and dust == 0:
            return
        position = Position(
            sym, quantity, average_price * quantity, opened_ms=opened_ms if quantity else None,
            dust=dust, dust_cost=average_price * dust,
        )  # fmt: skip
        self.kernel.portfolio.restore(position)
        if quantity:
            self.kernel.risk.state.set_position(sym, quantity, float(average_price), opened_ms)

    def restore_order(self, order: Order, applied_trade_ids: tuple[TradeId, ...] = ()) -> None:
        """Give back a working order of an earlier run. On a simulated venue (paper) it is
        placed again, under its own id, because the venue's book died with the process."""
        self.kernel.execution.restore(order, applied_trade_ids)
        if self._sim is not None and order.status.is_open and order.remaining_qty > 0:
            # The venue works what is left; its reports name the order, so the engine
            # applies them to the restored order (filled quantity included).
            placed = replace(order, quantity=Quantity(order.remaining_qty), history=[])
            unpriced = placed.limit_price is None and placed.stop_price is None
            if unpriced and not self._sim.has_price(placed.symbol):
                # A market order needs a last price and the new venue has none yet: it is
                # placed at the first live candle, whose open it fills at.
                self._unplaced.append(placed)
            else:
                self._sim.submit_order(placed)

    def _place_restored(self, sim: SimulatedVenue, symbol: Symbol, candle: Candle) -> None:
        due = [o for o in self._unplaced if o.symbol == symbol]
        if not due:
            return
        self._unplaced = [o for o in self._unplaced if o.symbol != symbol]
        sim.note_price(symbol, candle.open)
        for order in due:
            sim.submit_order(order)


def _strategy_of(spec: BotSpec) -> tuple[type[Strategy[Any]], StrategyConfig]:
    strategy_cls = get_strategy(spec.strategy)
    return strategy_cls, strategy_cls.config_class.parse_params(dict(spec.params), spec.strategy)


def assemble_bot(
    spec: BotSpec,
    clock: Clock,
    venue: ExchangePort,
    *,
    intent_journal: IntentJournal | None = None,
    order_id_prefix: str = "",
    command_gate: CommandGate | None = None,
    account_balance: Decimal | None = None,
    matching_venue: SimulatedVenue | None = None,
) -> AssembledBot:
    """Build the kernel of ``spec`` on ``venue`` and one strategy runner per symbol.

    ``order_id_prefix``: the lease's fencing token and a separator (``"7."``), so the
    order ids of this run (and the client order ids derived from them) differ from every
    earlier run's. ``account_balance``: the account's starting cash in the quote currency
    (default: the spec's quote balance, else :data:`DEFAULT_PAPER_BALANCE`). A restart
    passes 0 and then calls :meth:`AssembledBot.restore_account`. ``matching_venue``: the
    simulated venue that matches candles when ``venue`` wraps one (a recording wrapper);
    by default ``venue`` itself when it is a :class:`SimulatedVenue`, else none (live).

    Raises :class:`ConfigError` for an unknown strategy or parameters, symbols of several
    quote currencies, or a strategy that needs extra candle series (not fed by bots yet).
    """
    instruments = bot_instruments(spec)
    quote = quote_of(spec, instruments)
    strategy_cls, strategy_config = _strategy_of(spec)
    account = Account(quote)
    cash = (
        account_balance if account_balance is not None else _starting_balances(spec, quote)[quote]
    )
    if cash > 0:
        account.deposit(cash, clock.now_ms(), "starting balance")
    kernel = TradingKernel(
        clock,
        venue,
        instruments,
        account,
        spec.risk,
        spec.sizing,
        spec.exits,
        intent_journal=intent_journal,
        order_id_prefix=order_id_prefix,
        command_gate=command_gate,
    )
    settings = TradeSettings(stake=spec.stake)
    runners: dict[Symbol, StrategyRunner] = {}
    tf_ms = spec.timeframe_ms
    for inst in instruments:
        runner = kernel.add_strategy(strategy_cls, strategy_config, inst, settings, tf_ms)
        if runner.extra_series:
            raise ConfigError(
                f"strategy {spec.strategy} reads extra candle series, which bots do not feed yet",
                "run it in a backtest, or choose a strategy on one series",
            )
        runners[inst.symbol] = runner
    return AssembledBot(
        spec=spec,
        clock=clock,
        venue=venue,
        kernel=kernel,
        runners=runners,
        instruments={i.symbol: i for i in instruments},
        _sim=matching_venue or (venue if isinstance(venue, SimulatedVenue) else None),
        _test_clock=clock if isinstance(clock, TestClock) else None,
    )
