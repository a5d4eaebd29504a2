"""``xor data`` commands through Typer's CliRunner, with XOR_DATA_DIR in tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import typer
from candle_rows import FIXTURES, T0
from typer.testing import CliRunner, Result

from xor_trading.cli.data_commands import data_app
from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.core.errors import DataError
from xor_trading.data.candle_store import ParquetCandleStore


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XOR_DATA_DIR", str(tmp_path / "xor"))
    monkeypatch.setenv("XOR_CONFIG_FILE", str(tmp_path / "absent.toml"))
    return tmp_path / "xor"


def _run(*args: str) -> Result:
    return CliRunner().invoke(data_app, list(args))


def test_data_list_empty_store_suggests_seed(data_dir: Path) -> None:
    result = _run("list")
    assert result.exit_code == 0
    assert "No candles in" in result.stdout
    assert "xor data seed" in result.stdout


def test_data_seed_then_list_shows_samples(data_dir: Path) -> None:
    seeded = _run("seed")
    assert seeded.exit_code == 0, seeded.output
    assert "Seeded 4 sample series" in seeded.stdout
    listed = _run("list")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert lines[0].split() == [
        "exchange",
        "symbol",
        "tf",
        "candles",
        "first",
        "(UTC)",
        "last",
        "(UTC)",
        "gaps",
        "missing",
        "MB",
    ]
    assert lines[2].split()[:8] == [
        "binance",
        "BTC/USDT",
        "1m",
        "130,708",
        "2025-05-20",
        "00:00",
        "2025-08-18",
        "18:27",
    ]
    assert lines[3].split()[:4] == ["binance", "BTC/USDT", "1h", "58,419"]
    assert lines[3].split()[8:10] == ["28", "128"]
    assert len(lines) == 6


def test_data_seed_twice_reports_already_present(data_dir: Path) -> None:
    _run("seed")
    again = _run("seed")
    assert again.exit_code == 0
    assert "All samples are already in" in again.stdout


def test_data_import_freqtrade_json_infers_market(data_dir: Path) -> None:
    result = _run("import", str(FIXTURES / "ETH_USDT-1h.json"))
    assert result.exit_code == 0, result.output
    assert "Imported 48 candles (2017-08-17 04:00 -> 2017-08-19 03:00 UTC)" in result.stdout
    assert "into binance ETH/USDT 1h" in result.stdout
    stored = ParquetCandleStore(data_dir / "candles").describe("binance", "ETH/USDT", "1h")
    assert stored.rows == 48


def test_data_import_nameless_file_without_symbol_exits_2(data_dir: Path) -> None:
    result = _run("import", str(FIXTURES / "btc_usdt_1m_iso.csv"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"error: {FIXTURES / 'btc_usdt_1m_iso.csv'}: the file name does not say which market it "
        "holds (pass --symbol, for example --symbol BTC/USDT)\n"
    )


def test_data_import_nameless_file_without_timeframe_suggests_detected_one(data_dir: Path) -> None:
    result = _run("import", str(FIXTURES / "btc_usdt_1m_iso.csv"), "--symbol", "BTC/USDT")
    assert result.exit_code == 2
    assert "the file name does not say the timeframe (its candles are 1m apart)" in result.stderr
    assert "(pass --timeframe 1m if that is right)" in result.stderr


def test_data_import_with_options_stores_under_them(data_dir: Path) -> None:
    result = _run(
        "import",
        str(FIXTURES / "btc_usdt_1m_iso.csv"),
        "--symbol",
        "btc/usdt",
        "--timeframe",
        "1m",
        "--exchange",
        "Kraken",
    )
    assert result.exit_code == 0, result.output
    assert (data_dir / "candles" / "kraken" / "BTC-USDT" / "1m.parquet").is_file()
    assert "Stored: 12 candles, 2025-05-20 00:00 -> 2025-05-20 00:11 UTC, 0 gaps" in result.stdout


def test_data_import_corrupt_file_exits_2_with_one_line(data_dir: Path) -> None:
    result = _run("import", str(FIXTURES / "not_parquet.parquet"), "--symbol", "BTC/USDT")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {FIXTURES / 'not_parquet.parquet'}: not a readable")
    assert result.stderr.count("\n") == 1


def test_data_import_missing_file_exits_2(data_dir: Path, tmp_path: Path) -> None:
    result = _run("import", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path / 'nope.csv'}: no such file (check the path)\n"


def test_data_gaps_lists_each_gap(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "BTC_USDT-1m.csv"
    times = [T0, T0 + 60_000, T0 + 240_000, T0 + 300_000]
    path.write_text(
        "timestamp,open,high,low,close,volume\n" + "".join(f"{t},1,1,1,1,1\n" for t in times)
    )
    assert _run("import", str(path)).exit_code == 0
    result = _run("gaps", "--symbol", "BTC/USDT", "--timeframe", "1m")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "binance BTC/USDT 1m: 1 gaps, 2 missing candles; 4 candles, 2024-01-01 00:00 -> "
        "2024-01-01 00:05 UTC."
    )
    assert lines[-1].split() == ["2024-01-01", "00:02", "2024-01-01", "00:04", "2"]


def test_data_gaps_resampled_timeframe_says_so(data_dir: Path) -> None:
    _run("seed")
    result = _run("gaps", "--symbol", "ETH/USDT", "--timeframe", "5m")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "No gaps in binance ETH/USDT 5m (resampled from 1m): 4,031 candles, "
        "2025-08-04 18:30 -> 2025-08-18 18:20 UTC.\n"
    )


def test_data_gaps_unknown_symbol_exits_2_listing_store(data_dir: Path) -> None:
    _run("seed")
    result = _run("gaps", "--symbol", "SOL/USDT", "--timeframe", "1h", "--exchange", "binance")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: no binance SOL/USDT 1h candles (stored for binance: BTC/USDT 1m 1h; "
        "ETH/USDT 1m 1h) (import them with `xor data import FILE"
    )


def test_data_commands_bad_settings_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('surprise = "unknown setting"\n')
    monkeypatch.setenv("XOR_CONFIG_FILE", str(config))
    result = _run("list")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: invalid setting surprise")


def test_exit_on_xor_error_other_exceptions_propagate() -> None:
    with pytest.raises(KeyError), exit_on_xor_error():
        raise KeyError("a bug stays a bug")


def test_exit_on_xor_error_as_decorator_exits_2() -> None:
    @exit_on_xor_error()
    def command() -> None:
        raise DataError("broken\nfile", "fix it")

    with pytest.raises(typer.Exit) as caught:
        command()
    assert caught.value.exit_code == 2


def test_data_help_shows_examples() -> None:
    result = CliRunner().invoke(data_app, ["import", "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    assert "xor data import user_data/data/binance/BTC_USDT-1m.feather" in result.stdout


def test_fixture_copy_keeps_name_hints(data_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "BTC_USDT-1m.csv"
    shutil.copy(FIXTURES / "btc_usdt_1m_iso.csv", copy)
    result = _run("import", str(copy))
    assert result.exit_code == 0, result.output
    assert "into binance BTC/USDT 1m" in result.stdout
