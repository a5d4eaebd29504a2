"""The orders implied by the fast path's trades, in the same form as the event path's.

The fast path simulates positions, not order objects; the orders report is rebuilt from its
trades and from the few order facts the compiled loop records (order numbers, entries the
venue rejected, an entry still waiting when the data ended): per round trip, the market
entry, the stop and target legs (filled, canceled or rejected) and the market exit. Built on
first access only (a 1M-candle benchmark never pays for it). The differential test requires
this list to equal the event path's orders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from functools import cached_property
from typing import overload

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.results import TradeRecord
from xor_trading.backtest.run_result import OrderRecord
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import OrderSide
from xor_trading.execution.brackets import bracket_prices
from xor_trading.timeseries.candle_frame import IntArray

_OCO_DONE = "other leg of the OCO executed"
_CANCELED = "canceled by request"
_ZERO = Decimal(0)

# (created_ms, quantity, order number)
PendingOrder = tuple[int, Decimal, int]


def _market(
    order_id: str,
    created_ms: int,
    symbol: str,
    side: str,
    qty: Decimal,
    tag: str,
    filled_at: Decimal | None = None,
    fee: Decimal = _ZERO,
    status: str = "filled",
    reason: str = "",
) -> OrderRecord:
    """A market order: filled at ``filled_at`` with ``fee``, or ended unfilled with ``status``."""
    filled = filled_at is not None
    return OrderRecord(
        order_id, created_ms, symbol, side, "market", qty, None, None,
        "filled" if filled else status, qty if filled else _ZERO, filled_at,
        fee if filled else _ZERO, tag, reason,
    )  # fmt: skip


class FastPathOrders(Sequence[OrderRecord]):
    def __init__(
        self,
        trades: Sequence[TradeRecord],
        instrument: Instrument,
        config: BacktestConfig,
        order_numbers: tuple[IntArray, IntArray],
        rejected: list[PendingOrder],
        pending_at_end: PendingOrder | None,
        signal_close_ms: Callable[[int], int],
    ) -> None:
        """``signal_close_ms(t)``: close time of the candle before the one opening at ``t`` -
        when a market order that filled at ``t`` was sent (they differ across data gaps)."""
        self._signal_close_ms = signal_close_ms
        self._trades = trades
        self._inst = instrument
        self._config = config
        self._entry_no, self._exit_no = order_numbers
        self._rejected = rejected
        self._pending_at_end = pending_at_end

    @cached_property
    def _orders(self) -> list[OrderRecord]:
        symbol = self._inst.symbol
        episodes: list[tuple[int, int, list[OrderRecord]]] = []  # (time, order no., orders)
        legs = 0
        for i, t in enumerate(self._trades):
            orders, legs = self._round_trip(t, int(self._entry_no[i]), int(self._exit_no[i]), legs)
            episodes.append((orders[0].created_ms, int(self._entry_no[i]), orders))
        for created, qty, number in self._rejected:
            rejected = _market(
                f"O-{number}", created, symbol, "buy", qty, "entry", status="expired"
            )
            episodes.append((created, number, [rejected]))
        if self._pending_at_end is not None:
            created, qty, number = self._pending_at_end
            waiting = _market(
                f"O-{number}",
                created,
                symbol,
                "buy",
                qty,
                "entry",
                status="canceled",
                reason=_CANCELED,
            )
            episodes.append((created, number, [waiting]))
        episodes.sort(key=lambda e: (e[0], e[1]))
        return [o for _, _, orders in episodes for o in orders]

    def _round_trip(
        self, t: TradeRecord, entry_no: int, exit_no: int, legs: int
    ) -> tuple[list[OrderRecord], int]:
        inst, bracket = self._inst, self._config.bracket
        exit_fee = self._exit_fee(t)
        out = [
            _market(
                f"O-{entry_no}",
                self._signal_close_ms(t.entry_time_ms),
                t.symbol,
                "buy",
                t.quantity,
                "entry",
                t.entry_price,
                t.fees - exit_fee,
            )
        ]
        if bracket is not None:
            prices = bracket_prices(bracket, OrderSide.BUY, t.entry_price, inst)
            specs = [
                (kind, price, tag)
                for kind, price, tag in (
                    ("stop_market", prices.stop_loss, "stop_loss"),
                    ("limit", prices.take_profit, "take_profit"),
                )
                if price is not None
            ]
            # An OCO order list is accepted or rejected whole.
            accepted = all(p > 0 and inst.check_order(t.quantity, p) is None for _, p, _ in specs)
            for kind, price, tag in specs:
                legs += 1
                filled = t.exit_reason == tag
                if not accepted:
                    status, reason = "rejected", ""
                elif filled:
                    status, reason = "filled", ""
                elif t.exit_reason in ("signal", "end_of_data"):
                    status, reason = "canceled", _CANCELED
                else:
                    status, reason = "canceled", _OCO_DONE
                out.append(
                    OrderRecord(
                        f"X-{legs}",
                        t.entry_time_ms,
                        t.symbol,
                        "sell",
                        kind,
                        t.quantity,
                        price if kind == "limit" else None,
                        price if kind != "limit" else None,
                        status,
                        t.quantity if filled else _ZERO,
                        t.exit_price if filled else None,
                        exit_fee if filled else _ZERO,
                        tag,
                        reason,
                    )
                )
        if t.exit_reason == "signal":
            out.append(
                _market(
                    f"O-{exit_no}",
                    self._signal_close_ms(t.exit_time_ms),
                    t.symbol,
                    "sell",
                    t.quantity,
                    "signal",
                    t.exit_price,
                    exit_fee,
                )
            )
        elif t.exit_reason == "end_of_data":
            if exit_no:  # an exit signal on the last candle never met a price
                out.append(
                    _market(
                        f"O-{exit_no}",
                        t.exit_time_ms,
                        t.symbol,
                        "sell",
                        t.quantity,
                        "signal",
                        status="canceled",
                        reason=_CANCELED,
                    )
                )
            out.append(
                _market(
                    "O-end",
                    t.exit_time_ms,
                    t.symbol,
                    "sell",
                    t.quantity,
                    "end_of_data",
                    t.exit_price,
                    exit_fee,
                )
            )
        return out, legs

    def _exit_fee(self, t: TradeRecord) -> Decimal:
        bps = self._config.maker_bps if t.exit_reason == "take_profit" else self._config.fee_bps
        return self._inst.round_fee(t.exit_price * t.quantity * bps / Decimal(10_000))

    def __len__(self) -> int:
        return len(self._orders)

    @overload
    def __getitem__(self, i: int) -> OrderRecord: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[OrderRecord]: ...

    def __getitem__(self, i: int | slice) -> OrderRecord | Sequence[OrderRecord]:
        return self._orders[i]

    def __iter__(self) -> Iterator[OrderRecord]:
        return iter(self._orders)
