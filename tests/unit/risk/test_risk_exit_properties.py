"""Exit invariants over random paths (hypothesis).

* Stops never loosen: ratcheting, trailing and fixed stops, with break-even and arbitrary
  tightening, over random price paths: once set the stop never drops and never disappears,
  and it stays on the tick grid.
* The take-profit ladder's open legs always sum exactly to the position after any sequence
  of partial fills and resizes, never exceed it, stay lot multiples, and no open leg is below
  the venue minimum unless it is the only one left (dust).
"""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from xor_trading.core.ids import Symbol
from xor_trading.core.precision import Rounding
from xor_trading.domain.instruments import Instrument
from xor_trading.risk.exits import (
    BreakEven,
    LadderState,
    LegFill,
    RatchetingStop,
    StopPolicy,
    StopRule,
    StopState,
    TakeProfitLadder,
    TrailingStop,
)

D = Decimal


@st.composite
def instruments(draw: st.DrawFn) -> Instrument:
    tick = draw(st.sampled_from([D("0.01"), D("0.5"), D("0.00001"), D(1)]))
    lot = draw(st.sampled_from([D(1), D("0.1"), D("0.001"), D("0.5")]))
    return Instrument(
        "simulated",
        Symbol("TST/USDT"),
        "TST",
        "USDT",
        tick,
        lot,
        lot * draw(st.integers(1, 10)),
        D(draw(st.integers(0, 50))),
    )


@st.composite
def ladders(draw: st.DrawFn) -> TakeProfitLadder:
    n = draw(st.integers(1, 5))
    cuts = sorted(draw(st.sets(st.integers(1, 999), min_size=n - 1, max_size=n - 1)))
    bounds = [0, *cuts, 1000]
    shares = [D(b - a) / 10 for a, b in pairwise(bounds)]
    steps = draw(st.lists(st.integers(1, 500), min_size=n, max_size=n))
    pcts, total = [], 0
    for step in steps:
        total += step
        pcts.append(D(total) / 100)
    return TakeProfitLadder(tuple(zip(pcts, shares, strict=True)))


@st.composite
def stop_rules(draw: st.DrawFn, entry: Decimal) -> StopRule:
    kind = draw(st.sampled_from(["fixed", "ratchet", "trailing"]))
    if kind == "fixed":
        return StopPolicy.percent(D(draw(st.integers(1, 500))) / 10)
    if kind == "ratchet":
        return RatchetingStop(entry * D(draw(st.integers(1, 500))) / 1000)
    return TrailingStop(D(draw(st.integers(0, 100))) / 10, D(draw(st.integers(1, 200))) / 10)


def _start(rule: StopRule, entry: Decimal, inst: Instrument, initial: Decimal) -> StopState:
    if isinstance(rule, StopPolicy):
        return rule.start(entry, inst)
    return rule.start(entry, inst, initial_stop=initial)


def _assert_not_looser(before: StopState, after: StopState) -> None:
    if before.stop is not None:
        assert after.stop is not None
        assert after.stop >= before.stop
    if after.stop is not None:
        assert after.stop % after.tick_size == 0
        assert after.stop > 0


def _check_ladder(state: LadderState, position: Decimal, inst: Instrument) -> None:
    open_legs = state.open_legs
    assert state.remaining == position
    assert all(leg.quantity >= 0 for leg in state.legs)
    assert all(leg.quantity <= position for leg in state.legs)
    if position % inst.lot_size == 0:
        assert all(leg.quantity % inst.lot_size == 0 for leg in state.legs)
    if len(open_legs) > 1:
        for leg in open_legs:
            assert leg.quantity >= inst.min_qty
            assert leg.quantity * leg.price >= inst.min_notional


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_risk_exit_stops_never_loosen_over_random_paths(data: st.DataObject) -> None:
    inst = data.draw(instruments())
    entry = D(data.draw(st.integers(100, 1_000_000))) * D("0.01")
    entry = max(inst.round_price(entry, Rounding.UP), inst.tick_size)
    rule = data.draw(stop_rules(entry))
    ladder_cfg = data.draw(ladders())
    position: Decimal = data.draw(st.integers(1, 10_000)) * inst.lot_size
    breakeven = BreakEven(
        after_level=data.draw(st.integers(1, len(ladder_cfg.levels))),
        fee_pct=D(data.draw(st.integers(0, 50))) / 100,
    )
    initial = entry * D(data.draw(st.integers(500, 999))) / 1000
    stop = _start(rule, entry, inst, initial)
    ladder = ladder_cfg.start(entry, position, inst)
    # each candle: the price move, the share of a reached leg that fills, and an optional
    # tightening request (in per mille of the price: loose or tight)
    steps = data.draw(
        st.lists(
            st.tuples(
                st.floats(-0.04, 0.06, allow_nan=False),
                st.integers(1, 100),
                st.none() | st.integers(800, 1000),
            ),
            min_size=10,
            max_size=40,
        )
    )
    price = float(entry)
    for move, fill_pct, tighten in steps:
        price = max(price * (1 + move), float(inst.tick_size))
        before = stop
        stop = rule.update(stop, price)
        _assert_not_looser(before, stop)
        # take-profit legs whose target was reached fill, possibly partly
        for level in range(1, len(ladder.legs) + 1):
            leg = ladder.leg(level)  # re-read: a fill may have merged dust into later legs
            if leg.quantity > 0 and leg.price <= D(str(price)):
                lots = leg.quantity * fill_pct // 100 // inst.lot_size
                qty = max(lots * inst.lot_size, min(inst.lot_size, leg.quantity))
                ladder = ladder.after_fill(LegFill(level, qty))
                position -= qty
        before = stop
        stop = breakeven.apply(stop, ladder)
        _assert_not_looser(before, stop)
        if tighten is not None:  # any other tightening request
            before = stop
            stop = stop.tighten_to(D(str(price)) * tighten / 1000)
            _assert_not_looser(before, stop)
        _check_ladder(ladder, position, inst)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_risk_exit_ladder_legs_always_sum_to_the_position(data: st.DataObject) -> None:
    inst = data.draw(instruments())
    ladder_cfg = data.draw(ladders())
    entry = max(D(data.draw(st.integers(1, 100_000))) * D("0.01"), inst.tick_size)
    position = data.draw(st.integers(0, 100_000)) * inst.lot_size
    qtys = ladder_cfg.quantities(position, inst, entry_price=entry)
    assert sum(qtys, D(0)) == position
    state = ladder_cfg.start(entry, position, inst)
    _check_ladder(state, position, inst)
    for _ in range(data.draw(st.integers(0, 12))):
        open_legs = state.open_legs
        fill = data.draw(st.booleans())
        if open_legs and fill:
            leg = data.draw(st.sampled_from(open_legs))
            lots = int(leg.quantity / inst.lot_size)
            qty = data.draw(st.integers(1, lots)) * inst.lot_size if lots else leg.quantity
            state = state.after_fill(LegFill(leg.level, qty))
            position -= qty
        else:
            position = data.draw(st.integers(0, 100_000)) * inst.lot_size
            state = state.resize(position)
        _check_ladder(state, position, inst)


@settings(max_examples=200, deadline=None)
@given(
    inst=instruments(),
    ladder_cfg=ladders(),
    position=st.integers(0, 10**9).map(lambda i: D(i).scaleb(-6)),
)
def test_risk_exit_ladder_quantities_sum_even_off_the_lot_grid(
    inst: Instrument, ladder_cfg: TakeProfitLadder, position: Decimal
) -> None:
    """A position that is not a lot multiple still splits exactly (the odd rest is dust)."""
    qtys = ladder_cfg.quantities(position, inst)
    assert sum(qtys, D(0)) == position
    assert all(q >= 0 for q in qtys)
