"""Read everything reconciliation needs from the venue before anything is changed locally.

All queries run first; the first one that fails raises (the port never returns a partial
answer), so a run either has the complete picture or applies nothing. Times are UTC epoch
milliseconds; ``trades`` are oldest first, each trade id once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field

from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.orders import Order
from xor_trading.execution.ports import AccountQueryPort
from xor_trading.execution.venue_state import VenueBalance, VenueOrder, VenueTrade


@dataclass(frozen=True, slots=True)
class VenueSnapshot:
    """``orders`` maps each local order asked about to the venue's order (``None``: not found);
    ``trade_owners`` the client order id of each venue order that owns a trade read and is
    not known locally (``None``: the venue does not show it), when asked for."""

    open_orders: tuple[VenueOrder, ...]
    orders: dict[OrderId, VenueOrder | None]
    trades: dict[Symbol, tuple[VenueTrade, ...]]
    balances: tuple[VenueBalance, ...] | None
    trade_owners: dict[str, str | None] = field(default_factory=dict)


async def read_venue_snapshot(
    account: AccountQueryPort,
    local_orders: Iterable[Order],
    client_order_id: Callable[[OrderId], str],
    trade_cursors_ms: Mapping[Symbol, int],
    with_balances: bool,
    known_venue_order_ids: Collection[str] | None = None,
) -> VenueSnapshot:
    """Open orders, the venue's view of each local order, trades since each cursor, balances.

    A local order listed among the open orders is taken from there; every other one is
    queried by its client order id (never by a re-send). With ``known_venue_order_ids``
    (the venue ids of every order the caller knows), the owner of each trade on another
    venue order is looked up: among the open orders, else queried by venue order id (one
    query per order, not per trade). Raises whatever the port raises.
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
    owners: dict[str, str | None] = {}
    if known_venue_order_ids is not None:
        known = set(known_venue_order_ids)
        known.update(v.venue_order_id for v in truth.values() if v is not None)
        open_by_venue_id = {v.venue_order_id: v.client_order_id for v in open_orders}
        for symbol, symbol_trades in trades.items():
            for trade in symbol_trades:
                venue_id = trade.venue_order_id
                if venue_id in known or venue_id in owners:
                    continue
                if venue_id in open_by_venue_id:
                    owners[venue_id] = open_by_venue_id[venue_id]
                    continue
                found = await account.fetch_order_by_venue_id(symbol, venue_id)
                owners[venue_id] = None if found is None else found.client_order_id
    balances = tuple(await account.fetch_balances()) if with_balances else None
    return VenueSnapshot(open_orders, truth, trades, balances, owners)
