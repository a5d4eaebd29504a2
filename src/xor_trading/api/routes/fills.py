"""Fills of the caller's bots: one list across orders (filters, sorting, pagination).

``GET /orders/{order_id}/fills`` lists one order's fills; this list is the one a bot's
chart reads (``?bot_id=``). Another user's fills never appear, whatever the filters say: a
stranger's bot id gives an empty page (S1). Decimal fields are JSON strings, exact.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from xor_trading.api.deps import ContainerDep, ViewerPrincipal
from xor_trading.api.routes.orders import BotId, Limit, Offset, Since, SymbolFilter, Until
from xor_trading.api.schemas.common import Page, page_of
from xor_trading.api.schemas.orders import FillPublic
from xor_trading.services.trading_records import FILL_SORTS, TradingRecordsService

router = APIRouter(prefix="/fills", tags=["fills"])


@router.get("", name="list", response_model=Page[FillPublic])
def list_fills(
    principal: ViewerPrincipal,
    container: ContainerDep,
    bot_id: BotId = None,
    symbol: SymbolFilter = None,
    side: Annotated[Literal["buy", "sell"] | None, Query(description="Only this side.")] = None,
    since: Since = None,
    until: Until = None,
    sort: Annotated[
        str,
        Query(
            max_length=32,
            description=f"One of {', '.join(FILL_SORTS)}; prefix - for descending.",
        ),
    ] = "-at",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[FillPublic]:
    """The caller's fills, newest first by default (``since``/``until`` bound the fill time)."""
    items, total, total_exact = TradingRecordsService(container).list_fills_page(
        principal,
        bot_id=bot_id,
        symbol=symbol,
        side=side,
        since=since,
        until=until,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return page_of(
        FillPublic, items, total=total, limit=limit, offset=offset, total_exact=total_exact
    )
