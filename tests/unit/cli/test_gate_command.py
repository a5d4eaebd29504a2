"""``xor gate``: exit 0 when live is allowed, 3 when the gate refuses, 2 on bad input.

The command is registered on a small Typer app here (the main app wires it as ``xor gate``).
The data dir is seeded with the shipped samples: sma_cross with its defaults on the last 90
days of BTC/USDT 1h fails the default gate on profit factor and win rate; ETH/USDT 1m holds
only 14 days.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from xor_trading.cli.gate_command import gate
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.samples import seed_samples

app = typer.Typer()
app.command()(gate)


@app.callback()
def _main() -> None:
    """A group, so the command is invoked by name as in ``xor gate``."""


BASE = ("gate", "--strategy", "sma_cross", "--symbol", "BTC/USDT", "--timeframe", "1h")


@pytest.fixture(scope="module")
def seeded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("xor-data")
    seed_samples(ParquetCandleStore(data_dir / "candles"))
    return data_dir


@pytest.fixture
def data_dir(seeded_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XOR_DATA_DIR", str(seeded_dir))
    monkeypatch.setenv("XOR_CONFIG_FILE", str(tmp_path / "no-config.toml"))
    return seeded_dir


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_failing_gate_exits_3_with_the_failing_sentences(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = _run(*BASE, "--output", str(out))
    assert code == 3, stderr
    assert "- Profit factor 1.32 is below 1.5" in stdout
    assert "- Win rate 35.4 % is below 45 %" in stdout
    assert "LIVE REFUSED" in stdout
    assert "Sharpe" in stdout
    assert "Max drawdown" in stdout
    assert "FAIL" in stdout
    assert "pass" in stdout
    recorded = json.loads((out / "gate.json").read_text(encoding="utf-8"))
    assert recorded["allowed"] is False
    assert (out / "trades.csv").is_file()


def test_failing_gate_json_exits_3(data_dir: Path, tmp_path: Path) -> None:
    code, stdout, _ = _run(*BASE, "--json", "--output", str(tmp_path / "out"))
    assert code == 3
    report = json.loads(stdout)
    assert report["allowed"] is False
    assert report["gate"]["failures"] == [
        "Profit factor 1.32 is below 1.5",
        "Win rate 35.4 % is below 45 %",
    ]
    assert report["decision"]["override"] is None
    assert [c["passed"] for c in report["criteria"]] == [True, False, False, True]


def test_override_allows_and_is_recorded_in_the_json(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = _run(
        *BASE,
        "--override-by",
        "alice",
        "--override-reason",
        "two weeks of paper trading matched the backtest",
        "--json",
        "--output",
        str(out),
    )
    assert code == 0, stderr
    report = json.loads(stdout)
    assert report["allowed"] is True
    assert report["gate"]["passed"] is False
    override = report["decision"]["override"]
    assert override["admin"] == "alice"
    assert override["reason"] == "two weeks of paper trading matched the backtest"
    assert isinstance(override["ts_ms"], int)
    assert "admin alice overrode the failed validation gate" in report["decision"]["reason"]
    assert json.loads((out / "gate.json").read_text(encoding="utf-8")) == report


def test_override_in_the_table_output(data_dir: Path, tmp_path: Path) -> None:
    code, stdout, _ = _run(
        *BASE,
        "--override-by",
        "alice",
        "--override-reason",
        "accepted risk",
        "--output",
        str(tmp_path / "out"),
    )
    assert code == 0
    assert "LIVE ALLOWED BY OVERRIDE" in stdout
    assert "accepted risk" in stdout


def test_lowered_thresholds_pass_with_exit_0(data_dir: Path, tmp_path: Path) -> None:
    code, stdout, stderr = _run(
        *BASE,
        "--min-profit-factor",
        "1.3",
        "--min-win-rate",
        "35",
        "--min-sharpe",
        "1",
        "--output",
        str(tmp_path / "out"),
    )
    assert code == 0, stderr
    assert "LIVE ALLOWED: the backtest passed the validation gate" in stdout
    assert "FAIL" not in stdout


def test_default_output_goes_under_the_data_dir(data_dir: Path) -> None:
    code, _, _ = _run(*BASE, "--json")
    assert code == 3
    assert list((data_dir / "gates").glob("*-sma_cross/gate.json"))


def test_risk_drawdown_limit_is_the_gate_bound(data_dir: Path, tmp_path: Path) -> None:
    code, stdout, _ = _run(
        *BASE,
        "--risk",
        "max_drawdown_pct=5",
        "--risk",
        "daily_loss_limit_pct=2",
        "--json",
        "--output",
        str(tmp_path / "out"),
    )
    assert code == 3
    report = json.loads(stdout)
    assert report["criteria"][3]["threshold"] == "<= 5 %"
    assert report["thresholds"]["max_drawdown_pct"] == "5"


def test_too_little_history_exits_2(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = _run(
        "gate", "--strategy", "sma_cross", "--symbol", "ETH/USDT", "--output", str(out)
    )
    assert code == 2
    assert stdout == ""
    assert "only 14.0 days of binance ETH/USDT 1m candles are stored" in stderr
    assert "at least 30 days" in stderr
    assert not out.exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_override_with_an_empty_reason_exits_2(data_dir: Path, tmp_path: Path, reason: str) -> None:
    out = tmp_path / "out"
    code, _, stderr = _run(
        *BASE, "--override-by", "alice", "--override-reason", reason, "--output", str(out)
    )
    assert code == 2
    assert "error: a gate override needs a reason" in stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "missing"),
    [
        (("--override-by", "alice"), "--override-reason"),
        (("--override-reason", "because"), "--override-by"),
    ],
)
def test_override_needs_both_options(
    data_dir: Path, tmp_path: Path, args: tuple[str, str], missing: str
) -> None:
    code, _, stderr = _run(*BASE, *args, "--output", str(tmp_path / "out"))
    assert code == 2
    assert f"{missing} is missing" in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--days", "7"), "at least 30 days of recent data, got 7 days"),
        (("--min-win-rate", "120"), "invalid min_win_rate_pct"),
        (("--param", "nope"), "is not key=value"),
        (("--stake", "abc"), "--stake 'abc' is not a number"),
    ],
)
def test_bad_input_exits_2(
    data_dir: Path, tmp_path: Path, args: tuple[str, str], message: str
) -> None:
    code, _, stderr = _run(*BASE, *args, "--output", str(tmp_path / "out"))
    assert code == 2
    assert message in stderr


def test_help_documents_the_exit_codes() -> None:
    result = CliRunner().invoke(app, ["gate", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Exit codes" in result.stdout
    assert "refused by the" in result.stdout
