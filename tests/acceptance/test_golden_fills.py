"""Golden fills: hand-built candles, the exact fill each order type and edge must get.

Instrument: tick 0.01, lot 0.001, minimum notional 1. Fees: taker 10 bps, maker 2 bps,
rounded up to 1e-8. Candle paths: rising candles go open-low-high-close, falling ones
open-high-low-close (see exchanges/simulated/candle_path.py).
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xor_trading.core.clock import TestClock
from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.fills import Liquidity
from xor_trading.domain.orders import Order, OrderSide, OrderType
from xor_trading.exchanges.simulated.fill_models import (
    FeeSchedule,
    FixedSlippage,
    VenueConfig,
    VolatilitySlippage,
    VolumeParticipationSlippage,
)
from xor_trading.exchanges.simulated.venue import SimulatedVenue
from xor_trading.execution.reports import (
    OrderAcceptedReport,
    OrderCanceledReport,
    OrderExpiredReport,
    OrderFilledReport,
    OrderRejectedReport,
    OrderTriggeredReport,
)
from xor_trading.testing.factories import make_candle, make_instrument

SYM = Symbol("TST/USDT")
FEES = FeeSchedule(maker_bps=D(2), taker_bps=D(10))


class Harness:
    def __init__(self, config: VenueConfig | None = None, usdt: str = "100000", tst: str = "100"):
        self.clock = TestClock(0)
        self.venue = SimulatedVenue(
            self.clock,
            [make_instrument()],
            config or VenueConfig(fees=FEES),
            {"USDT": D(usdt), "TST": D(tst)},
        )
        self.reports: list[object] = []
        self.venue.connect(self.reports.append)
        self.seq = 0
        # Every market needs a last price before a market order: one quiet candle first.
        self.candle(100, 100, 100, 100, i=0)
        self.reports.clear()

    def order(
        self,
        side: OrderSide,
        kind: OrderType,
        qty: str,
        limit: str | None = None,
        stop: str | None = None,
    ) -> OrderId:
        self.seq += 1
        oid = OrderId(f"O-{self.seq}")
        order = Order(
            oid,
            SYM,
            side,
            kind,
            D(qty),
            0,
            limit_price=None if limit is None else D(limit),  # type: ignore[arg-type]
            stop_price=None if stop is None else D(stop),
        )  # type: ignore[arg-type]
        self.venue.submit_order(order)
        return oid

    def long_bracket(self, stop: str, target: str) -> None:
        """A sell stop-market "SL" and a sell limit "TP" for 1 TST, linked as an OCO."""
        sl = Order(
            OrderId("SL"),
            SYM,
            OrderSide.SELL,
            OrderType.STOP_MARKET,
            D(1),
            0,  # type: ignore[arg-type]
            stop_price=D(stop),
        )  # type: ignore[arg-type]
        tp = Order(
            OrderId("TP"),
            SYM,
            OrderSide.SELL,
            OrderType.LIMIT,
            D(1),
            0,  # type: ignore[arg-type]
            limit_price=D(target),
        )  # type: ignore[arg-type]
        self.venue.submit_oco(sl, tp)

    def candle(
        self, o: float, h: float, low: float, c: float, v: float = 1000.0, i: int = 1
    ) -> None:
        self.venue.on_candle(SYM, make_candle(o, h, low, c, v, i))

    def fills(self) -> list[tuple[str, D, D, D, str]]:
        return [
            (r.fill.order_id, r.fill.price, r.fill.quantity, r.fill.fee, r.fill.liquidity.value)
            for r in self.reports
            if isinstance(r, OrderFilledReport)
        ]

    def kinds(self, order_id: str) -> list[str]:
        return [
            type(r).__name__
            for r in self.reports
            if getattr(r, "order_id", None) == order_id
            or (isinstance(r, OrderFilledReport) and r.fill.order_id == order_id)
        ]


def test_market_buy_fills_at_next_open_with_taker_fee() -> None:
    h = Harness()
    h.order(OrderSide.BUY, OrderType.MARKET, "1.5")
    assert h.fills() == []  # nothing fills before the next price
    h.candle(101, 103, 100, 102)
    # 1.5 x 101.00 = 151.50; fee 10 bps = 0.1515
    assert h.fills() == [("O-1", D("101.00"), D("1.5"), D("0.15150000"), "taker")]
    assert h.venue.balances == {"USDT": D("100000") - D("151.50") - D("0.1515"), "TST": D("101.5")}


def test_market_buy_with_fixed_slippage_rounds_price_up_to_tick() -> None:
    h = Harness(VenueConfig(fees=FEES, slippage=FixedSlippage(D(5))))
    h.order(OrderSide.BUY, OrderType.MARKET, "1")
    h.candle(100.01, 101, 99, 100.5)
    # 100.01 x 1.0005 = 100.060005 -> rounds up (against the buyer) to 100.07
    assert h.fills() == [("O-1", D("100.07"), D("1"), D("0.10007000"), "taker")]


def test_market_sell_pays_half_the_spread_rounded_down() -> None:
    h = Harness(VenueConfig(fees=FEES, spread_bps=D(3)))
    h.order(OrderSide.SELL, OrderType.MARKET, "1")
    h.candle(100, 101, 99, 100.5)
    # 100 x (1 - 0.00015) = 99.985 -> rounds down (against the seller) to 99.98
    assert h.fills() == [("O-1", D("99.98"), D("1"), D("0.09998000"), "taker")]


def test_fee_rounds_up_to_the_fee_quantum() -> None:
    h = Harness(VenueConfig(fees=FeeSchedule(maker_bps=D("7.5"), taker_bps=D("7.5"))))
    h.order(OrderSide.BUY, OrderType.MARKET, "0.097")
    h.candle(11.11, 11.2, 11.0, 11.1)
    # 0.097 x 11.11 = 1.07767; x 0.00075 = 0.0008082525 -> up to 0.00080826
    assert h.fills() == [("O-1", D("11.11"), D("0.097"), D("0.00080826"), "taker")]


def test_stop_market_sell_inside_candle_fills_at_stop_price() -> None:
    h = Harness()
    h.order(OrderSide.SELL, OrderType.STOP_MARKET, "2", stop="98")
    h.candle(100, 100.5, 97, 99)  # falling: 100 -> 100.5 -> 97 -> 99, crosses 98
    assert h.fills() == [("O-1", D("98.00"), D("2"), D("0.19600000"), "taker")]
    assert h.kinds("O-1") == ["OrderAcceptedReport", "OrderTriggeredReport", "OrderFilledReport"]


def test_stop_market_sell_gap_through_stop_fills_at_open() -> None:
    h = Harness()
    h.order(OrderSide.SELL, OrderType.STOP_MARKET, "1", stop="98")
    h.candle(96, 97, 95, 96.5)  # opens below the stop: the worse price
    assert h.fills() == [("O-1", D("96.00"), D("1"), D("0.09600000"), "taker")]


def test_stop_market_triggers_on_touch() -> None:
    h = Harness()
    h.order(OrderSide.BUY, OrderType.STOP_MARKET, "1", stop="102")
    h.candle(100, 102, 99.5, 101)  # high touches 102 exactly
    assert h.fills() == [("O-1", D("102.00"), D("1"), D("0.10200000"), "taker")]


def test_limit_buy_touched_but_not_crossed_does_not_fill() -> None:
    h = Harness()
    h.order(OrderSide.BUY, OrderType.LIMIT, "1", limit="99")
    h.candle(100, 100.5, 99, 99.5, i=1)  # low == limit: touched only
    assert h.fills() == []
    h.candle(99.5, 100, 98.99, 99.8, i=2)  # traded through by one tick
    # A resting limit fills at its own price, as a maker (2 bps)
    assert h.fills() == [("O-1", D("99.00"), D("1"), D("0.01980000"), "maker")]


def test_limit_sell_marketable_on_arrival_fills_at_open_as_taker() -> None:
    h = Harness()
    h.order(OrderSide.SELL, OrderType.LIMIT, "1", limit="95")
    h.candle(100, 101, 99, 100)
    assert h.fills() == [("O-1", D("100.00"), D("1"), D("0.10000000"), "taker")]


def test_resting_limit_sell_gapped_through_fills_at_limit_price() -> None:
    h = Harness()
    h.order(OrderSide.SELL, OrderType.LIMIT, "1", limit="105")
    h.candle(100, 101, 99, 100, i=1)
    h.candle(107, 108, 106, 107, i=2)  # gap above the resting limit
    assert h.fills() == [("O-1", D("105.00"), D("1"), D("0.02100000"), "maker")]


def test_stop_limit_sell_triggered_and_marketable_fills_at_trigger() -> None:
    h = Harness()
    h.order(OrderSide.SELL, OrderType.STOP_LIMIT, "1", limit="97.5", stop="98")
    h.candle(100, 100.5, 97, 99)
    assert h.fills() == [("O-1", D("98.00"), D("1"), D("0.09800000"), "taker")]


def test_stop_limit_sell_gap_below_limit_rests_then_fills_at_limit() -> None:
    h = Harness()
    h.order(OrderSide.SELL, OrderType.STOP_LIMIT, "1", limit="97.5", stop="98")
    h.candle(97, 97.5, 96.5, 97.2, i=1)  # triggers at 97 < 97.5: rests; 97.5 only touched
    assert h.fills() == []
    assert h.kinds("O-1") == ["OrderAcceptedReport", "OrderTriggeredReport"]
    h.candle(97.2, 97.6, 97.1, 97.4, i=2)  # trades through 97.5
    assert h.fills() == [("O-1", D("97.50"), D("1"), D("0.01950000"), "maker")]


def test_volume_cap_partially_fills_then_completes_next_candle() -> None:
    h = Harness(VenueConfig(fees=FEES, max_volume_participation=D("0.1")))
    h.order(OrderSide.BUY, OrderType.MARKET, "0.8")
    h.candle(100, 101, 99, 100.5, v=5, i=1)  # 10 % of 5 = 0.5
    h.candle(100.5, 101, 100, 100.8, v=50, i=2)  # the remaining 0.3 at the next open
    assert h.fills() == [
        ("O-1", D("100.00"), D("0.5"), D("0.05000000"), "taker"),
        ("O-1", D("100.50"), D("0.3"), D("0.03015000"), "taker"),
    ]


def test_oco_take_profit_fills_and_cancels_stop_on_rising_path() -> None:
    h = Harness()
    h.long_bracket(stop="95", target="104")
    h.candle(100, 105, 96, 104.5)  # rising: 100 -> 96 -> 105 -> 104.5
    assert h.fills() == [("TP", D("104.00"), D("1"), D("0.02080000"), "maker")]
    assert any(isinstance(r, OrderCanceledReport) and r.order_id == "SL" for r in h.reports)


def test_oco_rising_candle_hits_stop_before_target() -> None:
    h = Harness()
    h.long_bracket(stop="97", target="104")
    h.candle(100, 105, 96, 104.5)  # the low (96) comes before the high on a rising candle
    assert h.fills() == [("SL", D("97.00"), D("1"), D("0.09700000"), "taker")]
    canceled = [r.order_id for r in h.reports if isinstance(r, OrderCanceledReport)]
    assert canceled == ["TP"]


def test_buy_without_enough_quote_expires_and_moves_no_money() -> None:
    h = Harness(usdt="50")
    h.order(OrderSide.BUY, OrderType.MARKET, "1")
    h.candle(100, 101, 99, 100)
    assert h.fills() == []
    expired = [r for r in h.reports if isinstance(r, OrderExpiredReport)]
    assert len(expired) == 1
    assert expired[0].reason == "insufficient balance for buy 1 TST at 100.00"
    assert h.venue.balances["USDT"] == D("50")


@pytest.mark.parametrize(
    ("qty", "limit", "reason"),
    [("0.0005", "100", "lot size"), ("0.001", "100.005", "tick"), ("0.005", "100", "notional")],
)
def test_order_breaking_venue_limits_is_rejected(qty: str, limit: str, reason: str) -> None:
    h = Harness()
    h.order(OrderSide.BUY, OrderType.LIMIT, qty, limit=limit)
    assert isinstance(h.reports[0], OrderRejectedReport)
    assert reason in h.reports[0].reason


def test_cancel_removes_a_working_order() -> None:
    h = Harness()
    oid = h.order(OrderSide.BUY, OrderType.LIMIT, "1", limit="90")
    h.venue.cancel_order(oid)
    h.candle(85, 86, 84, 85)
    assert h.fills() == []
    assert [type(r) for r in h.reports] == [OrderAcceptedReport, OrderCanceledReport]


def test_volume_participation_slippage_uses_square_root_of_participation() -> None:
    h = Harness(VenueConfig(fees=FEES, slippage=VolumeParticipationSlippage(D(100))))
    h.order(OrderSide.BUY, OrderType.MARKET, "4")
    h.candle(100, 101, 99, 100, v=400)  # participation 1 % -> 100 bps x 0.1 = 10 bps
    assert h.fills()[0][1] == D("100.10")


def test_volatility_slippage_scales_with_candle_range() -> None:
    h = Harness(VenueConfig(fees=FEES, slippage=VolatilitySlippage(D("0.5"))))
    h.order(OrderSide.SELL, OrderType.MARKET, "1")
    h.candle(100, 101, 99, 100)  # range 2 % of the open = 200 bps; x 0.5 = 100 bps
    assert h.fills()[0][1] == D("99.00")


def test_triggered_report_precedes_fill_for_stops() -> None:
    h = Harness()
    h.order(OrderSide.SELL, OrderType.STOP_MARKET, "1", stop="99")
    h.candle(100, 100, 98, 98.5)
    kinds = [type(r) for r in h.reports]
    assert kinds == [OrderAcceptedReport, OrderTriggeredReport, OrderFilledReport]
    fill = h.reports[2]
    assert isinstance(fill, OrderFilledReport)
    assert fill.fill.liquidity is Liquidity.TAKER
