"""The outcome of one backtest run, whichever path produced it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import overload

from xor_trading.backtest.results import EquityCurve, TradeRecord
from xor_trading.domain.orders import Order
from xor_trading.risk.engine import RiskJournalEntry


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An order as the orders report shows it."""

    order_id: str
    created_ms: int
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    limit_price: Decimal | None
    stop_price: Decimal | None
    status: str
    filled_qty: Decimal
    average_price: Decimal | None
    fees: Decimal
    tag: str
    reason: str

    @classmethod
    def from_order(cls, o: Order) -> OrderRecord:
        return cls(
            o.order_id,
            o.created_ms,
            o.symbol,
            o.side.value,
            o.order_type.value,
            o.quantity,
            o.limit_price,
            o.stop_price,
            o.status.value,
            o.filled_qty,
            o.average_fill_price,
            o.fees,
            o.tag,
            o.reason,
        )


class OrderRecords(Sequence[OrderRecord]):
    """The event path's orders as records, converted on first access (not in the timed run)."""

    def __init__(self, orders: list[Order]) -> None:
        self._orders = orders
        self._records: list[OrderRecord] | None = None

    def _all(self) -> list[OrderRecord]:
        if self._records is None:
            self._records = [OrderRecord.from_order(o) for o in self._orders]
        return self._records

    def __len__(self) -> int:
        return len(self._orders)

    @overload
    def __getitem__(self, i: int) -> OrderRecord: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[OrderRecord]: ...

    def __getitem__(self, i: int | slice) -> OrderRecord | Sequence[OrderRecord]:
        return self._all()[i]

    def __iter__(self) -> Iterator[OrderRecord]:
        return iter(self._all())


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """``trades`` is any sequence of TradeRecord (the fast path materialises them lazily)."""

    trades: Sequence[TradeRecord]
    curve: EquityCurve
    orders: Sequence[OrderRecord]
    denials: int
    final_balance: Decimal
    path: str
    risk_journal: Sequence[RiskJournalEntry] = ()
