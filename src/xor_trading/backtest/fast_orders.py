"""The orders implied by the fast path's trades, in the same form as the event path's.

The fast path simulates positions, not order objects; the orders report is rebuilt from its
trades: per round trip, the market entry, the stop and target legs (filled or canceled) and
the market exit. Built on first access only (a 1M-candle benchmark never pays for it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from functools import cached_property
from typing import overload

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.results import TradeRecord
from xor_trading.backtest.run_result import OrderRecord
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import OrderSide
from xor_trading.execution.brackets import bracket_prices

_OCO_DONE = "other leg of the OCO executed"
_CANCELED = "canceled by request"


class FastPathOrders(Sequence[OrderRecord]):
    def __init__(
        self, trades: Sequence[TradeRecord], instrument: Instrument, config: BacktestConfig
    ) -> None:
        self._trades = trades
        self._inst = instrument
        self._config = config

    @cached_property
    def _orders(self) -> list[OrderRecord]:
        out: list[OrderRecord] = []
        inst, bracket = self._inst, self._config.bracket
        n_order = n_leg = 0
        zero = Decimal(0)
        for t in self._trades:
            n_order += 1
            fee_entry = t.fees - self._exit_fee(t)
            out.append(
                OrderRecord(
                    f"O-{n_order}",
                    t.entry_time_ms,
                    t.symbol,
                    "buy",
                    "market",
                    t.quantity,
                    None,
                    None,
                    "filled",
                    t.quantity,
                    t.entry_price,
                    fee_entry,
                    "entry",
                    "",
                )
            )
            if bracket is not None:
                prices = bracket_prices(bracket, OrderSide.BUY, t.entry_price, inst)
                legs = (
                    ("stop_market", prices.stop_loss, "stop_loss"),
                    ("limit", prices.take_profit, "take_profit"),
                )
                for kind, price, tag in legs:
                    if price is None or inst.check_order(t.quantity, price) is not None:
                        continue
                    n_leg += 1
                    filled = t.exit_reason == tag
                    reason = (
                        ""
                        if filled
                        else (
                            _CANCELED if t.exit_reason in ("signal", "end_of_data") else _OCO_DONE
                        )
                    )
                    out.append(
                        OrderRecord(
                            f"X-{n_leg}",
                            t.entry_time_ms,
                            t.symbol,
                            "sell",
                            kind,
                            t.quantity,
                            price if kind == "limit" else None,
                            price if kind != "limit" else None,
                            "filled" if filled else "canceled",
                            t.quantity if filled else zero,
                            t.exit_price if filled else None,
                            self._exit_fee(t) if filled else zero,
                            tag,
                            reason,
                        )
                    )
            if t.exit_reason in ("signal", "end_of_data"):
                n_order += 1
                order_id = f"O-{n_order}" if t.exit_reason == "signal" else "O-end"
                out.append(
                    OrderRecord(
                        order_id,
                        t.exit_time_ms,
                        t.symbol,
                        "sell",
                        "market",
                        t.quantity,
                        None,
                        None,
                        "filled",
                        t.quantity,
                        t.exit_price,
                        self._exit_fee(t),
                        t.exit_reason,
                        "",
                    )
                )
        return out

    def _exit_fee(self, t: TradeRecord) -> Decimal:
        maker = t.exit_reason == "take_profit"
        bps = self._config.maker_bps if maker else self._config.fee_bps
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
