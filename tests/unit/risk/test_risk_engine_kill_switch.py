"""The kill switch through the kernel: cancel everything, flatten, refuse entries until re-armed."""

from __future__ import annotations

from decimal import Decimal as D

from xor_trading.core.clock import TestClock
from xor_trading.core.ids import Symbol
from xor_trading.domain.accounts import Account
from xor_trading.domain.candles import Candle
from xor_trading.domain.events import CandleClosed, OrderDenied
from xor_trading.domain.orders import OrderStatus
from xor_trading.exchanges.simulated.fill_models import VenueConfig
from xor_trading.exchanges.simulated.venue import SimulatedVenue
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.kill_switch import GLOBAL_SCOPE
from xor_trading.runtime.kernel import TradingKernel
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import TradeSettings
from xor_trading.testing.factories import make_candle, make_instrument

SYM = Symbol("TST/USDT")


class BuyAndBid(Strategy[StrategyConfig]):
    """Candle 0: buys at market and bids 90. Later candles: tries to buy again."""

    name = "test_buy_and_bid"
    config_class = StrategyConfig

    def on_candle(self, candle: Candle) -> None:
        self.enter_long(candle)
        self.buy_limit(D("0.1"), D(90))


def _step(kernel: TradingKernel, venue: SimulatedVenue, clock: TestClock, i: int) -> None:
    candle = make_candle(100, 101, 99, 100, i=i)
    clock.set_time(candle.ts_ms)
    venue.on_candle(SYM, candle)
    clock.set_time(candle.close_ms)
    kernel.bus.publish(CandleClosed(SYM, candle))


def test_kill_switch_cancels_flattens_and_blocks_until_rearmed() -> None:
    clock = TestClock()
    inst = make_instrument()
    venue = SimulatedVenue(clock, [inst], VenueConfig(), {"USDT": D(10_000)})
    account = Account("USDT")
    account.deposit(D(10_000), 0)
    risk = RiskConfig.from_pairs(["max_entries_per_day=100", "max_open_positions=5"])
    kernel = TradingKernel(clock, venue, [inst], account, risk)
    kernel.add_strategy(BuyAndBid, StrategyConfig(), inst, TradeSettings(stake=D(100)), 60_000)
    denied: list[OrderDenied] = []
    kernel.bus.subscribe(OrderDenied, denied.append)

    _step(kernel, venue, clock, 0)  # orders sent at the close
    _step(kernel, venue, clock, 1)  # the market buy fills at the open; the bid rests
    assert kernel.portfolio.position_quantity(SYM) > 0
    kernel.risk.engage_kill_switch(GLOBAL_SCOPE, "exchange incident", flatten=True,
                                   ts_ms=clock.now_ms(), by="ops")  # fmt: skip
    _step(kernel, venue, clock, 2)  # the flattening sell fills at this open
    assert kernel.portfolio.position_quantity(SYM) == 0
    assert all(o.status.is_terminal for o in kernel.execution.cache.all())
    assert any(o.status is OrderStatus.CANCELED for o in kernel.execution.cache.all())
    assert denied
    assert {d.rule for d in denied} == {"kill_switch"}  # every entry after engaging

    kernel.risk.rearm_kill_switch(GLOBAL_SCOPE, "ops", "incident over", ts_ms=clock.now_ms())
    before = len(denied)
    _step(kernel, venue, clock, 3)
    assert len(denied) == before  # entries pass again
    rules = [e.rule for e in kernel.risk.journal]
    assert "kill_switch:kill_switch_engaged" in rules
    assert "kill_switch:kill_switch_rearmed" in rules
