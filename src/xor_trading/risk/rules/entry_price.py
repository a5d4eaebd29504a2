"""An entry must carry a price to be valued at (limit, stop-market trigger or reference price).

Every limit in percent of equity needs the entry's value. A market entry without a
``reference_price`` cannot be valued, so it is refused rather than let through unchecked
(strategies built on ``Strategy.submit`` always send one). Exits pass.
"""

from __future__ import annotations

from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.instruments import Instrument
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.rules.base import Denial
from xor_trading.risk.state import RiskState, order_price

__all__ = ["EntryPrice"]


class EntryPrice:
    rule = "entry_price"

    def check(
        self, cmd: SubmitOrder, state: RiskState, config: RiskConfig, instrument: Instrument
    ) -> Denial | None:
        if order_price(cmd) is not None or state.entry_quantity(cmd) <= 0:
            return None
        return Denial(
            self.rule,
            f"{cmd.symbol}: the entry has no limit price, stop price or reference price, so its "
            "value cannot be checked against the risk limits; send the last price as "
            "reference_price",
        )
