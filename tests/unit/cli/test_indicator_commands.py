"""``xor indicators``: list, describe, compute to CSV; one-line errors, exit 2, nothing written."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xor_trading.cli.indicator_commands import indicators_app
from xor_trading.indicators.catalog import CATALOG

START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
HOUR_MS = 3_600_000
CLOSES = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 20.0, 8.0]


@pytest.fixture
def candles(tmp_path: Path) -> Path:
    """Eight hourly candles; highs 0.5 above and lows 0.5 below each close."""
    path = tmp_path / "candles.csv"
    lines = ["timestamp,open,high,low,close,volume"]
    for i, c in enumerate(CLOSES):
        lines.append(f"{START_MS + i * HOUR_MS},{c},{c + 0.5},{c - 0.5},{c},{i + 1}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(indicators_app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="") as f:
        return list(csv.reader(f))


def test_list_shows_every_indicator_with_inputs_and_parameters() -> None:
    code, out, _ = _run("list")
    assert code == 0
    for name in CATALOG:
        assert name in out
    assert "period=20" in out
    assert "threshold_pct=5.0" in out
    assert "high low close" in out


def test_describe_shows_parameters_and_their_meaning() -> None:
    code, out, _ = _run("describe", "volume_profile")
    assert code == 0
    assert "value_area" in out
    assert "number of price bins" in out


def test_compute_sma_writes_time_input_and_output_columns(candles: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "sma.csv"  # the folder is created
    code, stdout, _ = _run(
        "compute", "sma", "--data", str(candles), "--param", "period=3", "--output", str(out)
    )
    assert code == 0, stdout
    rows = _read(out)
    assert rows[0] == ["time", "close", "sma"]
    assert rows[1] == ["2024-01-01T00:00:00Z", "1.0", ""]
    assert rows[3] == ["2024-01-01T02:00:00Z", "3.0", "2.0"]
    assert [r[2] for r in rows[3:]] == ["2.0", "3.0", "4.0", "5.0", str(31 / 3), str(34 / 3)]
    assert "Wrote 8 rows of sma(source=close, period=3)" in stdout


def test_compute_vwap_with_timeframe_reads_ts_but_does_not_repeat_it(
    candles: Path, tmp_path: Path
) -> None:
    out = tmp_path / "vwap.csv"
    code, _, _ = _run(
        "compute", "vwap", "--data", str(candles), "--timeframe", "1h", "--output", str(out)
    )
    assert code == 0
    rows = _read(out)
    assert rows[0] == ["time", "high", "low", "close", "volume", "vwap"]
    assert rows[1][-1] == "1.0"
    assert rows[2][-1] == str((1 + 2 * 2) / 3)


def test_compute_zigzag_writes_one_row_per_swing(candles: Path, tmp_path: Path) -> None:
    out = tmp_path / "zz.csv"
    code, _, _ = _run(
        "compute", "zigzag", "--data", str(candles), "--param", "threshold_pct=50",
        "--output", str(out),
    )  # fmt: skip
    assert code == 0
    assert _read(out) == [
        ["time", "index", "kind", "price", "confirmed_time", "confirmed_index"],
        ["2024-01-01T00:00:00Z", "0", "low", "0.5", "2024-01-01T01:00:00Z", "1"],
        ["2024-01-01T06:00:00Z", "6", "high", "20.5", "2024-01-01T07:00:00Z", "7"],
    ]


def test_compute_fibonacci_writes_one_row_per_level(candles: Path, tmp_path: Path) -> None:
    out = tmp_path / "fib.csv"
    code, _, _ = _run(
        "compute", "fibonacci", "--data", str(candles), "--param", "threshold_pct=50",
        "--output", str(out),
    )  # fmt: skip
    assert code == 0
    rows = _read(out)
    assert rows[0] == ["kind", "ratio", "price"]
    assert rows[3] == ["retracement", "0.5", "10.5"]  # halfway between 0.5 and 20.5
    assert len(rows) == 6


def test_compute_volume_profile_writes_one_row_per_bin(candles: Path, tmp_path: Path) -> None:
    out = tmp_path / "vp.csv"
    code, _, _ = _run(
        "compute", "volume_profile", "--data", str(candles), "--param", "bins=4",
        "--output", str(out),
    )  # fmt: skip
    assert code == 0
    rows = _read(out)
    assert rows[0] == ["price_low", "price_high", "volume", "poc", "value_area"]
    assert len(rows) == 5
    assert [r[0] for r in rows[1:]] == ["0.5", "5.5", "10.5", "15.5"]
    assert sum(float(r[2]) for r in rows[1:]) == pytest.approx(36.0)
    assert [r[3] for r in rows[1:]] == ["1", "0", "0", "0"]
    assert rows[1][4] == "1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("compute", "nope"), "error: unknown indicator 'nope' (choose one of: sma,"),
        (("compute", "sma", "--param", "perod=3"), "error: unknown parameter 'perod'"),
        (("compute", "sma", "--param", "period=x"), "error: sma parameter period must be a whole"),
        (("compute", "sma", "--param", "period"), "error: --param 'period' is not key=value"),
        (("compute", "zigzag", "--param", "threshold_pct=0"), "error: threshold_pct must be"),
        (("compute", "sma", "--param", "period=2", "--param", "period=3"), "is given twice"),
        (("compute", "sma", "--timeframe", "7x"), "error: unknown timeframe '7x'"),
    ],
)
def test_bad_input_prints_one_line_exits_2_and_writes_nothing(
    candles: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "never.csv"
    code, _, err = _run(*args, "--data", str(candles), "--output", str(out))
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_missing_data_file_is_an_error(tmp_path: Path) -> None:
    out = tmp_path / "never.csv"
    code, _, err = _run("compute", "sma", "--data", str(tmp_path / "no.csv"), "--output", str(out))
    assert code == 2
    assert err.startswith("error: ")
    assert "no such file (check the path)" in err
    assert not out.exists()


def test_output_that_is_a_folder_is_an_error(candles: Path, tmp_path: Path) -> None:
    code, _, err = _run("compute", "sma", "--data", str(candles), "--output", str(tmp_path))
    assert code == 2
    assert "is a directory" in err


def test_describe_unknown_indicator_is_an_error() -> None:
    code, _, err = _run("describe", "nope")
    assert code == 2
    assert err.startswith("error: unknown indicator 'nope'")
