"""Market data through the API over the shipped candles, on SQLite and PostgreSQL: every
series must equal what the candle store and the indicator functions give directly."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.indicators.catalog import CATALOG
from xor_trading.indicators.fibonacci import zigzag_levels
from xor_trading.indicators.macd import macd
from xor_trading.indicators.rsi import rsi
from xor_trading.indicators.zigzag import zigzag
from xor_trading.services.market_context_service import market_context_report

# The fixtures' types (tests/integration/api/conftest.py; conftest modules are not imported).
MakeUser = Any

API = "/api/v1/market"
SINCE = 1_577_836_800_000  # 2020-01-01T00:00:00Z
UNTIL = 1_580_515_200_000  # 2020-02-01T00:00:00Z


@pytest.fixture
def viewer(make_user: MakeUser) -> dict[str, str]:
    headers: dict[str, str] = make_user(role="viewer").headers
    return headers


def _nulls(values: np.ndarray[Any, Any]) -> list[float | None]:
    return [None if math.isnan(x) else x for x in values.tolist()]


def test_symbols_lists_every_stored_series(
    client: TestClient, store: ParquetCandleStore, viewer: dict[str, str]
) -> None:
    response = client.get(f"{API}/symbols", headers=viewer)
    assert response.status_code == 200
    expected = [
        {
            "exchange": s.exchange,
            "symbol": s.symbol,
            "timeframe": s.timeframe.text,
            "candles": s.rows,
            "first_ms": s.first_ms,
            "last_ms": s.last_ms,
            "gap_count": s.gap_count,
            "missing_bars": s.missing_bars,
        }
        for s in store.list()
    ]
    assert response.json() == {
        "items": expected,
        "total": 4,
        "total_exact": True,
        "limit": 500,
        "offset": 0,
    }
    page = client.get(f"{API}/symbols?limit=2&offset=1", headers=viewer).json()
    assert page == {
        "items": expected[1:3],
        "total": 4,
        "total_exact": True,
        "limit": 2,
        "offset": 1,
    }
    assert [(i["symbol"], i["timeframe"]) for i in expected] == [
        ("BTC/USDT", "1m"),
        ("BTC/USDT", "1h"),
        ("ETH/USDT", "1m"),
        ("ETH/USDT", "1h"),
    ]


def test_candles_equal_the_store(
    client: TestClient, store: ParquetCandleStore, viewer: dict[str, str]
) -> None:
    frame = store.read("binance", "BTC/USDT", "1h", start_ms=SINCE, end_ms=UNTIL).frame
    first = client.get(
        f"{API}/candles",
        params={
            "symbol": "BTC/USDT",
            "timeframe": "1h",
            "since": SINCE,
            "until": UNTIL,
            "limit": 100,
        },
        headers=viewer,
    )
    assert first.status_code == 200
    body = first.json()
    assert (body["exchange"], body["symbol"], body["timeframe"], body["resampled_from"]) == (
        "binance",
        "BTC/USDT",
        "1h",
        None,
    )
    assert body["ts_ms"] == frame.ts_ms[:100].tolist()
    for column in ("open", "high", "low", "close", "volume"):
        assert body[column] == getattr(frame, column)[:100].tolist()
    # Without since: the last candles before until.
    last = client.get(
        f"{API}/candles",
        params={"symbol": "btc-usdt", "timeframe": "1h", "until": UNTIL, "limit": 24},
        headers=viewer,
    ).json()
    assert last["ts_ms"] == frame.ts_ms[-24:].tolist()
    assert last["close"] == frame.close[-24:].tolist()


def test_a_timeframe_that_is_not_stored_is_resampled(
    client: TestClient, store: ParquetCandleStore, viewer: dict[str, str]
) -> None:
    loaded = store.read("binance", "ETH/USDT", "4h", start_ms=SINCE, end_ms=UNTIL)
    body = client.get(
        f"{API}/candles",
        params={"symbol": "ETH/USDT", "timeframe": "4h", "since": SINCE, "until": UNTIL},
        headers=viewer,
    ).json()
    assert body["resampled_from"] == "1h"
    assert body["ts_ms"] == loaded.frame.ts_ms.tolist()
    assert body["high"] == loaded.frame.high.tolist()
    assert len(body["ts_ms"]) == 186  # 31 days x 6, less the sample's gaps


def test_candle_requests_are_validated(
    client: TestClient, store: ParquetCandleStore, viewer: dict[str, str]
) -> None:
    base = {"symbol": "BTC/USDT", "timeframe": "1h"}
    for limit in (0, 50_001):
        response = client.get(f"{API}/candles", params={**base, "limit": limit}, headers=viewer)
        assert response.status_code == 422
        assert response.json()["details"][0]["field"] == "query.limit"
    at_cap = client.get(f"{API}/candles", params={**base, "limit": 50_000}, headers=viewer)
    assert at_cap.status_code == 200
    assert len(at_cap.json()["ts_ms"]) == 50_000

    unknown = client.get(f"{API}/candles", params={**base, "symbol": "SOL/USDT"}, headers=viewer)
    assert unknown.status_code == 404
    assert unknown.json()["message"] == (
        "no binance SOL/USDT 1h candles (stored for binance: BTC/USDT 1m 1h; ETH/USDT 1m 1h)"
    )
    bad_tf = client.get(f"{API}/candles", params={**base, "timeframe": "7x"}, headers=viewer)
    assert (bad_tf.status_code, bad_tf.json()["message"]) == (422, "unknown timeframe '7x'")
    backwards = client.get(
        f"{API}/candles", params={**base, "since": UNTIL, "until": SINCE}, headers=viewer
    )
    assert (backwards.status_code, backwards.json()["message"]) == (
        422,
        f"since ({UNTIL}) must be before until ({SINCE})",
    )
    empty = client.get(
        f"{API}/candles", params={**base, "since": 0, "until": 1_000_000}, headers=viewer
    )
    assert (empty.status_code, empty.json()["ts_ms"]) == (200, [])
    anonymous = client.get(f"{API}/candles", params=base)
    assert anonymous.status_code == 401


def test_the_indicator_catalog_is_listed(client: TestClient, viewer: dict[str, str]) -> None:
    body = client.get(f"{API}/indicators", headers=viewer).json()
    assert [item["name"] for item in body["items"]] == list(CATALOG)
    rsi_info = next(item for item in body["items"] if item["name"] == "rsi")
    assert rsi_info["params"] == [
        {
            "name": "source",
            "kind": "str",
            "default": "close",
            "description": "candle column to read: open, high, low, close or volume",
            "minimum": None,
            "choices": ["open", "high", "low", "close", "volume"],
        },
        {
            "name": "period",
            "kind": "int",
            "default": 14,
            "description": "look-back in candles",
            "minimum": 2,
            "choices": [],
        },
    ]


def test_an_indicator_equals_its_function_with_nulls_for_the_warm_up(
    client: TestClient, store: ParquetCandleStore, viewer: dict[str, str]
) -> None:
    frame = store.read("binance", "BTC/USDT", "1h", start_ms=SINCE, end_ms=UNTIL).frame
    window = {"symbol": "BTC/USDT", "timeframe": "1h", "since": SINCE, "until": UNTIL}
    response = client.post(
        f"{API}/indicators/rsi/compute", json={**window, "params": {"period": 21}}, headers=viewer
    )
    assert response.status_code == 200
    body = response.json()
    assert body["params"] == {"source": "close", "period": 21}
    assert body["ts_ms"] == frame.ts_ms.tolist()
    assert body["lines"] == {"rsi": _nulls(rsi(frame.close, 21))}
    assert body["lines"]["rsi"][:21] == [None] * 21  # the warm-up
    assert body["lines"]["rsi"][21] is not None
    assert (body["swings"], body["levels"], body["profile"]) == (None, None, None)

    lines = client.post(f"{API}/indicators/macd/compute", json=window, headers=viewer).json()
    expected = macd(frame.close)
    assert lines["lines"] == {
        "macd": _nulls(expected.macd),
        "signal": _nulls(expected.signal),
        "histogram": _nulls(expected.histogram),
    }


def test_swings_and_fibonacci_levels(
    client: TestClient, store: ParquetCandleStore, viewer: dict[str, str]
) -> None:
    frame = store.read("binance", "BTC/USDT", "1h", start_ms=SINCE, end_ms=UNTIL).frame
    window = {"symbol": "BTC/USDT", "timeframe": "1h", "since": SINCE, "until": UNTIL}
    params = {"params": {"threshold_pct": 3}}
    swings = client.post(
        f"{API}/indicators/zigzag/compute", json={**window, **params}, headers=viewer
    ).json()
    ts = frame.ts_ms.tolist()
    expected_swings = [
        {
            "index": p.index,
            "ts_ms": ts[p.index],
            "kind": p.kind.value,
            "price": p.price,
            "confirmed_index": p.confirmed_index,
            "confirmed_ts_ms": ts[p.confirmed_index],
        }
        for p in zigzag(frame.high, frame.low, 3.0)
    ]
    assert swings["shape"] == "swings"
    assert swings["swings"] == expected_swings
    assert len(expected_swings) >= 3

    levels = client.post(
        f"{API}/indicators/fibonacci/compute", json={**window, **params}, headers=viewer
    ).json()
    assert levels["levels"] == [
        {"kind": level.kind.value, "ratio": level.ratio, "price": level.price}
        for level in zigzag_levels(frame.high, frame.low, 3.0)
    ]
    assert levels["levels"]


def test_indicator_requests_are_validated(
    client: TestClient, store: ParquetCandleStore, viewer: dict[str, str]
) -> None:
    window = {"symbol": "BTC/USDT", "timeframe": "1h"}
    unknown = client.post(f"{API}/indicators/nope/compute", json=window, headers=viewer)
    assert (unknown.status_code, unknown.json()["message"]) == (404, "no indicator 'nope'")
    bad = client.post(
        f"{API}/indicators/rsi/compute", json={**window, "params": {"period": 1}}, headers=viewer
    )
    assert (bad.status_code, bad.json()["message"]) == (
        422,
        "rsi parameter period must be at least 2; got 1",
    )
    extra = client.post(
        f"{API}/indicators/rsi/compute", json={**window, "params": {"length": 3}}, headers=viewer
    )
    assert (extra.status_code, extra.json()["message"]) == (
        422,
        "unknown parameter 'length' for indicator rsi",
    )
    huge = client.post(
        f"{API}/indicators/volume_profile/compute",
        json={**window, "params": {"bins": 10**9}},
        headers=viewer,
    )
    assert (huge.status_code, huge.json()["message"]) == (
        422,
        "volume_profile parameter bins must be at most 50,000 in size; got 1000000000",
    )
    empty = client.post(
        f"{API}/indicators/rsi/compute", json={**window, "since": 0, "until": 1}, headers=viewer
    )
    assert (empty.status_code, empty.json()["message"]) == (
        422,
        "no BTC/USDT 1h candles in the requested range",
    )


def test_context_scores_equal_the_market_context_listing(
    client: TestClient, store: ParquetCandleStore, viewer: dict[str, str]
) -> None:
    response = client.get(f"{API}/context", params={"timeframe": "1h"}, headers=viewer)
    assert response.status_code == 200
    report = market_context_report(store, "1h")
    body = response.json()
    assert (body["timeframe"], body["lookback"], body["threshold"], body["warmup"]) == (
        "1h",
        50,
        70.0,
        64,
    )
    assert body["rows"] == [
        {
            "exchange": row.exchange,
            "symbol": row.symbol,
            "timeframe": row.timeframe,
            "candles": row.candles,
            "last_ms": row.last_ms,
            "score": row.score,
            "pattern": row.pattern,
            "direction": row.direction,
            "last_signal_ms": row.last_signal_ms,
            "resampled_from": row.resampled_from,
            "skipped": row.skipped,
        }
        for row in report.rows
    ]
    assert sorted(row["symbol"] for row in body["rows"]) == ["BTC/USDT", "ETH/USDT"]
    too_short = client.get(
        f"{API}/context", params={"timeframe": "1h", "lookback": 2}, headers=viewer
    )
    assert (too_short.status_code, too_short.json()["message"]) == (422, "lookback 2 is too short")
    too_long = client.get(
        f"{API}/context", params={"timeframe": "1h", "lookback": 1_001}, headers=viewer
    )
    assert (too_long.status_code, too_long.json()["details"][0]["field"]) == (
        422,
        "query.lookback",
    )
