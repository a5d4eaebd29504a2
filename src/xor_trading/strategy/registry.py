"""The strategy registry: built-ins and plug-ins found by name.

A strategy registers itself with :func:`register_strategy` (a class decorator) when its
module is imported, or is announced by a package through the entry-point group
``xor_trading.strategies`` (``name = "package.module:Class"``) and imported on first lookup.
XOR's own strategies use the entry point too, so adding a strategy is one new file plus one
line of packaging metadata, and a third-party package needs no change to XOR at all.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any, TypeVar

from xor_trading.core.errors import ConfigError
from xor_trading.strategy.base import Strategy

ENTRY_POINT_GROUP = "xor_trading.strategies"

_registry: dict[str, type[Strategy[Any]]] = {}
_broken: dict[str, str] = {}  # entry points that failed to load: name -> why
S = TypeVar("S", bound=type[Strategy[Any]])


def register_strategy(cls: S) -> S:
    """Class decorator: make ``cls`` available under ``cls.name``."""
    existing = _registry.get(cls.name)
    if existing is not None and existing is not cls:
        raise ConfigError(
            f"two strategies are named {cls.name!r}: {existing.__module__} and {cls.__module__}",
            "rename one of them",
        )
    _registry[cls.name] = cls
    return cls


def _load_entry_points() -> None:
    """Import announced strategies; one that fails to import is recorded, not fatal."""
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in _registry or ep.name in _broken:
            continue
        try:
            cls = ep.load()
        except Exception as exc:  # a broken plug-in must not hide the others
            _broken[ep.name] = f"{type(exc).__name__}: {exc}"
            continue
        _registry.setdefault(ep.name, cls)


def get_strategy(name: str) -> type[Strategy[Any]]:
    """The strategy class called ``name``; raises ConfigError listing the known names."""
    if name not in _registry:
        _load_entry_points()
    if name in _broken:
        raise ConfigError(
            f"strategy {name!r} is installed but failed to load ({_broken[name]})",
            "fix or reinstall the package that provides it",
        )
    try:
        return _registry[name]
    except KeyError:
        raise ConfigError(
            f"unknown strategy {name!r}",
            f"known strategies: {', '.join(sorted(_registry)) or 'none installed'}",
        ) from None


def list_strategies() -> list[type[Strategy[Any]]]:
    _load_entry_points()
    return [_registry[k] for k in sorted(_registry)]


def broken_strategies() -> dict[str, str]:
    """Announced strategies that failed to import, with the reason."""
    _load_entry_points()
    return dict(_broken)
