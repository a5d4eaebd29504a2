"""Checks of a market-data request against what a venue offers, before anything is fetched.

Each check raises one clear error: an exchange CCXT does not know (``InputError``), a
timeframe the venue does not serve (``ConfigError``), a market the venue does not list
(``UnknownSymbolError``), a venue that cannot be reached (``RetryableError``).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

import ccxt  # type: ignore[import-untyped]  # no stubs; this package wraps it

from xor_trading.core.errors import ConfigError, InputError, RetryableError, UnknownSymbolError
from xor_trading.core.timeframes import Timeframe

__all__ = ["check_exchange_id", "check_markets_listed", "check_timeframe_served"]


def check_exchange_id(exchange_id: str) -> None:
    """Raise ``InputError`` unless CCXT knows ``exchange_id`` (``binance``, ``kraken``...)."""
    if exchange_id in ccxt.exchanges:
        return
    close = difflib.get_close_matches(exchange_id.lower(), ccxt.exchanges, n=3)
    hint = f"did you mean {', '.join(close)}?" if close else "use a CCXT exchange id"
    raise InputError(
        f"exchange {exchange_id!r} is not known to CCXT",
        f"{hint} GET /api/v1/exchanges lists the supported exchanges",
    )


def check_timeframe_served(client: Any, timeframe: Timeframe) -> None:
    """Raise ``ConfigError`` if the venue has no candles of ``timeframe``."""
    served = list(getattr(client, "timeframes", None) or {})
    if served and timeframe.text not in served:
        raise ConfigError(
            f"{client.id} has no {timeframe} candles",
            f"use one of {', '.join(served)}",
        )


async def check_markets_listed(client: Any, symbols: Sequence[str]) -> None:
    """Load the venue's markets; raise ``UnknownSymbolError`` for any it does not list."""
    try:
        markets = await client.load_markets()
    except ccxt.NetworkError as exc:
        raise RetryableError(
            f"could not load the markets of {client.id} ({type(exc).__name__})",
            "check the network and the venue's status, then run again",
        ) from exc
    missing = [s for s in symbols if s not in markets]
    if missing:
        close = difflib.get_close_matches(missing[0].upper(), list(markets), n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise UnknownSymbolError(
            f"{client.id} does not list {', '.join(missing)}",
            f"{hint}write markets as BASE/QUOTE, e.g. BTC/USDT",
        )
