"""Instrument catalogs: the precision rules of each market, as CCXT's ``load_markets`` gives them.

The simulated venue ships one catalog per exchange it imitates (``markets/<exchange>.json``);
the CCXT adapter will build the same :class:`Instrument` objects from ``exchange.markets``.
A catalog also states the exchange's commission convention, ``fee_asset``
(:func:`exchange_fee_asset`): ``received`` for Binance (a spot buy pays its commission in
the base asset unless BNB pays it), ``quote`` when the key is absent. Paper bots default to
it, so a paper bot pays what the same bot pays live.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from xor_trading.core.errors import UnknownSymbolError
from xor_trading.core.ids import Symbol
from xor_trading.domain.instruments import Instrument
from xor_trading.exchanges.simulated.commission import FeeAsset


@cache
def _document(exchange: str) -> dict[str, Any]:
    try:
        text = (
            resources.files("xor_trading.exchanges.simulated.markets")
            .joinpath(f"{exchange}.json")
            .read_text(encoding="utf-8")
        )
    except FileNotFoundError:
        raise UnknownSymbolError(
            f"no market catalog for exchange {exchange!r}",
            f"use one of: {', '.join(available_exchanges())}",
        ) from None
    document: dict[str, Any] = json.loads(text)
    return document


@cache
def _catalog(exchange: str) -> dict[str, Instrument]:
    raw = _document(exchange)
    quantum = Decimal(raw["fee_quantum"])
    return {
        m["symbol"]: Instrument(
            exchange=exchange,
            symbol=Symbol(m["symbol"]),
            base=m["base"],
            quote=m["quote"],
            tick_size=Decimal(m["tick_size"]),
            lot_size=Decimal(m["lot_size"]),
            min_qty=Decimal(m["min_qty"]),
            max_qty=Decimal(m["max_qty"]),
            min_notional=Decimal(m["min_notional"]),
            fee_quantum=quantum,
        )
        for m in raw["markets"]
    }


def available_exchanges() -> list[str]:
    root = resources.files("xor_trading.exchanges.simulated.markets")
    return sorted(p.name.removesuffix(".json") for p in root.iterdir() if p.name.endswith(".json"))


def load_instrument(exchange: str, symbol: str) -> Instrument:
    """The instrument for ``symbol`` (CCXT spelling, ``BTC/USDT``); raises UnknownSymbolError."""
    catalog = _catalog(exchange)
    try:
        return catalog[symbol.upper()]
    except KeyError:
        raise UnknownSymbolError(
            f"unknown symbol {symbol!r} on {exchange}",
            f"use one of: {', '.join(sorted(catalog))} (CCXT spelling BASE/QUOTE)",
        ) from None


def list_instruments(exchange: str) -> list[Instrument]:
    return list(_catalog(exchange).values())


def exchange_fee_asset(exchange: str) -> FeeAsset:
    """The asset ``exchange`` charges spot commissions in (its catalog's ``fee_asset``;
    ``quote`` when the catalog does not say). Raises UnknownSymbolError for no catalog."""
    return FeeAsset(_document(exchange).get("fee_asset", FeeAsset.QUOTE.value))
