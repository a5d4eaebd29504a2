"""Closing orders after a buy whose commission was paid in the base asset (through the
kernel): the kill switch's flatten, the exit manager's stop and ladder, and a strategy's
exit all sell the whole lots the account holds, never the gross quantity bought."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from typing import Any

from xor_trading.core.clock import TestClock
from xor_trading.core.ids import Symbol
from xor_trading.domain.accounts import Account
from xor_trading.domain.candles import Candle
from xor_trading.domain.events import CandleClosed, OrderFilled
from xor_trading.domain.orders import Order, OrderSide
from xor_trading.exchanges.simulated.fill_models import VenueConfig
from xor_trading.exchanges.simulated.venue import SimulatedVenue
from xor_trading.execution.reports import OrderFilledReport
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.exit_manager import ExitConfig
from xor_trading.risk.kill_switch import GLOBAL_SCOPE
from xor_trading.runtime.kernel import TradingKernel
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import TradeSettings
from xor_trading.testing.factories import make_candle, make_instrument

SYM = Symbol("TST/USDT")
INST = make_instrument()  # lot 0.001
# A buy of 1.000 TST is charged 0.0005 TST: the account holds 0.9995, 0.999 in whole lots.
FEE_RATE = D("0.0005")
NET_LOTS = D("0.999")
DUST = D("0.0005")


class BuyOnce(Strategy[StrategyConfig]):
    name = "test_buy_once"
    config_class = StrategyConfig

    def __init__(self, config: StrategyConfig, context: Any) -> None:
        super().__init__(config, context)
        self.exit_at: int | None = None
        self.seen = 0

    def on_candle(self, candle: Candle) -> None:
        n, self.seen = self.seen, self.seen + 1
        if n == 0:
            self.enter_long(candle)
        elif n == self.exit_at:
            self.exit_long(candle)


class _Harness:
    def __init__(self, risk: RiskConfig | None = None, exits: ExitConfig | None = None) -> None:
        self.clock = TestClock()
        self.venue = SimulatedVenue(self.clock, [INST], VenueConfig(), {"USDT": D(10_000)})
        connect = self.venue.connect

        def connect_charging_base(sink: Any) -> None:
            def rewrite(report: object) -> None:
                if isinstance(report, OrderFilledReport) and report.fill.side is OrderSide.BUY:
                    fill = report.fill
                    fee = fill.quantity * FEE_RATE
                    report = OrderFilledReport(replace(fill, fee=fee, fee_currency="TST"))
                sink(report)

            connect(rewrite)

        self.venue.connect = connect_charging_base  # type: ignore[method-assign]
        account = Account("USDT")
        account.deposit(D(10_000), 0)
        self.kernel = TradingKernel(self.clock, self.venue, [INST], account, risk, exits=exits)
        runner = self.kernel.add_strategy(
            BuyOnce, StrategyConfig(), INST, TradeSettings(stake=D(100)), 60_000
        )
        self.strategy = runner.strategy
        self.fills: list[OrderFilled] = []
        self.kernel.bus.subscribe(OrderFilled, self.fills.append)

    def step(self, i: int, close: float = 100) -> None:
        candle = make_candle(close, close + 1, close - 1, close, i=i)
        self.clock.set_time(candle.ts_ms)
        self.venue.on_candle(SYM, candle)
        self.clock.set_time(candle.close_ms)
        self.kernel.bus.publish(CandleClosed(SYM, candle))

    def sells(self) -> list[Order]:
        """Every sell order sent to execution, in the order they were sent."""
        orders = self.kernel.execution.cache.all()
        return sorted((o for o in orders if o.side is OrderSide.SELL), key=lambda o: o.created_ms)


def test_kill_switch_flatten_after_base_fee_buy_sells_the_whole_lots_held() -> None:
    h = _Harness(RiskConfig.from_pairs(["max_entries_per_day=100", "max_open_positions=5"]))
    h.step(0)
    h.step(1)  # the buy fills: 1.000 TST, fee 0.0005 TST
    portfolio = h.kernel.portfolio
    assert portfolio.position_quantity(SYM) == NET_LOTS
    assert h.kernel.risk.state.positions[SYM].quantity == NET_LOTS
    h.kernel.risk.engage_kill_switch(GLOBAL_SCOPE, "test", flatten=True, ts_ms=h.clock.now_ms())
    h.step(2)
    (flatten,) = h.sells()
    assert (flatten.quantity, flatten.tag) == (NET_LOTS, "kill_switch")
    assert portfolio.position_quantity(SYM) == 0
    assert portfolio.holding(SYM) == DUST
    assert SYM not in h.kernel.risk.state.positions  # the round trip is over


def test_strategy_exit_after_base_fee_buy_sells_the_whole_lots_held() -> None:
    h = _Harness()
    h.strategy.exit_at = 2  # type: ignore[attr-defined]
    for i in range(4):
        h.step(i)
    (exit_order,) = h.sells()
    assert (exit_order.quantity, exit_order.tag) == (NET_LOTS, "signal")
    assert [f.fill.quantity for f in h.fills] == [D("1.000"), NET_LOTS]
    assert h.kernel.portfolio.holding(SYM) == DUST


def test_exit_manager_stop_after_base_fee_buy_covers_the_whole_lots_held() -> None:
    exits = ExitConfig(enabled=True, stop_pct=D(5), take_profit=(), break_even=False)
    h = _Harness(exits=exits)
    h.step(0)
    h.step(1)
    (stop,) = h.sells()
    assert (stop.quantity, stop.tag) == (NET_LOTS, "stop_loss")


def test_exit_manager_ladder_after_base_fee_buy_sells_exactly_the_whole_lots_held() -> None:
    h = _Harness(exits=ExitConfig(enabled=True, stop_pct=D(5)))
    h.step(0)
    h.step(1)
    stops = [o for o in h.sells() if o.tag == "stop_loss"]
    targets = [o for o in h.sells() if o.tag == "take_profit"]
    assert sum(o.quantity for o in stops) == sum(o.quantity for o in targets) == NET_LOTS
    for i, close in enumerate([101.5, 102.5, 103.5, 104.5], start=2):  # every target fills
        h.step(i, close)
    assert h.kernel.portfolio.position_quantity(SYM) == 0
    assert h.kernel.portfolio.holding(SYM) == DUST
