"""What a reconciliation run found, and what the caller must do about it.

``status`` decides (see :mod:`~xor_trading.execution.reconciliation` for the rules):

* ``RECONCILED``: local orders, fills and holdings equal the venue's. Persist the new trade
  cursors; the bot may trade.
* ``ALIGNED``: they were different and were made equal by the ``synthetic_fills`` (policy
  allowed it). Audit every synthetic fill, persist the cursors; the bot may trade.
* ``MISMATCH``: they differ and were not aligned. Halt the bot and alert an operator.
* ``INCOMPLETE``: a query failed, the venue did not report something, or an order is still
  UNKNOWN. Keep the bot from trading and run again later; the cursors are unchanged.

Quantities are exact ``Decimal`` in the asset's units; times are UTC epoch milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.fills import Fill
from xor_trading.execution.venue_state import VenueOrder, VenueTrade

RECONCILIATION_TAG = "RECONCILIATION"


class ReconciliationStatus(Enum):
    RECONCILED = "reconciled"
    ALIGNED = "aligned"
    MISMATCH = "mismatch"
    INCOMPLETE = "incomplete"

    @property
    def may_trade(self) -> bool:
        """Whether the bot may send orders after a run that ended so."""
        return self in (ReconciliationStatus.RECONCILED, ReconciliationStatus.ALIGNED)


@dataclass(frozen=True, slots=True)
class AssetDifference:
    """The venue holds ``venue`` of ``asset`` where the bot expected ``local``."""

    asset: str
    local: Decimal
    venue: Decimal

    @property
    def delta(self) -> Decimal:
        """What must be added to the local view to match the venue."""
        return self.venue - self.local


@dataclass(frozen=True, slots=True)
class FillGap:
    """The venue says the order filled ``venue_filled``; its known trades add up to less."""

    order_id: OrderId
    local_filled: Decimal
    venue_filled: Decimal


@dataclass(frozen=True, slots=True)
class SyntheticFill:
    """A fill the reconciler booked to match the venue, tagged ``RECONCILIATION``; audit it.

    ``order_id`` is the local order it completed, or ``None`` for a position alignment.
    """

    fill: Fill
    order_id: OrderId | None
    reason: str
    tag: str = RECONCILIATION_TAG


@dataclass(frozen=True, slots=True)
class ReconciliationResult:
    status: ReconciliationStatus
    trade_cursors_ms: dict[Symbol, int]
    reasons: tuple[str, ...] = ()
    reports_applied: int = 0
    resolved_orders: tuple[OrderId, ...] = ()
    unresolved_orders: tuple[OrderId, ...] = ()
    vanished_orders: tuple[OrderId, ...] = ()
    foreign_orders: tuple[VenueOrder, ...] = ()
    foreign_trades: tuple[VenueTrade, ...] = ()
    fill_gaps: tuple[FillGap, ...] = ()
    differences: tuple[AssetDifference, ...] = ()
    unreported_assets: tuple[str, ...] = ()
    synthetic_fills: tuple[SyntheticFill, ...] = ()
    sibling_trades: tuple[VenueTrade, ...] = ()  # other bots' trades on this account (ignored)
