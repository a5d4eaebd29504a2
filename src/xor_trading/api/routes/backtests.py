"""Backtests as background jobs: submit, follow progress, read results, compare, cancel.

Callers see only their own runs; another user's run is 404 (S1). A submission is
validated completely before it is queued (422 with a sentence, nothing stored) and
counts against a quota of concurrent runs per user (429). See
:mod:`xor_trading.services.backtest_jobs`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, status

from xor_trading.api.deps import ContainerDep, TraderPrincipal, ViewerPrincipal
from xor_trading.api.schemas.backtests import (
    ID_PATTERN,
    BacktestComparePublic,
    BacktestRunDetailPublic,
    BacktestRunPublic,
    BacktestSubmit,
    EquityPublic,
    RunStatusName,
    TradePublic,
)
from xor_trading.api.schemas.common import MAX_PAGE_SIZE, Message, Page, page_of
from xor_trading.services.backtest_jobs import (
    DEFAULT_EQUITY_POINTS,
    MAX_COMPARE,
    MAX_EQUITY_POINTS,
    BacktestJobService,
    BacktestRunView,
    BacktestSpec,
)

router = APIRouter(prefix="/backtests", tags=["backtests"])

RunId = Annotated[str, Path(pattern=ID_PATTERN, description="The run's id.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Rows to skip.")]


def _public(view: BacktestRunView) -> BacktestRunPublic:
    fields = {name: getattr(view, name) for name in BacktestRunPublic.model_fields}
    fields["request"] = BacktestSubmit.model_validate(view.request)
    return BacktestRunPublic.model_validate(fields)


def _detail(view: BacktestRunView) -> BacktestRunDetailPublic:
    fields = {name: getattr(view, name) for name in BacktestRunDetailPublic.model_fields}
    fields["request"] = BacktestSubmit.model_validate(view.request)
    return BacktestRunDetailPublic.model_validate(fields)


@router.post(
    "",
    name="submit",
    response_model=BacktestRunPublic,
    status_code=status.HTTP_202_ACCEPTED,
)
def submit(
    body: BacktestSubmit, principal: TraderPrincipal, container: ContainerDep
) -> BacktestRunPublic:
    """Queue a backtest; poll GET /backtests/{id} for its progress and results. 422 names
    what is wrong (strategy, parameter, symbol, timeframe, range, costs, limits); 429 when
    you already have 2 backtests queued or running."""
    spec = BacktestSpec.from_document(body.model_dump(mode="json", by_alias=True))
    return _public(BacktestJobService(container).submit(principal, spec))


@router.get("", name="list", response_model=Page[BacktestRunPublic])
def list_backtests(
    principal: ViewerPrincipal,
    container: ContainerDep,
    limit: Limit = 50,
    offset: Offset = 0,
    status_: Annotated[
        RunStatusName | None, Query(alias="status", description="Only runs in this status.")
    ] = None,
    strategy: Annotated[
        str | None, Query(max_length=64, description="Only runs of this strategy.")
    ] = None,
    symbol: Annotated[
        str | None, Query(max_length=32, description="Only runs on this symbol.")
    ] = None,
    sort: Annotated[
        Literal["created_at", "total_return_pct", "max_drawdown_pct"],
        Query(description="Column to sort by; runs without a value come last."),
    ] = "created_at",
    direction: Annotated[Literal["asc", "desc"], Query(description="Sort order.")] = "desc",
) -> Page[BacktestRunPublic]:
    """Your backtests, newest first by default (ties broken by id)."""
    items, total = BacktestJobService(container).list_runs(
        principal,
        status=status_,
        strategy=strategy,
        symbol=symbol,
        sort=sort,
        descending=direction == "desc",
        limit=limit,
        offset=offset,
    )
    return Page[BacktestRunPublic](
        items=[_public(v) for v in items], total=total, total_exact=True, limit=limit, offset=offset
    )


@router.get("/compare", name="compare", response_model=BacktestComparePublic)
def compare(
    principal: ViewerPrincipal,
    container: ContainerDep,
    ids: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_COMPARE * 65,
            description=f"Comma-separated run ids, 1 to {MAX_COMPARE}.",
        ),
    ],
) -> BacktestComparePublic:
    """Your runs side by side, in the order given; 404 if any id is not one of yours."""
    views = BacktestJobService(container).compare(principal, ids.split(","))
    return BacktestComparePublic(runs=[_detail(v) for v in views])


@router.get("/{run_id}", name="get", response_model=BacktestRunDetailPublic)
def get_backtest(
    run_id: RunId, principal: ViewerPrincipal, container: ContainerDep
) -> BacktestRunDetailPublic:
    """Status, progress, summary, metrics and warnings of one of your runs."""
    return _detail(BacktestJobService(container).get(principal, run_id))


@router.get("/{run_id}/equity", name="equity", response_model=EquityPublic)
def equity(
    run_id: RunId,
    principal: ViewerPrincipal,
    container: ContainerDep,
    max_points: Annotated[
        int, Query(ge=4, le=MAX_EQUITY_POINTS, description="Most points returned.")
    ] = DEFAULT_EQUITY_POINTS,
) -> EquityPublic:
    """The equity curve of a succeeded run (409 before), thinned to ``max_points``."""
    series = BacktestJobService(container).equity(principal, run_id, max_points)
    return EquityPublic.model_validate(series)


@router.get("/{run_id}/trades", name="trades", response_model=Page[TradePublic])
def trades(
    run_id: RunId,
    principal: ViewerPrincipal,
    container: ContainerDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[TradePublic]:
    """The trades of a succeeded run (409 before), in entry order."""
    items, total = BacktestJobService(container).trades(principal, run_id, limit, offset)
    return page_of(TradePublic, items, total=total, limit=limit, offset=offset)


@router.post("/{run_id}/cancel", name="cancel", response_model=BacktestRunPublic)
def cancel(run_id: RunId, principal: TraderPrincipal, container: ContainerDep) -> BacktestRunPublic:
    """A queued run is cancelled now; a running one is asked to stop (``cancel_requested``)
    and ends ``cancelled`` shortly. 409 once the run has ended."""
    return _public(BacktestJobService(container).cancel(principal, run_id))


@router.delete("/{run_id}", name="delete", response_model=Message)
def delete(run_id: RunId, principal: TraderPrincipal, container: ContainerDep) -> Message:
    """Delete a run and its result files; 409 while it is running (cancel it first)."""
    BacktestJobService(container).delete(principal, run_id)
    return Message(message=f"backtest {run_id} deleted")
