"""grid_corrective: the grid starts and stops with the Elliott count, on crafted candles.

ZigZag at 10 % on hand-built candles (open, high, low, close). The swings low 100, high 130,
low 110 count as a correction up (A 100 -> 130, B 130 -> 110) with C developing: corrective.
With ``fib_low = 0.25`` and ``fib_high = 0.75`` the zone of wave B is 110 + 20 x (0.25,
0.75) = 115..125; two levels: lines 115 120 125. One unit per level; stake (the budget) 400.
Times are candle indices: an order placed at candle ``i``'s close is created at ``i + 1``,
one placed from a fill inside candle ``i`` at ``i``.
"""

from __future__ import annotations

import math
from decimal import Decimal as D
from pathlib import Path

import numpy as np
import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.metrics import compute_metrics
from xor_trading.backtest.run_result import BacktestResult
from xor_trading.backtest.runner import run_backtest
from xor_trading.core.errors import ConfigError
from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.domain.fills import Fill
from xor_trading.exchanges.simulated.markets import load_instrument
from xor_trading.indicators.elliott import WaveLabel, detect_waves
from xor_trading.strategies.elliott_tracker import ElliottTracker
from xor_trading.strategies.grid_corrective import (
    GridCorrective,
    is_corrective,
    retracement_zone,
)
from xor_trading.strategy.registry import register_strategy
from xor_trading.testing.factories import MINUTE_MS, T0_MS, frame_from_rows, make_instrument

SAMPLES = Path(__file__).resolve().parents[3] / "src" / "xor_trading" / "data" / "samples"
PARAMS = {"threshold_pct": 10, "levels": 2, "fib_low": 0.25, "fib_high": 0.75, "quantity": 1}
WAVES = [  # open, high, low, close
    (100, 101, 100, 101),
    (101, 112, 101, 112),  # confirms the low 100
    (112, 130, 112, 130),
    (130, 130, 116, 116),  # confirms the high 130
    (116, 116, 110, 110),
    (110, 122, 110, 122),  # confirms the low 110: correction up, C developing
]


def _run(rows: list[tuple[float, float, float, float]], **params: object) -> BacktestResult:
    return run_backtest(
        frame_from_rows([(*r, 1000.0) for r in rows]),
        make_instrument(),
        "grid_corrective",
        PARAMS | params,
        BacktestConfig.build(capital=D(1000), stake=D(400), fee_bps=D(10)),
        path="event",
    )


def _orders(result: BacktestResult) -> list[tuple[int, str, D | None, D, str, str]]:
    """(created candle, side, limit, quantity, status, tag) of each order, in order."""
    return [
        ((o.created_ms - T0_MS) // MINUTE_MS, o.side, o.limit_price, o.quantity, o.status, o.tag)
        for o in result.orders
    ]


def test_grid_corrective_runs_in_the_zone_and_stops_when_the_count_changes() -> None:
    rows = [
        *WAVES,  # close 122: grid 115/120/125, buys at 115 and 120
        (122, 122.5, 118, 119),  # 6: buy 120 fills -> sell 125
        (119, 126, 119, 126),  # 7: sell 125 fills -> buy 120 again
        (126, 126, 113, 113.5),  # 8: buys 115, 120 fill; confirms the high 126: new count
        (113.5, 119.5, 113, 119),  # 9: flattened at the open; new count (down, C): 114/118/122
        (119, 119.5, 117, 117.5),  # 10: buy 118 fills -> sell 122
        (117.5, 131, 117.5, 131),  # 11: sell 122 fills; 130 broken: that count ends
    ]
    result = _run(rows)
    assert _orders(result)[:11] == [
        (6, "buy", D("115.00"), D(1), "filled", "grid_buy"),
        (6, "buy", D("120.00"), D(1), "filled", "grid_buy"),
        (6, "sell", D("125.00"), D(1), "filled", "grid_sell"),
        (7, "buy", D("120.00"), D(1), "filled", "grid_buy"),
        (8, "sell", D("120.00"), D(1), "canceled", "grid_sell"),
        (8, "sell", D("125.00"), D(1), "canceled", "grid_sell"),
        (9, "sell", None, D(2), "filled", "grid_exit"),
        # Correction down 130 -> 110 -> 126: zone of B = 126 - 16 x (0.25, 0.75) = 114..122.
        (10, "buy", D("114.00"), D(1), "canceled", "grid_buy"),
        (10, "buy", D("118.00"), D(1), "filled", "grid_buy"),
        (10, "sell", D("122.00"), D(1), "filled", "grid_sell"),
        (11, "buy", D("118.00"), D(1), "canceled", "grid_buy"),
    ]
    assert [(t.exit_price, t.quantity, t.exit_reason) for t in result.trades] == [
        (D("125.00"), D(1), "grid_sell"),
        (D("113.50"), D(2), "grid_exit"),
        (D("122.00"), D(1), "grid_sell"),
    ]


def _htf_rows(after: list[tuple[float, float, float, float]]) -> list[tuple[float, ...]]:
    """1m candles whose 2m candles are WAVES: the first 1m candle opens a 2m candle late (the
    runner drops that partial 2m candle), then each 2m candle is (o, h, l, c) + a flat minute."""
    rows: list[tuple[float, ...]] = [(100, 100, 100, 100)]
    for o, h, low, c in WAVES:
        rows += [(o, h, low, c), (c, c, c, c)]
    return rows + after


@pytest.mark.parametrize(("flatten", "exit_at"), [(True, 14), (False, 16)])
def test_grid_corrective_close_beyond_the_invalidation_stops_before_the_htf_count_updates(
    flatten: bool, exit_at: int
) -> None:
    # The 2m count is corrective at the close of 1m candle 12 (close 122). Candle 13 falls
    # to 99 and closes at 99.5, below the count's invalidation level (100, the start of A)
    # while the 2m candle is still forming: the grid stops at that 1m close. With flatten the
    # position is sold at candle 14's open; without it, it is held (sold at the end of data)
    # and the same count is not started again.
    after = [(122, 122, 99, 99.5), (99.5, 100, 99, 99.5), (99.5, 100, 99, 99.5)]
    result = _run(_htf_rows(after), timeframe="2m", flatten=flatten)
    assert _orders(result) == [
        (13, "buy", D("115.00"), D(1), "filled", "grid_buy"),
        (13, "buy", D("120.00"), D(1), "filled", "grid_buy"),
        (13, "sell", D("120.00"), D(1), "canceled", "grid_sell"),
        (13, "sell", D("125.00"), D(1), "canceled", "grid_sell"),
        (exit_at, "sell", None, D(2), "filled", "grid_exit" if flatten else "end_of_data"),
    ]


def test_retracement_zone_spans_the_two_ratios_of_the_last_wave() -> None:
    up = retracement_zone(WaveLabel("A", 2, 130.0), WaveLabel("B", 4, 110.0), 0.25, 0.75)
    down = retracement_zone(WaveLabel("0", 0, 100.0), WaveLabel("A", 2, 130.0), 0.382, 0.786)
    assert up == (115.0, 125.0)
    assert down == pytest.approx((130 - 0.786 * 30, 130 - 0.382 * 30))


def test_tracker_count_equals_detect_waves_and_is_corrective_on_btc_1h() -> None:
    frame = read_candle_parquet(SAMPLES / "binance" / "BTC-USDT" / "1h.parquet", 3_600_000)
    high, low, close = frame.high[:3_000], frame.low[:3_000], frame.close[:3_000]
    tracker = ElliottTracker(5.0)
    corrective = 0
    for i in range(3_000):
        tracker.update(float(high[i]), float(low[i]), float(close[i]))
        if i % 150 == 149:
            mine, reference = (
                tracker.count,
                detect_waves(high[: i + 1], low[: i + 1], close[: i + 1], 5.0),
            )
            assert (mine is None) == (reference is None)
            if mine is not None and reference is not None:
                assert (mine.best, mine.alternatives) == (reference.best, reference.alternatives)
            corrective += is_corrective(mine)
    assert corrective > 0
    assert np.isfinite(close).all()


@pytest.mark.parametrize(
    "params",
    [
        {"fib_low": 0.8, "fib_high": 0.5},
        {"timeframe": "5x"},
        {"levels": 0},
        {"threshold_pct": 0},
        {"min_confidence": 2},
    ],
)
def test_grid_corrective_bad_parameters_raise_config_error(params: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        _run(WAVES, **params)


@pytest.mark.parametrize("params", [{}, {"timeframe": "4h", "threshold_pct": 8}])
def test_grid_corrective_on_btc_1h_trades_with_finite_metrics_and_never_oversells(
    params: dict[str, object],
) -> None:
    frame = read_candle_parquet(SAMPLES / "binance" / "BTC-USDT" / "1h.parquet", 3_600_000)
    frame = frame.slice(0, 3_000)
    result = run_backtest(
        frame,
        load_instrument("binance", "BTC/USDT"),
        "grid_corrective",
        params,
        BacktestConfig.build(),
        path="event",
    )
    assert len(result.trades) > 0
    # The venue expires a sell of coins not held: none may end that way (nor be refused).
    assert {o.status for o in result.orders} <= {"filled", "canceled"}
    filled = {o.tag for o in result.orders if o.status == "filled"}
    assert {"grid_buy", "grid_sell", "grid_exit"} <= filled
    metrics = compute_metrics(result.trades, result.curve, D(10_000), frame.timeframe_ms)
    for value in (metrics.total_return_pct, metrics.max_drawdown_pct, metrics.sharpe):
        assert value is not None
        assert math.isfinite(value)


held_vs_account: list[tuple[D, D]] = []  # (grid's cells + spare, the account's holding)


@register_strategy
class HoldingGridCorrective(GridCorrective):
    """grid_corrective, recording after each fill what its grid holds (test only)."""

    name = "test_holding_grid_corrective"

    def on_fill(self, fill: Fill) -> None:
        super().on_fill(fill)
        book = self.book
        if book is not None:
            holding = self.ctx.positions.holding(self.ctx.symbol)  # type: ignore[attr-defined]
            held_vs_account.append((book.held + book.spare, holding))


def test_grid_corrective_with_fees_in_the_asset_received_holds_what_the_account_holds() -> None:
    # Binance's commissions: a buy's fee in BTC. Each level holds what it received, sells
    # its whole lots; the dust below one lot (the spare) goes with later sells, also into
    # the next grid, so the grid's cells and spare are, after every fill, exactly the BTC
    # the account holds, and no sell is ever refused or expired for want of BTC.
    frame = read_candle_parquet(SAMPLES / "binance" / "BTC-USDT" / "1h.parquet", 3_600_000)
    held_vs_account.clear()
    result = run_backtest(
        frame.slice(0, 3_000),
        load_instrument("binance", "BTC/USDT"),
        "test_holding_grid_corrective",
        {},
        BacktestConfig.build(fee_asset="received"),
        path="event",
    )
    assert {o.status for o in result.orders} <= {"filled", "canceled"}
    assert len(held_vs_account) > 100
    assert all(grid == account for grid, account in held_vs_account)
    assert any(grid % D("0.00001") for grid, _ in held_vs_account)  # dust was held
