"""The command guard: what a running bot's strategies may send, decided before risk.

It is the kernel's ``command_gate`` for a bot (``runtime/kernel.py``). In order:

1. **Fenced** (the lease is lost or being given up): nothing passes, not even a cancel:
   the bot may belong to another worker now. A dropped order is denied on the bus
   (``OrderDenied``, rule ``fenced``), so the recorder writes why.
2. **Warming up** (history is being replayed, or a live bot is not reconciled yet):
   nothing passes and nothing is recorded: history is never traded.
3. **Reconciling** (a live bot resyncs with the venue after its private stream
   reconnected): no new order of any kind passes until the resync is done (rule
   ``reconciling``, an ``OrderDenied`` on the bus); cancels pass.
4. **New entries** (an order that opens or adds to a position) are refused while the bot
   is paused (rule ``paused``) or while the injected :data:`EntryPolicy` says no (the
   kill switch, an exhausted fee balance: its rule and sentence). The refusal is an
   ``OrderDenied`` on the bus: a denied order row and a ``denial`` risk event.

Exits (reduce-only orders, orders that only shrink a position) and cancels always pass
otherwise: stopping or pausing a bot must never trap it in a position.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.events import OrderDenied
from xor_trading.domain.orders import Order, OrderSide
from xor_trading.runtime.kernel import TradingKernel

EntryPolicy = Callable[[], tuple[str, str] | None]
"""Asked before each new entry: ``None`` allows it, ``(rule, sentence)`` refuses it."""

PAUSED_RULE = "paused"
FENCED_RULE = "fenced"
RECONCILING_RULE = "reconciling"


def adds_exposure(reduce_only: bool, side: OrderSide, quantity: Decimal, position: Decimal) -> bool:
    """Whether an order opens, adds to or reverses a position (``position``: signed)."""
    if reduce_only:
        return False
    after = position + quantity * side.sign
    return abs(after) > abs(position) or (after != 0 and (after > 0) != (position > 0))


def is_entry(command: SubmitOrder, position: Decimal) -> bool:
    """Whether ``command`` opens or adds to a position (``position``: signed quantity)."""
    return adds_exposure(command.reduce_only, command.side, command.quantity, position)


def is_entry_order(order: Order, kernel: TradingKernel) -> bool:
    """Whether ``order`` (not filled yet) opens or adds to its symbol's position."""
    position = kernel.portfolio.position_quantity(order.symbol)
    return adds_exposure(order.reduce_only, order.side, order.quantity, position)


class CommandGuard:
    """The gate of one bot's kernel (see the module). Attach it to the kernel it guards."""

    def __init__(self, entry_policy: EntryPolicy | None = None) -> None:
        self._policy = entry_policy
        self._kernel: TradingKernel | None = None
        self.warming_up = True
        self.paused = False
        self.fenced_reason: str | None = None
        self.reconciling_reason: str | None = None  # set while a live bot resyncs
        self.last_refusal: str | None = None  # the last sentence an entry was refused with

    def attach(self, kernel: TradingKernel) -> None:
        self._kernel = kernel

    def __call__(self, command: object) -> bool:
        if self.fenced_reason is not None:
            if isinstance(command, SubmitOrder):
                self._deny(command, FENCED_RULE, self.fenced_reason)
            return False
        if self.warming_up:
            return False
        if isinstance(command, SubmitOrder) and self.reconciling_reason is not None:
            self._deny(command, RECONCILING_RULE, self.reconciling_reason)
            return False
        if isinstance(command, SubmitOrder) and self._is_entry(command):
            if self.paused:
                self._deny(
                    command,
                    PAUSED_RULE,
                    "the bot is paused: it opens no new position (open positions are still "
                    "managed); resume it to trade again",
                )
                return False
            verdict = self._policy() if self._policy is not None else None
            if verdict is not None:
                self._deny(command, *verdict)
                return False
        return True

    def _is_entry(self, command: SubmitOrder) -> bool:
        assert self._kernel is not None, "attach the guard to its kernel first"
        return is_entry(command, self._kernel.portfolio.position_quantity(command.symbol))

    def _deny(self, command: SubmitOrder, rule: str, sentence: str) -> None:
        self.last_refusal = sentence
        if self._kernel is not None:
            self._kernel.bus.publish(OrderDenied(command, rule, sentence, command.ts_ms))
