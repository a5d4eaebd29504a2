"""At most ``max_open_positions`` symbols with a position or a pending entry.

Adding to a symbol already held (or being entered) opens no new position and passes.
"""

from __future__ import annotations

from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.instruments import Instrument
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.rules.base import Denial
from xor_trading.risk.state import RiskState

__all__ = ["MaxOpenPositions"]


class MaxOpenPositions:
    rule = "max_open_positions"

    def check(
        self, cmd: SubmitOrder, state: RiskState, config: RiskConfig, instrument: Instrument
    ) -> Denial | None:
        open_symbols = state.open_symbols()
        if len(open_symbols) < config.max_open_positions or state.is_open(cmd.symbol):
            return None
        if state.entry_quantity(cmd) <= 0:
            return None
        return Denial(
            self.rule,
            f"{cmd.symbol}: {len(open_symbols)} positions are already open or being entered; "
            f"max_open_positions is {config.max_open_positions}",
        )
