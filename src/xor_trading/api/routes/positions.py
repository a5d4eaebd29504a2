"""Positions of the caller's bots."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from xor_trading.api.deps import ContainerDep, ViewerPrincipal
from xor_trading.api.routes.orders import BotId, Limit, Offset, SymbolFilter
from xor_trading.api.schemas.common import Page, page_of
from xor_trading.api.schemas.positions import PositionPublic
from xor_trading.services.trading_records import POSITION_SORTS, TradingRecordsService

router = APIRouter(prefix="/positions", tags=["positions"])


@router.get("", name="list", response_model=Page[PositionPublic])
def list_positions(
    principal: ViewerPrincipal,
    container: ContainerDep,
    bot_id: BotId = None,
    symbol: SymbolFilter = None,
    open_only: Annotated[bool, Query(description="Leave out flat positions.")] = False,
    sort: Annotated[
        str,
        Query(
            max_length=32,
            description=f"One of {', '.join(POSITION_SORTS)}; prefix - for descending.",
        ),
    ] = "symbol",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PositionPublic]:
    """The caller's positions, one per bot and symbol, by symbol by default."""
    items, total, total_exact = TradingRecordsService(container).list_positions(
        principal,
        bot_id=bot_id,
        symbol=symbol,
        open_only=open_only,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return page_of(
        PositionPublic, items, total=total, limit=limit, offset=offset, total_exact=total_exact
    )
