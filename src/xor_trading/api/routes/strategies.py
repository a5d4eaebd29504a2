"""Strategies: list them and read one, with the JSON Schema of its parameters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from xor_trading.api.deps import ViewerPrincipal
from xor_trading.api.schemas.common import MAX_PAGE_SIZE, ErrorBody
from xor_trading.api.schemas.strategies import (
    BrokenStrategyPublic,
    StrategyPage,
    StrategyPublic,
)
from xor_trading.services.strategy_catalog import StrategyCatalog

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid access token."},
    404: {"model": ErrorBody, "description": "No strategy of that name."},
    422: {"model": ErrorBody, "description": "Invalid request."},
}
router = APIRouter(prefix="/strategies", tags=["strategies"], responses=_ERRORS)

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Strategies to skip.")]


@router.get("", name="list", response_model=StrategyPage)
def list_strategies(
    principal: ViewerPrincipal, limit: Limit = 50, offset: Offset = 0
) -> StrategyPage:
    """Every strategy a bot may run, sorted by name; ``broken`` lists installed plug-ins
    that failed to load, with the reason."""
    catalog = StrategyCatalog()
    views = catalog.list_strategies()
    return StrategyPage(
        items=[StrategyPublic.model_validate(v) for v in views[offset : offset + limit]],
        total=len(views),
        total_exact=True,
        limit=limit,
        offset=offset,
        broken=[BrokenStrategyPublic.model_validate(b) for b in catalog.broken()],
    )


@router.get("/{name}", name="get", response_model=StrategyPublic)
def get_strategy(
    principal: ViewerPrincipal, name: Annotated[str, Path(max_length=64)]
) -> StrategyPublic:
    """Strategy ``name`` with its parameters' JSON Schema and defaults (404 if unknown)."""
    return StrategyPublic.model_validate(StrategyCatalog().get(name))
