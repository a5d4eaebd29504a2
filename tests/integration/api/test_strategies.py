"""Strategies over HTTP (api/routes/strategies.py): the 13 built-ins, each with a valid
JSON Schema of its parameters whose defaults validate against it."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from xor_trading.strategy import registry
from xor_trading.strategy.registry import get_strategy

MakeUser = Any  # the make_user fixture of tests/integration/api/conftest.py

STRATEGIES = "/api/v1/strategies"
BUILT_IN = [
    "breakout",
    "breakout_elliott",
    "context_score",
    "dca",
    "elliott_wave",
    "grid",
    "grid_corrective",
    "mean_reversion",
    "momentum",
    "momentum_elliott",
    "scalping",
    "sma_cross",
    "trend_following",
]


@pytest.fixture(autouse=True)
def only_built_in_strategies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Other test modules register test-only strategies; this module sees the shipped ones."""
    registry.list_strategies()  # load the entry points first
    shipped = {
        name: cls
        for name, cls in registry._registry.items()
        if cls.__module__.startswith("xor_trading.strategies.")
    }
    monkeypatch.setattr(registry, "_registry", shipped)


def test_lists_the_13_strategies_each_with_a_valid_schema(
    client: TestClient, make_user: MakeUser
) -> None:
    viewer = make_user(role="viewer")
    response = client.get(STRATEGIES, headers=viewer.headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["limit"], body["offset"], body["broken"]) == (13, 50, 0, [])
    assert [s["name"] for s in body["items"]] == BUILT_IN
    for strategy in body["items"]:
        name, schema = strategy["name"], strategy["parameters_schema"]
        assert jsonschema_rs.meta.is_valid(schema), name
        assert schema["type"] == "object", name
        assert schema["properties"], name
        assert schema.get("additionalProperties") is False, name  # unknown params refused
        # The defaults are what the strategy's own config class produces, and they satisfy
        # the schema the dashboard builds its form from.
        assert strategy["defaults"] == get_strategy(name).config_class().model_dump(mode="json")
        assert set(strategy["defaults"]) == set(schema["properties"]), name
        assert jsonschema_rs.validator_for(schema).is_valid(strategy["defaults"]), name
        assert strategy["description"], name
        assert strategy["timeframes"] is None, name  # no built-in restricts its timeframe


def test_pages_of_strategies(client: TestClient, make_user: MakeUser) -> None:
    viewer = make_user(role="viewer")
    body = client.get(STRATEGIES, params={"limit": 5, "offset": 10}, headers=viewer.headers).json()
    assert [s["name"] for s in body["items"]] == BUILT_IN[10:]
    assert body["total"] == 13


def test_get_one_strategy(client: TestClient, make_user: MakeUser) -> None:
    viewer = make_user(role="viewer")
    response = client.get(f"{STRATEGIES}/sma_cross", headers=viewer.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "sma_cross"
    assert body["description"] == (
        "Long on a fast/slow simple moving average cross up, flat on a cross down."
    )
    assert body["defaults"] == {"fast": 10, "slow": 30}
    fast = body["parameters_schema"]["properties"]["fast"]
    assert (fast["type"], fast["minimum"], fast["maximum"], fast["default"]) == (
        "integer",
        1,
        10_000,
        10,
    )
    assert fast["description"] == "Fast SMA period, in candles."
    validator = jsonschema_rs.validator_for(body["parameters_schema"])
    assert validator.is_valid({"fast": 5, "slow": 20})
    assert not validator.is_valid({"fast": 0})
    assert not validator.is_valid({"speed": 3})


def test_unknown_strategy_is_404_listing_the_known_ones(
    client: TestClient, make_user: MakeUser
) -> None:
    viewer = make_user(role="viewer")
    response = client.get(f"{STRATEGIES}/nope", headers=viewer.headers)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["message"] == "unknown strategy 'nope'"
    assert response.json()["hint"] == f"known strategies: {', '.join(BUILT_IN)}"


def test_strategies_need_a_signed_in_user(client: TestClient) -> None:
    assert client.get(STRATEGIES).status_code == 401
    assert client.get(f"{STRATEGIES}/sma_cross").status_code == 401
