"""Read everything reconciliation needs from the venue before anything is changed locally.

All queries run first; the first one that fails raises (the port never returns a partial
answer), so a run either has the complete picture or applies nothing. Times are UTC epoch
milliseconds; ``trades`` are oldest first, each trade id once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.orders import Order
from xor_trading.execution.ports import AccountQueryPort
from xor_trading.execution.venue_state import VenueBalance, VenueOrder, VenueTrade


@dataclass(frozen=True, slots=True)
class VenueSnapshot:
    """``orders`` maps each local order asked about to the venue's order (``None``: not found)."""

    open_orders: tuple[VenueOrder, ...]
    orders: dict[OrderId, VenueOrder | None]
    trades: dict[Symbol, tuple[VenueTrade, ...]]
    balances: tuple[VenueBalance, ...] | None


async def read_venue_snapshot(
    account: AccountQueryPort,
    local_orders: Iterable[Order],
    client_order_id: Callable[[OrderId], str],
    trade_cursors_ms: Mapping[Symbol, int],
    with_balances: bool,
) -> VenueSnapshot:
    """Open orders, the venue's view of each local order, trades since each cursor, balances.

    A local order listed among the open orders is taken from there; every other one is
    queried by its client order id (never by a re-send). Raises whatever the port raises.
    """
    orders = list(local_orders)
    symbols = sorted({o.symbol for o in orders} | set(trade_cursors_ms))
    open_orders = tuple(await account.fetch_open_orders(symbols)) if symbols else ()
    open_by_client_id = {v.client_order_id: v for v in open_orders}
    truth: dict[OrderId, VenueOrder | None] = {}
    for order in orders:
        cid = client_order_id(order.order_id)
        found = open_by_client_id.get(cid)
        truth[order.order_id] = (
            found if found is not None else await account.fetch_order(order.symbol, cid)
        )
    trades: dict[Symbol, tuple[VenueTrade, ...]] = {}
    for symbol, since_ms in sorted(trade_cursors_ms.items()):
        unique = {t.trade_id: t for t in await account.fetch_trades_since(symbol, since_ms)}
        trades[symbol] = tuple(sorted(unique.values(), key=lambda t: (t.ts_ms, t.trade_id)))
    balances = tuple(await account.fetch_balances()) if with_balances else None
    return VenueSnapshot(open_orders, truth, trades, balances)
