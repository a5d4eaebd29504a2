"""Exchanges XOR can reach through CCXT, with their capabilities (the same for everyone).

The first call in a process builds the catalog (about a second); later calls are served
from memory.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from xor_trading.api.deps import ViewerPrincipal
from xor_trading.api.schemas.common import MAX_PAGE_SIZE, Page, page_of
from xor_trading.api.schemas.exchanges import EXCHANGE_ID_PATTERN, ExchangePublic
from xor_trading.services.exchange_catalog import get_exchange, list_exchanges

router = APIRouter(prefix="/exchanges", tags=["exchanges"])

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip.")]
Capability = Annotated[bool | None, Query(description="Filter on this capability.")]


@router.get("", name="list", response_model=Page[ExchangePublic])
def list_all(
    principal: ViewerPrincipal,
    limit: Limit = 50,
    offset: Offset = 0,
    spot: Capability = None,
    futures: Capability = None,
    streaming: Annotated[bool | None, Query(description="Streaming candles (watchOHLCV).")] = None,
    trading: Annotated[
        bool | None, Query(description="Orders can be placed and cancelled.")
    ] = None,
) -> Page[ExchangePublic]:
    """Supported exchanges sorted by id, optionally filtered by capability."""
    items, total = list_exchanges(
        spot=spot, futures=futures, streaming=streaming, trading=trading, limit=limit, offset=offset
    )
    return page_of(ExchangePublic, items, total=total, limit=limit, offset=offset)


@router.get("/{exchange_id}", name="get", response_model=ExchangePublic)
def get_one(
    exchange_id: Annotated[str, Path(pattern=EXCHANGE_ID_PATTERN, description="CCXT id.")],
    principal: ViewerPrincipal,
) -> ExchangePublic:
    """One exchange's capabilities; 404 for an exchange CCXT does not support."""
    return ExchangePublic.model_validate(get_exchange(exchange_id))
