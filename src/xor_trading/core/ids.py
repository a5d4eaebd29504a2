"""Typed identifiers. Plain strings at run time, distinct types for mypy."""

from __future__ import annotations

import itertools
from typing import NewType

OrderId = NewType("OrderId", str)
VenueOrderId = NewType("VenueOrderId", str)
TradeId = NewType("TradeId", str)
StrategyId = NewType("StrategyId", str)
Symbol = NewType("Symbol", str)  # CCXT unified symbol, e.g. "BTC/USDT"


class IdGenerator:
    """Deterministic sequential ids (``O-1``, ``O-2``...), so backtests are reproducible."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._counter = itertools.count(1)

    def next(self) -> str:
        return f"{self._prefix}-{next(self._counter)}"
