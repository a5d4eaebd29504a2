"""Multi-level take profit for a long position: a ladder of limit sells above the entry.

:class:`TakeProfitLadder` is frozen configuration: ``levels`` are ``(pct above entry, share
of the position in percent)``, by default 50 % at +1 %, 30 % at +2 %, 20 % at +3 %.
``ladder.start(entry_price, position_qty, instrument)`` gives a :class:`LadderState`, whose
:meth:`~LadderState.after_fill` and :meth:`~LadderState.resize` give the next state after a
leg (partly) fills or the position changes for another reason.

Quantities (:meth:`TakeProfitLadder.quantities`):

* each leg but the last is ``position * share / 100`` rounded **down** to the lot; the last
  leg takes the remainder, so the legs sum **exactly** to the position and never exceed it
  (a position that is a lot multiple gives legs that are lot multiples);
* a leg below the venue minimum (``min_qty``, or ``min_notional`` at the leg's target
  price when the entry price is known) **merges into the next leg**; when the last leg is
  below the minimum it merges into the previous open leg (the nearer target). A position
  that is below the minimum as a whole stays one leg, which the venue will refuse: dust.

After a fill the same rule runs on the open legs: a remainder below the minimum moves to the
next open leg (or the previous one when none follows), so the open legs always sum to the
remaining position. Targets are rounded **up** to the tick (never lowered).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from xor_trading.core.errors import ConfigError
from xor_trading.core.precision import Rounding, round_to_increment
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.values import ZERO, to_decimal

_HUNDRED = Decimal(100)

Number = Decimal | float | int | str
LevelSpec = tuple[Number, Number]
DEFAULT_LEVELS: tuple[LevelSpec, ...] = (
    (Decimal(1), Decimal(50)),
    (Decimal(2), Decimal(30)),
    (Decimal(3), Decimal(20)),
)


@dataclass(frozen=True, slots=True)
class TakeProfitLeg:
    """One rung: ``level`` counts from 1; ``quantity`` is still open, ``filled`` is done."""

    level: int
    price: Decimal
    quantity: Decimal
    filled: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class LegFill:
    """``quantity`` of the base asset filled on the leg of ``level``."""

    level: int
    quantity: Decimal


def _below_min(qty: Decimal, at_price: Decimal | None, instrument: Instrument) -> bool:
    if qty < instrument.min_qty:
        return True
    return at_price is not None and qty * at_price < instrument.min_notional


def _merge_dust(
    qtys: list[Decimal],
    prices: list[Decimal | None],
    instrument: Instrument,
    receivers: list[bool],
) -> list[Decimal]:
    """Move legs below the venue minimum into the next receiving leg (see module docstring)."""
    n = len(qtys)
    for i in range(n):
        if qtys[i] == 0 or not _below_min(qtys[i], prices[i], instrument):
            continue
        j = next((k for k in range(i + 1, n) if receivers[k]), None)
        if j is None:
            continue
        qtys[j] += qtys[i]
        qtys[i] = ZERO
        receivers[j] = True
    open_idx = [k for k in range(n) if qtys[k] > 0]
    if len(open_idx) > 1:
        last, prev = open_idx[-1], open_idx[-2]
        if _below_min(qtys[last], prices[last], instrument):
            qtys[prev] += qtys[last]
            qtys[last] = ZERO
    return qtys


@dataclass(frozen=True, slots=True)
class LadderState:
    """The ladder of one position: every level, open or done, in order."""

    legs: tuple[TakeProfitLeg, ...]
    instrument: Instrument

    @property
    def remaining(self) -> Decimal:
        """Open quantity over all legs: equal to the position the ladder covers."""
        return sum((leg.quantity for leg in self.legs), ZERO)

    @property
    def open_legs(self) -> tuple[TakeProfitLeg, ...]:
        return tuple(leg for leg in self.legs if leg.quantity > 0)

    def leg(self, level: int) -> TakeProfitLeg:
        if not 1 <= level <= len(self.legs):
            raise ValueError(f"no take-profit level {level}: the ladder has {len(self.legs)}")
        return self.legs[level - 1]

    def after_fill(self, fill: LegFill) -> LadderState:
        """The ladder after ``fill``; a fill larger than the leg's open quantity is refused."""
        leg = self.leg(fill.level)
        qty = to_decimal(fill.quantity)
        if not 0 < qty <= leg.quantity:
            raise ValueError(
                f"a fill of {qty} on take-profit level {fill.level} does not fit its open "
                f"quantity {leg.quantity}"
            )
        legs = list(self.legs)
        legs[fill.level - 1] = replace(leg, quantity=leg.quantity - qty, filled=leg.filled + qty)
        return self._rebalanced(legs)

    def resize(self, position_qty: Number) -> LadderState:
        """Follow a position changed outside the ladder (a partial stop fill, an added lot).

        A reduction comes off the furthest open legs first; an increase goes to the last
        open leg (the last level when none is open). Then dust merges as after a fill.
        """
        target = to_decimal(position_qty)
        if target < 0:
            raise ValueError(f"a position to cover cannot be negative, got {target}")
        legs = list(self.legs)
        diff = target - self.remaining
        if diff > 0:
            open_idx = [i for i, leg in enumerate(legs) if leg.quantity > 0]
            i = open_idx[-1] if open_idx else len(legs) - 1
            legs[i] = replace(legs[i], quantity=legs[i].quantity + diff)
        else:
            cut = -diff
            for i in reversed(range(len(legs))):
                if cut == 0:
                    break
                take = min(cut, legs[i].quantity)
                legs[i] = replace(legs[i], quantity=legs[i].quantity - take)
                cut -= take
        return self._rebalanced(legs)

    def _rebalanced(self, legs: list[TakeProfitLeg]) -> LadderState:
        qtys = _merge_dust(
            [leg.quantity for leg in legs],
            [leg.price for leg in legs],
            self.instrument,
            [leg.quantity > 0 for leg in legs],
        )
        new = tuple(replace(leg, quantity=q) for leg, q in zip(legs, qtys, strict=True))
        return replace(self, legs=new)


@dataclass(frozen=True, slots=True)
class TakeProfitLadder:
    """Take-profit levels as ``(pct above entry, share of the position in percent)``.

    Targets strictly increase, shares are positive and sum to exactly 100.
    """

    levels: tuple[LevelSpec, ...] = DEFAULT_LEVELS

    def __post_init__(self) -> None:
        if not self.levels:
            raise ConfigError("a take-profit ladder needs at least one level", hint="e.g. (2, 100)")
        steps = tuple((to_decimal(pct), to_decimal(share)) for pct, share in self.levels)
        previous = ZERO
        for pct, share in steps:
            if pct <= previous:
                raise ConfigError(
                    f"take-profit level at {pct} % must be above 0 and above the level before "
                    f"it ({previous} %)",
                    hint="list the levels from the nearest target to the furthest",
                )
            if share <= 0:
                raise ConfigError(
                    f"take-profit share {share} % at {pct} % must be positive",
                    hint="each level sells a positive share of the position",
                )
            previous = pct
        total = sum((share for _, share in steps), ZERO)
        if total != _HUNDRED:
            shares = " + ".join(str(share) for _, share in steps)
            raise ConfigError(
                f"take-profit shares {shares} sum to {total} %, not 100 %",
                hint="the shares split the whole position",
            )
        object.__setattr__(self, "levels", steps)

    def _steps(self) -> tuple[tuple[Decimal, Decimal], ...]:
        return tuple((to_decimal(pct), to_decimal(share)) for pct, share in self.levels)

    def prices(self, entry_price: Number, instrument: Instrument) -> tuple[Decimal, ...]:
        """Target of each level, ``entry * (1 + pct / 100)`` rounded up to the tick."""
        entry = to_decimal(entry_price)
        if entry <= 0:
            raise ConfigError(f"entry price ({entry}) must be positive", hint="pass the fill price")
        return tuple(
            round_to_increment(entry * (1 + pct / _HUNDRED), instrument.tick_size, Rounding.UP)
            for pct, _ in self._steps()
        )

    def quantities(
        self, position_qty: Number, instrument: Instrument, *, entry_price: Number | None = None
    ) -> tuple[Decimal, ...]:
        """Quantity of each level (0 for a level merged away); they sum to ``position_qty``.

        With ``entry_price`` the minimum notional is checked at each target, otherwise only
        the minimum quantity.
        """
        position = to_decimal(position_qty)
        if position < 0:
            raise ValueError(f"a position to cover cannot be negative, got {position}")
        steps = self._steps()
        lot = Fraction(instrument.lot_size)
        qtys: list[Decimal] = []
        for _, share in steps[:-1]:
            lots = math.floor(Fraction(position) * Fraction(share) / 100 / lot)
            qtys.append((lots * instrument.lot_size).quantize(instrument.lot_size))
        qtys.append(position - sum(qtys, ZERO))
        prices: list[Decimal | None] = (
            [None] * len(steps)
            if entry_price is None
            else list(self.prices(entry_price, instrument))
        )
        return tuple(_merge_dust(qtys, prices, instrument, [True] * len(steps)))

    def start(
        self, entry_price: Number, position_qty: Number, instrument: Instrument
    ) -> LadderState:
        prices = self.prices(entry_price, instrument)
        qtys = self.quantities(position_qty, instrument, entry_price=entry_price)
        legs = tuple(
            TakeProfitLeg(i + 1, price, qty)
            for i, (price, qty) in enumerate(zip(prices, qtys, strict=True))
        )
        return LadderState(legs, instrument)
