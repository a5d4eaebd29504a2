"""GET /market/elliott: the wave counts a chart labels equal the indicator functions'."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.indicators.elliott import detect_waves, label_waves
from xor_trading.indicators.zigzag import zigzag

MakeUser = Any  # the make_user fixture of tests/integration/api/conftest.py

URL = "/api/v1/market/elliott"
SINCE = 1_577_836_800_000  # 2020-01-01T00:00:00Z
UNTIL = 1_609_459_200_000  # 2021-01-01T00:00:00Z


def test_counts_equal_label_waves_and_detect_waves_over_the_same_window(
    client: TestClient, make_user: MakeUser, store: ParquetCandleStore
) -> None:
    viewer = make_user(role="viewer")
    params: dict[str, str | int | float] = {
        "symbol": "BTC/USDT",
        "timeframe": "1h",
        "since": SINCE,
        "until": UNTIL,
        "limit": 50_000,
        "threshold_pct": 5.0,
    }
    response = client.get(URL, params=params, headers=viewer.headers)
    assert response.status_code == 200, response.text
    body = response.json()

    frame = store.read("binance", "BTC/USDT", "1h", start_ms=SINCE, end_ms=UNTIL).frame
    swings = zigzag(frame.high, frame.low, 5.0)
    expected = label_waves(swings, min_confidence=0.5)
    ts = frame.ts_ms.tolist()
    assert body["swings"] == len(swings) > 10
    assert len(body["counts"]) == len(expected) > 0
    for got, want in zip(body["counts"], expected, strict=True):
        assert got["kind"] == want.kind.value
        assert got["confidence"] == want.confidence
        assert [(p["wave"], p["ts_ms"], p["price"]) for p in got["points"]] == [
            (lb.wave, ts[lb.index], lb.price) for lb in want.labels
        ]
        assert [lv["price"] for lv in got["invalidations"]] == [
            lv.price for lv in want.invalidations
        ]
    live = detect_waves(frame.high, frame.low, frame.close, swings=swings)
    if live is None:
        assert body["current"] is None
    else:
        assert body["current"]["kind"] == live.best.kind.value
        assert [p["wave"] for p in body["current"]["points"]] == [
            lb.wave for lb in live.best.labels
        ]
    assert np.isfinite([p["price"] for c in body["counts"] for p in c["points"]]).all()


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"threshold_pct": 0.0}, 422, "threshold_pct"),
        ({"threshold_pct": 51}, 422, "threshold_pct"),
        ({"min_confidence": 1.5}, 422, "min_confidence"),
        ({"symbol": "NOPE/USDT"}, 404, None),
    ],
)
def test_bad_parameters_are_refused_with_a_sentence(
    client: TestClient,
    make_user: MakeUser,
    store: ParquetCandleStore,
    params: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    viewer = make_user(role="viewer")
    query = {"symbol": "BTC/USDT", "timeframe": "1h", **params}
    response = client.get(URL, params=query, headers=viewer.headers)
    assert response.status_code == status
    body = response.json()
    assert body["message"]
    if field is not None:
        assert body["details"][0]["field"] == f"query.{field}"
