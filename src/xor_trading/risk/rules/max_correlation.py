"""A new position's returns correlate at most ``max_correlation`` with every open position's.

Pearson correlation of candle returns over the last ``correlation_window`` candles (see
risk/correlation.py). Only a **new** position is checked: adding to a symbol already held or
being entered passes. With too little common history (fewer than half the window, at least 10
returns) or a series that never moved, there is no correlation to check and the entry passes.
"""

from __future__ import annotations

from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.instruments import Instrument
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.rules.base import Denial
from xor_trading.risk.state import RiskState

__all__ = ["MaxCorrelation"]


class MaxCorrelation:
    rule = "max_correlation"

    def check(
        self, cmd: SubmitOrder, state: RiskState, config: RiskConfig, instrument: Instrument
    ) -> Denial | None:
        if state.is_open(cmd.symbol) or state.entry_quantity(cmd) <= 0:
            return None
        found = state.correlation(cmd.symbol, config.max_correlation)
        if found.highest is None or found.highest <= config.max_correlation:
            return None
        other = found.with_symbol or ""
        common = min(state.windows.count(cmd.symbol), state.windows.count(other))
        return Denial(
            self.rule,
            f"{cmd.symbol}: its returns correlate {found.highest:.2f} with the open position "
            f"{other} over the last {common} candles; max_correlation is "
            f"{config.max_correlation}",
        )
