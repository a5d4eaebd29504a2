"""Elliott wave: buy the end of wave 2 or wave 4 of an up impulse, exit at the wave-5 target.

Counting (:class:`~xor_trading.strategies.elliott_tracker.ElliottTracker`): an incremental
ZigZag of ``threshold_pct`` confirms swings; on each confirmed swing the live counts are
rebuilt with :func:`~xor_trading.indicators.elliott.count_waves`, and between swings a
count is dropped when a candle crosses one of its invalidation levels. Only confirmed
swings are used, so a decision at a candle's close knows nothing of later candles.

**Entry** (at a candle's close, when flat; market buy of ``settings.stake`` at the next
open). The count traded is the best-ranked live *up impulse* whose last complete wave is 2
(``wave3_entries``) or 4 (``wave5_entries``), so the last confirmed swing, a low, ended
that wave. With ``best_count_only`` it must also be the best count overall. (By default
it need not be: ``confidence = fit * waves_complete / 5`` for an impulse but ``/ 3`` for an
A-B-C, so a 1-2 count never outranks the A-B correction over the same three swings and
wave-2 entries would be impossible.) Then all of:

* its confidence is at least ``min_confidence``;
* the wave just completed retraced the wave before it by a ratio inside the zone: wave 2
  over wave 1 in ``[wave2_retrace_min, wave2_retrace_max]``, wave 4 over wave 3 in
  ``[wave4_retrace_min, wave4_retrace_max]``;
* the close is still inside that zone's prices, ``end - max * length <= close <= end -
  min * length`` (``end`` and ``length`` of wave 1 or wave 3): the entry is not chased
  after the next wave has run away;
* no entry was taken yet on this swing (one trade per completed wave).

**Exits.** After the entry fills, two resting orders are kept for the whole position
(:class:`~xor_trading.strategies.resting_exits.RestingExits`):

* a **stop-market** sell one tick below the count's primary invalidation level (the start of
  wave 1 while wave 3 develops, the end of wave 1 in waves 4 and 5): the venue triggers it
  on a touch, intrabar, and it is reported as ``stop_loss``;
* a **limit** sell at the wave-5 target, once the count is in wave 5 (at once for a wave-4
  entry; after wave 4 completes for a wave-2 entry): the nearest, median or farthest
  (``wave5_target``) of the count's projections ``p4 + 1.0 x wave 1``, ``p4 + 0.618 x wave
  3``, ``p4 + 0.618 x (p0 to p3)``. It needs a trade-through and is reported as
  ``take_profit``; a target already below the market fills at the next open.

The count is followed swing by swing: on each new swing the trade follows the live count
that extends it (same start, same labels, one more wave); the stop moves to that count's
invalidation level and the target is set once wave 5 develops. The position is sold at
market at the close (reported as ``signal``) when no live count extends it any more (a
rule is broken: wave 3 not beyond wave 1, wave 4 in wave 1's territory...), when the
impulse is complete (the swing ending wave 5 is confirmed: a correction is expected), or
when a candle crosses one of the count's invalidation levels that the stop does not
cover (in wave 5, a high beyond ``p4 +`` wave 3 when wave 3 is shorter than wave 1).

**Sizing and partial fills.** Each entry buys ``settings.stake`` worth at the signal close.
With a volume cap, the stop and target are re-placed for what the position holds after
each entry fill; if the stop fills partly, the target is canceled and the triggered stop
sells the rest at market; if the target fills partly, the stop is resized to the rest.
The run's fixed-percent bracket, if set, works alongside; whichever exit fills first
flattens the position and the other orders are canceled.

Event path only: the exits depend on the entry fill and on the count's path.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from xor_trading.domain.candles import Candle
from xor_trading.domain.fills import Fill
from xor_trading.indicators.elliott import PatternKind, WaveCandidate
from xor_trading.strategies.elliott_tracker import ElliottTracker, extends, is_broken_by
from xor_trading.strategies.resting_exits import RestingExits
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext
from xor_trading.strategy.registry import register_strategy

__all__ = ["ElliottWave", "ElliottWaveConfig", "lower_invalidation", "wave5_target"]

TargetChoice = Literal["nearest", "median", "farthest"]


class ElliottWaveConfig(StrategyConfig):
    threshold_pct: float = Field(
        default=3.0, gt=0.0, le=50.0,
        description="ZigZag reversal that confirms a swing, in percent of the swing price.",
    )  # fmt: skip
    min_confidence: float = Field(
        default=0.2, ge=0.0, le=1.0,
        description="Lowest count confidence (fit x waves complete / 5) that may be traded.",
    )  # fmt: skip
    wave3_entries: bool = Field(default=True, description="Buy after wave 2 completes.")
    wave5_entries: bool = Field(default=True, description="Buy after wave 4 completes.")
    wave2_retrace_min: float = Field(
        default=0.382, ge=0.0, le=1.0,
        description="Shallowest retracement of wave 1 by wave 2 (ratio of wave 1's length).",
    )  # fmt: skip
    wave2_retrace_max: float = Field(
        default=0.786, ge=0.0, le=1.0,
        description="Deepest retracement of wave 1 by wave 2 (ratio of wave 1's length).",
    )  # fmt: skip
    wave4_retrace_min: float = Field(
        default=0.236, ge=0.0, le=1.0,
        description="Shallowest retracement of wave 3 by wave 4 (ratio of wave 3's length).",
    )  # fmt: skip
    wave4_retrace_max: float = Field(
        default=0.5, ge=0.0, le=1.0,
        description="Deepest retracement of wave 3 by wave 4 (ratio of wave 3's length).",
    )  # fmt: skip
    wave5_target: TargetChoice = Field(
        default="nearest",
        description="Which wave-5 projection to sell at: the nearest, median or farthest.",
    )
    best_count_only: bool = Field(
        default=False,
        description="Trade only when the up impulse is the best count overall, "
        "not merely the best-ranked up impulse.",
    )

    @model_validator(mode="after")
    def _zones_ordered(self) -> ElliottWaveConfig:
        if self.wave2_retrace_min >= self.wave2_retrace_max:
            raise ValueError(
                f"wave2_retrace_min ({self.wave2_retrace_min}) must be below "
                f"wave2_retrace_max ({self.wave2_retrace_max})"
            )
        if self.wave4_retrace_min >= self.wave4_retrace_max:
            raise ValueError(
                f"wave4_retrace_min ({self.wave4_retrace_min}) must be below "
                f"wave4_retrace_max ({self.wave4_retrace_max})"
            )
        if not (self.wave3_entries or self.wave5_entries):
            raise ValueError("wave3_entries and wave5_entries cannot both be false")
        return self


def lower_invalidation(candidate: WaveCandidate) -> float | None:
    """The highest invalidation level of a long's count that breaks on the way down, if any."""
    levels = [level.price for level in candidate.invalidations if not level.breaks_above]
    return max(levels) if levels else None


def wave5_target(candidate: WaveCandidate, choice: TargetChoice) -> float | None:
    """The chosen wave-5 projection of an up impulse in wave 5; None for any other count."""
    if candidate.kind is not PatternKind.IMPULSE_UP or candidate.developing != "5":
        return None
    prices = sorted(t.price for t in candidate.targets if t.wave == "5")
    if not prices:
        return None
    if choice == "nearest":
        return prices[0]
    if choice == "farthest":
        return prices[-1]
    return prices[len(prices) // 2]


@register_strategy
class ElliottWave(Strategy[ElliottWaveConfig]):
    name = "elliott_wave"
    config_class = ElliottWaveConfig
    description = (
        "Buys the end of Elliott wave 2 or 4 in its Fibonacci zone; stop at the count's "
        "invalidation, target at wave 5."
    )

    def __init__(self, config: ElliottWaveConfig, context: StrategyContext) -> None:
        super().__init__(config, context)
        self._tracker = ElliottTracker(config.threshold_pct)
        self._exits = RestingExits(self)
        self._followed: WaveCandidate | None = None  # the count of the open trade
        self._traded_swing = -1  # index of the swing the last entry was taken on
        self._entry_waves = {
            waves
            for waves, wanted in ((2, config.wave3_entries), (4, config.wave5_entries))
            if wanted
        }

    @property
    def warmup_bars(self) -> int:
        # Two candles can confirm a swing; a count needs three swings, which the data decides.
        return 2

    def on_candle(self, candle: Candle) -> None:
        swing = self._tracker.update(candle.high, candle.low, candle.close)
        if self.position_quantity > 0:
            if self._followed is not None:
                self._manage(self._followed, candle, new_swing=swing is not None)
            return
        self._followed = None  # flat: the last trade (if any) is over
        self._maybe_enter(candle)

    def on_fill(self, fill: Fill) -> None:
        self._exits.on_fill(fill)

    # -- entries ----------------------------------------------------------------------------

    def _maybe_enter(self, candle: Candle) -> None:
        candidate = self._tradable_count()
        if candidate is None or candidate.end_index == self._traded_swing:
            return
        if candidate.confidence < self.config.min_confidence:
            return
        if not self._in_zone(candidate, candle.close):
            return
        self._traded_swing = candidate.end_index
        self._followed = candidate
        self._exits.set_levels(lower_invalidation(candidate), self._target(candidate))
        self.enter_long(candle)

    def _tradable_count(self) -> WaveCandidate | None:
        """The best-ranked live up impulse whose last complete wave is an entry wave."""
        for rank, candidate in enumerate(self._tracker.candidates):
            if rank > 0 and self.config.best_count_only:
                return None
            if (
                candidate.kind is PatternKind.IMPULSE_UP
                and candidate.waves_complete in self._entry_waves
            ):
                return candidate
        return None

    def _in_zone(self, candidate: WaveCandidate, close: float) -> bool:
        """The completed wave's retracement and the close both lie in the Fibonacci zone."""
        cfg = self.config
        prices = [label.price for label in candidate.labels]
        if candidate.waves_complete == 2:
            start, end, low = prices[0], prices[1], prices[2]
            lo, hi = cfg.wave2_retrace_min, cfg.wave2_retrace_max
        else:
            start, end, low = prices[2], prices[3], prices[4]
            lo, hi = cfg.wave4_retrace_min, cfg.wave4_retrace_max
        length = end - start
        retraced = (end - low) / length
        return lo <= retraced <= hi and end - hi * length <= close <= end - lo * length

    def _target(self, candidate: WaveCandidate) -> float | None:
        return wave5_target(candidate, self.config.wave5_target)

    # -- the open trade ---------------------------------------------------------------------

    def _manage(self, followed: WaveCandidate, candle: Candle, *, new_swing: bool) -> None:
        if new_swing:
            following = next((c for c in self._tracker.candidates if extends(c, followed)), None)
            if following is None or following.is_complete:
                self._exit(candle)  # count invalidated, or wave 5 is over
                return
            self._followed = following
            self._exits.set_levels(lower_invalidation(following), self._target(following))
        elif is_broken_by(followed, candle.high, candle.low):
            self._exit(candle)

    def _exit(self, candle: Candle) -> None:
        self._exits.cancel()  # before the market sell, so the stop cannot fill as well
        self._followed = None
        self.exit_long(candle)
