"""Exit policies of a long position: pure logic, plain data in and out.

The pieces (stops in :mod:`~xor_trading.risk.exit_stops`, the take-profit ladder in
:mod:`~xor_trading.risk.exit_take_profit`) are combined by the caller per position::

    stop = RatchetingStop.from_policy(StopPolicy.atr(3), entry, atr).start(entry, inst)
    ladder = TakeProfitLadder().start(entry, filled_qty, inst)
    # each closed candle
    stop = rule.update(stop, candle.high)
    # each fill of a take-profit leg
    ladder = ladder.after_fill(LegFill(level, qty))
    stop = BreakEven(fee_pct=Decimal("0.2")).apply(stop, ladder)
    # the orders that should be working now
    protective_legs(stop, ladder)

The stop never loosens (:meth:`StopState.tighten_to` is the only way up, and nothing goes
down); the open ladder legs always sum to the position. Placing, replacing, or emulating the
orders is the execution engine's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xor_trading.core.errors import ConfigError
from xor_trading.domain.values import ZERO, to_decimal
from xor_trading.risk.exit_stops import (
    RatchetingStop,
    StopPolicy,
    StopRule,
    StopState,
    TimeStop,
    TrailingStop,
)
from xor_trading.risk.exit_take_profit import (
    DEFAULT_LEVELS,
    LadderState,
    LegFill,
    TakeProfitLadder,
    TakeProfitLeg,
)

__all__ = [
    "DEFAULT_LEVELS",
    "BreakEven",
    "LadderState",
    "LegFill",
    "ProtectiveLeg",
    "RatchetingStop",
    "StopPolicy",
    "StopRule",
    "StopState",
    "TakeProfitLadder",
    "TakeProfitLeg",
    "TimeStop",
    "TrailingStop",
    "protective_legs",
]

_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class BreakEven:
    """After take-profit level ``after_level`` is done, raise the stop to the entry plus fees.

    ``fee_pct`` is the round-trip cost to cover, in percent of the entry (e.g. 0.2 for a
    0.1 % taker fee each way): the stop goes to ``entry * (1 + fee_pct / 100)`` rounded up to
    the tick. It arms when every leg up to ``after_level`` has no open quantity and some leg
    has filled (so a level merged away as dust arms it with the first fill of the leg it
    merged into). It only ever tightens the stop.
    """

    after_level: int = 1
    fee_pct: Decimal = ZERO

    def __post_init__(self) -> None:
        fee = to_decimal(self.fee_pct)
        if self.after_level < 1:
            raise ConfigError(
                f"break-even after_level ({self.after_level}) must be at least 1",
                hint="1 moves the stop after the first take profit",
            )
        if not 0 <= fee < 100:
            raise ConfigError(
                f"break-even fee_pct ({fee}) must be at least 0 and below 100",
                hint="the round-trip fee in percent, e.g. 0.2",
            )
        object.__setattr__(self, "fee_pct", fee)

    def price(self, entry_price: Decimal) -> Decimal:
        """The break-even stop before rounding to the tick."""
        return to_decimal(entry_price) * (1 + self.fee_pct / _HUNDRED)

    def is_armed(self, ladder: LadderState) -> bool:
        if self.after_level > len(ladder.legs):
            raise ConfigError(
                f"break-even after_level ({self.after_level}) is beyond the ladder's "
                f"{len(ladder.legs)} levels",
                hint="choose a level the take-profit ladder has",
            )
        done = all(leg.quantity == 0 for leg in ladder.legs[: self.after_level])
        return done and any(leg.filled > 0 for leg in ladder.legs)

    def apply(self, stop: StopState, ladder: LadderState) -> StopState:
        """``stop`` raised to break-even when armed; unchanged otherwise."""
        if not self.is_armed(ladder):
            return stop
        return stop.tighten_to(self.price(stop.entry_price))


@dataclass(frozen=True, slots=True)
class ProtectiveLeg:
    """One exit that should be working: sell ``quantity`` at ``take_profit`` (a limit) or at
    ``stop`` (a stop-market), whichever comes first. ``stop`` None: no stop yet."""

    level: int
    quantity: Decimal
    take_profit: Decimal
    stop: Decimal | None


def protective_legs(stop: StopState, ladder: LadderState) -> tuple[ProtectiveLeg, ...]:
    """The desired exits: each open ladder leg paired with the current stop.

    On a spot venue each pair is one OCO order list (the venue locks the base asset once per
    order, so one stop for the whole position next to the limit legs cannot be placed); the
    stop quantities therefore sum to the position, like the legs. The caller diffs this
    against what is working and cancels/replaces the pairs whose stop or quantity changed.
    """
    return tuple(
        ProtectiveLeg(leg.level, leg.quantity, leg.price, stop.stop) for leg in ladder.open_legs
    )
