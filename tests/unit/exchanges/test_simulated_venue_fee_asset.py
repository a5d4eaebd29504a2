"""The simulated venue's fee asset (exchanges/simulated/venue.py, commission.py): fees in the
quote, or in the asset received (a buy's in the base, as Binance). Exact balances after a
buy and a sell in both modes, rounding to the fee quantum, the balance check, and the
property that the balances move by exactly the fills' quantities, values and fees.

Instrument TST/USDT: tick 0.01, lot 0.001 (0.00001 where said), minimum notional 1, fee
quantum 1e-8. Market orders fill at the next candle's open; no spread, no slippage.
"""

from __future__ import annotations

import itertools
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from xor_trading.core.clock import TestClock
from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.fills import Fill
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import Order, OrderSide, OrderType
from xor_trading.exchanges.simulated.commission import FeeAsset, commission
from xor_trading.exchanges.simulated.fill_models import FeeSchedule, VenueConfig
from xor_trading.exchanges.simulated.venue import SimulatedVenue
from xor_trading.execution.reports import OrderExpiredReport, OrderFilledReport
from xor_trading.testing.factories import make_candle, make_instrument

SYM = Symbol("TST/USDT")
_ids = itertools.count(1)


def _venue(
    asset: FeeAsset, usdt: str = "1000", bps: str = "10", inst: Instrument | None = None
) -> tuple[SimulatedVenue, list[object]]:
    fees = FeeSchedule(maker_bps=D(bps), taker_bps=D(bps), asset=asset)
    venue = SimulatedVenue(
        TestClock(), [inst or make_instrument()], VenueConfig(fees=fees), {"USDT": D(usdt)}
    )
    reports: list[object] = []
    venue.connect(reports.append)
    venue.on_candle(SYM, make_candle(100, 100, 100, 100))  # a last price for market orders
    return venue, reports


def _market(venue: SimulatedVenue, side: OrderSide, qty: str, open_price: float) -> None:
    order = Order(OrderId(f"O-{next(_ids)}"), SYM, side, OrderType.MARKET, D(qty), 0)  # type: ignore[arg-type]
    venue.submit_order(order)
    venue.on_candle(SYM, make_candle(open_price, open_price, open_price, open_price))


def _fills(reports: list[object]) -> list[Fill]:
    return [r.fill for r in reports if isinstance(r, OrderFilledReport)]


def test_quote_fees_buy_and_sell_pay_the_fee_in_usdt() -> None:
    venue, reports = _venue(FeeAsset.QUOTE)
    _market(venue, OrderSide.BUY, "1.234", 100)  # 123.40, fee 0.1234 USDT
    _market(venue, OrderSide.SELL, "1.234", 110)  # 135.74, fee 0.13574 USDT
    assert [(f.quantity, f.fee, f.fee_currency) for f in _fills(reports)] == [
        (D("1.234"), D("0.12340000"), "USDT"),
        (D("1.234"), D("0.13574000"), "USDT"),
    ]
    assert venue.balances == {"USDT": D("1012.08086000"), "TST": D(0)}


def test_received_fees_buy_pays_in_the_base_and_sell_in_the_quote() -> None:
    venue, reports = _venue(FeeAsset.RECEIVED)
    _market(venue, OrderSide.BUY, "1.234", 100)  # 123.40 USDT out, 1.234 - 0.001234 TST in
    assert venue.balances == {"USDT": D("876.60"), "TST": D("1.23276600")}
    _market(venue, OrderSide.SELL, "1.232", 110)  # whole lots held: 135.52, fee 0.13552 USDT
    assert [(f.quantity, f.fee, f.fee_currency) for f in _fills(reports)] == [
        (D("1.234"), D("0.00123400"), "TST"),
        (D("1.232"), D("0.13552000"), "USDT"),
    ]
    # 876.60 + 135.52 - 0.13552; the dust below one lot (0.000766 TST) stays held.
    assert venue.balances == {"USDT": D("1011.98448000"), "TST": D("0.00076600")}


def test_received_base_fee_rounds_up_to_the_fee_quantum_like_the_binance_server() -> None:
    inst = make_instrument(lot_size="0.00001")
    venue, reports = _venue(FeeAsset.RECEIVED, bps="7", inst=inst)
    _market(venue, OrderSide.BUY, "0.12345", 100)  # 0.12345 x 0.0007 = 0.000086415
    (fill,) = _fills(reports)
    assert (fill.fee, fill.fee_currency) == (D("0.00008642"), "TST")
    assert venue.balances["TST"] == D("0.12336358")
    # The one rule the simulated Binance server uses too (matching.py).
    assert commission(True, D("0.12345"), D("12.345"), D("0.0007"), FeeAsset.RECEIVED,
                      D("1e-8")) == (D("0.00008642"), True)  # fmt: skip
    assert commission(False, D("0.12345"), D("12.345"), D("0.0007"), FeeAsset.RECEIVED,
                      D("1e-8")) == (D("0.00864150"), False)  # fmt: skip


def test_a_buy_with_a_base_fee_needs_only_its_value_in_quote() -> None:
    # 1.000 at 100 costs 100.00 USDT: enough with the fee in TST, not with 0.10 USDT on top.
    received, received_reports = _venue(FeeAsset.RECEIVED, usdt="100")
    _market(received, OrderSide.BUY, "1.000", 100)
    assert received.balances == {"USDT": D("0.00"), "TST": D("0.99900000")}
    quote, quote_reports = _venue(FeeAsset.QUOTE, usdt="100")
    _market(quote, OrderSide.BUY, "1.000", 100)
    assert _fills(quote_reports) == []
    assert isinstance(quote_reports[-1], OrderExpiredReport)
    assert quote.balances == {"USDT": D(100)}
    assert len(_fills(received_reports)) == 1


@settings(max_examples=60, deadline=None)
@given(
    asset=st.sampled_from(list(FeeAsset)),
    steps=st.lists(
        st.tuples(st.booleans(), st.integers(20, 3_000), st.integers(5_000, 20_000)),
        min_size=1,
        max_size=12,
    ),
)
def test_balances_move_by_exactly_the_fills_and_their_fees(
    asset: FeeAsset, steps: list[tuple[bool, int, int]]
) -> None:
    """Nothing is lost or invented: after every fill the base moves by +-quantity less a base
    fee and the quote by -+value less a quote fee, to the last unit; the fee is the shared
    rule's amount in the asset the mode says."""
    venue, reports = _venue(asset, usdt="100000")
    for is_buy, lots, cents in steps:
        held = venue.balances.get("TST", D(0))
        qty = D(lots) * D("0.001")
        if not is_buy:
            qty = min(qty, (held // D("0.001")) * D("0.001"))  # spot: whole lots of the held
            if qty < D("0.020"):  # 0.020 x 50 = the minimum notional, 1
                continue
        before = dict(venue.balances)
        n = len(_fills(reports))
        _market(venue, OrderSide.BUY if is_buy else OrderSide.SELL, str(qty), cents / 100)
        fills = _fills(reports)
        assert len(fills) == n + 1
        fill = fills[-1]
        value = fill.price * fill.quantity
        expected_fee, in_base = commission(is_buy, qty, value, D("0.001"), asset, D("1e-8"))
        assert (fill.quantity, fill.fee) == (qty, expected_fee)
        assert fill.fee_currency == ("TST" if in_base else "USDT")
        assert in_base == (is_buy and asset is FeeAsset.RECEIVED)
        base_fee = fill.fee if in_base else D(0)
        quote_fee = D(0) if in_base else fill.fee
        sign = 1 if is_buy else -1
        assert venue.balances["TST"] - before.get("TST", D(0)) == sign * qty - base_fee
        assert venue.balances["USDT"] - before["USDT"] == -sign * value - quote_fee
        assert set(venue.balances) == {"USDT", "TST"}
        assert venue.balances["TST"] >= 0
        assert venue.balances["USDT"] >= 0
