"""momentum: MACD crosses with an RSI band, bearish divergence veto and exit, bullish option."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import numpy as np
import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.run_result import BacktestResult
from xor_trading.backtest.runner import run_backtest
from xor_trading.core.errors import ConfigError
from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.exchanges.simulated.markets import load_instrument
from xor_trading.indicators.rsi import rsi
from xor_trading.strategies.momentum import _divergence, _swing_mask, _SwingTracker
from xor_trading.testing.factories import MINUTE_MS, T0_MS, frame_from_closes, make_instrument
from xor_trading.testing.path_agreement import assert_finite_metrics, assert_paths_agree
from xor_trading.timeseries.candle_frame import CandleFrame

SAMPLES = Path(__file__).resolve().parents[3] / "src" / "xor_trading" / "data" / "samples"
PATHS = ["fast", "event"]
PARAMS = {
    "macd_fast": 3, "macd_slow": 6, "macd_signal": 3, "rsi_period": 3, "rsi_min": 40,
    "rsi_max": 70, "divergence_lookback": 10, "swing_strength": 1,
}  # fmt: skip
# MACD(3, 6, 3) crosses up at candles 8 (RSI 43.3) and 15 (RSI 68.5), down at 14 and 18.
# Swing highs (one close each side): 10 (9.70, RSI 76.46), 12 (9.80, RSI 75.81), 16 (10.30).
# 12 vs 10 is a higher high with a lower RSI high: a bearish divergence known at candle 13
# (when 9.70 < 9.80 confirms the swing at 12) and while swing 10 is within the lookback.
BEARISH = [10.0, 10.0, 10.0, 9.7, 9.6, 9.3, 9.2, 8.9, 9.2, 9.4, 9.7, 9.6, 9.8, 9.7, 9.6,
           9.8, 10.3, 10.0, 9.9, 9.6, 9.7, 9.4]  # fmt: skip
# Crosses up at 10 (RSI 56.7), 13 (48.8) and 16 (47.9), down at 11 and 15. Swing lows 8 (9.40,
# RSI 11.31), 12 (9.20, 23.45), 15 (9.10, 26.70): lower lows with higher RSI, a bullish
# divergence from candle 13 on.
BULLISH = [10.0, 10.0, 10.0, 10.5, 10.7, 10.5, 10.2, 9.7, 9.4, 9.6, 9.9, 9.4, 9.2, 9.5, 9.3,
           9.1, 9.3, 9.5]  # fmt: skip


def _run(path: str, closes: list[float], **params: object) -> BacktestResult:
    return run_backtest(
        frame_from_closes(closes),
        make_instrument(),
        "momentum",
        PARAMS | params,
        BacktestConfig.build(capital=D(1000), stake=D(100), fee_bps=D(10)),
        path=path,  # type: ignore[arg-type]
    )


def _summary(result: BacktestResult) -> list[tuple[int, D, int, D, str]]:
    """(entry candle, entry price, exit candle, exit price, reason) of each trade."""
    return [
        (
            (t.entry_time_ms - T0_MS) // MINUTE_MS,
            t.entry_price,
            (t.exit_time_ms - T0_MS) // MINUTE_MS,
            t.exit_price,
            t.exit_reason,
        )
        for t in result.trades
    ]


@pytest.mark.parametrize("path", PATHS)
def test_momentum_bearish_divergence_exits_and_vetoes_the_next_cross(path: str) -> None:
    # Bought after the cross at 8 (9.20); the divergence at 13 sells at 14's open (9.70) while
    # MACD is still above its signal. The cross at 15 is vetoed: the divergence still holds.
    assert _summary(_run(path, BEARISH)) == [(9, D("9.20"), 14, D("9.70"), "signal")]


@pytest.mark.parametrize("path", PATHS)
def test_momentum_macd_cross_down_exits_when_no_divergence_is_in_the_window(path: str) -> None:
    # Lookback 3: swing 10 is out of the window at 13, so no divergence. The cross down at 14
    # exits; the cross up at 15 (RSI 68.5, in the band) enters; the cross down at 18 exits.
    assert _summary(_run(path, BEARISH, divergence_lookback=3)) == [
        (9, D("9.20"), 15, D("9.60"), "signal"),
        (16, D("9.80"), 19, D("9.90"), "signal"),
    ]


@pytest.mark.parametrize("path", PATHS)
def test_momentum_rsi_outside_the_band_blocks_the_entry(path: str) -> None:
    # Band 45..70: the cross at 8 (RSI 43.3) is refused, the one at 15 (68.5) is not.
    trades = _summary(_run(path, BEARISH, divergence_lookback=3, rsi_min=45))
    assert trades == [(16, D("9.80"), 19, D("9.90"), "signal")]


@pytest.mark.parametrize("path", PATHS)
def test_momentum_required_bullish_divergence_skips_crosses_without_one(path: str) -> None:
    assert _summary(_run(path, BULLISH))[0][0] == 11  # the cross at 10 is taken by default
    # Required: the cross at 10 has no divergence; 13 and 16 have one. The end of the data
    # closes the second trade at the last close.
    assert _summary(_run(path, BULLISH, require_bullish_divergence=True)) == [
        (14, D("9.50"), 16, D("9.10"), "signal"),
        (17, D("9.30"), 18, D("9.50"), "end_of_data"),
    ]


def test_momentum_swing_tracker_equals_the_vectorised_divergence() -> None:
    rng = np.random.default_rng(7)
    closes = np.round(100 + np.cumsum(rng.choice([-1.0, -0.5, 0.0, 0.5, 1.0], 3_000)), 1)
    strength = rsi(closes, 5)
    for s, lookback in ((1, 5), (2, 12), (3, 40)):
        bearish = _divergence(closes, strength, _swing_mask(closes, s, highs=True), s,
                              lookback, bearish=True)  # fmt: skip
        bullish = _divergence(closes, strength, _swing_mask(closes, s, highs=False), s,
                              lookback, bearish=False)  # fmt: skip
        tracker = _SwingTracker(s)
        for i, (close, value) in enumerate(zip(closes, strength, strict=True)):
            tracker.update(i, float(close), float(value))
            assert tracker.bearish(i, lookback) == bearish[i]
            assert tracker.bullish(i, lookback) == bullish[i]
        assert bearish.sum() > 10
        assert bullish.sum() > 10


def test_momentum_swing_is_known_only_after_its_confirming_candles() -> None:
    closes = np.array([1.0, 3.0, 2.0, 4.0, 3.5, 3.0, 2.0])
    assert _swing_mask(closes, 1, highs=True).tolist() == [0, 1, 0, 1, 0, 0, 0]
    assert _swing_mask(closes, 2, highs=True).tolist() == [0, 0, 0, 1, 0, 0, 0]
    # A flat top is no swing: the middle close must beat each neighbour strictly.
    assert not _swing_mask(np.array([1.0, 2.0, 2.0, 1.0]), 1, highs=True).any()


@pytest.mark.parametrize(
    "params",
    [
        {"macd_fast": 26, "macd_slow": 12},
        {"rsi_min": 80, "rsi_max": 70},
        {"divergence_lookback": 6, "swing_strength": 3},
        {"rsi_period": 1},
    ],
)
def test_momentum_bad_parameters_raise_config_error(params: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        _run("event", BEARISH, **params)


# -- real data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def btc_1h() -> CandleFrame:
    return read_candle_parquet(SAMPLES / "binance" / "BTC-USDT" / "1h.parquet", 3_600_000)


def test_momentum_on_btc_1h_trades_with_finite_metrics(btc_1h: CandleFrame) -> None:
    cfg = BacktestConfig.build(capital=D(10_000), stake=D(1_000), fee_bps=D(10))
    instrument = load_instrument("binance", "BTC/USDT")
    result = run_backtest(btc_1h, instrument, "momentum", {}, cfg, path="fast")
    assert len(result.trades) > 100
    assert_finite_metrics(result, cfg, btc_1h.timeframe_ms)


@pytest.mark.parametrize(
    ("params", "extra"),
    [
        ({}, {}),
        ({"require_bullish_divergence": True, "divergence_lookback": 60}, {}),
        ({"swing_strength": 2}, {"stop_loss_pct": D("1.5"), "take_profit_pct": D(3)}),
    ],
    ids=["defaults", "bullish-required", "bracket"],
)
def test_momentum_fast_and_event_paths_agree_on_btc_1h(
    btc_1h: CandleFrame, params: dict[str, object], extra: dict[str, object]
) -> None:
    # The first 12,000 candles (2017-2019) include exchange outages: order times must
    # survive the gaps too.
    frame = btc_1h.slice(0, 12_000)
    cfg = BacktestConfig.build(capital=D(10_000), stake=D(1_000), fee_bps=D(10), **extra)
    fast = assert_paths_agree(
        frame, load_instrument("binance", "BTC/USDT"), "momentum", params, cfg
    )
    assert len(fast.trades) > 10
