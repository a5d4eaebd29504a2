"""Net positions with average entry price and exact PnL.

Conventions (documented in docs/architecture.md, "Accounting"):

* ``quantity`` is signed: positive long, negative short, zero flat.
* Fills that increase the position move the average entry price (volume-weighted).
* Fills that reduce it realise ``(exit - avg_entry) * closed_qty * sign`` of PnL; the
  average entry is unchanged. A fill that crosses zero closes, then opens the rest.
* Fees are accumulated separately and are **not** included in ``realized_pnl``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xor_trading.core.ids import Symbol
from xor_trading.domain.fills import Fill
from xor_trading.domain.values import ZERO


@dataclass(slots=True)
class Position:
    symbol: Symbol
    quantity: Decimal = ZERO
    avg_entry: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    opened_ms: int | None = None

    @property
    def is_flat(self) -> bool:
        return self.quantity == 0

    @property
    def cost_basis(self) -> Decimal:
        """Quote currency tied in the open position at its entry price (signed)."""
        return self.quantity * self.avg_entry

    def unrealized_pnl(self, mark: Decimal) -> Decimal:
        return (mark - self.avg_entry) * self.quantity

    def apply(self, fill: Fill) -> Decimal:
        """Apply a fill; returns the PnL it realised (zero for an increase)."""
        signed = fill.quantity * fill.side.sign
        self.fees += fill.fee
        realized = ZERO
        if self.quantity == 0 or (self.quantity > 0) == (signed > 0):
            new_qty = self.quantity + signed
            self.avg_entry = (
                self.avg_entry * abs(self.quantity) + fill.price * fill.quantity
            ) / abs(new_qty)
            if self.quantity == 0:
                self.opened_ms = fill.ts_ms
            self.quantity = new_qty
            return realized
        closing = min(abs(signed), abs(self.quantity))
        direction = 1 if self.quantity > 0 else -1
        realized = (fill.price - self.avg_entry) * closing * direction
        self.realized_pnl += realized
        remainder = abs(signed) - closing
        self.quantity += closing * (-direction)
        if self.quantity == 0:
            self.avg_entry = ZERO
            self.opened_ms = None
        if remainder > 0:  # crossed through zero: the rest opens a new position
            self.quantity = remainder * (1 if signed > 0 else -1)
            self.avg_entry = fill.price
            self.opened_ms = fill.ts_ms
        return realized
