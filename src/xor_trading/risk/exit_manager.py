"""Protective exits of a long position: stop (fixed, ratcheting or trailing), take-profit
ladder, break-even after the first target, time stop. The same code in every mode.

The manager watches fills and closed candles and keeps the venue's working exit orders equal
to what :func:`~xor_trading.risk.exits.protective_legs` says should be working: one
one-cancels-the-other pair (limit at the leg's target, stop-market at the stop) per open
ladder leg, or a single stop-market for the whole position without a ladder. On a spot venue
each pair locks only its own quantity, so the stops together cover exactly the position.

Whenever the picture changes (an entry or exit fill, a stop that moves up, a leg that
completes) every working exit order is canceled and the desired set is placed again: simple,
and always consistent through partial fills. A time stop cancels the exits and sells at
market. Exits go straight to execution: no risk limit ever blocks an exit.

A fill whose commission is paid in the base asset moves the position by what the account
really received or gave, and the exits cover the whole lots of it only; the rest is dust
(``domain/positions.py``, the portfolio's rules), so no exit sells more than is held.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from xor_trading.bus.endpoints import EXECUTION
from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import Clock
from xor_trading.core.errors import ConfigError
from xor_trading.core.ids import IdGenerator, OrderId, StrategyId, Symbol
from xor_trading.domain.commands import CancelOrder, SubmitOrder, SubmitOrderList
from xor_trading.domain.events import CandleClosed, OrderFilled
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.domain.positions import tradable_fill
from xor_trading.indicators.atr import ATR
from xor_trading.risk.exits import (
    BreakEven,
    LadderState,
    LegFill,
    RatchetingStop,
    StopPolicy,
    StopRule,
    StopState,
    TakeProfitLadder,
    TimeStop,
    TrailingStop,
    protective_legs,
)

STOP_TAG = "stop_loss"  # the risk engine's stop-loss cooldown counts these
TARGET_TAG = "take_profit"
TIME_TAG = "time_stop"
ENTRY_TAG = "entry"


class StopKind(StrEnum):
    NONE = "none"
    FIXED = "fixed"  # percent or ATR below the entry, never moves (but break-even)
    RATCHET = "ratchet"  # highest high since entry minus the initial distance
    TRAILING = "trailing"  # activates after a rise, then trails


class ExitConfig(BaseModel):
    """Protective exits placed after every entry (``xor backtest --exit key=value``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = False
    stop: StopKind = StopKind.FIXED
    stop_pct: Decimal | None = Field(default=Decimal(2), gt=0, lt=100)
    stop_atr_multiple: Decimal | None = Field(default=None, gt=0, le=100)
    atr_period: int = Field(default=14, ge=1, le=1000)
    trailing_activation_pct: Decimal = Field(default=Decimal(1), ge=0, le=1000)
    trailing_pct: Decimal = Field(default=Decimal(1), gt=0, lt=100)
    take_profit: tuple[tuple[Decimal, Decimal], ...] = (
        (Decimal(1), Decimal(50)), (Decimal(2), Decimal(30)), (Decimal(3), Decimal(20)),
    )  # fmt: skip
    break_even: bool = True
    break_even_fee_pct: Decimal = Field(default=Decimal("0.2"), ge=0, lt=100)
    time_stop_candles: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _coherent(self) -> ExitConfig:
        if self.stop_atr_multiple is not None and self.stop is StopKind.TRAILING:
            raise ValueError("a trailing stop trails by trailing_pct, not by stop_atr_multiple")
        if self.take_profit and sum(share for _, share in self.take_profit) != 100:
            shares = " + ".join(str(s) for _, s in self.take_profit)
            raise ValueError(f"take-profit shares must add up to 100 %, not {shares}")
        if self.break_even and not self.take_profit:
            raise ValueError("break_even moves the stop after the first take profit: set one")
        return self


def exit_config_from_pairs(pairs: list[str]) -> ExitConfig:
    """``["on"]`` (the defaults) or ``["stop=ratchet", "take_profit=1:50,2:30,3:20", ...]``;
    any pair turns the exits on. ``take_profit=none`` disables the ladder."""
    values: dict[str, object] = {"enabled": True}
    for pair in pairs:
        if pair.strip().lower() == "on":
            continue
        key, sep, raw = pair.partition("=")
        key, raw = key.strip().replace("-", "_"), raw.strip()
        if not sep or key not in ExitConfig.model_fields or key == "enabled":
            known = ", ".join(k for k in ExitConfig.model_fields if k != "enabled")
            raise ConfigError(f"--exit {pair!r} is not a known key=value", f"keys: {known}")
        if key == "take_profit":
            try:
                values[key] = (
                    ()
                    if raw.lower() in ("none", "off", "")
                    else tuple(
                        (Decimal(pct), Decimal(share))
                        for pct, share in (level.split(":") for level in raw.split(","))
                    )
                )
            except (ValueError, ArithmeticError):
                raise ConfigError(
                    f"--exit take_profit={raw!r} is not a list of pct:share",
                    "write it like take_profit=1:50,2:30,3:20",
                ) from None
        else:
            values[key] = None if raw.lower() == "none" else raw
    try:
        return ExitConfig.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "exits"
        raise ConfigError(f"invalid --exit {where}: {err['msg']}", "see docs/risk.md") from None


@dataclass(slots=True)
class _Plan:
    strategy_id: StrategyId
    quantity: Decimal
    entry_price: Decimal
    rule: StopRule | None
    stop: StopState | None
    ladder: LadderState | None
    candles: int = 0
    working: list[OrderId] = field(default_factory=list)


class ExitManager:
    def __init__(
        self, bus: MessageBus, clock: Clock, instruments: dict[Symbol, Instrument],
        config: ExitConfig, native_stops: bool = True, order_ids: IdGenerator | None = None,
    ) -> None:  # fmt: skip
        """``native_stops``: the venue takes stop-market orders linked one-cancels-the-other
        with limits. Otherwise the stop is emulated: kept here, checked against each closed
        candle's low, and executed as a market sell at the next price (worse than a native
        stop, which fills at its price inside the candle)."""
        self._native = native_stops
        self._bus = bus
        self._clock = clock
        self._instruments = instruments
        self.config = config
        self._plans: dict[Symbol, _Plan] = {}
        self._positions: dict[Symbol, tuple[Decimal, Decimal]] = {}  # quantity, cost
        self._dust: dict[Symbol, Decimal] = {}  # held below one lot (base-asset commissions)
        self._atr: dict[Symbol, ATR] = {}
        self._atr_value: dict[Symbol, float] = {}
        self._ids = order_ids or IdGenerator("E")  # a bot prefixes them (unique per run)
        self._break_even = BreakEven(1, config.break_even_fee_pct) if config.break_even else None
        self._time_stop = TimeStop(config.time_stop_candles) if config.time_stop_candles else None
        bus.subscribe(OrderFilled, self._on_fill)
        bus.subscribe(CandleClosed, self._on_candle)

    # -- events -------------------------------------------------------------------------------

    def _on_fill(self, event: OrderFilled) -> None:
        fill = moved = event.fill
        symbol = fill.symbol
        qty, cost = self._positions.get(symbol, (Decimal(0), Decimal(0)))
        inst = self._instruments.get(symbol)
        if inst is not None and fill.fee and fill.fee_currency == inst.base:
            netted, self._dust[symbol] = tradable_fill(
                fill, inst.base, inst.quote, inst.lot_size, qty, self._dust.get(symbol, Decimal(0))
            )
            if netted is None:
                return  # the whole lots held did not change
            moved = netted
        if moved.side is OrderSide.BUY:
            qty, cost = qty + moved.quantity, cost + moved.notional
        else:
            cost = cost * (qty - moved.quantity) / qty if qty else Decimal(0)
            qty -= moved.quantity
        self._positions[symbol] = (qty, cost)
        plan = self._plans.get(symbol)
        if qty <= 0:
            if plan is not None:
                self._cancel_working(plan)
                del self._plans[symbol]
            return
        if moved.side is OrderSide.BUY and event.tag == ENTRY_TAG:
            if plan is not None:
                self._cancel_working(plan)
            self._plans[symbol] = plan = self._start(symbol, event.strategy_id, qty, cost / qty)
        elif plan is None:
            return
        elif event.tag == TARGET_TAG and plan.ladder is not None:
            level = self._level_of(plan, fill.order_id)
            plan.ladder = plan.ladder.after_fill(LegFill(level, fill.quantity))
            if moved is not fill:  # the base fee took more than the leg: follow the position
                plan.ladder = plan.ladder.resize(qty)
            if self._break_even is not None and plan.stop is not None:
                plan.stop = self._break_even.apply(plan.stop, plan.ladder)
        elif plan.ladder is not None:
            plan.ladder = plan.ladder.resize(qty)  # a stop leg (or another sell) took some
        plan.quantity = qty
        self._replace(symbol, plan)

    def _on_candle(self, event: CandleClosed) -> None:
        symbol, candle = event
        if self.config.stop_atr_multiple is not None:
            atr = self._atr.get(symbol) or self._atr.setdefault(symbol, ATR(self.config.atr_period))
            self._atr_value[symbol] = atr.update(candle.high, candle.low, candle.close)
        plan = self._plans.get(symbol)
        if plan is None:
            return
        plan.candles += 1
        if self._time_stop is not None and self._time_stop.is_due(plan.candles):
            self._cancel_working(plan)
            self._market_exit(symbol, plan, TIME_TAG)
            return
        if (
            not self._native
            and plan.stop is not None
            and plan.stop.is_hit(Decimal(str(candle.low)))
        ):
            self._cancel_working(plan)
            self._market_exit(symbol, plan, STOP_TAG)
            return
        if plan.rule is not None and plan.stop is not None:
            moved = plan.rule.update(plan.stop, Decimal(str(candle.high)))
            if moved.stop != plan.stop.stop:
                plan.stop = moved
                self._replace(symbol, plan)
            else:
                plan.stop = moved

    # -- placing ------------------------------------------------------------------------------

    def _start(
        self, symbol: Symbol, strategy_id: StrategyId, qty: Decimal, entry: Decimal
    ) -> _Plan:
        c, inst = self.config, self._instruments[symbol]
        rule: StopRule | None = None
        stop: StopState | None = None
        atr = self._atr_value.get(symbol)
        if c.stop is not StopKind.NONE:
            policy = (StopPolicy.atr(c.stop_atr_multiple) if c.stop_atr_multiple is not None
                      else StopPolicy.percent(c.stop_pct or Decimal(2)))  # fmt: skip
            atr_d = None if atr is None or math.isnan(atr) else Decimal(str(atr))
            if c.stop is StopKind.FIXED:
                rule = policy
                stop = policy.start(entry, inst, atr_d)
            elif c.stop is StopKind.RATCHET:
                ratchet = RatchetingStop.from_policy(policy, entry, atr_d)
                rule, stop = ratchet, ratchet.start(entry, inst)
            else:
                trailing = TrailingStop(c.trailing_activation_pct, c.trailing_pct)
                rule, stop = (
                    trailing,
                    trailing.start(entry, inst, policy.stop_price(entry, inst, atr_d)),
                )
        ladder = None
        if c.take_profit:
            ladder = TakeProfitLadder(c.take_profit).start(entry, qty, inst)
        return _Plan(strategy_id, qty, entry, rule, stop, ladder)

    def _replace(self, symbol: Symbol, plan: _Plan) -> None:
        self._cancel_working(plan)
        now = self._clock.now_ms()
        stop_price = None if plan.stop is None else plan.stop.stop
        has_stop = stop_price is not None and self._native  # emulated stops place no order
        if plan.ladder is None:
            if has_stop:
                plan.working.append(
                    self._send(self._stop(symbol, plan, plan.quantity, stop_price, now))
                )
            return
        for leg in protective_legs(plan.stop, plan.ladder) if plan.stop and has_stop else ():
            target = self._target(symbol, plan, leg.quantity, leg.take_profit, now, leg.level)
            stop = self._stop(symbol, plan, leg.quantity, leg.stop, now)
            self._bus.send(EXECUTION, SubmitOrderList(stop, target))
            plan.working += [stop.order_id, target.order_id]
        if not has_stop:  # no stop (not active yet): the targets alone
            for open_leg in plan.ladder.open_legs:
                target = self._target(
                    symbol, plan, open_leg.quantity, open_leg.price, now, open_leg.level
                )
                plan.working.append(self._send(target))

    def _market_exit(self, symbol: Symbol, plan: _Plan, tag: str) -> None:
        self._send(SubmitOrder(
            order_id=OrderId(self._ids.next()), strategy_id=plan.strategy_id, symbol=symbol,
            side=OrderSide.SELL, order_type=OrderType.MARKET, quantity=plan.quantity,
            ts_ms=self._clock.now_ms(), tag=tag,
        ))  # fmt: skip
        del self._plans[symbol]

    def _stop(self, symbol: Symbol, plan: _Plan, qty: Decimal, price: Decimal | None,
              now: int) -> SubmitOrder:  # fmt: skip
        return SubmitOrder(
            order_id=OrderId(self._ids.next()), strategy_id=plan.strategy_id, symbol=symbol,
            side=OrderSide.SELL, order_type=OrderType.STOP_MARKET, quantity=qty, ts_ms=now,
            stop_price=price, tag=STOP_TAG,
        )  # fmt: skip

    def _target(self, symbol: Symbol, plan: _Plan, qty: Decimal, price: Decimal, now: int,
                level: int) -> SubmitOrder:  # fmt: skip
        order_id = OrderId(f"{self._ids.next()}-tp{level}")
        return SubmitOrder(
            order_id=order_id, strategy_id=plan.strategy_id, symbol=symbol, side=OrderSide.SELL,
            order_type=OrderType.LIMIT, quantity=qty, ts_ms=now, limit_price=price,
            tag=TARGET_TAG,
        )  # fmt: skip

    @staticmethod
    def _level_of(plan: _Plan, order_id: str) -> int:
        return int(order_id.rsplit("-tp", 1)[1])

    def _send(self, cmd: SubmitOrder) -> OrderId:
        self._bus.send(EXECUTION, cmd)
        return cmd.order_id

    def _cancel_working(self, plan: _Plan) -> None:
        now = self._clock.now_ms()
        for order_id in plan.working:
            self._bus.send(EXECUTION, CancelOrder(order_id, now))
        plan.working.clear()
