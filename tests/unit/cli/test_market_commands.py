"""``xor market context``: table, JSON, skipped markets, one-line errors and exit code 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xor_trading.cli.market_commands import market_app
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.samples import seed_samples


@pytest.fixture(scope="module")
def seeded_candles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("market") / "candles"
    seed_samples(ParquetCandleStore(root))
    return root


@pytest.fixture
def data_dir(seeded_candles: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XOR_DATA_DIR pointing at a copy of a store seeded with the shipped samples."""
    shutil.copytree(seeded_candles, tmp_path / "data" / "candles")
    monkeypatch.setenv("XOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XOR_CONFIG_FILE", str(tmp_path / "absent.toml"))
    return tmp_path / "data"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(market_app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_context_1h_prints_a_table_of_both_samples(data_dir: Path) -> None:
    code, out, err = _run("context", "--timeframe", "1h")
    assert code == 0, out + err
    assert "Market context on 1h (lookback 50)" in out
    assert "crossed 70 upward" in out
    for text in ("binance", "BTC/USDT", "ETH/USDT", "58,419", "45,024", "2024-04-21 14:00"):
        assert text in out
    assert err == ""


def test_context_json_rows_are_sorted_by_score(data_dir: Path) -> None:
    code, out, _ = _run(
        "context", "--timeframe", "4h", "--json", "--threshold", "65", "--lookback", "30"
    )
    assert code == 0, out
    data = json.loads(out)
    assert (data["timeframe"], data["lookback"], data["threshold"], data["warmup"]) == (
        "4h",
        30,
        65.0,
        44,
    )
    rows = data["rows"]
    assert [row["symbol"] for row in rows] in (["BTC/USDT", "ETH/USDT"], ["ETH/USDT", "BTC/USDT"])
    assert rows[0]["score"] >= rows[1]["score"]
    assert {row["resampled_from"] for row in rows} == {"1h"}
    assert all(0.0 <= row["score"] <= 100.0 for row in rows)


def test_context_with_exchange_filter_lists_that_exchange(data_dir: Path) -> None:
    code, out, _ = _run("context", "--exchange", "Binance")
    assert code == 0
    assert "BTC/USDT" in out


def test_context_with_too_little_history_lists_skipped_markets(data_dir: Path) -> None:
    code, out, _ = _run("context", "--timeframe", "1d", "--lookback", "3000")
    assert code == 0, out
    assert "No market has the 3014 candles needed to be scored." in out
    assert "Skipped binance BTC/USDT: 2438 candles, needs 3014 for lookback 3000." in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--timeframe", "7x"), "error: unknown timeframe '7x' (use a count and a unit"),
        (("--exchange", "kraken"), "error: no candles are stored for exchange kraken (stored"),
        (("--lookback", "2"), "error: lookback 2 is too short (use at least 5"),
        (("--threshold", "120"), "error: threshold 120.0 is outside the score range"),
    ],
)
def test_bad_input_prints_one_error_line_and_exits_2(
    data_dir: Path, args: tuple[str, ...], message: str
) -> None:
    code, out, err = _run("context", *args)
    assert code == 2
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert out == ""


def test_empty_store_prints_a_seed_hint_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XOR_DATA_DIR", str(tmp_path / "nothing"))
    monkeypatch.setenv("XOR_CONFIG_FILE", str(tmp_path / "absent.toml"))
    code, _, err = _run("context", "--timeframe", "1h")
    assert code == 2
    assert err.startswith("error: no candles are stored in ")
    assert "xor data seed" in err


def test_context_help_shows_examples() -> None:
    code, out, _ = _run("context", "--help")
    assert code == 0
    text = " ".join(out.split())  # undo the help's line wrapping
    assert "xor market context --timeframe 1h" in text
    assert "heuristic screen of recent candles, not a prediction" in text
