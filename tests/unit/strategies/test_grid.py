"""grid: exact orders and fills on crafted candles for each rule, and a real-data run.

The crafted series come from ``frame_from_closes``: each candle opens at the previous close
with 0.5 wicks, so a falling candle goes open -> high -> low -> close and a rising one
open -> low -> high -> close. A resting limit fills at its price when the path trades through
it. Times below are candle indices: a fill inside candle ``i`` is stamped with ``i``'s open
time; an order placed at candle ``i``'s close is created at ``i + 1`` (the clock is at the
close), one placed from a fill inside candle ``i`` at ``i``.
"""

from __future__ import annotations

import math
from decimal import Decimal as D
from pathlib import Path

import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.metrics import compute_metrics
from xor_trading.backtest.run_result import BacktestResult
from xor_trading.backtest.runner import run_backtest
from xor_trading.core.errors import ConfigError, StrategyError
from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.domain.fills import Fill
from xor_trading.exchanges.simulated.markets import load_instrument
from xor_trading.strategies.grid import Grid
from xor_trading.strategies.grid_book import GridRange, GridSpacing
from xor_trading.strategy.registry import register_strategy
from xor_trading.testing.factories import (
    MINUTE_MS,
    T0_MS,
    frame_from_closes,
    frame_from_rows,
    make_instrument,
)

SAMPLES = Path(__file__).resolve().parents[3] / "src" / "xor_trading" / "data" / "samples"
recorded: list[tuple[int, str, D, D]] = []  # (candle, side, price, quantity)
RANGE = {"lower": 90, "upper": 110, "levels": 4}  # lines 90 95 100 105 110


@register_strategy
class RecordingGrid(Grid):
    """The grid, recording its fills in order (test only)."""

    name = "test_recording_grid"

    def on_fill(self, fill: Fill) -> None:
        recorded.append(
            ((fill.ts_ms - T0_MS) // MINUTE_MS, fill.side.value, fill.price, fill.quantity)
        )
        super().on_fill(fill)


def _run(
    closes: list[float], stake: int = 400, fee_asset: str = "quote", **params: object
) -> BacktestResult:
    recorded.clear()
    return run_backtest(
        frame_from_closes(closes),
        make_instrument(),
        "test_recording_grid",
        params,
        BacktestConfig.build(capital=D(1000), stake=D(stake), fee_bps=D(10), fee_asset=fee_asset),
        path="event",
    )


def _orders(result: BacktestResult) -> list[tuple[int, str, D | None, D, str, D]]:
    """(created candle, side, limit, quantity, status, filled) of each order, in order."""
    return [
        (
            (o.created_ms - T0_MS) // MINUTE_MS,
            o.side,
            o.limit_price,
            o.quantity,
            o.status,
            o.filled_qty,
        )
        for o in result.orders
    ]


def test_grid_down_two_levels_and_back_up_buys_and_sells_at_the_lines() -> None:
    # Close 102: buys at 90, 95, 100 (100 / line quote each: 1.111, 1.052, 1.000).
    # Candle 1 (102 -> 99, low 98.5) fills the buy at 100 -> sell at 105.
    # Candle 2 (99 -> 94, low 93.5) fills the buy at 95 -> sell at 100.
    # Candle 4 (97 -> 101, high 101.5) fills the sell at 100 -> buy at 95 again.
    # Candle 5 (101 -> 106, high 106.5) fills the sell at 105 -> buy at 100 again; at its
    # close (106) the idle level 105 is armed.
    result = _run([102, 99, 94, 97, 101, 106], **RANGE)
    assert recorded == [
        (1, "buy", D("100.00"), D("1.000")),
        (2, "buy", D("95.00"), D("1.052")),
        (4, "sell", D("100.00"), D("1.052")),
        (5, "sell", D("105.00"), D("1.000")),
    ]
    assert _orders(result) == [
        (1, "buy", D("90.00"), D("1.111"), "canceled", D(0)),
        (1, "buy", D("95.00"), D("1.052"), "filled", D("1.052")),
        (1, "buy", D("100.00"), D("1.000"), "filled", D("1.000")),
        (1, "sell", D("105.00"), D("1.000"), "filled", D("1.000")),
        (2, "sell", D("100.00"), D("1.052"), "filled", D("1.052")),
        (4, "buy", D("95.00"), D("1.052"), "canceled", D(0)),
        (5, "buy", D("100.00"), D("1.000"), "canceled", D(0)),
        (6, "buy", D("105.00"), D("0.952"), "canceled", D(0)),
    ]
    (trade,) = result.trades  # flat after candle 5: one round trip
    assert (trade.entry_time_ms - T0_MS) // MINUTE_MS == 1
    assert (trade.exit_time_ms - T0_MS) // MINUTE_MS == 5
    assert trade.quantity == D("2.052")
    assert trade.exit_reason == "grid_sell"
    # Each level earns one step (5) on its quantity; maker fees 0.1 % on all four fills.
    fees = (D(100) + D("99.94") + D("105.2") + D(105)) * D("0.001")
    assert trade.fees == fees
    assert trade.pnl == D(5) * D("2.052") - fees


def test_grid_with_fees_in_the_asset_received_sells_what_each_level_received() -> None:
    # The same candles as above, fees in the asset received (Binance): each buy pays 0.1 %
    # of its quantity in TST, so level 100 holds 1.000 - 0.001 = 0.999 and sells that;
    # level 95 holds 1.052 - 0.001052 = 1.050948, sells its whole lots, 1.050, and keeps
    # the 0.000948 dust (below one lot: the position's dust, never offered for sale).
    result = _run([102, 99, 94, 97, 101, 106], fee_asset="received", **RANGE)
    assert recorded == [
        (1, "buy", D("100.00"), D("1.000")),
        (2, "buy", D("95.00"), D("1.052")),
        (4, "sell", D("100.00"), D("1.050")),
        (5, "sell", D("105.00"), D("0.999")),
    ]
    assert [(*o, r.fees) for o, r in zip(_orders(result), result.orders, strict=True)] == [
        (1, "buy", D("90.00"), D("1.111"), "canceled", D(0), D(0)),
        (1, "buy", D("95.00"), D("1.052"), "filled", D("1.052"), D("0.001052")),  # TST
        (1, "buy", D("100.00"), D("1.000"), "filled", D("1.000"), D("0.001")),  # TST
        (1, "sell", D("105.00"), D("0.999"), "filled", D("0.999"), D("0.104895")),  # USDT
        (2, "sell", D("100.00"), D("1.050"), "filled", D("1.050"), D("0.105")),  # USDT
        (4, "buy", D("95.00"), D("1.052"), "canceled", D(0), D(0)),
        (5, "buy", D("100.00"), D("1.000"), "canceled", D(0), D(0)),
        (6, "buy", D("105.00"), D("0.952"), "canceled", D(0), D(0)),
    ]
    (trade,) = result.trades
    assert trade.quantity == D("2.049")  # what the levels received, in whole lots
    # Fees at their USDT value: 0.001 x 100 + 0.001052 x 95 + 0.104895 + 0.105.
    assert trade.fees == D("0.409835")
    # The dust keeps its share of the average cost (97.44 a unit), so the round trip
    # realises 209.895 - (199.74006 - 0.092371...) and, net of fees, 9.8374749...
    assert trade.pnl == D("9.837474941520")
    assert result.final_balance == D("1009.837474941520")
    # Equity: the USDT held (1009.745105) and the dust at the last close (0.000948 x 106).
    assert result.curve.equity[-1] == pytest.approx(1009.745105 + 0.000948 * 106, abs=1e-9)


def test_grid_percent_range_around_first_close_skips_the_line_at_the_price() -> None:
    # First close 100, 10 % either side, 4 levels: lines 90 95 100 105 110. Only 90 and 95
    # are strictly below the close; the line at 100 gets no buy.
    result = _run([100, 100], levels=4, lower_pct=10, upper_pct=10)
    assert _orders(result) == [
        (1, "buy", D("90.00"), D("1.111"), "canceled", D(0)),
        (1, "buy", D("95.00"), D("1.052"), "canceled", D(0)),
    ]


def test_grid_geometric_lines_use_equal_ratios_and_fixed_quantity() -> None:
    # 100 -> 133.1 in 3 geometric levels: ratio 1.1, lines 100 110 121 133.1.
    result = _run([125, 125], lower=100, upper=133.1, levels=3, spacing="geometric", quantity=0.5)
    assert _orders(result) == [
        (1, "buy", D("100.00"), D("0.5"), "canceled", D(0)),
        (1, "buy", D("110.00"), D("0.5"), "canceled", D(0)),
        (1, "buy", D("121.00"), D("0.5"), "canceled", D(0)),
    ]


def test_grid_buys_beyond_the_budget_wait() -> None:
    # Stake 200 is the grid's budget; one unit per level: 90 and 95 fit (185), 100 does not.
    result = _run([102, 102], stake=200, quantity=1, **RANGE)
    assert _orders(result) == [
        (1, "buy", D("90.00"), D(1), "canceled", D(0)),
        (1, "buy", D("95.00"), D(1), "canceled", D(0)),
    ]


def test_grid_level_above_the_start_is_armed_once_the_price_is_above_it() -> None:
    # Start at 100: buys at 90 and 95. Close 107: levels 100 and 105 are now below the price
    # and get their buys. Candle 3 (107 -> 103, low 102.5) fills 105 -> sell at 110.
    result = _run([100, 107, 107, 103], **RANGE)
    # The position left at the end is sold at the last close (the runner's end of data).
    assert recorded == [(3, "buy", D("105.00"), D("0.952")), (4, "sell", D("103.00"), D("0.952"))]
    assert _orders(result)[2:] == [
        (2, "buy", D("100.00"), D("1.000"), "canceled", D(0)),
        (2, "buy", D("105.00"), D("0.952"), "filled", D("0.952")),
        (3, "sell", D("110.00"), D("0.952"), "canceled", D(0)),
        (4, "sell", None, D("0.952"), "filled", D("0.952")),  # end of data at the last close
    ]


def test_grid_trailing_up_shifts_every_buy_one_step_up() -> None:
    # Close 116 is above 115 (one step over 110): the grid moves to 95..115. The three buys
    # are canceled; levels 95 100 105 110 (all below 116) get buys.
    result = _run([102, 116, 117], trailing=True, **RANGE)
    assert recorded == []
    assert _orders(result) == [
        (1, "buy", D("90.00"), D("1.111"), "canceled", D(0)),
        (1, "buy", D("95.00"), D("1.052"), "canceled", D(0)),
        (1, "buy", D("100.00"), D("1.000"), "canceled", D(0)),
        (2, "buy", D("95.00"), D("1.052"), "canceled", D(0)),
        (2, "buy", D("100.00"), D("1.000"), "canceled", D(0)),
        (2, "buy", D("105.00"), D("0.952"), "canceled", D(0)),
        (2, "buy", D("110.00"), D("0.909"), "canceled", D(0)),
    ]


def test_grid_trailing_down_moves_the_sells_down_and_keeps_the_coins() -> None:
    # Candle 1 (102 -> 84, low 83.5) fills the three buys (in arrival order: 90, 95, 100);
    # their sells go to 95, 100, 105. Close 84 is below 85 (one step under 90): the grid moves
    # to 85..105, the sells are canceled and each level sells what it holds at its new line:
    # 90, 95, 100 (nothing at market). Candle 2 (84 -> 96, high 96.5) fills the sells at 90
    # and 95, whose levels buy again at 85 and 90. The last level is sold at the end of data.
    result = _run([102, 84, 96], trailing=True, **RANGE)
    assert recorded == [
        (1, "buy", D("90.00"), D("1.111")),
        (1, "buy", D("95.00"), D("1.052")),
        (1, "buy", D("100.00"), D("1.000")),
        (2, "sell", D("90.00"), D("1.111")),
        (2, "sell", D("95.00"), D("1.052")),
        (3, "sell", D("96.00"), D("1.000")),
    ]
    assert _orders(result)[3:] == [
        (1, "sell", D("95.00"), D("1.111"), "canceled", D(0)),
        (1, "sell", D("100.00"), D("1.052"), "canceled", D(0)),
        (1, "sell", D("105.00"), D("1.000"), "canceled", D(0)),
        (2, "sell", D("90.00"), D("1.111"), "filled", D("1.111")),
        (2, "sell", D("95.00"), D("1.052"), "filled", D("1.052")),
        (2, "sell", D("100.00"), D("1.000"), "canceled", D(0)),
        (2, "buy", D("85.00"), D("1.176"), "canceled", D(0)),
        (2, "buy", D("90.00"), D("1.111"), "canceled", D(0)),
        (3, "sell", None, D("1.000"), "filled", D("1.000")),
    ]


def test_grid_partial_fill_waits_for_completion_then_sells_the_whole_level() -> None:
    # Volume cap 50 %: the buy of 1.000 at 100 fills 0.600 in candle 1 (volume 1.2) and the
    # remaining 0.400 in candle 2; only then is the sell of 1.000 at 105 placed.
    rows = [
        (102, 102.5, 101.5, 102, 10),
        (102, 102.5, 99.0, 99.5, 1.2),
        (99.5, 100.0, 98.0, 99.0, 10),
        (99.0, 106.0, 99.0, 105.5, 10),
    ]
    recorded.clear()
    result = run_backtest(
        frame_from_rows(rows),
        make_instrument(),
        "test_recording_grid",
        {"lower": 95, "upper": 110, "levels": 3},
        BacktestConfig.build(capital=D(1000), stake=D(300), max_volume_participation=D("0.5")),
        path="event",
    )
    assert recorded == [
        (1, "buy", D("100.00"), D("0.600")),
        (2, "buy", D("100.00"), D("0.400")),
        (3, "sell", D("105.00"), D("1.000")),
    ]
    assert _orders(result)[1:3] == [
        (1, "buy", D("100.00"), D("1.000"), "filled", D("1.000")),
        (2, "sell", D("105.00"), D("1.000"), "filled", D("1.000")),
    ]


def test_grid_range_steps_beyond_the_edges() -> None:
    grid = GridRange(D(90), D(110), 4, GridSpacing.ARITHMETIC)
    assert (grid.below, grid.above, grid.shifted(-1).lines()) == (
        D(85),
        D(115),
        [D(85), D(90), D(95), D(100), D(105)],
    )


@pytest.mark.parametrize(
    "params",
    [
        {"lower": 90},  # upper missing
        {"lower": 110, "upper": 90},
        {"levels": 0},
        {"lower_pct": 100},
        {"spacing": "fibonacci"},
        {"quantity": -1},
    ],
)
def test_grid_bad_parameters_raise_config_error(params: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        _run([100, 100], **params)


def test_grid_level_below_the_venue_minimum_stops_the_strategy() -> None:
    with pytest.raises(StrategyError, match="cannot be placed"):
        _run([100, 100], stake=2, levels=4)  # 0.5 quote per level < minimum notional 1


@pytest.mark.parametrize("params", [{}, {"trailing": True, "spacing": "geometric"}])
def test_grid_on_btc_1h_trades_with_finite_metrics_and_never_oversells(
    params: dict[str, object],
) -> None:
    frame = read_candle_parquet(SAMPLES / "binance" / "BTC-USDT" / "1h.parquet", 3_600_000)
    frame = frame.slice(0, 3_000)
    result = run_backtest(
        frame,
        load_instrument("binance", "BTC/USDT"),
        "grid",
        params,
        BacktestConfig.build(),
        path="event",
    )
    assert len(result.trades) > 0
    # The venue expires a sell of coins not held: none may end that way (nor be refused).
    assert {o.status for o in result.orders} <= {"filled", "canceled"}
    assert any(o.tag == "grid_sell" and o.status == "filled" for o in result.orders)
    metrics = compute_metrics(result.trades, result.curve, D(10_000), frame.timeframe_ms)
    for value in (metrics.total_return_pct, metrics.max_drawdown_pct, metrics.sharpe):
        assert value is not None
        assert math.isfinite(value)
