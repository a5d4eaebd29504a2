"""An entry risks at most ``max_risk_per_trade_pct`` of equity down to its stop.

The stop is, in this order:

1. the command's bracket: ``bracket.stop_loss_pct`` of the entry price;
2. ``cmd.stop_price`` on a **market or limit** entry, when it lies on the protective side (below
   a buy's price, above a sell's). On a stop-market or stop-limit order ``stop_price`` is the
   entry's own trigger, never a stop loss.

Risk = added quantity x |price - stop|. **Without a stop the whole order value is at risk**:
a strategy that sends no stop can therefore enter at most ``max_risk_per_trade_pct`` of
equity per trade (2 % by default), however large ``max_position_pct`` is. This is deliberate:
a position without a stop can lose all of it.
"""

from __future__ import annotations

from decimal import Decimal

from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.rules.base import Denial, exceeds, percent_text
from xor_trading.risk.state import RiskState, order_price

__all__ = ["MaxRiskPerTradePct", "protective_stop"]

_HUNDRED = Decimal(100)


def protective_stop(cmd: SubmitOrder, price: Decimal) -> Decimal | None:
    """The stop-loss price the entry ``cmd`` at ``price`` comes with, or None."""
    if cmd.bracket is not None and cmd.bracket.stop_loss_pct is not None:
        distance = price * min(cmd.bracket.stop_loss_pct, _HUNDRED) / _HUNDRED
        return price - distance if cmd.side is OrderSide.BUY else price + distance
    stop = cmd.stop_price
    if stop is None or cmd.order_type not in (OrderType.MARKET, OrderType.LIMIT):
        return None
    protective = stop < price if cmd.side is OrderSide.BUY else stop > price
    return stop if protective else None


class MaxRiskPerTradePct:
    rule = "max_risk_per_trade_pct"

    def check(
        self, cmd: SubmitOrder, state: RiskState, config: RiskConfig, instrument: Instrument
    ) -> Denial | None:
        quantity = state.entry_quantity(cmd)
        price = order_price(cmd)
        if quantity <= 0 or price is None:
            return None
        bracket_pct = cmd.bracket.stop_loss_pct if cmd.bracket is not None else None
        if bracket_pct is not None:
            # Floats on the hot path; the exact stop price is worked out only for a denial.
            risk = float(quantity * price) * min(float(bracket_pct), 100.0) / 100
        else:
            stop = protective_stop(cmd, price)
            risk = float(quantity * (price if stop is None else abs(price - stop)))
        equity = state.equity
        limit = config.max_risk_per_trade_pct
        if not exceeds(risk, equity * float(limit) / 100):
            return None
        return Denial(self.rule, _sentence(cmd, price, risk, equity, limit, instrument.quote))


def _sentence(
    cmd: SubmitOrder, price: Decimal, risk: float, equity: float, limit: Decimal, quote: str
) -> str:
    stop = protective_stop(cmd, price)
    if equity > 0:
        share = f"{percent_text(risk / equity * 100, float(limit))} % of equity"
    else:
        share = "equity"
    if stop is None:
        return (
            f"{cmd.symbol}: the entry has no stop loss, so its whole value {risk:.2f} {quote} "
            f"is at risk ({share} {equity:.2f} {quote}); max_risk_per_trade_pct is {limit} %: "
            "attach a stop loss or enter less"
        )
    return (
        f"{cmd.symbol}: the entry risks {risk:.2f} {quote} down to its stop at {stop:f} "
        f"({share} {equity:.2f} {quote}); max_risk_per_trade_pct is {limit} %"
    )
