"""Closed round trips of the caller's bots: list (filters, sorting, pagination) and one trade."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from xor_trading.api.deps import ContainerDep, ViewerPrincipal
from xor_trading.api.routes.orders import BotId, Limit, Offset, Since, SymbolFilter, Until
from xor_trading.api.schemas.common import Page, page_of
from xor_trading.api.schemas.trades import TradePublic
from xor_trading.services.trading_records import TRADE_SORTS, TradingRecordsService

router = APIRouter(prefix="/trades", tags=["trades"])


@router.get("", name="list", response_model=Page[TradePublic])
def list_trades(
    principal: ViewerPrincipal,
    container: ContainerDep,
    bot_id: BotId = None,
    symbol: SymbolFilter = None,
    side: Annotated[Literal["long", "short"] | None, Query(description="Only this side.")] = None,
    strategy: Annotated[str | None, Query(max_length=64, description="Only this strategy.")] = None,
    since: Since = None,
    until: Until = None,
    sort: Annotated[
        str,
        Query(
            max_length=32,
            description=f"One of {', '.join(TRADE_SORTS)}; prefix - for descending.",
        ),
    ] = "-exit_at",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[TradePublic]:
    """The caller's closed trades, latest exit first by default (the range bounds the exit)."""
    items, total, total_exact = TradingRecordsService(container).list_trades(
        principal,
        bot_id=bot_id,
        symbol=symbol,
        side=side,
        strategy=strategy,
        since=since,
        until=until,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return page_of(
        TradePublic, items, total=total, limit=limit, offset=offset, total_exact=total_exact
    )


@router.get("/{trade_id}", name="get", response_model=TradePublic)
def get_trade(trade_id: str, principal: ViewerPrincipal, container: ContainerDep) -> TradePublic:
    """One of the caller's trades (404 if it does not exist or is not theirs)."""
    return TradePublic.model_validate(
        TradingRecordsService(container).get_trade(principal, trade_id)
    )
