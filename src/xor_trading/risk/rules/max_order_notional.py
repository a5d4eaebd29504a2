"""An entry order's value (quantity x price) is at most ``max_order_notional`` (if set).

Compared exactly, in decimals: both sides are amounts of the quote currency.
"""

from __future__ import annotations

from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.instruments import Instrument
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.rules.base import Denial
from xor_trading.risk.state import RiskState, order_price

__all__ = ["MaxOrderNotional"]


class MaxOrderNotional:
    rule = "max_order_notional"

    def check(
        self, cmd: SubmitOrder, state: RiskState, config: RiskConfig, instrument: Instrument
    ) -> Denial | None:
        cap = config.max_order_notional
        price = order_price(cmd)
        if cap is None or price is None or state.entry_quantity(cmd) <= 0:
            return None
        value = cmd.quantity * price
        if value <= cap:
            return None
        return Denial(
            self.rule,
            f"{cmd.symbol}: order value {value:f} {instrument.quote} exceeds max_order_notional "
            f"{cap} {instrument.quote}",
        )
