"""Market data from the candle store: markets, candles, indicators, context scores.

Readable by every role (viewer and up); nothing here is user-owned. A market that is not
stored is 404 with the list of what is; a bad name, timeframe, range, limit or indicator
parameter is 422 with a sentence. See :mod:`xor_trading.services.market_data_service`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from xor_trading.api.deps import ContainerDep, ViewerPrincipal
from xor_trading.api.schemas.common import MAX_PAGE_SIZE, Page
from xor_trading.api.schemas.market import (
    MAX_TIME_MS,
    CandlesPublic,
    IndicatorCompute,
    IndicatorPublic,
    IndicatorSeriesPublic,
    MarketContextPublic,
    MarketContextRowPublic,
    StoredMarketPublic,
)
from xor_trading.indicators.market_context import DEFAULT_LOOKBACK, DEFAULT_THRESHOLD
from xor_trading.services.market_data_service import (
    DEFAULT_CANDLES,
    MAX_CANDLES,
    MarketDataService,
)

router = APIRouter(prefix="/market", tags=["market"])

Symbol = Annotated[str, Query(min_length=1, max_length=32, description="e.g. BTC/USDT.")]
Timeframe = Annotated[str, Query(min_length=1, max_length=8, description="e.g. 1m, 1h.")]
Exchange = Annotated[
    str | None, Query(max_length=32, description="Exchange id; default: the configured one.")
]
TimeMs = Annotated[int | None, Query(ge=0, le=MAX_TIME_MS)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Rows to skip.")]
MAX_CONTEXT_LOOKBACK = 1_000  # the score's cost grows with it (S7)


@router.get("/symbols", name="symbols", response_model=Page[StoredMarketPublic])
def symbols(
    principal: ViewerPrincipal, container: ContainerDep, limit: Limit = 500, offset: Offset = 0
) -> Page[StoredMarketPublic]:
    """The stored series (exchange, symbol, timeframe) with their ranges, in that order."""
    items = MarketDataService(container).symbols(principal)
    return Page[StoredMarketPublic](
        items=[StoredMarketPublic.model_validate(v) for v in items[offset : offset + limit]],
        total=len(items),
        total_exact=True,
        limit=limit,
        offset=offset,
    )


@router.get("/candles", name="candles", response_model=CandlesPublic)
def candles(
    principal: ViewerPrincipal,
    container: ContainerDep,
    symbol: Symbol,
    timeframe: Timeframe,
    exchange: Exchange = None,
    since: Annotated[TimeMs, Query(description="Open time >= since (UTC ms).")] = None,
    until: Annotated[TimeMs, Query(description="Open time < until (UTC ms).")] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_CANDLES, description="Most candles returned.")
    ] = DEFAULT_CANDLES,
) -> CandlesPublic:
    """Candles as columns: the first ``limit`` from ``since``, or without ``since`` the
    last ``limit`` before ``until``. A timeframe that is not stored is resampled from a
    lower stored one."""
    series = MarketDataService(container).candles(
        principal,
        symbol=symbol,
        timeframe=timeframe,
        exchange=exchange,
        since_ms=since,
        until_ms=until,
        limit=limit,
    )
    return CandlesPublic.model_validate(series)


@router.get("/indicators", name="indicators", response_model=Page[IndicatorPublic])
def indicators(
    principal: ViewerPrincipal, container: ContainerDep, limit: Limit = 500, offset: Offset = 0
) -> Page[IndicatorPublic]:
    """The indicator catalog with each parameter's default and range."""
    items = MarketDataService(container).indicators(principal)
    return Page[IndicatorPublic](
        items=[IndicatorPublic.model_validate(v) for v in items[offset : offset + limit]],
        total=len(items),
        total_exact=True,
        limit=limit,
        offset=offset,
    )


@router.post(
    "/indicators/{name}/compute", name="compute-indicator", response_model=IndicatorSeriesPublic
)
def compute_indicator(
    name: Annotated[str, Path(pattern=r"^[a-z_]{1,32}$", description="Indicator name.")],
    body: IndicatorCompute,
    principal: ViewerPrincipal,
    container: ContainerDep,
) -> IndicatorSeriesPublic:
    """An indicator over a window of candles (chosen as GET /market/candles does); lines
    are null during the warm-up. 404 for an unknown indicator or market."""
    series = MarketDataService(container).compute(
        principal,
        name,
        symbol=body.symbol,
        timeframe=body.timeframe,
        exchange=body.exchange,
        since_ms=body.since,
        until_ms=body.until,
        limit=body.limit,
        params=body.params,
    )
    return IndicatorSeriesPublic.model_validate(series)


@router.get("/context", name="context", response_model=MarketContextPublic)
def context(
    principal: ViewerPrincipal,
    container: ContainerDep,
    timeframe: Timeframe,
    exchange: Exchange = None,
    lookback: Annotated[
        int,
        Query(ge=1, le=MAX_CONTEXT_LOOKBACK, description="Candles the score looks back over."),
    ] = DEFAULT_LOOKBACK,
    threshold: Annotated[
        float, Query(ge=0, le=100, description="Score a signal crosses (0-100).")
    ] = DEFAULT_THRESHOLD,
) -> MarketContextPublic:
    """The market context score of every stored market, highest first; markets that
    cannot be scored come last with the reason."""
    report = MarketDataService(container).context(
        principal, timeframe=timeframe, exchange=exchange, lookback=lookback, threshold=threshold
    )
    return MarketContextPublic(
        timeframe=report.timeframe,
        lookback=report.lookback,
        threshold=report.threshold,
        warmup=report.warmup,
        rows=[MarketContextRowPublic.model_validate(row) for row in report.rows],
    )
