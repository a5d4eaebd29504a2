"""The venue's own limits: lot, tick, minimum and maximum quantity, minimum notional.

Checked on **every** order, exits included, and even with the risk limits turned off: the
venue would refuse such an order anyway, and refusing it here gives a reason instead of a
rejection. This is the one rule that can refuse an exit; it never refuses an exit that the
venue would accept.

Nothing is rounded here: a quantity off the lot grid or a price off the tick grid is refused,
not silently changed, because a changed order is not what the strategy meant. The sizing
functions (risk/sizing.py) and ``Instrument.round_*`` round **before** the order is sent.

Denials carry the limit they break: ``lot_size`` (quantity not positive, not a lot multiple,
below ``min_qty`` or above ``max_qty``), ``tick_size`` (a limit or stop price not a positive
tick multiple), ``min_notional`` (value at the order's price below the venue minimum).
"""

from __future__ import annotations

from decimal import Decimal

from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import OrderType
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.rules.base import Denial
from xor_trading.risk.state import RiskState, order_price

__all__ = ["ExchangeMinimums"]

_UNPRICED = Decimal("Infinity")  # without a price only the quantity limits can be checked
_STOP_TYPES = (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)


class ExchangeMinimums:
    rule = "exchange_minimums"

    def check(
        self, cmd: SubmitOrder, state: RiskState, config: RiskConfig, instrument: Instrument
    ) -> Denial | None:
        for name, price in (("limit", cmd.limit_price), ("stop", cmd.stop_price)):
            if price is None or (name == "stop" and cmd.order_type not in _STOP_TYPES):
                continue  # a stop_price on a market or limit order is a protective level only
            if price <= 0 or price % instrument.tick_size != 0:
                return Denial(
                    "tick_size",
                    f"{cmd.symbol}: {name} price {price} is not a positive multiple of the tick "
                    f"size {instrument.tick_size}",
                )
        price = order_price(cmd)
        problem = instrument.check_order(cmd.quantity, _UNPRICED if price is None else price)
        if problem is None:
            return None
        rule = "min_notional" if "notional" in problem else "lot_size"
        return Denial(rule, f"{cmd.symbol}: {problem}")
