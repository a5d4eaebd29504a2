"""Elliott wave counts of a stored market, for chart labels (viewer and up)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from xor_trading.api.deps import ContainerDep, ViewerPrincipal
from xor_trading.api.schemas.common import ErrorBody
from xor_trading.api.schemas.market import MAX_TIME_MS
from xor_trading.api.schemas.market_waves import ElliottWavesPublic
from xor_trading.services.elliott_waves_service import (
    MAX_THRESHOLD_PCT,
    MIN_THRESHOLD_PCT,
    ElliottWavesService,
)
from xor_trading.services.market_data_service import DEFAULT_CANDLES, MAX_CANDLES

router = APIRouter(prefix="/market", tags=["market"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (401, 403, 404, 422)
}


@router.get("/elliott", name="elliott", response_model=ElliottWavesPublic, responses=_ERRORS)
def elliott(
    principal: ViewerPrincipal,
    container: ContainerDep,
    symbol: Annotated[str, Query(min_length=1, max_length=32, description="e.g. BTC/USDT.")],
    timeframe: Annotated[str, Query(min_length=1, max_length=8, description="e.g. 1h.")],
    exchange: Annotated[str | None, Query(max_length=32)] = None,
    since: Annotated[int | None, Query(ge=0, le=MAX_TIME_MS, description="UTC ms.")] = None,
    until: Annotated[int | None, Query(ge=0, le=MAX_TIME_MS, description="UTC ms.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_CANDLES)] = DEFAULT_CANDLES,
    threshold_pct: Annotated[
        float, Query(ge=MIN_THRESHOLD_PCT, le=MAX_THRESHOLD_PCT, description="ZigZag reversal %.")
    ] = 5.0,
    min_confidence: Annotated[float, Query(ge=0.0, le=1.0)] = 0.5,
) -> ElliottWavesPublic:
    """Labelled wave counts of the candle window (the same window as ``/market/candles``)
    and the count live at its last candle, with invalidation levels and targets."""
    view = ElliottWavesService(container).waves(
        principal,
        symbol=symbol,
        timeframe=timeframe,
        exchange=exchange,
        since_ms=since,
        until_ms=until,
        limit=limit,
        threshold_pct=threshold_pct,
        min_confidence=min_confidence,
    )
    return ElliottWavesPublic.model_validate(view)
