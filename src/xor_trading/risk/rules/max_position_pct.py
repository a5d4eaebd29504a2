"""One symbol's position, after this entry, is worth at most ``max_position_pct`` of equity.

The value after the entry is what is already held on the same side (marked at the last
close), plus entries still pending in the symbol, plus this entry's added quantity at its
price. An order that flips a position counts only the part beyond the old position.
"""

from __future__ import annotations

from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.instruments import Instrument
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.rules.base import Denial, exceeds, percent_text
from xor_trading.risk.state import RiskState, order_price

__all__ = ["MaxPositionPct"]


class MaxPositionPct:
    rule = "max_position_pct"

    def check(
        self, cmd: SubmitOrder, state: RiskState, config: RiskConfig, instrument: Instrument
    ) -> Denial | None:
        quantity = state.entry_quantity(cmd)
        price = order_price(cmd)
        if quantity <= 0 or price is None:
            return None
        value = state.symbol_exposure(cmd.symbol, cmd.side) + float(quantity * price)
        equity = state.equity
        limit = config.max_position_pct
        if not exceeds(value, equity * float(limit) / 100):
            return None
        quote = instrument.quote
        if equity <= 0:
            return Denial(
                self.rule,
                f"{cmd.symbol}: equity is {equity:.2f} {quote}, so no position fits within "
                f"max_position_pct {limit} %",
            )
        return Denial(
            self.rule,
            f"{cmd.symbol}: the position would be worth {value:.2f} {quote}, "
            f"{percent_text(value / equity * 100, float(limit))} % of equity {equity:.2f} {quote}; "
            f"max_position_pct is {limit} %",
        )
