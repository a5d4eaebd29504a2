"""The risk engine: every order command passes here before execution, in every mode.

Until the full rule set lands (sizing, breakers, kill switch), the engine enforces the
venue's own limits so that an order the exchange would refuse is denied here, with a
reason, instead of travelling to the venue: lot size, minimum quantity and minimum
notional (at the strategy's reference price). Everything else passes through.
A denial publishes :class:`~xor_trading.domain.events.OrderDenied`.
"""

from __future__ import annotations

from xor_trading.bus.endpoints import EXECUTION, RISK
from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.ids import Symbol
from xor_trading.domain.commands import CancelOrder, SubmitOrder
from xor_trading.domain.events import OrderDenied
from xor_trading.domain.instruments import Instrument


class RiskEngine:
    def __init__(self, bus: MessageBus, instruments: dict[Symbol, Instrument]) -> None:
        self._bus = bus
        self._instruments = instruments
        self.denials: list[OrderDenied] = []
        bus.register(RISK, self.execute)

    def execute(self, command: object) -> None:
        if isinstance(command, SubmitOrder):
            denial = self._check(command)
            if denial is not None:
                self.denials.append(denial)
                self._bus.publish(denial)
                return
        elif not isinstance(command, CancelOrder):
            raise TypeError(f"risk engine cannot handle {type(command).__name__}")
        self._bus.send(EXECUTION, command)

    def _check(self, cmd: SubmitOrder) -> OrderDenied | None:
        inst = self._instruments.get(cmd.symbol)
        if inst is None:
            return OrderDenied(cmd, "unknown_symbol", f"no instrument {cmd.symbol}", cmd.ts_ms)
        reference = cmd.limit_price or cmd.stop_price or cmd.reference_price
        if reference is None:
            return None  # nothing to value the order at; the venue will check
        problem = inst.check_order(cmd.quantity, reference)
        if problem is None:
            return None
        rule = "min_notional" if "notional" in problem else "lot_size"
        return OrderDenied(cmd, rule, f"{cmd.symbol}: {problem}", cmd.ts_ms)
