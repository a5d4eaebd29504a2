"""``xor data download`` against the simulated Binance server: downloads, resumes, and
refuses a bad exchange, market, timeframe or date with exit code 2 before downloading."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xor_trading.cli.main import app
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.timestamps import iso_utc
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    BinanceServerHandle,
    running_binance_server,
)

MINUTE = 60_000
KLINES = "GET /api/v3/klines"


@pytest.fixture
def venue() -> Iterator[BinanceServerHandle]:
    with running_binance_server(BinanceServerConfig(speed=1.0)) as handle:
        handle.pause_replay()
        yield handle


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, venue: BinanceServerHandle) -> Path:
    monkeypatch.setenv("XOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XOR_CONFIG_FILE", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("XOR_EXCHANGE_URL_OVERRIDES", json.dumps({"binance": venue.url}))
    return tmp_path / "data"


def _download(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["data", "download", *args])
    return result.exit_code, result.output


def _klines_requests(venue: BinanceServerHandle) -> int:
    return sum(1 for r in venue.requests() if f"{r.method} {r.path}" == KLINES)


def test_download_stores_candles_then_resumes_with_only_the_new_ones(
    venue: BinanceServerHandle, data_dir: Path
) -> None:
    start = venue.market_time_ms() // MINUTE * MINUTE
    venue.advance_replay(50 * MINUTE)
    code, output = _download(
        "--exchange", "binance", "--symbols", "BTC/USDT", "--timeframe", "1m",
        "--from", iso_utc(start),
    )  # fmt: skip
    assert code == 0, output
    assert "BTC/USDT" in output
    store = ParquetCandleStore(data_dir / "candles")
    first = store.describe("binance", "BTC/USDT", "1m")
    assert (first.rows, first.first_ms, first.last_ms) == (50, start, start + 49 * MINUTE)

    venue.advance_replay(5 * MINUTE)
    before = _klines_requests(venue)
    code, output = _download("--symbols", "BTC/USDT", "--timeframe", "1m")  # resume, no --from
    assert code == 0, output
    assert _klines_requests(venue) - before == 1
    again = store.describe("binance", "BTC/USDT", "1m")
    assert (again.rows, again.last_ms, again.gap_count) == (55, start + 54 * MINUTE, 0)
    summary = output.splitlines()[-1].split()
    assert summary[:5] == ["binance", "BTC/USDT", "1m", "5", "55"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--exchange", "binanse"],
            "exchange 'binanse' is not known to CCXT (did you mean binance",
        ),
        (["--symbols", "FOO/USDT"], "binance does not list FOO/USDT"),
        (["--timeframe", "7m"], "binance has no 7m candles (use one of 1s, 1m, 3m"),
        (["--timeframe", "1x"], "unknown timeframe '1x'"),
        (["--from", "yesterday"], "--from 'yesterday' is not an ISO 8601 date or time"),
        (["--to", "2023-01-01"], "--to 2023-01-01 is not after --from 2024-01-01"),
        (["--from", None], "nothing is stored for this market at 1m"),
    ],
)
def test_download_bad_request_exits_2_with_one_line_before_downloading(
    venue: BinanceServerHandle, data_dir: Path, args: list[str | None], message: str
) -> None:
    options = {"--exchange": "binance", "--symbols": "BTC/USDT", "--timeframe": "1m"}
    options["--from"] = "2024-01-01"
    options.update(dict(zip(args[::2], args[1::2], strict=True)))  # type: ignore[arg-type]
    argv = [part for key, value in options.items() if value is not None for part in (key, value)]
    code, output = _download(*argv)
    assert code == 2
    assert message in " ".join(output.split())
    assert output.startswith("error: ")
    assert _klines_requests(venue) == 0
