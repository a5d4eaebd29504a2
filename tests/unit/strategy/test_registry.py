"""The strategy registry (strategy/registry.py): built-ins and plug-ins found by name."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Any

import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.strategies.sma_cross import SmaCross
from xor_trading.strategy import registry
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.registry import (
    ENTRY_POINT_GROUP,
    get_strategy,
    list_strategies,
    register_strategy,
)


@pytest.fixture
def empty_registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A fresh, empty registry whose only announced entry point is sma_cross."""
    fresh: dict[str, Any] = {}
    monkeypatch.setattr(registry, "_registry", fresh)
    monkeypatch.setattr(registry, "_broken", {})
    announced = [ep for ep in registry.entry_points(group=registry.ENTRY_POINT_GROUP)
                 if ep.name == "sma_cross"]  # fmt: skip
    monkeypatch.setattr(registry, "entry_points", lambda group: announced)
    return fresh


def _strategy_class(name: str) -> type[Strategy[Any]]:
    class _Dummy(Strategy[StrategyConfig]):
        config_class = StrategyConfig

        def on_candle(self, candle: Any) -> None:
            return None

    _Dummy.name = name
    return _Dummy


def test_entry_point_group_name() -> None:
    assert ENTRY_POINT_GROUP == "xor_trading.strategies"


def test_get_strategy_sma_cross_is_found_through_entry_points(
    empty_registry: dict[str, Any],
) -> None:
    assert get_strategy("sma_cross") is SmaCross
    assert empty_registry["sma_cross"] is SmaCross


def test_sma_cross_is_announced_as_an_entry_point() -> None:
    from importlib.metadata import entry_points  # noqa: PLC0415

    eps = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert eps["sma_cross"] == "xor_trading.strategies.sma_cross:SmaCross"


def test_get_strategy_unknown_name_raises_config_error_listing_known_names() -> None:
    with pytest.raises(ConfigError) as info:
        get_strategy("sma_crosss")
    assert info.value.message == "unknown strategy 'sma_crosss'"
    assert info.value.hint.startswith("known strategies: ")
    assert "sma_cross" in info.value.hint.removeprefix("known strategies: ").split(", ")


def test_get_strategy_unknown_name_hint_lists_names_sorted(
    empty_registry: dict[str, Any],
) -> None:
    register_strategy(_strategy_class("zeta"))
    register_strategy(_strategy_class("alpha"))
    with pytest.raises(ConfigError) as info:
        get_strategy("nope")
    assert info.value.hint == "known strategies: alpha, sma_cross, zeta"


def test_get_strategy_with_nothing_installed_says_none_installed(
    empty_registry: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "entry_points", lambda group: [])
    with pytest.raises(ConfigError) as info:
        get_strategy("sma_cross")
    assert info.value.hint == "known strategies: none installed"


def test_get_strategy_registered_name_does_not_load_entry_points(
    empty_registry: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(group: str) -> list[EntryPoint]:
        raise AssertionError("entry points must not be scanned for a registered name")

    cls = register_strategy(_strategy_class("mine"))
    monkeypatch.setattr(registry, "entry_points", fail)
    assert get_strategy("mine") is cls


def test_get_strategy_entry_point_does_not_replace_registered_class(
    empty_registry: dict[str, Any],
) -> None:
    own = register_strategy(_strategy_class("own"))
    assert get_strategy("sma_cross") is SmaCross  # loads entry points
    assert get_strategy("own") is own


def test_register_strategy_returns_the_class_unchanged(empty_registry: dict[str, Any]) -> None:
    cls = _strategy_class("plain")
    assert register_strategy(cls) is cls
    assert empty_registry == {"plain": cls}


def test_register_strategy_same_class_twice_is_idempotent(empty_registry: dict[str, Any]) -> None:
    cls = _strategy_class("twice")
    register_strategy(cls)
    register_strategy(cls)
    assert empty_registry == {"twice": cls}


def test_register_strategy_duplicate_name_different_class_raises_config_error(
    empty_registry: dict[str, Any],
) -> None:
    first = register_strategy(_strategy_class("dup"))
    with pytest.raises(ConfigError) as info:
        register_strategy(_strategy_class("dup"))
    assert info.value.message == f"two strategies are named 'dup': {__name__} and {__name__}"
    assert info.value.hint == "rename one of them"
    assert empty_registry["dup"] is first


def test_register_strategy_builtin_name_taken_by_plugin_raises_config_error(
    empty_registry: dict[str, Any],
) -> None:
    assert get_strategy("sma_cross") is SmaCross
    with pytest.raises(ConfigError, match="two strategies are named 'sma_cross'"):
        register_strategy(_strategy_class("sma_cross"))
    assert get_strategy("sma_cross") is SmaCross


def test_list_strategies_is_sorted_by_name_and_includes_entry_points(
    empty_registry: dict[str, Any],
) -> None:
    b = register_strategy(_strategy_class("b_strat"))
    a = register_strategy(_strategy_class("a_strat"))
    assert list_strategies() == [a, b, SmaCross]
