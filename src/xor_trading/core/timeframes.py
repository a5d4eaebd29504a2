"""Timeframes such as ``1m``, ``5m``, ``1h``, ``1d`` (CCXT spelling)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from xor_trading.core.errors import ConfigError

_UNIT_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_PATTERN = re.compile(r"([0-9]+)([smhdw])", re.ASCII)  # ASCII digits only: "²m" is not a count
MS_PER_YEAR = 365 * 86_400_000  # crypto trades every day of the year


@dataclass(frozen=True, slots=True)
class Timeframe:
    """A candle duration. ``Timeframe.parse("5m").ms == 300_000``."""

    text: str
    ms: int

    @classmethod
    def parse(cls, text: str) -> Timeframe:
        """Parse ``<count><unit>`` with unit one of s, m, h, d, w; raises ``ConfigError``."""
        t = text.strip()
        match = _PATTERN.fullmatch(t)
        if match is None or int(match[1]) <= 0:
            raise ConfigError(
                f"unknown timeframe {text!r}",
                "use a count and a unit, for example 1m, 5m, 15m, 1h, 4h or 1d",
            )
        count, unit = int(match[1]), match[2]
        return cls(text=f"{count}{unit}", ms=count * _UNIT_MS[unit])

    @property
    def periods_per_year(self) -> float:
        return MS_PER_YEAR / self.ms

    def __str__(self) -> str:
        return self.text
