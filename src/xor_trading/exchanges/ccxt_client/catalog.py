"""The exchanges CCXT supports, with their capabilities, built once per process.

Building the catalog instantiates every CCXT exchange class (about 100, plus the
``ccxt.pro`` WebSocket classes): about 1.2 s on the reference machine, so it is built on
first use and cached for the life of the process (:func:`exchange_catalog`);
:func:`last_build_seconds` says how long it took.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import ccxt  # type: ignore[import-untyped]  # no stubs; this package wraps it
import ccxt.pro  # type: ignore[import-untyped]

__all__ = ["ExchangeInfo", "exchange_catalog", "get_exchange_info", "last_build_seconds"]


@dataclass(frozen=True, slots=True)
class ExchangeInfo:
    """What one exchange supports through CCXT. A capability CCXT emulates counts as
    supported; ``timeframes`` are CCXT's names (``1m``, ``1h``...), in the venue's order."""

    id: str
    name: str
    spot: bool
    futures: bool  # perpetual swaps or dated futures
    sandbox: bool  # a test network the venue offers
    fetch_ohlcv: bool
    watch_ohlcv: bool  # streaming candles (ccxt.pro)
    create_order: bool
    cancel_order: bool
    fetch_my_trades: bool
    timeframes: tuple[str, ...]
    url: str | None


def _supported(has: dict[str, Any], name: str) -> bool:
    return bool(has.get(name))  # True or "emulated"; False and None are unsupported


def _www(urls: dict[str, Any]) -> str | None:
    www = urls.get("www")
    if isinstance(www, list):
        www = www[0] if www else None
    return www if isinstance(www, str) else None


def _describe(exchange_id: str, pro_ids: frozenset[str]) -> ExchangeInfo:
    exchange = getattr(ccxt, exchange_id)()
    has: dict[str, Any] = exchange.has
    watch = False
    if exchange_id in pro_ids:
        watch = _supported(getattr(ccxt.pro, exchange_id)().has, "watchOHLCV")
    return ExchangeInfo(
        id=exchange_id,
        name=str(exchange.name or exchange_id),
        spot=_supported(has, "spot"),
        futures=_supported(has, "swap") or _supported(has, "future"),
        sandbox=bool(exchange.urls.get("test")),
        fetch_ohlcv=_supported(has, "fetchOHLCV"),
        watch_ohlcv=watch,
        create_order=_supported(has, "createOrder"),
        cancel_order=_supported(has, "cancelOrder"),
        fetch_my_trades=_supported(has, "fetchMyTrades"),
        timeframes=tuple(exchange.timeframes or {}),
        url=_www(exchange.urls),
    )


class _Cache:
    """The catalog of this process, built by the first caller (others wait for it)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_id: dict[str, ExchangeInfo] | None = None
        self.build_seconds: float | None = None

    def get(self) -> dict[str, ExchangeInfo]:
        with self.lock:
            if self.by_id is None:
                started = time.perf_counter()
                pro_ids = frozenset(ccxt.pro.exchanges)
                self.by_id = {eid: _describe(eid, pro_ids) for eid in sorted(ccxt.exchanges)}
                self.build_seconds = time.perf_counter() - started
            return self.by_id


_cache = _Cache()


def last_build_seconds() -> float | None:
    """How long building the catalog took in this process (``None``: not built yet)."""
    return _cache.build_seconds


def exchange_catalog() -> tuple[ExchangeInfo, ...]:
    """Every exchange, sorted by id (built on the first call, then cached)."""
    return tuple(_cache.get().values())


def get_exchange_info(exchange_id: str) -> ExchangeInfo | None:
    """The exchange ``exchange_id`` (a CCXT id such as ``binance``), or ``None``."""
    if exchange_id not in ccxt.exchanges:  # no catalog build for an unknown id
        return None
    return _cache.get()[exchange_id]
