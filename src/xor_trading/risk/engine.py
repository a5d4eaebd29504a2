"""The risk engine: every order command passes here before execution, in every mode.

For each ``SubmitOrder`` it decides, in this order:

1. a kill switch engaged for the bot, its account or globally refuses new entries;
2. a tripped breaker (drawdown halt, daily loss, stop-loss cooldown) refuses new entries;
3. the pre-trade rules (:mod:`xor_trading.risk.rules`) check the venue's limits on every
   order and the configured limits on entries.

Exits (reduce-only orders and orders that only shrink a position) are never blocked by a
limit, a breaker or a kill switch: stopping a bot must never trap it in a position. A
denial publishes :class:`~xor_trading.domain.events.OrderDenied` with the rule's machine
name and a sentence, and is kept in :attr:`RiskEngine.journal` with every breaker event, for
``risk_events.csv``.

With ``RiskConfig.disabled()`` only the venue's rules run and the engine subscribes to
nothing (no per-candle work); research runs and peer comparisons use it.

A fill whose commission is not in the quote (Binance charges a buy's in the base asset)
moves the tracked position by the whole lots the account really holds (the portfolio's
rules, ``domain/positions.py``: what is left below one lot is dust, kept apart), and its fee
counts at its quote value; so a kill-switch flatten never sells more than is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xor_trading.bus.endpoints import EXECUTION, RISK
from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import Clock
from xor_trading.core.ids import IdGenerator, OrderId, StrategyId, Symbol
from xor_trading.domain.commands import CancelAllOrders, CancelOrder, SubmitOrder
from xor_trading.domain.events import (
    CandleClosed,
    OrderDenied,
    OrderFilled,
    OrderStatusChanged,
)
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.domain.positions import fee_in_quote, tradable_fill
from xor_trading.risk.breakers import BreakerSet
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.events import BreakerReset, BreakerTripped, KillSwitchEngaged
from xor_trading.risk.kill_switch import (
    CancelOpenOrders,
    FlattenPositions,
    KillScope,
    KillSwitchBoard,
)
from xor_trading.risk.position_sizer import PositionSizer, SizingConfig
from xor_trading.risk.rules import Denial, check_pre_trade
from xor_trading.risk.state import RiskState

STOP_LOSS_TAG = "stop_loss"


@dataclass(frozen=True, slots=True)
class RiskJournalEntry:
    """One line of ``risk_events.csv``: a denial or a breaker event."""

    ts_ms: int
    rule: str
    reason: str
    order_id: str = ""


class RiskEngine:
    def __init__(
        self,
        bus: MessageBus,
        instruments: dict[Symbol, Instrument],
        config: RiskConfig | None = None,
        clock: Clock | None = None,
        equity: float = 0.0,
        bot_id: str = "bot",
        account_id: str = "account",
        kill_switches: KillSwitchBoard | None = None,
        sizing: SizingConfig | None = None,
        order_ids: IdGenerator | None = None,
    ) -> None:
        self._bus = bus
        self._instruments = instruments
        self.config = config or RiskConfig.disabled()
        self._clock = clock
        self._bot_id = bot_id
        self._account_id = account_id
        self.kill_switches = kill_switches or KillSwitchBoard()
        self.state = RiskState(equity, self.config.correlation_window)
        self.breakers = BreakerSet.from_config(self.config)
        self.sizer = PositionSizer(
            sizing or SizingConfig(),
            self.state,
            self.config.max_position_pct if self.config.enabled else None,
            self.config.max_risk_per_trade_pct if self.config.enabled else None,
        )
        self.denials: list[OrderDenied] = []
        self.journal: list[RiskJournalEntry] = []
        self._trade_cash: dict[str, Decimal] = {}  # cash flow of the open round trip, per symbol
        self._dust: dict[str, Decimal] = {}  # held below one lot (base-asset commissions)
        self._kill_ids = order_ids or IdGenerator("K")  # a bot prefixes them (unique per run)
        bus.register(RISK, self.execute)
        if self.config.enabled or self.sizer.needs_market_data:
            bus.subscribe(OrderFilled, self._on_fill)
            bus.subscribe(CandleClosed, self._on_candle)
        if self.config.enabled:
            bus.subscribe(OrderStatusChanged, self._on_status)

    # -- commands -----------------------------------------------------------------------------

    def execute(self, command: object) -> None:
        if isinstance(command, SubmitOrder):
            denial = self._check(command)
            if denial is not None:
                event = OrderDenied(command, denial.rule, denial.message, command.ts_ms)
                self.denials.append(event)
                self.journal.append(
                    RiskJournalEntry(command.ts_ms, denial.rule, denial.message, command.order_id)
                )
                self._bus.publish(event)
                return
            if self.config.enabled:
                self.state.on_entry_accepted(command)
        elif not isinstance(command, CancelOrder | CancelAllOrders):
            raise TypeError(f"risk engine cannot handle {type(command).__name__}")
        self._bus.send(EXECUTION, command)

    def _check(self, cmd: SubmitOrder) -> Denial | None:
        inst = self._instruments.get(cmd.symbol)
        if inst is None:
            return Denial("unknown_symbol", f"no instrument {cmd.symbol}")
        if self.config.enabled and self.state.entry_quantity(cmd) > 0:
            blocked = self.kill_switches.blocks(self._bot_id, self._account_id)
            if blocked is not None:
                return Denial("kill_switch", blocked)
            breaker = self.breakers.blocking(cmd.ts_ms)
            if breaker is not None:
                return Denial(*breaker)
        return check_pre_trade(cmd, self.state, self.config, inst)

    # -- kill switch --------------------------------------------------------------------------

    def engage_kill_switch(
        self, scope: KillScope, reason: str, *, flatten: bool, ts_ms: int, by: str = ""
    ) -> KillSwitchEngaged:
        """Engage a kill switch and carry out its actions for this engine's bot: cancel every
        open order, then (if asked) close every position at market, reduce-only. New entries
        are refused until :meth:`rearm_kill_switch`."""
        engagement = self.kill_switches.engage(scope, reason, flatten, ts_ms=ts_ms, by=by)
        if self.kill_switches.blocks(self._bot_id, self._account_id) is not None:
            for action in engagement.actions:
                if isinstance(action, CancelOpenOrders):
                    self._bus.send(EXECUTION, CancelAllOrders(ts_ms))
                elif isinstance(action, FlattenPositions):
                    self._flatten(ts_ms)
        self.journal.append(RiskJournalEntry(ts_ms, f"kill_switch:{engagement.event.kind}", reason))
        self._bus.publish(engagement.event)
        return engagement.event

    def rearm_kill_switch(self, scope: KillScope, by: str, reason: str, *, ts_ms: int) -> None:
        event = self.kill_switches.rearm(scope, by, reason, ts_ms=ts_ms)
        if event is not None:
            self.journal.append(RiskJournalEntry(ts_ms, f"kill_switch:{event.kind}", reason))
            self._bus.publish(event)

    def _flatten(self, ts_ms: int) -> None:
        for symbol, position in list(self.state.positions.items()):
            side = OrderSide.SELL if position.quantity > 0 else OrderSide.BUY
            self._bus.send(EXECUTION, SubmitOrder(
                order_id=OrderId(self._kill_ids.next()), strategy_id=StrategyId("kill_switch"),
                symbol=Symbol(symbol), side=side, order_type=OrderType.MARKET,
                quantity=abs(position.quantity), ts_ms=ts_ms, reduce_only=True,
                tag="kill_switch",
            ))  # fmt: skip

    # -- what the engine watches (only when enabled) -------------------------------------------

    def _on_fill(self, event: OrderFilled) -> None:
        fill = event.fill
        symbol = fill.symbol
        flow = fill.notional if fill.side is OrderSide.SELL else -fill.notional
        inst = self._instruments.get(symbol)
        if inst is None or not fill.fee or fill.fee_currency == inst.quote:
            cash = self._trade_cash.get(symbol, Decimal(0)) + flow - fill.fee
            self.state.on_fill(fill)
        else:
            fee = fee_in_quote(fill, inst.base, inst.quote)
            cash = self._trade_cash.get(symbol, Decimal(0)) + flow - fee
            pos = self.state.positions.get(symbol)
            moved, self._dust[symbol] = tradable_fill(
                fill, inst.base, inst.quote, inst.lot_size,
                Decimal(0) if pos is None else pos.quantity, self._dust.get(symbol, Decimal(0)),
            )  # fmt: skip
            if moved is not None:
                self.state.on_fill(moved)
            else:  # the whole lots held did not move: only the fee changes the equity
                self.state.equity -= float(fee)
        if symbol in self.state.positions:
            self._trade_cash[symbol] = cash
            return
        self._trade_cash.pop(symbol, None)  # the round trip is over: its cash flow is its PnL
        self.sizer.on_round_trip(float(cash))
        if self.config.enabled:
            self._record(
                self.breakers.observe_trade(
                    fill.ts_ms, pnl=float(cash), by_stop_loss=event.tag == STOP_LOSS_TAG
                )
            )

    def _on_candle(self, event: CandleClosed) -> None:
        symbol, candle = event
        self.state.on_candle(symbol, candle)
        self.sizer.on_candle(symbol, candle)
        if self.config.enabled:
            self._record(self.breakers.observe_equity(candle.close_ms, self.state.equity))

    def _on_status(self, event: OrderStatusChanged) -> None:
        if event.status.is_terminal:
            self.state.on_order_closed(event.order_id)

    def _record(self, events: list[BreakerTripped | BreakerReset]) -> None:
        for event in events:
            rule = event.breaker
            self.journal.append(RiskJournalEntry(event.ts_ms, f"{rule}:{event.kind}", event.reason))
            self._bus.publish(event)
