"""The exchange port: what the execution engine needs from any venue.

Implemented by the simulated venue (backtest and paper) and by the CCXT adapter (live).
Calls are fire-and-report: they return at once and the outcome arrives later as
:mod:`execution reports <xor_trading.execution.reports>` through the sink given to
:meth:`ExchangePort.connect`. A call that cannot know whether the venue received the
request raises :class:`~xor_trading.core.errors.UnknownOutcomeError`; the engine then
marks the order UNKNOWN, never failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from xor_trading.core.ids import OrderId
from xor_trading.domain.orders import Order
from xor_trading.execution.reports import ExecutionReport

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
