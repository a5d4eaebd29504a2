"""Orders of the caller's bots: list (filters, sorting, pagination), one order, its fills.

Another user's order is 404, exactly like an order that does not exist (S1). Decimal
fields are JSON strings, exact.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from xor_trading.api.deps import ContainerDep, ViewerPrincipal
from xor_trading.api.schemas.common import MAX_PAGE_SIZE, IsoDateTime, Page, page_of
from xor_trading.api.schemas.orders import FillPublic, OrderPublic
from xor_trading.services.trading_records import ORDER_SORTS, TradingRecordsService

router = APIRouter(prefix="/orders", tags=["orders"])

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")]
Offset = Annotated[int, Query(ge=0, description="Rows to skip.")]
BotId = Annotated[str | None, Query(max_length=36, description="Only this bot's records.")]
SymbolFilter = Annotated[str | None, Query(max_length=32, description="e.g. BTC/USDT.")]
Since = Annotated[
    IsoDateTime | None,
    Query(
        description="From this time (inclusive), ISO 8601 with a zone, e.g. 2025-06-01T00:00:00Z."
    ),
]
Until = Annotated[IsoDateTime | None, Query(description="Up to this time (exclusive), ISO 8601.")]
OrderStatusFilter = Literal[
    "pending_submit", "initialized", "denied", "submitted", "accepted", "triggered",
    "partially_filled", "pending_cancel", "filled", "canceled", "rejected", "expired",
    "unknown",
]  # fmt: skip


@router.get("", name="list", response_model=Page[OrderPublic])
def list_orders(
    principal: ViewerPrincipal,
    container: ContainerDep,
    bot_id: BotId = None,
    symbol: SymbolFilter = None,
    status: Annotated[OrderStatusFilter | None, Query(description="Only this status.")] = None,
    side: Annotated[Literal["buy", "sell"] | None, Query(description="Only this side.")] = None,
    since: Since = None,
    until: Until = None,
    sort: Annotated[
        str,
        Query(
            max_length=32,
            description=f"One of {', '.join(ORDER_SORTS)}; prefix - for descending.",
        ),
    ] = "-created_at",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[OrderPublic]:
    """The caller's orders, newest first by default (``since``/``until`` bound creation)."""
    items, total, total_exact = TradingRecordsService(container).list_orders(
        principal,
        bot_id=bot_id,
        symbol=symbol,
        status=status,
        side=side,
        since=since,
        until=until,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return page_of(
        OrderPublic, items, total=total, limit=limit, offset=offset, total_exact=total_exact
    )


@router.get("/{order_id}", name="get", response_model=OrderPublic)
def get_order(order_id: str, principal: ViewerPrincipal, container: ContainerDep) -> OrderPublic:
    """One of the caller's orders (404 if it does not exist or is not theirs)."""
    return OrderPublic.model_validate(
        TradingRecordsService(container).get_order(principal, order_id)
    )


@router.get("/{order_id}/fills", name="list-fills", response_model=list[FillPublic])
def list_fills(
    order_id: str, principal: ViewerPrincipal, container: ContainerDep
) -> list[FillPublic]:
    """The fills of one of the caller's orders, oldest first (404 if not theirs)."""
    fills = TradingRecordsService(container).list_fills(principal, order_id)
    return [FillPublic.model_validate(fill) for fill in fills]
