"""Market context scorer: patterns on built paths, score range, signals, batch == incremental."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.indicators.market_context import (
    PATTERNS,
    ContextReading,
    MarketContext,
    MarketContextScorer,
    Pattern,
    context_signals,
    market_context,
    warmup_candles,
)
from xor_trading.timeseries.candle_frame import FloatArray

SHARED = Path("/work/shared/data/candles")
REAL = [
    (SHARED / "binance_BTC-USDT_1h.parquet", 3_600_000),
    (SHARED / "binance_ETH-USDT_5m.parquet", 300_000),
]
LOOKBACK, ATR_PERIOD = 20, 5  # small windows keep the hand-built paths short

Bars = tuple[FloatArray, FloatArray, FloatArray, FloatArray]
FLOAT_FIELDS = [
    "score",
    "volume",
    "volume_trend",
    "up_volume",
    "compression",
    "position",
    "trend",
    "breakout",
]


def _bars(closes: list[float], spreads: list[float], volumes: list[float]) -> Bars:
    """Candles with ``high = close + spread`` and ``low = close - spread``."""
    c = np.array(closes)
    s = np.array(spreads)
    return c + s, c - s, c, np.array(volumes)


def _alternating(count: int, first: float, second: float) -> list[float]:
    return [first if i % 2 == 0 else second for i in range(count)]


def _chop(count: int = 80) -> Bars:
    """Closes alternating 100/101, candle ranges slowly widening, steady volume."""
    spreads = [0.5 + 0.01 * i for i in range(count)]
    return _bars(_alternating(count, 100.0, 101.0), spreads, [10.0] * count)


def _flat_then(close: float, volume: float) -> Bars:
    """80 candles alternating 100/101 (range 99.5-101.5, volume 10), then one more candle."""
    closes = [*_alternating(80, 100.0, 101.0), close]
    return _bars(closes, [0.5] * 81, [10.0] * 80 + [volume])


def _steady_uptrend(count: int = 80) -> Bars:
    closes = [100.0]
    for i in range(1, count):
        closes.append(closes[-1] + (3.0 if i % 2 else -1.0))  # +3, -1: net +1 a candle
    return _bars(closes, [0.5] * count, [10.0] * count)


def _coil(level: tuple[float, float], volumes: list[float]) -> Bars:
    """60 wide candles (closes 100/102, range 98-104), then 12 narrow ones at ``level``."""
    closes = _alternating(60, 100.0, 102.0) + _alternating(12, *level)
    return _bars(closes, [2.0] * 60 + [0.2] * 12, [10.0] * 60 + volumes)


def _context(bars: Bars) -> MarketContext:
    return market_context(*bars, lookback=LOOKBACK, atr_period=ATR_PERIOD)


def _readings(bars: Bars, threshold: float = 70.0, **kw: int) -> list[ContextReading | None]:
    scorer = MarketContextScorer(threshold=threshold, **kw)
    high, low, close, volume = (x.tolist() for x in bars)
    return [scorer.update(*row) for row in zip(high, low, close, volume, strict=True)]


def _assert_same(
    batch: MarketContext, readings: list[ContextReading | None], signals: np.ndarray
) -> None:
    """Every reading equals the batch row at its index; None exactly during the warm-up."""
    first = next(i for i, r in enumerate(readings) if r is not None)
    assert all(r is None for r in readings[:first])
    assert np.isnan(batch.score[:first]).all()
    assert not np.isnan(batch.score[first:]).any()
    table = np.array(readings[first:], dtype=np.float64)  # one row per reading, in field order
    column = {name: table[:, i] for i, name in enumerate(ContextReading._fields)}
    for name in FLOAT_FIELDS:
        np.testing.assert_allclose(column[name], getattr(batch, name)[first:], rtol=0, atol=1e-9)
    assert np.array_equal(column["pattern"], batch.pattern[first:])
    assert np.array_equal(column["direction"], batch.direction[first:])
    assert np.array_equal(column["signal"], signals[first:])


# ----------------------------------------------------------------- patterns on hand-built paths


def test_chop_with_widening_candles_is_range_with_a_low_score() -> None:
    ctx = _context(_chop())
    assert ctx.pattern[-1] == Pattern.RANGE
    assert ctx.trend[-1] == 0.0  # 20 alternating moves: no net move
    assert ctx.compression[-1] < 0.1  # the widest candles of the lookback
    assert ctx.score[-1] < 20.0


def test_close_above_the_range_on_4x_volume_is_an_upward_breakout_and_signals() -> None:
    ctx = _context(_flat_then(103.0, 40.0))
    assert ctx.pattern[-1] == Pattern.BREAKOUT
    assert ctx.direction[-1] == 1
    assert ctx.breakout[-1] > 0.5  # 1.5 beyond the prior high of 101.5, ATR 1.7
    assert ctx.score[-2] < 70.0 <= ctx.score[-1]
    assert context_signals(ctx.score)[-1]
    assert not context_signals(ctx.score)[:-1].any()


def test_close_below_the_range_on_4x_volume_is_a_downward_breakout() -> None:
    ctx = _context(_flat_then(98.0, 40.0))
    assert ctx.pattern[-1] == Pattern.BREAKOUT
    assert ctx.direction[-1] == -1


def test_close_above_the_range_on_average_volume_is_not_a_breakout() -> None:
    ctx = _context(_flat_then(103.0, 10.0))
    assert ctx.breakout[-1] > 0.0
    assert ctx.pattern[-1] != Pattern.BREAKOUT


def test_steady_climb_is_an_upward_trend() -> None:
    ctx = _context(_steady_uptrend())
    assert ctx.trend[-1] == pytest.approx(0.5)  # net 20 over 40 of movement
    assert ctx.pattern[-1] == Pattern.TREND
    assert ctx.direction[-1] == 1
    assert ctx.position[-1] > 0.9


def test_narrowing_range_in_the_bottom_half_with_rising_volume_is_accumulation() -> None:
    ctx = _context(_coil((100.0, 100.4), [10.0 + i for i in range(12)]))
    assert ctx.compression[-1] >= 0.6
    assert ctx.position[-1] < 0.5
    assert ctx.volume_trend[-1] > 0.5
    assert ctx.pattern[-1] == Pattern.ACCUMULATION


def test_narrowing_range_at_the_top_with_volume_on_down_candles_is_distribution() -> None:
    ctx = _context(_coil((102.6, 103.0), [20.0 if i % 2 == 0 else 5.0 for i in range(12)]))
    assert ctx.position[-1] >= 0.5
    assert ctx.up_volume[-1] < 0.5
    assert ctx.pattern[-1] == Pattern.DISTRIBUTION


def test_more_breakout_volume_gives_a_higher_score() -> None:
    scores = [_context(_flat_then(103.0, v)).score[-1] for v in (15.0, 20.0, 30.0)]
    assert scores == sorted(scores)
    assert scores[0] < scores[-1]


# ----------------------------------------------------------------- warm-up and outputs


def test_warmup_is_lookback_plus_atr_period_in_batch_and_incremental() -> None:
    bars = _chop(40)
    ctx = _context(bars)
    warmup = warmup_candles(LOOKBACK, ATR_PERIOD)
    assert warmup == 25
    for name in FLOAT_FIELDS:
        values = getattr(ctx, name)
        assert np.isnan(values[: warmup - 1]).all(), name
        assert not np.isnan(values[warmup - 1 :]).any(), name
    assert (ctx.pattern[: warmup - 1] == Pattern.NONE).all()
    assert (ctx.pattern[warmup - 1 :] != Pattern.NONE).all()
    readings = _readings(bars, lookback=LOOKBACK, atr_period=ATR_PERIOD)
    assert [r is None for r in readings] == [i < warmup - 1 for i in range(40)]
    assert MarketContextScorer(LOOKBACK, ATR_PERIOD).warmup == warmup


def test_shorter_input_than_the_warmup_gives_only_nan() -> None:
    ctx = _context(_chop(24))
    assert np.isnan(ctx.score).all()
    assert (ctx.pattern == 0).all()
    assert len(market_context(*_chop(0)).score) == 0


def test_pattern_names_match_codes() -> None:
    assert PATTERNS == ("none", "accumulation", "breakout", "distribution", "trend", "range")
    assert PATTERNS[Pattern.BREAKOUT] == Pattern.BREAKOUT.label == "breakout"
    reading = _readings(_flat_then(103.0, 40.0), lookback=LOOKBACK, atr_period=ATR_PERIOD)[-1]
    assert reading is not None
    assert reading.pattern_name == "breakout"


@pytest.mark.parametrize(("lookback", "atr_period"), [(4, 14), (50, 0)])
def test_bad_parameters_raise_value_error(lookback: int, atr_period: int) -> None:
    with pytest.raises(ValueError, match="at least"):
        market_context(*_chop(), lookback=lookback, atr_period=atr_period)
    with pytest.raises(ValueError, match="at least"):
        MarketContextScorer(lookback, atr_period)


def test_inputs_of_different_lengths_raise_value_error() -> None:
    high, low, close, volume = _chop()
    with pytest.raises(ValueError, match="same length"):
        market_context(high, low, close, volume[:-1])


# ----------------------------------------------------------------- signals


def test_signal_is_true_only_on_the_upward_crossing_candle() -> None:
    nan = math.nan
    score = np.array([nan, 60.0, 70.0, 75.0, 69.9, 70.0, 71.0, nan, 80.0, 90.0, 10.0, 70.1])
    expected = [False, False, True, False, False, True, False, False, False, False, False, True]
    assert context_signals(score, 70.0).tolist() == expected


def test_first_score_above_threshold_does_not_signal() -> None:
    assert context_signals(np.array([80.0, 85.0]), 70.0).tolist() == [False, False]
    assert context_signals(np.array([]), 70.0).tolist() == []


def test_scorer_signals_the_crossing_once_while_the_score_stays_above() -> None:
    _, _, close, volume = _flat_then(103.0, 40.0)
    bars = _bars([*close.tolist(), 104.5], [0.5] * 82, [*volume.tolist(), 60.0])
    ctx = _context(bars)
    assert ctx.score[-3] < 60.0 <= ctx.score[-1] < ctx.score[-2]  # 29 -> 74 -> 68
    readings = _readings(bars, threshold=60.0, lookback=LOOKBACK, atr_period=ATR_PERIOD)
    signalled = [i for i, r in enumerate(readings) if r is not None and r.signal]
    assert signalled == [len(readings) - 2]
    assert np.flatnonzero(context_signals(ctx.score, 60.0)).tolist() == signalled


# ----------------------------------------------------------------- properties


@st.composite
def _random_walks(draw: st.DrawFn) -> Bars:
    """Integer-step walks: ties, flat candles and zero volume are all common."""
    size = draw(st.integers(0, 160))
    steps = draw(st.lists(st.integers(-3, 3), min_size=size, max_size=size))
    wicks = draw(
        st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=size, max_size=size)
    )
    volumes = draw(st.lists(st.integers(0, 5), min_size=size, max_size=size))
    close = 1_000.0 + np.cumsum(np.array(steps, dtype=np.float64))
    up = np.array([w[0] for w in wicks], dtype=np.float64)
    down = np.array([w[1] for w in wicks], dtype=np.float64)
    return close + up, close - down, close, np.array(volumes, dtype=np.float64)


@settings(max_examples=50, deadline=None)
@given(bars=_random_walks(), lookback=st.integers(5, 25), atr_period=st.integers(1, 8))
def test_random_walk_scores_are_within_0_100_and_incremental_equals_batch_exactly(
    bars: Bars, lookback: int, atr_period: int
) -> None:
    ctx = market_context(*bars, lookback=lookback, atr_period=atr_period)
    valid = ~np.isnan(ctx.score)
    assert ((ctx.score[valid] >= 0.0) & (ctx.score[valid] <= 100.0)).all()
    assert valid.sum() == max(0, len(bars[2]) - (lookback + atr_period - 1))
    for name in FLOAT_FIELDS[1:]:
        values = getattr(ctx, name)[valid]
        assert ((values >= 0.0) & (values <= 1.0)).all(), name
    assert set(ctx.pattern[valid].tolist()) <= {1, 2, 3, 4, 5}
    readings = _readings(bars, lookback=lookback, atr_period=atr_period)
    scores = [math.nan if r is None else r.score for r in readings]
    assert np.array_equal(scores, ctx.score, equal_nan=True)  # to the bit
    patterns = [0 if r is None else int(r.pattern) for r in readings]
    assert patterns == ctx.pattern.tolist()
    signals = [r is not None and r.signal for r in readings]
    assert signals == context_signals(ctx.score).tolist()


# ----------------------------------------------------------------- real data


@pytest.mark.parametrize(("path", "timeframe_ms"), REAL, ids=["BTC-USDT_1h", "ETH-USDT_5m"])
def test_incremental_equals_batch_on_real_candles(path: Path, timeframe_ms: int) -> None:
    if not path.exists():
        pytest.skip(f"real data not available: {path}")
    frame = read_candle_parquet(path, timeframe_ms)
    assert len(frame) > 50_000
    batch = market_context(frame.high, frame.low, frame.close, frame.volume)
    signals = context_signals(batch.score)
    readings = _readings((frame.high, frame.low, frame.close, frame.volume))
    _assert_same(batch, readings, signals)
    assert np.array_equal([r.score for r in readings if r], batch.score[63:])  # to the bit
    valid = batch.score[63:]
    assert valid.min() >= 0.0
    assert valid.max() <= 100.0
    assert set(batch.pattern[63:].tolist()) == {1, 2, 3, 4, 5}  # every pattern occurs
    assert 0 < signals.sum() < len(frame) // 10


def test_volume_spike_then_dust_keeps_features_in_range_and_forms_equal() -> None:
    """Running sums after a 1e12 spike leave rounding residue; the features stay in [0, 1]."""
    rng = np.random.default_rng(3)
    size = 400
    close = 100.0 + np.cumsum(rng.normal(0.0, 0.3, size))
    volume = np.where(rng.random(size) < 0.5, 0.0, rng.random(size) * 1e-3)
    volume[30] = 1e12
    bars = (close + 0.2, close - 0.2, close, volume)
    ctx = _context(bars)
    valid = ~np.isnan(ctx.score)
    for name in FLOAT_FIELDS[1:]:
        values = getattr(ctx, name)[valid]
        assert ((values >= 0.0) & (values <= 1.0)).all(), name
    readings = _readings(bars, lookback=LOOKBACK, atr_period=ATR_PERIOD)
    _assert_same(ctx, readings, context_signals(ctx.score))
