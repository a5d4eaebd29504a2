"""Return windows and correlations (risk/correlation.py), checked against numpy."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from xor_trading.risk.correlation import ReturnWindows
from xor_trading.risk.state import RiskState


def _series(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 0.01, n)


def _fill(w: ReturnWindows, symbol: str, values: np.ndarray) -> None:
    for v in values:
        w.add(symbol, float(v))


def test_risk_correlation_of_full_windows_equals_numpy() -> None:
    w = ReturnWindows(50)
    a, noise = _series(80, 1), _series(80, 2)
    b = 0.6 * a + noise
    _fill(w, "A", a)
    _fill(w, "B", b)
    expected = np.corrcoef(a[-50:], b[-50:])[0, 1]
    assert w.correlation("A", "B") == pytest.approx(expected, abs=1e-12)
    assert w.correlation("B", "A") == pytest.approx(expected, abs=1e-12)


def test_risk_correlation_uses_the_common_history_of_different_lengths() -> None:
    w = ReturnWindows(50)
    a, b = _series(50, 3), _series(30, 4)
    _fill(w, "A", a)
    _fill(w, "B", b)
    expected = np.corrcoef(a[-30:], b)[0, 1]
    assert w.correlation("A", "B") == pytest.approx(expected, abs=1e-12)


def test_risk_correlation_needs_half_the_window_of_common_returns() -> None:
    w = ReturnWindows(50)
    assert w.min_returns == 25
    _fill(w, "A", _series(50, 5))
    _fill(w, "B", _series(24, 6))
    assert w.correlation("A", "B") is None
    w.add("B", 0.001)
    assert w.correlation("A", "B") is not None
    assert w.correlation("A", "NEVER") is None


def test_risk_correlation_of_a_series_that_never_moved_is_none() -> None:
    w = ReturnWindows(20)
    _fill(w, "A", _series(20, 7))
    _fill(w, "FLAT", np.zeros(20))
    _fill(w, "PEG", np.full(20, 0.001))
    assert w.correlation("A", "FLAT") is None
    assert w.correlation("A", "PEG") is None
    assert np.isnan(w.matrix(["A", "FLAT", "PEG"])).all()


def test_risk_correlation_matrix_equals_the_pairwise_values() -> None:
    w = ReturnWindows(40)
    base = _series(60, 8)
    names = ["A", "B", "C", "D"]
    for i, name in enumerate(names):
        values = base * (i % 2) + _series(60, 10 + i)
        _fill(w, name, values if name != "D" else values[-30:])  # D: a shorter history
    m = w.matrix(names)
    for i, a in enumerate(names):
        assert np.isnan(m[i, i])
        for j, b in enumerate(names):
            if i != j:
                assert m[i, j] == pytest.approx(w.correlation(a, b), abs=1e-12)


def test_risk_correlation_running_sums_stay_exact_over_a_long_run() -> None:
    w = ReturnWindows(30)
    a, b = _series(5_000, 11), _series(5_000, 12)
    _fill(w, "A", a)
    _fill(w, "B", 0.3 * a + b)
    expected = np.corrcoef(a[-30:], (0.3 * a + b)[-30:])[0, 1]
    assert w.correlation("A", "B") == pytest.approx(expected, abs=1e-12)
    assert list(w.returns["A"]) == pytest.approx(list(a[-30:]))


def _correlated_state() -> RiskState:
    """A, B and C: A-B and B-C correlated above 0.7, A-C below it; X independent."""
    s = RiskState(10_000, correlation_window=100)
    rng = np.random.default_rng(21)
    f, g = rng.normal(0, 0.01, 100), rng.normal(0, 0.01, 100)
    series = {
        "A/USDT": f + 0.2 * rng.normal(0, 0.01, 100),
        "B/USDT": f + g,
        "C/USDT": g + 0.2 * rng.normal(0, 0.01, 100),
        "X/USDT": rng.normal(0, 0.01, 100),
    }
    for name, values in series.items():
        for v in values:
            s.add_return(name, float(v))
    return s


def test_risk_correlation_clusters_are_connected_components() -> None:
    s = _correlated_state()
    w = s.windows
    assert w.correlation("A/USDT", "B/USDT") > 0.7  # type: ignore[operator]
    assert w.correlation("B/USDT", "C/USDT") > 0.7  # type: ignore[operator]
    assert w.correlation("A/USDT", "C/USDT") < 0.7  # type: ignore[operator]
    s.set_position("A/USDT", Decimal(1), 100.0, 0)
    s.set_position("X/USDT", Decimal(1), 100.0, 0)
    found = s.correlation("B/USDT", 0.7)
    assert found.with_symbol == "A/USDT"
    assert found.cluster == ("A/USDT",)
    s.set_position("B/USDT", Decimal(1), 100.0, 0)
    # C correlates only with B, but B is linked to A: the cluster is A and B.
    found = s.correlation("C/USDT", 0.7)
    assert found.cluster == ("A/USDT", "B/USDT")
    assert found.unknown == ()


def test_risk_correlation_answer_follows_new_returns_and_exposure() -> None:
    s = _correlated_state()
    s.set_position("A/USDT", Decimal(1), 100.0, 0)
    before = s.correlation("B/USDT", 0.7)
    assert s.correlation("B/USDT", 0.7) is before  # cached within the candle
    for _ in range(60):  # B decouples from A
        s.add_return("B/USDT", 0.0)
        s.add_return("A/USDT", 0.01)
    after = s.correlation("B/USDT", 0.7)
    assert after.highest is None or after.highest < before.highest  # type: ignore[operator]
    s.set_position("A/USDT", Decimal(0), 100.0, 0)
    assert s.correlation("B/USDT", 0.7).highest is None  # nothing open any more


def test_risk_correlation_with_too_little_history_lists_the_unknown_positions() -> None:
    s = RiskState(10_000, correlation_window=100)
    for v in _series(100, 30):
        s.add_return("A/USDT", float(v))
    for v in _series(10, 31):
        s.add_return("NEW/USDT", float(v))
    s.set_position("A/USDT", Decimal(1), 100.0, 0)
    s.set_position("B/USDT", Decimal(1), 100.0, 0)  # no returns at all
    found = s.correlation("NEW/USDT", 0.7)
    assert found.highest is None
    assert found.unknown == ("A/USDT", "B/USDT")
