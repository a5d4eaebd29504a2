"""The execution engine's memory of orders: every order it ever created, by id."""

from __future__ import annotations

from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.orders import Order


class OrderCache:
    def __init__(self) -> None:
        self._orders: dict[OrderId, Order] = {}

    def add(self, order: Order) -> None:
        if order.order_id in self._orders:
            raise ValueError(f"duplicate order id {order.order_id}")
        self._orders[order.order_id] = order

    def get(self, order_id: OrderId) -> Order | None:
        return self._orders.get(order_id)

    def __len__(self) -> int:
        return len(self._orders)

    def all(self) -> list[Order]:
        return list(self._orders.values())

    def open_orders(self, symbol: Symbol | None = None) -> list[Order]:
        return [
            o
            for o in self._orders.values()
            if o.status.is_open and (symbol is None or o.symbol == symbol)
        ]
