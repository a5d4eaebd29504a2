"""What a backtest produces: closed trades, the equity curve, orders and metrics inputs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from xor_trading.timeseries.candle_frame import FloatArray, IntArray


@dataclass(frozen=True, slots=True)
class TradeRecord:
    """A round trip: a position opened and closed (or still open at the end of data).

    Prices are volume-weighted over the entry and exit fills. ``fees`` is the sum of entry and
    exit fees; ``pnl`` is net of fees: ``(exit_price - entry_price) * quantity * sign - fees``.
    ``exit_reason`` is one of ``signal``, ``stop_loss``, ``take_profit``, ``end_of_data``.
    """

    symbol: str
    side: str  # "long" or "short"
    entry_time_ms: int
    exit_time_ms: int
    entry_price: Decimal
    exit_price: Decimal
    quantity: Decimal
    fees: Decimal
    pnl: Decimal
    exit_reason: str

    @property
    def gross_pnl(self) -> Decimal:
        return self.pnl + self.fees

    @property
    def holding_ms(self) -> int:
        return self.exit_time_ms - self.entry_time_ms

    @property
    def return_pct(self) -> Decimal:
        """Net PnL over the entry value, in percent."""
        return self.pnl / (self.entry_price * self.quantity) * 100


@dataclass(frozen=True, slots=True)
class EquityCurve:
    """Account equity (quote currency, float for reporting) at each candle's close.

    ``ts_ms[i]`` is the **close** time of candle ``i``; ``in_position[i]`` tells whether a
    position was open at that close (for exposure).
    """

    ts_ms: IntArray
    equity: FloatArray
    in_position: np.ndarray  # bool array

    def __len__(self) -> int:
        return len(self.ts_ms)
