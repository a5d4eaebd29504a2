"""OCO order lists at the simulated venue are accepted or rejected whole, as at Binance."""

from __future__ import annotations

from decimal import Decimal as D

from xor_trading.core.clock import TestClock
from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.orders import Order, OrderSide, OrderType
from xor_trading.exchanges.simulated.fill_models import VenueConfig
from xor_trading.exchanges.simulated.venue import SimulatedVenue
from xor_trading.execution.reports import OrderAcceptedReport, OrderRejectedReport
from xor_trading.testing.factories import make_candle, make_instrument

SYM = Symbol("TST/USDT")


def test_oco_with_one_invalid_leg_rejects_both_legs() -> None:
    venue = SimulatedVenue(TestClock(), [make_instrument()], VenueConfig(), {"TST": D(10)})
    reports: list[object] = []
    venue.connect(reports.append)
    venue.on_candle(SYM, make_candle(100, 100, 100, 100))
    stop = Order(
        OrderId("SL"), SYM, OrderSide.SELL, OrderType.STOP_MARKET, D("0.005"), 0, stop_price=D(95)
    )  # type: ignore[arg-type]
    target = Order(
        OrderId("TP"), SYM, OrderSide.SELL, OrderType.LIMIT, D("0.005"), 0, limit_price=D(400)
    )  # type: ignore[arg-type]
    venue.submit_oco(stop, target)  # the stop leg is worth 0.475 < 1 USDT minimum
    assert [type(r) for r in reports] == [OrderRejectedReport, OrderRejectedReport]
    assert venue.open_order_ids(SYM) == []


def test_oco_with_valid_legs_accepts_both() -> None:
    venue = SimulatedVenue(TestClock(), [make_instrument()], VenueConfig(), {"TST": D(10)})
    reports: list[object] = []
    venue.connect(reports.append)
    stop = Order(
        OrderId("SL"), SYM, OrderSide.SELL, OrderType.STOP_MARKET, D(1), 0, stop_price=D(95)
    )  # type: ignore[arg-type]
    target = Order(OrderId("TP"), SYM, OrderSide.SELL, OrderType.LIMIT, D(1), 0, limit_price=D(105))  # type: ignore[arg-type]
    venue.submit_oco(stop, target)
    assert [type(r) for r in reports] == [OrderAcceptedReport, OrderAcceptedReport]
    assert venue.open_order_ids(SYM) == ["SL", "TP"]
