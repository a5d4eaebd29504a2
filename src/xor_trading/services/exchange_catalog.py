"""The exchanges XOR can trade on through CCXT, with their capabilities (for the API).

The catalog is built on first use and cached for the process
(:mod:`xor_trading.exchanges.ccxt_client.catalog`); it describes CCXT, not the user, so
every authenticated caller sees the same list.
"""

from __future__ import annotations

from xor_trading.core.errors import InputError, NotFoundError
from xor_trading.exchanges.ccxt_client.catalog import (
    ExchangeInfo,
    exchange_catalog,
    get_exchange_info,
)

__all__ = ["ExchangeInfo", "get_exchange", "list_exchanges", "require_supported"]


def list_exchanges(
    *,
    spot: bool | None = None,
    futures: bool | None = None,
    streaming: bool | None = None,
    trading: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ExchangeInfo], int]:
    """Exchanges sorted by id, filtered by capability (``None``: either), and the total.

    ``streaming`` is ``watch_ohlcv``; ``trading`` is create and cancel orders both.
    """
    matches = [
        info
        for info in exchange_catalog()
        if (spot is None or info.spot == spot)
        and (futures is None or info.futures == futures)
        and (streaming is None or info.watch_ohlcv == streaming)
        and (trading is None or (info.create_order and info.cancel_order) == trading)
    ]
    return matches[offset : offset + limit], len(matches)


def get_exchange(exchange_id: str) -> ExchangeInfo:
    """The exchange ``exchange_id``; :class:`NotFoundError` (404) for an unknown id."""
    info = get_exchange_info(exchange_id)
    if info is None:
        raise NotFoundError(
            f"exchange {exchange_id!r} is not supported",
            "GET /api/v1/exchanges lists the supported exchanges (CCXT ids, e.g. binance)",
        )
    return info


def require_supported(exchange_id: str) -> ExchangeInfo:
    """Like :func:`get_exchange`, for an id given in a request body: :class:`InputError`
    (422) instead of 404."""
    info = get_exchange_info(exchange_id)
    if info is None:
        raise InputError(
            f"exchange {exchange_id!r} is not supported",
            "GET /api/v1/exchanges lists the supported exchanges (CCXT ids, e.g. binance)",
        )
    return info
