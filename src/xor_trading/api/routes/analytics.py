"""Analytics of the caller's bots: PnL by bot, strategy or UTC day; strategy comparison."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from xor_trading.api.deps import ContainerDep, ViewerPrincipal
from xor_trading.api.routes.orders import Since, Until
from xor_trading.api.schemas.analytics import PnlReportPublic, StrategyStatsPublic
from xor_trading.services.analytics import AnalyticsService, GroupBy

router = APIRouter(prefix="/analytics", tags=["analytics"])


@router.get("/pnl", name="pnl", response_model=PnlReportPublic)
def pnl(
    principal: ViewerPrincipal,
    container: ContainerDep,
    group_by: Annotated[GroupBy, Query(description="bot, strategy or day (UTC).")] = GroupBy.BOT,
    since: Since = None,
    until: Until = None,
) -> PnlReportPublic:
    """Closed-trade PnL (by exit time) and unrealised PnL from snapshots, grouped."""
    report = AnalyticsService(container).pnl(principal, group_by, since=since, until=until)
    return PnlReportPublic.model_validate(report)


@router.get("/strategies", name="strategies", response_model=list[StrategyStatsPublic])
def strategies(
    principal: ViewerPrincipal,
    container: ContainerDep,
    since: Since = None,
    until: Until = None,
) -> list[StrategyStatsPublic]:
    """Per strategy: trades, win rate, net PnL, profit factor, max drawdown."""
    stats = AnalyticsService(container).compare_strategies(principal, since=since, until=until)
    return [StrategyStatsPublic.model_validate(item) for item in stats]
