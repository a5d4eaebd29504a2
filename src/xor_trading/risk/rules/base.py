"""What every pre-trade rule shares: the :class:`Denial` it returns and the rule protocol.

A rule is a class with a machine name ``rule`` and a ``check`` that returns ``None`` (allow)
or a :class:`Denial` (refuse, with a machine-readable ``rule`` and a sentence). Rules only
read the :class:`~xor_trading.risk.state.RiskState`; they never change it or the command.
Only entries are limited (:meth:`RiskState.entry_quantity` > 0); an exit always passes the
limit rules, so a limit never keeps a position open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.instruments import Instrument
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.state import RiskState

__all__ = ["TOLERANCE", "Denial", "PreTradeRule", "exceeds", "percent_text"]

# Relative slack when a value is compared with a cap computed in binary floating point, so that
# an order sized exactly at the limit (5 % of 10,000 = 500) is not refused for a rounding bit.
TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class Denial:
    """Why a command was refused: ``rule`` for machines, ``message`` (a sentence) for people."""

    rule: str
    message: str


class PreTradeRule(Protocol):
    rule: str

    def check(
        self, cmd: SubmitOrder, state: RiskState, config: RiskConfig, instrument: Instrument
    ) -> Denial | None: ...


def exceeds(value: float, cap: float) -> bool:
    """``value`` is above ``cap`` by more than the rounding slack (any value above a cap <= 0)."""
    return value > cap + abs(cap) * TOLERANCE


def percent_text(value: float, limit: float) -> str:
    """``value`` with two decimals, or more when two would make it look equal to ``limit``
    (2.001 % against a 2 % limit reads "2.001", not "2.00")."""
    for decimals in range(2, 10):
        text = f"{value:.{decimals}f}"
        if float(text) != limit:
            return text
    return repr(value)
