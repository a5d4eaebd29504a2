"""The exchange port: what the execution engine needs from any venue.

Implemented by the simulated venue (backtest and paper) and by the CCXT adapter (live).
Calls are fire-and-report: they return at once and the outcome arrives later as
:mod:`execution reports <xor_trading.execution.reports>` through the sink given to
:meth:`ExchangePort.connect`. A call that cannot know whether the venue received the
request raises :class:`~xor_trading.core.errors.UnknownOutcomeError`; the engine then
marks the order UNKNOWN, never failed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from xor_trading.core.ids import OrderId
from xor_trading.domain.orders import Order
from xor_trading.execution.reports import ExecutionReport
from xor_trading.execution.venue_state import VenueBalance, VenueOrder, VenueTrade

ReportSink = Callable[[ExecutionReport], None]


@dataclass(frozen=True, slots=True)
class VenueCapabilities:
    """Order features the venue supports natively (others are emulated by the engine)."""

    stop_market: bool = True
    stop_limit: bool = True
    oco: bool = True


class ExchangePort(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def capabilities(self) -> VenueCapabilities: ...

    def connect(self, sink: ReportSink) -> None:
        """Start delivering execution reports to ``sink``."""

    def submit_order(self, order: Order) -> None:
        """Send a new order (its id doubles as the client order id)."""

    def submit_oco(self, first: Order, second: Order) -> None:
        """Two orders, one-cancels-the-other: a fill or trigger of one cancels the other."""

    def cancel_order(self, order_id: OrderId) -> None:
        """Ask the venue to cancel; the outcome arrives as a report."""


class IntentJournal(Protocol):
    """Durable record of order intents, written before the venue hears of an order.

    The execution engine calls :meth:`record_intent` for every new order after it is in
    the cache and before the venue is called. An implementation writes the intent
    (``pending_submit``) in one committed transaction and checks in the same transaction
    that this process still owns the bot (the lease's fencing token). It raises
    :class:`~xor_trading.core.errors.SubmissionRefusedError` when it cannot: the engine
    then marks the order DENIED and never sends it.
    """

    def record_intent(self, order: Order) -> None: ...


class AccountQueryPort(Protocol):
    """Private read queries of a live venue account, for reconciliation (async).

    Every method either returns the venue's complete answer or raises; it never returns a
    partial or empty answer for a failed query (see :mod:`~xor_trading.execution.venue_state`).
    """

    async def fetch_order(self, symbol: str, client_order_id: str) -> VenueOrder | None:
        """The order with this client order id, or ``None`` when the venue says it has none.

        ``None`` is inconclusive right after a submission (Binance answers queries from
        "Memory => Database"): reconciliation decides when "not found" becomes final.
        """
        ...

    async def fetch_order_by_venue_id(self, symbol: str, venue_order_id: str) -> VenueOrder | None:
        """The order with this venue order id (its client order id tells whose it is), or
        ``None`` when the venue says it has none."""
        ...

    async def fetch_open_orders(self, symbols: Sequence[str]) -> list[VenueOrder]: ...

    async def fetch_trades_since(self, symbol: str, since_ms: int) -> list[VenueTrade]:
        """Every execution of the account on ``symbol`` at or after ``since_ms``, oldest
        first, all pages."""
        ...

    async def fetch_balances(self) -> list[VenueBalance]: ...
