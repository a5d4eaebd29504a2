"""Timeframes such as ``1m``, ``5m``, ``1h``, ``1d`` (CCXT spelling)."""

from __future__ import annotations

from dataclasses import dataclass

from xor_trading.core.errors import ConfigError

_UNIT_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
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
        unit = t[-1:]
        count = t[:-1]
        if unit not in _UNIT_MS or not count.isdigit() or int(count) <= 0:
            raise ConfigError(
                f"unknown timeframe {text!r}",
                "use a count and a unit, for example 1m, 5m, 15m, 1h, 4h or 1d",
            )
        return cls(text=f"{int(count)}{unit}", ms=int(count) * _UNIT_MS[unit])

    @property
    def periods_per_year(self) -> float:
        return MS_PER_YEAR / self.ms

    def __str__(self) -> str:
        return self.text
