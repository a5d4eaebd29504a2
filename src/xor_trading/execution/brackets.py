"""Protective exits (stop loss and take profit) attached to an entry order.

When an entry with a :class:`~xor_trading.domain.commands.Bracket` reaches a terminal state
having filled something, the engine places the exits for the filled quantity: a stop-market
order and a limit order on the opposite side, linked one-cancels-the-other (natively when the
venue supports OCO). Exit prices round **away** from the entry (a long's stop rounds down, its
target up), so rounding never tightens a protection the user asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xor_trading.core.precision import Rounding
from xor_trading.domain.commands import Bracket
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import OrderSide
from xor_trading.domain.values import Price

_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class BracketPrices:
    stop_loss: Price | None
    take_profit: Price | None


def bracket_prices(
    bracket: Bracket, entry_side: OrderSide, entry_price: Decimal, instrument: Instrument
) -> BracketPrices:
    """Stop and target prices for an entry filled at ``entry_price`` (average)."""
    long = entry_side is OrderSide.BUY
    stop = target = None
    if bracket.stop_loss_pct is not None:
        factor = (
            1 - bracket.stop_loss_pct / _HUNDRED if long else 1 + bracket.stop_loss_pct / _HUNDRED
        )
        stop = instrument.round_price(entry_price * factor, Rounding.DOWN if long else Rounding.UP)
    if bracket.take_profit_pct is not None:
        factor = (
            1 + bracket.take_profit_pct / _HUNDRED
            if long
            else 1 - bracket.take_profit_pct / _HUNDRED
        )
        target = instrument.round_price(
            entry_price * factor, Rounding.UP if long else Rounding.DOWN
        )
    return BracketPrices(stop, target)
