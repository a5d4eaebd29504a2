"""Pre-trade rules (risk/rules/): each limit's allow/deny boundary, rule name and sentence.

Equity 10,000 USDT, TST/USDT at 100 (tick 0.01, lot 0.001, minimum notional 1 USDT).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import numpy as np
import pytest

from xor_trading.core.ids import OrderId, StrategyId, Symbol
from xor_trading.domain.commands import Bracket, SubmitOrder
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.rules import (
    PRE_TRADE_RULES,
    Denial,
    EntryPrice,
    ExchangeMinimums,
    MaxCorrelation,
    MaxEntriesPerDay,
    MaxLeverage,
    MaxOpenPositions,
    MaxOrderNotional,
    MaxPositionPct,
    MaxPositionsPerCluster,
    MaxRiskPerTradePct,
    PreTradeRule,
    check_pre_trade,
)
from xor_trading.risk.state import DAY_MS, RiskState
from xor_trading.testing.factories import make_instrument

SYM = "TST/USDT"
T0 = 1_700_006_400_000  # 2023-11-15T00:00:00Z
INST = make_instrument()
CONFIG = RiskConfig()
STOP_2 = Bracket(stop_loss_pct=D(2))


def _cmd(
    qty: str, price: str | None = "100", *, symbol: str = SYM, side: OrderSide = OrderSide.BUY,
    order_type: OrderType = OrderType.MARKET, limit: str | None = None, stop: str | None = None,
    bracket: Bracket | None = None, reduce_only: bool = False, ts: int = T0, order: str = "O-9",
) -> SubmitOrder:  # fmt: skip
    return SubmitOrder(
        OrderId(order), StrategyId("s"), Symbol(symbol), side, order_type, D(qty), ts,
        limit_price=None if limit is None else D(limit),
        stop_price=None if stop is None else D(stop),
        reduce_only=reduce_only, bracket=bracket,
        reference_price=None if price is None else D(price),
    )  # fmt: skip


def _check(
    rule: PreTradeRule, cmd: SubmitOrder, state: RiskState | None = None,
    config: RiskConfig = CONFIG, instrument: Instrument = INST,
) -> Denial | None:  # fmt: skip
    return rule.check(cmd, state or RiskState(10_000), config, instrument)


def _state_with_positions(n: int, equity: float = 10_000) -> RiskState:
    s = RiskState(equity)
    for i in range(n):
        s.set_position(f"P{i}/USDT", D(1), 100.0, T0)
    return s


def test_risk_rules_run_in_the_documented_order() -> None:
    assert [r.rule for r in PRE_TRADE_RULES] == [
        "exchange_minimums",
        "entry_price",
        "max_order_notional",
        "max_open_positions",
        "max_entries_per_day",
        "max_position_pct",
        "max_risk_per_trade_pct",
        "max_leverage",
        "max_positions_per_cluster",
        "max_correlation",
    ]


# -- exchange minimums ------------------------------------------------------------------------


def test_risk_exchange_minimums_allow_an_order_on_the_grids() -> None:
    assert _check(ExchangeMinimums(), _cmd("0.01")) is None  # exactly 1 USDT


def test_risk_exchange_minimums_deny_quantity_off_the_lot_grid_without_rounding() -> None:
    assert _check(ExchangeMinimums(), _cmd("0.0105")) == Denial(
        "lot_size", "TST/USDT: quantity 0.0105 is not a multiple of the lot size 0.001"
    )


def test_risk_exchange_minimums_deny_below_min_notional() -> None:
    assert _check(ExchangeMinimums(), _cmd("0.009")) == Denial(
        "min_notional",
        "TST/USDT: order value 0.900 USDT is below the minimum notional 1 USDT",
    )


def test_risk_exchange_minimums_deny_a_limit_price_off_the_tick_grid() -> None:
    cmd = _cmd("1", order_type=OrderType.LIMIT, limit="99.995")
    assert _check(ExchangeMinimums(), cmd) == Denial(
        "tick_size", "TST/USDT: limit price 99.995 is not a positive multiple of the tick size 0.01"
    )


def test_risk_exchange_minimums_deny_a_stop_trigger_off_the_tick_grid() -> None:
    cmd = _cmd("1", order_type=OrderType.STOP_MARKET, stop="101.001")
    assert _check(ExchangeMinimums(), cmd) == Denial(
        "tick_size", "TST/USDT: stop price 101.001 is not a positive multiple of the tick size 0.01"
    )


def test_risk_exchange_minimums_ignore_a_market_entrys_protective_stop_level() -> None:
    assert _check(ExchangeMinimums(), _cmd("1", stop="95.005")) is None


def test_risk_exchange_minimums_check_exits_too_and_without_a_price() -> None:
    exit_dust = _cmd("0.005", reduce_only=True, side=OrderSide.SELL)
    assert _check(ExchangeMinimums(), exit_dust) == Denial(
        "min_notional", "TST/USDT: order value 0.500 USDT is below the minimum notional 1 USDT"
    )
    assert _check(ExchangeMinimums(), _cmd("0.005", price=None)) is None
    assert _check(ExchangeMinimums(), _cmd("0", price=None)) == Denial(
        "lot_size", "TST/USDT: quantity 0 is not positive"
    )


# -- entry price ------------------------------------------------------------------------------


def test_risk_entry_price_denies_an_entry_that_cannot_be_valued() -> None:
    assert _check(EntryPrice(), _cmd("1", price=None)) == Denial(
        "entry_price",
        "TST/USDT: the entry has no limit price, stop price or reference price, so its value "
        "cannot be checked against the risk limits; send the last price as reference_price",
    )
    assert _check(EntryPrice(), _cmd("1", price=None, reduce_only=True)) is None
    assert _check(EntryPrice(), _cmd("1", price=None, limit="100")) is None


# -- max order notional -----------------------------------------------------------------------


def test_risk_max_order_notional_boundary() -> None:
    capped = RiskConfig(max_order_notional=D(150))
    assert _check(MaxOrderNotional(), _cmd("1.5"), config=capped) is None
    assert _check(MaxOrderNotional(), _cmd("1.501"), config=capped) == Denial(
        "max_order_notional",
        "TST/USDT: order value 150.100 USDT exceeds max_order_notional 150 USDT",
    )
    assert _check(MaxOrderNotional(), _cmd("1000")) is None  # no cap by default


# -- max open positions -----------------------------------------------------------------------


def test_risk_max_open_positions_boundary() -> None:
    assert _check(MaxOpenPositions(), _cmd("1"), _state_with_positions(4)) is None
    assert _check(MaxOpenPositions(), _cmd("1"), _state_with_positions(5)) == Denial(
        "max_open_positions",
        "TST/USDT: 5 positions are already open or being entered; max_open_positions is 5",
    )


def test_risk_max_open_positions_allows_adding_to_a_held_symbol_and_exits() -> None:
    s = _state_with_positions(5)
    assert _check(MaxOpenPositions(), _cmd("1", symbol="P0/USDT"), s) is None
    assert _check(MaxOpenPositions(), _cmd("1", side=OrderSide.SELL, symbol="P1/USDT"), s) is None


def test_risk_max_open_positions_counts_pending_entries() -> None:
    s = _state_with_positions(4)
    s.on_entry_accepted(_cmd("1", symbol="Q/USDT", order="O-1"))
    assert _check(MaxOpenPositions(), _cmd("1"), s) is not None
    s.on_order_closed(OrderId("O-1"))
    assert _check(MaxOpenPositions(), _cmd("1"), s) is None


# -- max entries per day ----------------------------------------------------------------------


def test_risk_max_entries_per_day_boundary_and_next_utc_day() -> None:
    s = RiskState(1e9)
    for i in range(9):
        s.on_entry_accepted(_cmd("0.01", order=f"O-{i}", ts=T0 + i))
    assert _check(MaxEntriesPerDay(), _cmd("1"), s) is None
    s.on_entry_accepted(_cmd("0.01", order="O-9", ts=T0 + 9))
    assert _check(MaxEntriesPerDay(), _cmd("1", ts=T0 + DAY_MS - 1), s) == Denial(
        "max_entries_per_day",
        "TST/USDT: 10 entries were already accepted on 2023-11-15 (UTC); max_entries_per_day is 10",
    )
    assert _check(MaxEntriesPerDay(), _cmd("1", ts=T0 + DAY_MS), s) is None
    assert _check(MaxEntriesPerDay(), _cmd("1", reduce_only=True), s) is None


# -- max position pct -------------------------------------------------------------------------


def test_risk_max_position_pct_boundary() -> None:
    assert _check(MaxPositionPct(), _cmd("5")) is None  # 500 = 5 %
    assert _check(MaxPositionPct(), _cmd("5.001")) == Denial(
        "max_position_pct",
        "TST/USDT: the position would be worth 500.10 USDT, 5.001 % of equity 10000.00 USDT; "
        "max_position_pct is 5 %",
    )


def test_risk_max_position_pct_counts_the_held_and_pending_value() -> None:
    s = RiskState(10_000)
    s.set_position(SYM, D(2), 110.0, T0)  # marked at 110: 220
    s.on_entry_accepted(_cmd("1", "80", order="O-1"))  # pending 80
    assert _check(MaxPositionPct(), _cmd("2"), s) is None  # 220 + 80 + 200 = 500
    denial = _check(MaxPositionPct(), _cmd("2.01"), s)
    assert denial is not None
    assert denial.message.startswith("TST/USDT: the position would be worth 501.00 USDT, 5.01 %")


def test_risk_max_position_pct_short_does_not_add_to_a_long() -> None:
    s = RiskState(10_000)
    s.set_position(SYM, D(4), 100.0, T0)
    flip = _cmd("9", side=OrderSide.SELL)  # closes 4, opens a 5-unit short: 500
    assert _check(MaxPositionPct(), flip, s) is None
    assert _check(MaxPositionPct(), replace(flip, quantity=D("9.001")), s) is not None


def test_risk_max_position_pct_denies_every_entry_without_equity() -> None:
    assert _check(MaxPositionPct(), _cmd("0.01"), RiskState(0)) == Denial(
        "max_position_pct",
        "TST/USDT: equity is 0.00 USDT, so no position fits within max_position_pct 5 %",
    )


# -- max risk per trade pct -------------------------------------------------------------------


def test_risk_max_risk_per_trade_without_stop_is_the_whole_value() -> None:
    assert _check(MaxRiskPerTradePct(), _cmd("2")) is None  # 200 = 2 %
    assert _check(MaxRiskPerTradePct(), _cmd("2.001")) == Denial(
        "max_risk_per_trade_pct",
        "TST/USDT: the entry has no stop loss, so its whole value 200.10 USDT is at risk "
        "(2.001 % of equity 10000.00 USDT); max_risk_per_trade_pct is 2 %: attach a stop loss "
        "or enter less",
    )


def test_risk_max_risk_per_trade_with_a_bracket_stop() -> None:
    wide = Bracket(stop_loss_pct=D(50))
    assert _check(MaxRiskPerTradePct(), _cmd("4", bracket=wide)) is None  # 400 * 50 % = 200
    assert _check(MaxRiskPerTradePct(), _cmd("4.002", bracket=wide)) == Denial(
        "max_risk_per_trade_pct",
        "TST/USDT: the entry risks 200.10 USDT down to its stop at 50 (2.001 % of equity "
        "10000.00 USDT); max_risk_per_trade_pct is 2 %",
    )
    assert _check(MaxRiskPerTradePct(), _cmd("50", bracket=STOP_2)) is None  # 5000 * 2 % = 100


def test_risk_max_risk_per_trade_with_a_protective_stop_price() -> None:
    assert _check(MaxRiskPerTradePct(), _cmd("8", stop="75")) is None  # 8 * 25 = 200
    assert _check(MaxRiskPerTradePct(), _cmd("8.004", stop="75")) == Denial(
        "max_risk_per_trade_pct",
        "TST/USDT: the entry risks 200.10 USDT down to its stop at 75 (2.001 % of equity "
        "10000.00 USDT); max_risk_per_trade_pct is 2 %",
    )
    short = _cmd("8", stop="125", side=OrderSide.SELL)
    assert _check(MaxRiskPerTradePct(), short) is None


def test_risk_max_risk_per_trade_ignores_a_stop_on_the_wrong_side_or_a_stop_entry() -> None:
    wrong_side = _cmd("3", stop="120")  # a buy's stop above its price protects nothing
    stop_entry = _cmd("3", price="100", order_type=OrderType.STOP_MARKET, stop="90")
    for cmd in (wrong_side, stop_entry):
        denial = _check(MaxRiskPerTradePct(), cmd)
        assert denial is not None
        assert "has no stop loss" in denial.message


def test_risk_max_risk_per_trade_counts_only_the_added_quantity() -> None:
    s = RiskState(10_000)
    s.set_position(SYM, D(1), 100.0, T0)
    assert _check(MaxRiskPerTradePct(), _cmd("2"), s) is None
    assert _check(MaxRiskPerTradePct(), _cmd("1", side=OrderSide.SELL), s) is None  # an exit


# -- max leverage -----------------------------------------------------------------------------


def test_risk_max_leverage_boundary_counts_open_and_pending() -> None:
    config = RiskConfig(max_leverage=D(1))
    s = RiskState(10_000)
    for i in range(19):
        s.set_position(f"P{i}/USDT", D(5), 100.0, T0)  # 9,500
    s.on_entry_accepted(_cmd("3", symbol="Q/USDT", order="O-1"))  # 300 pending
    assert _check(MaxLeverage(), _cmd("2", bracket=STOP_2), s, config) is None  # 10,000
    assert _check(MaxLeverage(), _cmd("2.001", bracket=STOP_2), s, config) == Denial(
        "max_leverage",
        "TST/USDT: open positions 9500.00 + pending entries 300.00 + this entry 200.10 = "
        "10000.10 USDT, 1.00001x equity 10000.00 USDT; max_leverage is 1x",
    )
    exit_ = _cmd("5", side=OrderSide.SELL, symbol="P0/USDT")
    assert _check(MaxLeverage(), exit_, s, config) is None


# -- correlation ------------------------------------------------------------------------------


def _returns_state(window: int = 100) -> RiskState:
    """A and B move together (corr about 0.98), C independent, D linked to B only."""
    s = RiskState(1e9, correlation_window=window)
    rng = np.random.default_rng(5)
    f, g = rng.normal(0, 0.01, window), rng.normal(0, 0.01, window)
    series = {
        "A/USDT": f + 0.2 * rng.normal(0, 0.01, window),
        "B/USDT": f + 0.2 * rng.normal(0, 0.01, window),
        "C/USDT": g,
        "D/USDT": f + 0.2 * rng.normal(0, 0.01, window),
    }
    for name, values in series.items():
        for v in values:
            s.add_return(name, float(v))
    return s


def test_risk_max_correlation_denies_a_correlated_new_position() -> None:
    s = _returns_state()
    s.set_position("A/USDT", D(1), 100.0, T0)
    corr = s.windows.correlation("B/USDT", "A/USDT")
    assert corr is not None
    assert _check(MaxCorrelation(), _cmd("1", symbol="B/USDT"), s) == Denial(
        "max_correlation",
        f"B/USDT: its returns correlate {corr:.2f} with the open position A/USDT over the last "
        "100 candles; max_correlation is 0.7",
    )
    assert _check(MaxCorrelation(), _cmd("1", symbol="C/USDT"), s) is None


def test_risk_max_correlation_boundary_is_inclusive() -> None:
    s = _returns_state()
    s.set_position("A/USDT", D(1), 100.0, T0)
    corr = s.windows.correlation("B/USDT", "A/USDT")
    assert corr is not None
    at = RiskConfig(max_correlation=corr)
    below = RiskConfig(max_correlation=corr - 1e-9)
    assert _check(MaxCorrelation(), _cmd("1", symbol="B/USDT"), s, at) is None
    assert _check(MaxCorrelation(), _cmd("1", symbol="B/USDT"), s, below) is not None


def test_risk_max_correlation_passes_adding_to_a_held_symbol_and_short_history() -> None:
    s = _returns_state()
    s.set_position("A/USDT", D(1), 100.0, T0)
    s.set_position("B/USDT", D(1), 100.0, T0)
    assert _check(MaxCorrelation(), _cmd("1", symbol="B/USDT"), s) is None
    for v in np.random.default_rng(9).normal(0, 0.01, 49):
        s.add_return("NEW/USDT", float(v))  # 49 < half the window: no correlation yet
    assert _check(MaxCorrelation(), _cmd("1", symbol="NEW/USDT"), s) is None


def test_risk_max_positions_per_cluster_denies_growing_a_full_cluster() -> None:
    s = _returns_state()
    s.set_position("A/USDT", D(1), 100.0, T0)
    s.set_position("B/USDT", D(1), 100.0, T0)
    s.set_position("C/USDT", D(1), 100.0, T0)
    assert _check(MaxPositionsPerCluster(), _cmd("1", symbol="D/USDT"), s) == Denial(
        "max_positions_per_cluster",
        "D/USDT: its returns correlate above 0.7 with a cluster of 2 open positions (A/USDT, "
        "B/USDT), which would grow to 3; max_positions_per_cluster is 2",
    )
    roomy = RiskConfig(max_positions_per_cluster=3)
    assert _check(MaxPositionsPerCluster(), _cmd("1", symbol="D/USDT"), s, roomy) is None


def test_risk_max_positions_per_cluster_allows_joining_a_single_position() -> None:
    s = _returns_state()
    s.set_position("A/USDT", D(1), 100.0, T0)
    assert _check(MaxPositionsPerCluster(), _cmd("1", symbol="B/USDT"), s) is None
    # ...which the pairwise rule then refuses, with the same threshold:
    denial = check_pre_trade(_cmd("1", symbol="B/USDT", bracket=STOP_2), s, CONFIG, INST)
    assert denial is not None
    assert denial.rule == "max_correlation"


# -- the rule set -----------------------------------------------------------------------------


def test_risk_check_pre_trade_allows_an_entry_within_every_limit() -> None:
    assert check_pre_trade(_cmd("1", bracket=STOP_2), RiskState(10_000), CONFIG, INST) is None


def test_risk_check_pre_trade_returns_the_first_denial() -> None:
    cmd = _cmd("10.0005")  # off the lot grid and far too large
    denial = check_pre_trade(cmd, RiskState(10_000), CONFIG, INST)
    assert denial is not None
    assert denial.rule == "lot_size"


def test_risk_exits_pass_every_limit_when_all_are_exhausted() -> None:
    s = _state_with_positions(5, equity=100)  # 500 % leverage, 5 open, 100 % each
    for i in range(10):
        s.on_entry_accepted(_cmd("0.01", symbol="P0/USDT", order=f"O-{i}"))
    config = RiskConfig(max_order_notional=D(10))
    reduce_only = _cmd("1", symbol="P0/USDT", side=OrderSide.SELL, reduce_only=True)
    plain_sell = _cmd("1", symbol="P1/USDT", side=OrderSide.SELL, price=None, limit="100")
    for cmd in (reduce_only, plain_sell):
        assert check_pre_trade(cmd, s, config, INST) is None
    entry = _cmd("0.01", symbol="P0/USDT")
    assert check_pre_trade(entry, s, config, INST) is not None


def test_risk_disabled_config_checks_only_the_venue() -> None:
    off = RiskConfig.disabled()
    assert check_pre_trade(_cmd("1000"), RiskState(10), off, INST) is None
    denial = check_pre_trade(_cmd("0.0015"), RiskState(10), off, INST)
    assert denial is not None
    assert denial.rule == "lot_size"


@pytest.mark.parametrize("rule", PRE_TRADE_RULES, ids=lambda r: r.rule)
def test_risk_every_rule_allows_a_small_entry_on_an_empty_book(rule: PreTradeRule) -> None:
    assert _check(rule, _cmd("0.5", bracket=STOP_2)) is None
