"""Sizing never exceeds the intended risk or the stake, and leaves no whole lot unused."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from xor_trading.core.ids import Symbol
from xor_trading.domain.instruments import Instrument
from xor_trading.risk.sizing import plan_entry

D = Decimal
LOTS = [D(1), D(5), D("0.5"), D("0.1"), D("0.001"), D("0.00001")]


def _decimal(lo: int, hi: int, places: int) -> st.SearchStrategy[Decimal]:
    """Decimals in [lo, hi] with ``places`` decimals, built from integers (exact)."""
    scale = 10**places
    return st.integers(lo * scale, hi * scale).map(lambda i: D(i).scaleb(-places))


@st.composite
def instruments(draw: st.DrawFn) -> Instrument:
    lot = draw(st.sampled_from(LOTS))
    min_lots = draw(st.integers(1, 20))
    min_notional = draw(_decimal(0, 20, 2))
    return Instrument(
        "simulated",
        Symbol("TST/USDT"),
        "TST",
        "USDT",
        D("0.00001"),
        lot,
        lot * min_lots,
        min_notional,
    )


def _check_floor_and_minimums(
    qty: Decimal, per_unit: Fraction, budget: Fraction, price: Decimal, inst: Instrument
) -> None:
    """``qty`` spends at most ``budget``; one more lot would overspend, unless it is 0 because
    the largest affordable quantity is below the venue minimum."""
    assert qty >= 0
    assert qty % inst.lot_size == 0
    assert Fraction(qty) * per_unit <= budget
    if qty > 0:
        assert (Fraction(qty) + Fraction(inst.lot_size)) * per_unit > budget
        assert qty >= inst.min_qty
        assert qty * price >= inst.min_notional
    else:
        largest = (budget / per_unit // Fraction(inst.lot_size)) * Fraction(inst.lot_size)
        assert largest < Fraction(inst.min_qty) or largest * Fraction(price) < Fraction(
            inst.min_notional
        )


@settings(max_examples=200, deadline=None)
@given(
    inst=instruments(),
    price=_decimal(0, 100_000, 4).filter(lambda p: p > 0),
    stake=_decimal(0, 1_000_000, 2).filter(lambda s: s > 0),
)
def test_risk_sizing_fixed_stake_never_exceeds_the_stake(
    inst: Instrument, price: Decimal, stake: Decimal
) -> None:
    plan = plan_entry("fixed_stake", equity=1, price=price, stake=stake, instrument=inst)
    _check_floor_and_minimums(plan.quantity, Fraction(price), Fraction(stake), price, inst)


@settings(max_examples=200, deadline=None)
@given(
    inst=instruments(),
    equity=_decimal(0, 10_000_000, 2),
    risk_pct=_decimal(0, 100, 3).filter(lambda r: r > 0),
    price=_decimal(0, 100_000, 4).filter(lambda p: p > 0),
    stop=_decimal(0, 200_000, 4).filter(lambda s: s > 0),
)
def test_risk_sizing_fixed_fractional_never_exceeds_the_intended_risk(
    inst: Instrument, equity: Decimal, risk_pct: Decimal, price: Decimal, stop: Decimal
) -> None:
    if stop == price:
        return
    plan = plan_entry(
        "fixed_fractional",
        equity=equity,
        price=price,
        stop_price=stop,
        risk_pct=risk_pct,
        instrument=inst,
    )
    if equity == 0:
        assert plan.quantity == 0
        return
    budget = Fraction(equity) * Fraction(risk_pct) / 100
    _check_floor_and_minimums(plan.quantity, abs(Fraction(price - stop)), budget, price, inst)


@settings(max_examples=200, deadline=None)
@given(
    inst=instruments(),
    equity=_decimal(1, 10_000_000, 2),
    risk_pct=_decimal(0, 100, 3).filter(lambda r: r > 0),
    price=_decimal(0, 100_000, 4).filter(lambda p: p > 0),
    atr=st.floats(1e-6, 1e4, allow_nan=False),
    multiple=_decimal(0, 10, 2).filter(lambda m: m > 0),
)
def test_risk_sizing_volatility_never_exceeds_the_intended_risk(
    inst: Instrument,
    equity: Decimal,
    risk_pct: Decimal,
    price: Decimal,
    atr: float,
    multiple: Decimal,
) -> None:
    plan = plan_entry(
        "volatility",
        equity=equity,
        price=price,
        risk_pct=risk_pct,
        atr=atr,
        atr_multiple=multiple,
        instrument=inst,
    )
    budget = Fraction(equity) * Fraction(risk_pct) / 100
    per_unit = Fraction(multiple) * Fraction(D(str(atr)))
    _check_floor_and_minimums(plan.quantity, per_unit, budget, price, inst)


def _independent_kelly(pnls: list[Decimal]) -> Fraction:
    wins = [Fraction(p) for p in pnls if p > 0]
    losses = [-Fraction(p) for p in pnls if p < 0]
    if not wins:
        return Fraction(0)
    w = Fraction(len(wins), len(pnls))
    if not losses:
        return w
    r = (sum(wins, Fraction(0)) / len(wins)) / (sum(losses, Fraction(0)) / len(losses))
    return w - (1 - w) / r


@settings(max_examples=200, deadline=None)
@given(
    inst=instruments(),
    equity=_decimal(1, 10_000_000, 2),
    price=_decimal(1, 100_000, 2),
    stop_offset=_decimal(0, 100, 2).filter(lambda s: s > 0),
    pnls=st.lists(_decimal(-1_000, 1_000, 2), min_size=0, max_size=60),
    fraction=st.sampled_from([D("0.25"), D("0.5"), D(1)]),
    cap=_decimal(0, 10, 1).filter(lambda c: c > 0),
)
def test_risk_sizing_kelly_never_exceeds_the_cap_or_the_fractional_kelly(
    inst: Instrument,
    equity: Decimal,
    price: Decimal,
    stop_offset: Decimal,
    pnls: list[Decimal],
    fraction: Decimal,
    cap: Decimal,
) -> None:
    stop = price + stop_offset  # a short's stop: the distance is what matters
    plan = plan_entry(
        "kelly",
        equity=equity,
        price=price,
        stop_price=stop,
        risk_pct=1,
        trade_history=pnls,
        kelly_fraction=fraction,
        kelly_cap_pct=cap,
        min_trades=20,
        instrument=inst,
    )
    distance = Fraction(stop_offset)
    if len(pnls) < 20:
        budget = Fraction(equity) / 100
    else:
        kelly = Fraction(fraction) * _independent_kelly(pnls) * 100
        if kelly <= 0:
            assert plan.quantity == 0
            return
        budget = Fraction(equity) * min(kelly, Fraction(cap)) / 100
    _check_floor_and_minimums(plan.quantity, distance, budget, price, inst)
