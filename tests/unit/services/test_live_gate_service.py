"""run_live_gate: the window on recent stored candles, the drawdown bound, the decision, the files.

The store is seeded with the shipped samples: BTC/USDT 1h ends 2024-04-21 14:00 (years of
history), ETH/USDT 1m holds 14 days. sma_cross with its defaults on the last 90 days of
BTC/USDT 1h has a Sharpe above 1 but a profit factor near 1.3 and a win rate near 35 %, so
it fails the default gate and passes a gate lowered to 1.3 and 35 %.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.metrics import DAY_MS
from xor_trading.core.errors import ConfigError, DataError
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.samples import seed_samples
from xor_trading.risk.config import RiskConfig
from xor_trading.services.live_gate_service import (
    GATE_FILE,
    LiveGateReport,
    run_live_gate,
)
from xor_trading.services.validation_gate import GateOverride, GateThresholds, evaluate_gate

HOUR_MS = 3_600_000
BTC_1H_LAST_OPEN_MS = 1_713_708_000_000  # 2024-04-21T14:00:00Z
BTC_1H_END_MS = BTC_1H_LAST_OPEN_MS + HOUR_MS
NOW_MS = BTC_1H_END_MS  # "now" right after the last candle: no stale-data warning
LOWERED = GateThresholds(min_profit_factor=1.3, min_win_rate_pct=35)
CONFIG = BacktestConfig.build(stake=Decimal(200), risk=RiskConfig())


@pytest.fixture(scope="module")
def candles_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("store") / "candles"
    seed_samples(ParquetCandleStore(root))
    return root


def _gate(
    candles_root: Path,
    output: Path,
    *,
    symbol: str = "BTC/USDT",
    timeframe: str = "1h",
    config: BacktestConfig = CONFIG,
    now_ms: int = NOW_MS,
    **kwargs: object,
) -> LiveGateReport:
    return run_live_gate(
        "sma_cross",
        symbol,
        timeframe,
        {},
        config,
        candles_root,
        output=output,
        now_ms=now_ms,
        **kwargs,  # type: ignore[arg-type]
    )


def test_default_gate_refuses_and_lists_the_failures(candles_root: Path, tmp_path: Path) -> None:
    report = _gate(candles_root, tmp_path / "out")
    assert not report.allowed
    assert not report.result.passed
    assert [f.split(" ")[0] for f in report.result.failures] == ["Profit", "Win"]
    assert report.result.failures[0].endswith("is below 1.5")
    assert report.result.failures[1].endswith("is below 45 %")
    assert report.decision.override is None
    assert report.decision.reason.startswith("the backtest failed the validation gate: ")
    # The result is the gate's verdict on the metrics, with the breaker's limit.
    assert evaluate_gate(report.metrics, GateThresholds(), Decimal(10)) == report.result
    by_name = {c.name: c for c in report.criteria}
    assert [c.name for c in report.criteria] == [
        "Sharpe",
        "Profit factor",
        "Win rate",
        "Max drawdown",
    ]
    assert by_name["Sharpe"].passed
    assert by_name["Max drawdown"].passed
    assert by_name["Profit factor"].failure == report.result.failures[0]
    assert by_name["Win rate"].failure == report.result.failures[1]
    assert by_name["Win rate"].threshold == ">= 45 %"
    assert by_name["Max drawdown"].threshold == "<= 10 %"


def test_window_is_the_last_days_ending_at_the_last_stored_candle(
    candles_root: Path, tmp_path: Path
) -> None:
    report = _gate(candles_root, tmp_path / "out", recent_days=60)
    assert report.end_ms == BTC_1H_END_MS
    assert report.start_ms == BTC_1H_END_MS - 60 * DAY_MS
    assert report.days == 60
    assert report.candles == 60 * 24
    assert report.warnings == []


def test_results_files_and_gate_json_are_written(candles_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = _gate(candles_root, out)
    assert sorted(p.name for p in out.iterdir()) == [
        "equity.csv",
        GATE_FILE,
        "metrics.json",
        "orders.csv",
        "report.html",
        "risk_events.csv",
        "trades.csv",
    ]
    assert sorted(p.name for p in report.files) == sorted(p.name for p in out.iterdir())
    document = json.loads((out / GATE_FILE).read_text(encoding="utf-8"))
    assert document == json.loads(json.dumps(report.to_dict()))
    assert document["allowed"] is False
    assert document["window"]["to"] == "2024-04-21T15:00:00Z"
    metrics_run = json.loads((out / "metrics.json").read_text(encoding="utf-8"))["run"]
    assert metrics_run["risk_enabled"] is True
    assert metrics_run["to"] == "2024-04-21T15:00:00Z"


def test_override_allows_a_failed_gate_and_is_recorded(candles_root: Path, tmp_path: Path) -> None:
    override = GateOverride("alice", "paper trading matched the backtest", ts_ms=NOW_MS)
    report = _gate(candles_root, tmp_path / "out", override=override)
    assert report.allowed
    assert not report.result.passed
    assert report.decision.override == override
    assert "admin alice overrode" in report.decision.reason
    recorded = json.loads((tmp_path / "out" / GATE_FILE).read_text(encoding="utf-8"))
    assert recorded["decision"]["override"] == {
        "admin": "alice",
        "reason": "paper trading matched the backtest",
        "ts_ms": NOW_MS,
    }


def test_passing_gate_does_not_record_an_unneeded_override(
    candles_root: Path, tmp_path: Path
) -> None:
    override = GateOverride("alice", "just in case", ts_ms=NOW_MS)
    report = _gate(candles_root, tmp_path / "out", thresholds=LOWERED, override=override)
    assert report.result.passed
    assert report.allowed
    assert report.decision.override is None
    assert all(c.passed for c in report.criteria)
    assert report.criteria[1].threshold == ">= 1.3"


def test_drawdown_bound_is_the_risk_configs_breaker_limit(
    candles_root: Path, tmp_path: Path
) -> None:
    config = BacktestConfig.build(
        stake=Decimal(200), risk=RiskConfig(max_drawdown_pct=Decimal(4), daily_loss_limit_pct=2)
    )
    report = _gate(candles_root, tmp_path / "out", config=config)
    assert report.drawdown_limit_pct == Decimal(4)
    assert report.criteria[3].threshold == "<= 4 %"
    assert report.to_dict()["thresholds"] == {
        "min_sharpe": 1.0,
        "min_profit_factor": 1.5,
        "min_win_rate_pct": 45.0,
        "max_drawdown_pct": "4",
    }


def test_risk_off_uses_the_default_limit_and_can_fail_on_drawdown(
    candles_root: Path, tmp_path: Path
) -> None:
    # 1m sma_cross with a 1,000 stake and no limits draws down far beyond 10 % in 90 days.
    config = BacktestConfig.build(stake=Decimal(1000))
    report = _gate(
        candles_root,
        tmp_path / "out",
        timeframe="1m",
        config=config,
        now_ms=1_755_541_680_000,  # the 1m sample's end
    )
    assert report.drawdown_limit_pct == Decimal(10)
    assert report.result.failures[-1].startswith("Max drawdown ")
    assert report.result.failures[-1].endswith("is beyond the drawdown breaker limit 10 %")
    assert not report.criteria[3].passed
    assert any(w.startswith("RISK LIMITS OFF") for w in report.warnings)


def test_too_little_history_is_refused_naming_both_numbers(
    candles_root: Path, tmp_path: Path
) -> None:
    with pytest.raises(DataError) as caught:
        _gate(candles_root, tmp_path / "out", symbol="ETH/USDT", timeframe="1m")
    assert "only 14.0 days of binance ETH/USDT 1m candles are stored" in caught.value.message
    assert "needs at least 30 days" in caught.value.message
    assert not (tmp_path / "out").exists()


def test_asking_for_fewer_than_30_days_is_refused(candles_root: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least 30 days of recent data, got 29 days"):
        _gate(candles_root, tmp_path / "out", recent_days=29)
    assert not (tmp_path / "out").exists()


def test_shorter_history_than_asked_uses_what_is_stored(candles_root: Path, tmp_path: Path) -> None:
    source = ParquetCandleStore(candles_root).read("binance", "BTC/USDT", "1h").frame
    root = tmp_path / "candles"
    ParquetCandleStore(root).write(
        "binance", "BTC/USDT", "1h", source.slice(len(source) - 45 * 24, len(source))
    )
    report = _gate(root, tmp_path / "out")
    assert report.days == 45
    assert report.candles == 45 * 24
    assert report.warnings == [
        "only 45.0 days are stored, so the gate used those instead of the 90 days asked for"
    ]


def test_old_data_gives_a_stale_warning(candles_root: Path, tmp_path: Path) -> None:
    report = _gate(candles_root, tmp_path / "out", now_ms=BTC_1H_END_MS + 10 * DAY_MS)
    assert report.warnings == [
        "the stored candles end 10.0 days before now (2024-04-21T15:00:00Z); "
        "import newer candles so the gate judges recent data"
    ]
    assert report.evaluated_at_ms == BTC_1H_END_MS + 10 * DAY_MS


def test_unknown_parameter_is_refused_before_the_data_is_read(
    candles_root: Path, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="nope"):
        run_live_gate(
            "sma_cross",
            "ETH/USDT",  # too little data, but the parameter is reported first
            "1m",
            {"nope": "1"},
            CONFIG,
            candles_root,
            output=tmp_path / "out",
            now_ms=NOW_MS,
        )
