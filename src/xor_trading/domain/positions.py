"""Net positions with exact cost basis and PnL.

Conventions (docs/architecture.md, "Accounting"):

* ``quantity`` is signed: positive long, negative short, zero flat.
* ``cost_basis`` is the signed quote value of the open quantity at its entry prices
  (``sum(price * signed quantity)``); it is exact. ``avg_entry`` is derived from it, for display
  and for placing stops.
* A fill that reduces the position releases the closed share of the cost basis, rounded to
  :data:`RELEASE_QUANTUM` (1e-12 of the quote currency; a share such as 1/3 does not
  terminate), and realises ``proceeds - released cost``. When the position closes completely
  the whole remaining cost basis is released, so the rounding is absorbed and a round trip
  realises exactly ``sells - buys``: money is never lost or invented. Every amount keeps a
  bounded number of decimals, so ledger sums stay exact.
* A fill that crosses zero closes the position, then opens the rest at the fill price.
* Fees are accumulated separately and are **not** included in ``realized_pnl``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xor_trading.core.ids import Symbol
from xor_trading.domain.fills import Fill
from xor_trading.domain.values import ZERO

RELEASE_QUANTUM = Decimal("1e-12")


@dataclass(slots=True)
class Position:
    symbol: Symbol
    quantity: Decimal = ZERO
    cost_basis: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    opened_ms: int | None = None

    @property
    def is_flat(self) -> bool:
        return self.quantity == 0

    @property
    def avg_entry(self) -> Decimal:
        """Average entry price (positive); zero when flat."""
        return self.cost_basis / self.quantity if self.quantity else ZERO

    def unrealized_pnl(self, mark: Decimal) -> Decimal:
        return mark * self.quantity - self.cost_basis

    def apply(self, fill: Fill) -> Decimal:
        """Apply a fill; returns the PnL it realised (zero for an increase)."""
        signed = fill.quantity * fill.side.sign
        self.fees += fill.fee
        if self.quantity == 0 or (self.quantity > 0) == (signed > 0):
            if self.quantity == 0:
                self.opened_ms = fill.ts_ms
            self.quantity += signed
            self.cost_basis += fill.price * signed
            return ZERO
        held = abs(self.quantity)
        closing = min(abs(signed), held)
        direction = 1 if self.quantity > 0 else -1
        if closing == held:
            released = self.cost_basis
        else:
            released = (self.cost_basis * closing / held).quantize(RELEASE_QUANTUM)
        realized = fill.price * closing * direction - released
        self.realized_pnl += realized
        self.cost_basis -= released
        self.quantity -= closing * direction
        if self.quantity == 0:
            self.cost_basis = ZERO
            self.opened_ms = None
            remainder = abs(signed) - closing
            if remainder > 0:  # crossed through zero: the rest opens a new position
                self.quantity = remainder * (1 if signed > 0 else -1)
                self.cost_basis = fill.price * self.quantity
                self.opened_ms = fill.ts_ms
        return realized
