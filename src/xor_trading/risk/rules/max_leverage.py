"""All open positions, pending entries and this entry are worth at most ``max_leverage`` x equity.

Gross exposure: longs and shorts add up (a hedge is not netted), each valued at its last
mark; pending entries at their order price. An order that flips a position adds only the
part beyond the old position and the old position is still counted (conservative).
"""

from __future__ import annotations

from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.instruments import Instrument
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.rules.base import Denial, exceeds, percent_text
from xor_trading.risk.state import RiskState, order_price

__all__ = ["MaxLeverage"]


class MaxLeverage:
    rule = "max_leverage"

    def check(
        self, cmd: SubmitOrder, state: RiskState, config: RiskConfig, instrument: Instrument
    ) -> Denial | None:
        quantity = state.entry_quantity(cmd)
        price = order_price(cmd)
        if quantity <= 0 or price is None:
            return None
        new = float(quantity * price)
        total = state.gross_notional + state.pending_notional + new
        equity = state.equity
        limit = config.max_leverage
        if not exceeds(total, equity * float(limit)):
            return None
        quote = instrument.quote
        ratio = percent_text(total / equity, float(limit)) if equity > 0 else ""
        leverage = f"{ratio}x equity" if equity > 0 else "against equity"
        return Denial(
            self.rule,
            f"{cmd.symbol}: open positions {state.gross_notional:.2f} + pending entries "
            f"{state.pending_notional:.2f} + this entry {new:.2f} = {total:.2f} {quote}, "
            f"{leverage} {equity:.2f} {quote}; max_leverage is {limit}x",
        )
