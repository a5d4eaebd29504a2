"""``xor backtest``: outputs on success; one-line errors, exit code 2 and no files on bad input."""

from __future__ import annotations

import csv
import json
from decimal import ROUND_CEILING
from decimal import Decimal as D
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xor_trading.cli.main import app
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.parquet_file import read_candle_parquet

SAMPLE = (
    Path(__file__).resolve().parents[3]
    / "src"
    / "xor_trading"
    / "data"
    / "samples"
    / "binance"
    / "BTC-USDT"
    / "1m.parquet"
)


@pytest.fixture
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir holding two days of real BTC/USDT 1m candles."""
    monkeypatch.setenv("XOR_DATA_DIR", str(tmp_path / "data"))
    frame = read_candle_parquet(SAMPLE, 60_000).slice(0, 2_880)
    ParquetCandleStore(tmp_path / "data" / "candles").write("binance", "BTC/USDT", "1m", frame)
    return tmp_path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


BASE = ("backtest", "--strategy", "sma_cross", "--symbol", "BTC/USDT", "--timeframe", "1m")


def test_backtest_writes_every_output_file(store_dir: Path) -> None:
    out = store_dir / "out"
    code, stdout, _ = _run(
        *BASE,
        "--param",
        "fast=10",
        "--param",
        "slow=30",
        "--stop-loss-pct",
        "1",
        "--take-profit-pct",
        "2",
        "--output",
        str(out),
    )
    assert code == 0, stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "equity.csv",
        "metrics.json",
        "orders.csv",
        "report.html",
        "risk_events.csv",
        "trades.csv",
    ]
    with (out / "trades.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows, "the demo range produces trades"
    assert {
        "entry_time",
        "exit_time",
        "side",
        "entry_price",
        "exit_price",
        "quantity",
        "fees",
        "pnl",
    } <= set(rows[0])
    assert rows[0]["entry_time"].endswith("Z")
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["run"]["path"] == "event"  # risk limits are on by default: the event path
    assert metrics["run"]["risk_enabled"] is True
    assert metrics["metrics"]["number_of_trades"] == len(rows)
    with (out / "equity.csv").open() as fh:
        assert sum(1 for _ in fh) == 2_880 + 1
    assert "Total return" in stdout


def test_backtest_event_path_matches_fast_path_outputs(store_dir: Path) -> None:
    fast, event = store_dir / "fast", store_dir / "event"
    assert _run(*BASE, "--risk", "off", "--path", "fast", "--output", str(fast))[0] == 0
    assert _run(*BASE, "--risk", "off", "--path", "event", "--output", str(event))[0] == 0
    assert (fast / "trades.csv").read_text() == (event / "trades.csv").read_text()
    assert (fast / "orders.csv").read_text() == (event / "orders.csv").read_text()
    assert (fast / "equity.csv").read_text() == (event / "equity.csv").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--symbol", "FOO/USDT"), "unknown symbol 'FOO/USDT' on binance"),
        (("--timeframe", "7x"), "unknown timeframe '7x'"),
        (("--strategy", "nope"), "unknown strategy 'nope'"),
        (("--param", "fastest=3"), "unknown parameter 'fastest' for strategy sma_cross"),
        (("--param", "fast=abc"), "invalid parameter 'fast'"),
        (("--param", "fast=50"), "fast (50) must be smaller than slow (30)"),
        (("--param", "fast"), "--param 'fast' is not key=value"),
        (("--from", "2030-01-01"), "no BTC/USDT 1m candles from 2030-01-01T00:00:00Z to end"),
        (("--from", "2025-05-21", "--to", "2025-05-20"), "--from must be before --to"),
        (("--from", "yesterday"), "--from 'yesterday' is not an ISO 8601 date or time"),
        (("--fee-bps", "ten"), "--fee-bps 'ten' is not a number"),
        (("--stake", "20000"), "stake 20000 is larger than the capital 10000"),
        (("--exchange", "kraken"), "no market catalog for exchange 'kraken'"),
        (("--path", "quick"), "--path 'quick' is not fast, event or auto"),
        (("--path", "fast", "--max-volume-pct", "5"), "the fast path cannot run this backtest"),
        (("--fee-asset", "base"), "invalid fee_asset: Input should be 'quote' or 'received'"),
        (
            ("--risk", "off", "--path", "fast", "--fee-asset", "received"),
            "fees charged in the asset received (fee_asset received) need the event path",
        ),
    ],
)
def test_backtest_bad_input_one_line_error_exit_2_nothing_written(
    store_dir: Path, args: tuple[str, ...], message: str
) -> None:
    out = store_dir / "out"
    argv = list(BASE)
    for flag, value in zip(args[::2], args[1::2], strict=False):
        if flag in argv:
            argv[argv.index(flag) + 1] = value
        else:
            argv += [flag, value]
    if len(args) % 2:
        argv.append(args[-1])
    code, _, stderr = _run(*argv, "--output", str(out))
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert "(" in lines[0], "every error carries a hint"
    assert not out.exists() or not any(out.iterdir())


def test_backtest_corrupt_data_file_is_refused(store_dir: Path) -> None:
    bad = store_dir / "bad.parquet"
    bad.write_bytes(b"this is not parquet")
    code, _, stderr = _run(*BASE, "--data", str(bad), "--output", str(store_dir / "out"))
    assert code == 2
    assert str(bad) in stderr
    assert stderr.count("\n") == 1
    assert not (store_dir / "out").exists()


def test_backtest_non_monotonic_data_file_is_refused(store_dir: Path) -> None:
    src = store_dir / "unordered.csv"
    src.write_text(
        "timestamp,open,high,low,close,volume\n"
        "1747699260000,2,3,1,2,1\n1747699200000,2,3,1,2,1\n1747699320000,2,3,1,2,1\n"
    )
    code, _, stderr = _run(*BASE, "--data", str(src), "--output", str(store_dir / "out"))
    assert code == 2
    assert "is not in time order" in stderr
    assert "xor data import" in stderr


def test_backtest_data_file_with_other_timeframe_is_refused(store_dir: Path) -> None:
    src = store_dir / "hourly.csv"
    src.write_text(
        "timestamp,open,high,low,close,volume\n"
        "1747699200000,2,3,1,2,1\n1747702800000,2,3,1,2,1\n1747706400000,2,3,1,2,1\n"
    )
    code, _, stderr = _run(*BASE, "--data", str(src), "--output", str(store_dir / "out"))
    assert code == 2
    assert "1h apart" in stderr


def test_backtest_fees_in_the_asset_received_run_on_the_event_path(store_dir: Path) -> None:
    out = store_dir / "out"
    code, stdout, _ = _run(*BASE, "--risk", "off", "--fee-asset", "received", "--output", str(out))
    assert code == 0, stdout
    run = json.loads((out / "metrics.json").read_text())["run"]
    assert (run["path"], run["config"]["fee_asset"]) == ("event", "received")
    with (out / "orders.csv").open() as fh:
        filled = [r for r in csv.DictReader(fh) if r["status"] == "filled"]
    buys = [r for r in filled if r["side"] == "buy"]
    assert buys
    # A buy's fee is 0.1 % of its quantity, in BTC (rounded up to 1e-8).
    assert all(D(r["fees"]) == (D(r["filled_qty"]) * D("0.001")).quantize(D("1e-8"), ROUND_CEILING)
               for r in buys)  # fmt: skip


def test_backtest_help_teaches_with_examples() -> None:
    code, stdout, _ = _run("backtest", "--help")
    assert code == 0
    assert "next candle's open" in stdout
    assert "xor backtest --strategy sma_cross" in stdout


def test_backtest_risk_denials_go_to_risk_events_and_summary(store_dir: Path) -> None:
    out = store_dir / "out"
    code, stdout, _ = _run(*BASE, "--stake", "1000", "--output", str(out))
    assert code == 0
    assert "max_position_pct" in stdout  # the summary names the rule that denied
    with (out / "risk_events.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    assert {r["rule"] for r in rows} == {"max_position_pct"}
    assert rows[0]["order_id"] == "O-1"
    assert "10.00 % of equity" in rows[0]["reason"]
    assert (out / "trades.csv").read_text().count("\n") == 1  # header only: nothing traded


def test_backtest_risk_off_is_said_prominently(store_dir: Path) -> None:
    out = store_dir / "out"
    code, stdout, _ = _run(*BASE, "--risk", "off", "--stake", "1000", "--output", str(out))
    assert code == 0
    assert "RISK LIMITS OFF" in stdout
    report = (out / "report.html").read_text()
    assert report.index("RISK LIMITS OFF") < report.index("Total return")
    assert json.loads((out / "metrics.json").read_text())["run"]["risk_enabled"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--risk", "max_risk_per_trade_pct=9"], "max_risk_per_trade_pct (9) cannot exceed"),
        (["--risk", "max_positon_pct=3"], "unknown risk setting 'max_positon_pct'"),
        (["--risk", "max_open_positions=-1"], "max_open_positions"),
    ],
)
def test_backtest_contradictory_risk_settings_are_refused(
    store_dir: Path, args: list[str], message: str
) -> None:
    code, _, stderr = _run(*BASE, *args, "--output", str(store_dir / "out"))
    assert code == 2
    assert message in stderr
    assert stderr.count("\n") == 1
    assert not (store_dir / "out").exists()


def test_backtest_risk_file_then_pairs_override(store_dir: Path) -> None:
    risk_file = store_dir / "risk.toml"
    risk_file.write_text("max_position_pct = 20\nmax_risk_per_trade_pct = 15\n")
    out = store_dir / "out"
    code, _, _ = _run(*BASE, "--stake", "1000", "--risk-file", str(risk_file),
                      "--output", str(out))  # fmt: skip
    assert code == 0
    assert json.loads((out / "metrics.json").read_text())["metrics"]["number_of_trades"] > 0
