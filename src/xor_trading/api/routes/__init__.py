"""One module per resource, each exporting ``router`` (an ``APIRouter`` with one tag).

:func:`all_routers` finds them, so adding a resource is adding a module (and its rows
in the policy table).
"""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter


def all_routers() -> list[APIRouter]:
    routers: list[APIRouter] = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        router = getattr(loaded, "router", None)
        if isinstance(router, APIRouter):
            routers.append(router)
    return routers
