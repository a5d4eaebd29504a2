"""Risk events of the caller's bots: denials, breakers, kill switches."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from xor_trading.api.deps import ContainerDep, ViewerPrincipal
from xor_trading.api.routes.orders import BotId, Limit, Offset, Since, Until
from xor_trading.api.schemas.common import Page, page_of
from xor_trading.api.schemas.risk_events import RiskEventPublic
from xor_trading.services.trading_records import RISK_EVENT_SORTS, TradingRecordsService

router = APIRouter(prefix="/risk-events", tags=["risk-events"])

RiskEventKindFilter = Literal[
    "denial", "breaker_tripped", "breaker_reset", "kill_switch_engaged", "kill_switch_rearmed"
]


@router.get("", name="list", response_model=Page[RiskEventPublic])
def list_risk_events(
    principal: ViewerPrincipal,
    container: ContainerDep,
    bot_id: BotId = None,
    kind: Annotated[RiskEventKindFilter | None, Query(description="Only this kind.")] = None,
    rule: Annotated[str | None, Query(max_length=64, description="e.g. daily_loss.")] = None,
    since: Since = None,
    until: Until = None,
    sort: Annotated[
        str,
        Query(
            max_length=32,
            description=f"One of {', '.join(RISK_EVENT_SORTS)}; prefix - for descending.",
        ),
    ] = "-at",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RiskEventPublic]:
    """The caller's risk events, newest first by default."""
    items, total, total_exact = TradingRecordsService(container).list_risk_events(
        principal,
        bot_id=bot_id,
        kind=kind,
        rule=rule,
        since=since,
        until=until,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return page_of(
        RiskEventPublic, items, total=total, limit=limit, offset=offset, total_exact=total_exact
    )
