"""Protective stops for a long position, candle after candle, as immutable state.

A stop rule (:class:`StopPolicy`, :class:`RatchetingStop`, :class:`TrailingStop`) is frozen
configuration. ``rule.start(entry_price, instrument, ...)`` gives a :class:`StopState`;
``rule.update(state, candle.high)`` gives the next one after each closed candle (the new stop
applies from the next candle). Comparing ``new.stop`` with the stop that is working tells the
caller whether to move the order. Nothing here places orders, reads a clock or a bus.

Invariants (tested with hypothesis over random price paths):

* the stop **never loosens**: once set, ``stop`` never decreases and never returns to None,
  whatever the rule, the price path, or :meth:`StopState.tighten_to` calls (break-even);
* prices sit on the tick grid, rounded **up** (towards the price, tighter): rounding never
  adds risk. (The bracket of ``execution/brackets.py`` rounds its fixed stop down, away from
  the entry, to honour a user's percentage; these policies favour never risking more than
  sized.) Candle highs are feed floats and are snapped to the nearest tick first.

Longs only: XOR's venues are spot. A short would mirror every rule (lowest low, stop above,
rounded down).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from xor_trading.core.errors import ConfigError, DataError
from xor_trading.core.precision import Rounding, round_to_increment
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.values import to_decimal

_HUNDRED = Decimal(100)

PriceLike = Decimal | float | int | str


@dataclass(frozen=True, slots=True)
class StopState:
    """Where a long's protective stop sits now.

    ``highest`` is the highest price seen since the entry (the entry price to begin with);
    ``stop`` is None only for a trailing stop that is not active yet and had no initial
    stop; ``active`` is False until a trailing stop's activation threshold is reached (always
    True for the other rules).
    """

    entry_price: Decimal
    highest: Decimal
    stop: Decimal | None
    tick_size: Decimal
    active: bool = True

    def tighten_to(self, price: PriceLike) -> StopState:
        """Raise the stop to ``price`` (rounded up to the tick) if tighter; never lower it."""
        candidate = round_to_increment(to_decimal(price), self.tick_size, Rounding.UP)
        if candidate <= 0 or (self.stop is not None and candidate <= self.stop):
            return self
        return replace(self, stop=candidate)

    def is_hit(self, low: PriceLike) -> bool:
        """True when a price at or below the stop was traded (for an emulated stop)."""
        return self.stop is not None and to_decimal(low) <= self.stop


def _seen(state: StopState, high: PriceLike) -> Decimal:
    """A candle high (a feed float) on the tick grid."""
    return round_to_increment(to_decimal(high), state.tick_size, Rounding.NEAREST)


def _snap_up(value: Decimal, tick: Decimal) -> Decimal:
    return round_to_increment(value, tick, Rounding.UP)


def _entry(entry_price: PriceLike) -> Decimal:
    entry = to_decimal(entry_price)
    if entry <= 0:
        raise ConfigError(f"entry price ({entry}) must be positive", hint="pass the fill price")
    return entry


def _start(entry: Decimal, instrument: Instrument, stop: Decimal | None) -> StopState:
    state = StopState(entry, entry, None, instrument.tick_size)
    return state if stop is None else state.tighten_to(stop)


@dataclass(frozen=True, slots=True)
class StopPolicy:
    """A fixed stop below the entry: ``pct`` percent, or ``atr_multiple`` times the ATR.

    Exactly one of the two is set; :meth:`percent` and :meth:`atr` build them. The stop is
    ``entry - distance`` rounded up to the tick and does not move afterwards.
    """

    pct: Decimal | None = None
    atr_multiple: Decimal | None = None

    def __post_init__(self) -> None:
        if (self.pct is None) == (self.atr_multiple is None):
            raise ConfigError(
                f"a stop policy needs exactly one of pct ({self.pct}) and atr_multiple "
                f"({self.atr_multiple})",
                hint="use StopPolicy.percent(2) or StopPolicy.atr(3)",
            )
        if self.pct is not None:
            pct = to_decimal(self.pct)
            if not 0 < pct < 100:
                raise ConfigError(
                    f"stop pct ({pct}) must be above 0 and below 100",
                    hint="a long's stop sits between 0 and the entry price",
                )
            object.__setattr__(self, "pct", pct)
        if self.atr_multiple is not None:
            multiple = to_decimal(self.atr_multiple)
            if multiple <= 0:
                raise ConfigError(
                    f"stop atr_multiple ({multiple}) must be positive", hint="e.g. 2 or 3"
                )
            object.__setattr__(self, "atr_multiple", multiple)

    @classmethod
    def percent(cls, pct: PriceLike) -> StopPolicy:
        return cls(pct=to_decimal(pct))

    @classmethod
    def atr(cls, multiple: PriceLike) -> StopPolicy:
        return cls(atr_multiple=to_decimal(multiple))

    def distance(self, entry_price: PriceLike, atr: PriceLike | None = None) -> Decimal:
        """Price distance from the entry to the (unrounded) stop."""
        if self.pct is not None:
            return _entry(entry_price) * self.pct / _HUNDRED
        assert self.atr_multiple is not None
        if atr is None:
            raise ConfigError("an ATR stop needs the ATR", hint="pass atr= the current ATR")
        try:
            atr_d = to_decimal(atr)
        except ValueError:
            atr_d = Decimal(0)
        if atr_d <= 0:
            raise DataError(
                f"ATR is {atr}: an ATR stop needs a positive ATR",
                hint="wait until the ATR has warmed up, or use a percent stop",
            )
        return self.atr_multiple * atr_d

    def stop_price(
        self, entry_price: PriceLike, instrument: Instrument, atr: PriceLike | None = None
    ) -> Decimal:
        """``entry - distance`` rounded up to the tick; refused when not above 0."""
        entry = _entry(entry_price)
        stop = _snap_up(entry - self.distance(entry, atr), instrument.tick_size)
        if stop <= 0:
            raise ConfigError(
                f"a stop {self.distance(entry, atr)} below the entry {entry} is not above 0",
                hint="use a smaller ATR multiple or a percent stop",
            )
        return stop

    def start(
        self, entry_price: PriceLike, instrument: Instrument, atr: PriceLike | None = None
    ) -> StopState:
        entry = _entry(entry_price)
        return _start(entry, instrument, self.stop_price(entry, instrument, atr))

    def update(self, state: StopState, high: PriceLike) -> StopState:
        """A fixed stop does not move; only ``highest`` is tracked."""
        seen = _seen(state, high)
        return replace(state, highest=seen) if seen > state.highest else state


@dataclass(frozen=True, slots=True)
class RatchetingStop:
    """``stop = highest high since entry - distance``, moving up only.

    ``distance`` is a price distance fixed at entry, e.g. the ATR distance of a
    :class:`StopPolicy` (:meth:`from_policy`), so an ATR stop ratchets as a chandelier exit
    with the ATR of the entry candle.
    """

    distance: Decimal

    def __post_init__(self) -> None:
        distance = to_decimal(self.distance)
        if distance <= 0:
            raise ConfigError(
                f"ratcheting stop distance ({distance}) must be positive",
                hint="the distance is in price units below the highest high",
            )
        object.__setattr__(self, "distance", distance)

    @classmethod
    def from_policy(
        cls, policy: StopPolicy, entry_price: PriceLike, atr: PriceLike | None = None
    ) -> RatchetingStop:
        return cls(policy.distance(entry_price, atr))

    def start(
        self, entry_price: PriceLike, instrument: Instrument, initial_stop: PriceLike | None = None
    ) -> StopState:
        """Stop at ``entry - distance`` (or ``initial_stop`` if tighter)."""
        entry = _entry(entry_price)
        if self.distance >= entry:
            raise ConfigError(
                f"ratcheting stop distance ({self.distance}) must be below the entry ({entry})",
                hint="a long's stop must stay above 0",
            )
        state = _start(entry, instrument, entry - self.distance)
        return state if initial_stop is None else state.tighten_to(initial_stop)

    def update(self, state: StopState, high: PriceLike) -> StopState:
        seen = _seen(state, high)
        if seen <= state.highest:
            return state
        return replace(state, highest=seen).tighten_to(seen - self.distance)


@dataclass(frozen=True, slots=True)
class TrailingStop:
    """Inactive until the price rose ``activation_pct`` above the entry, then
    ``trail_pct`` below the highest price, moving up only.

    Before activation the stop is the ``initial_stop`` given to :meth:`start` (e.g. from a
    :class:`StopPolicy`), or None. ``activation_pct=0`` trails from the entry.
    """

    activation_pct: Decimal
    trail_pct: Decimal

    def __post_init__(self) -> None:
        activation = to_decimal(self.activation_pct)
        trail = to_decimal(self.trail_pct)
        if activation < 0:
            raise ConfigError(
                f"trailing activation_pct ({activation}) cannot be negative",
                hint="0 trails from the entry",
            )
        if not 0 < trail < 100:
            raise ConfigError(
                f"trailing trail_pct ({trail}) must be above 0 and below 100", hint="e.g. 1.5"
            )
        object.__setattr__(self, "activation_pct", activation)
        object.__setattr__(self, "trail_pct", trail)

    def activation_price(self, entry_price: PriceLike) -> Decimal:
        return _entry(entry_price) * (1 + self.activation_pct / _HUNDRED)

    def start(
        self, entry_price: PriceLike, instrument: Instrument, initial_stop: PriceLike | None = None
    ) -> StopState:
        entry = _entry(entry_price)
        state = replace(
            _start(entry, instrument, None if initial_stop is None else to_decimal(initial_stop)),
            active=False,
        )
        return self._trail(state)

    def update(self, state: StopState, high: PriceLike) -> StopState:
        seen = _seen(state, high)
        if seen <= state.highest:
            return state
        return self._trail(replace(state, highest=seen))

    def _trail(self, state: StopState) -> StopState:
        if not state.active:
            if state.highest < self.activation_price(state.entry_price):
                return state
            state = replace(state, active=True)
        return state.tighten_to(state.highest * (1 - self.trail_pct / _HUNDRED))


StopRule = StopPolicy | RatchetingStop | TrailingStop


@dataclass(frozen=True, slots=True)
class TimeStop:
    """Exit after ``max_candles`` closed candles in the position.

    Candles are counted from the candle in which the entry filled (its close is candle 1),
    so the exit signal comes at the close of candle ``max_candles`` and a market exit fills
    at the next open.
    """

    max_candles: int

    def __post_init__(self) -> None:
        if self.max_candles < 1:
            raise ConfigError(
                f"time stop max_candles ({self.max_candles}) must be at least 1",
                hint="the number of closed candles to hold a position",
            )

    def is_due(self, candles_held: int) -> bool:
        return candles_held >= self.max_candles

    def due_ms(self, entry_candle_open_ms: int, timeframe_ms: int) -> int:
        """Close time of the last candle held: exit when a candle closes at or after it."""
        return entry_candle_open_ms + self.max_candles * timeframe_ms
