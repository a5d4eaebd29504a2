"""Tradable instruments with the exchange's precision rules (CCXT market structure)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xor_trading.core.ids import Symbol
from xor_trading.core.precision import Rounding, round_to_increment
from xor_trading.domain.values import Price, Quantity


@dataclass(frozen=True, slots=True)
class Instrument:
    """A spot market such as BTC/USDT.

    ``tick_size`` (price increment), ``lot_size`` (quantity increment), ``min_qty`` and
    ``min_notional`` (in the quote currency) are the fields CCXT exposes as
    ``market["precision"]`` and ``market["limits"]``. ``fee_quantum`` is the smallest
    fee amount the venue books (Binance: 1e-8 of the quote asset).
    """

    exchange: str
    symbol: Symbol
    base: str
    quote: str
    tick_size: Decimal
    lot_size: Decimal
    min_qty: Decimal
    min_notional: Decimal
    max_qty: Decimal | None = None
    fee_quantum: Decimal = Decimal("0.00000001")

    def round_price(self, value: Decimal, rounding: Rounding) -> Price:
        return Price(round_to_increment(value, self.tick_size, rounding))

    def round_quantity_down(self, value: Decimal) -> Quantity:
        """Round down to the lot size: never buy or sell more than asked."""
        return Quantity(round_to_increment(value, self.lot_size, Rounding.DOWN))

    def round_fee(self, value: Decimal) -> Decimal:
        """Fees round up to the venue's quantum: the venue never books less than it charges."""
        return round_to_increment(value, self.fee_quantum, Rounding.UP)

    def quantity_for_notional(self, notional: Decimal, at_price: Decimal) -> Quantity:
        """The largest lot-size multiple whose value at ``at_price`` does not exceed ``notional``.

        Uses exact integer division (``//``), so the result never exceeds the stake.
        """
        lots = notional // (at_price * self.lot_size)
        return Quantity((lots * self.lot_size).quantize(self.lot_size))

    def check_order(self, qty: Decimal, at_price: Decimal) -> str | None:
        """Why an order of ``qty`` at about ``at_price`` breaks the venue's limits, or None."""
        if qty <= 0:
            return f"quantity {qty} is not positive"
        if qty % self.lot_size != 0:
            return f"quantity {qty} is not a multiple of the lot size {self.lot_size}"
        if qty < self.min_qty:
            return f"quantity {qty} is below the minimum {self.min_qty}"
        if self.max_qty is not None and qty > self.max_qty:
            return f"quantity {qty} is above the maximum {self.max_qty}"
        if qty * at_price < self.min_notional:
            return (
                f"order value {qty * at_price:f} {self.quote} is below the minimum "
                f"notional {self.min_notional} {self.quote}"
            )
        return None
