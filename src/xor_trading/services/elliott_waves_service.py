"""Elliott wave counts of a stored market, for labelling a chart.

The counts are those of :func:`~xor_trading.indicators.elliott.label_waves` (the best
non-overlapping complete or developing counts, in time order) over ZigZag swings of the
window, plus the current count of :func:`~xor_trading.indicators.elliott.detect_waves`
(the one the Elliott strategies trade on). Swing indices become candle open times, so a
chart can place labels without knowing the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xor_trading.core.errors import InputError
from xor_trading.indicators.elliott import WaveCandidate, detect_waves, label_waves
from xor_trading.indicators.zigzag import zigzag
from xor_trading.services.container import Container
from xor_trading.services.market_data_service import DEFAULT_CANDLES, MarketDataService
from xor_trading.services.principal import Principal

MIN_THRESHOLD_PCT = 0.1
MAX_THRESHOLD_PCT = 50.0


@dataclass(frozen=True, slots=True)
class WavePointView:
    """One labelled swing: wave name ("1".."5", "A".."C"), candle open time (UTC ms), price."""

    wave: str
    ts_ms: int
    price: float


@dataclass(frozen=True, slots=True)
class PriceLevelView:
    """A price level with what it means (an invalidation rule or a target's basis)."""

    price: float
    meaning: str


@dataclass(frozen=True, slots=True)
class WaveCountView:
    """One count: pattern kind, confidence in [0, 1], where price is in it, its levels."""

    kind: str
    confidence: float
    position: str
    points: tuple[WavePointView, ...]
    invalidations: tuple[PriceLevelView, ...]
    targets: tuple[PriceLevelView, ...]


@dataclass(frozen=True, slots=True)
class ElliottWavesView:
    """The counts of one window and the count live at its last candle (None if none)."""

    exchange: str
    symbol: str
    timeframe: str
    threshold_pct: float
    swings: int
    counts: tuple[WaveCountView, ...]
    current: WaveCountView | None


def _side(breaks_above: bool) -> str:
    return "broken above" if breaks_above else "broken below"


def _view(candidate: WaveCandidate, ts: list[int]) -> WaveCountView:
    return WaveCountView(
        kind=candidate.kind.value,
        confidence=candidate.confidence,
        position=candidate.position,
        points=tuple(WavePointView(lb.wave, ts[lb.index], lb.price) for lb in candidate.labels),
        invalidations=tuple(
            PriceLevelView(
                level.price, f"{'above' if level.breaks_above else 'below'}: {level.rule}"
            )
            for level in candidate.invalidations
        ),
        targets=tuple(
            PriceLevelView(t.price, f"wave {t.wave} = {t.ratio:g} x {t.basis}")
            for t in candidate.targets
        ),
    )


class ElliottWavesService:
    """Elliott counts over the candle store (readable by every role)."""

    def __init__(self, container: Container) -> None:
        self._market = MarketDataService(container)

    def waves(
        self,
        principal: Principal,
        *,
        symbol: str,
        timeframe: str,
        exchange: str | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
        limit: int = DEFAULT_CANDLES,
        threshold_pct: float = 5.0,
        min_confidence: float = 0.5,
    ) -> ElliottWavesView:
        """Counts of the window chosen as for candles (see MarketDataService.candles).

        ``threshold_pct`` is the ZigZag reversal in percent (0.1-50); ``min_confidence``
        (0-1) drops weaker counts from ``counts``.
        """
        if not MIN_THRESHOLD_PCT <= threshold_pct <= MAX_THRESHOLD_PCT:
            raise InputError(
                f"threshold_pct must be from {MIN_THRESHOLD_PCT} to {MAX_THRESHOLD_PCT}; "
                f"got {threshold_pct}",
                "5 suits 1h-1d candles, 1-2 suits 1m-15m",
            )
        if not 0.0 <= min_confidence <= 1.0:
            raise InputError(f"min_confidence must be from 0 to 1; got {min_confidence}")
        series = self._market.candles(
            principal,
            symbol=symbol,
            timeframe=timeframe,
            exchange=exchange,
            since_ms=since_ms,
            until_ms=until_ms,
            limit=limit,
        )
        ts = series.ts_ms
        counts: tuple[WaveCountView, ...] = ()
        current: WaveCountView | None = None
        swing_count = 0
        if ts:
            high = np.asarray(series.high, dtype=np.float64)
            low = np.asarray(series.low, dtype=np.float64)
            close = np.asarray(series.close, dtype=np.float64)
            swings = zigzag(high, low, threshold_pct)
            swing_count = len(swings)
            counts = tuple(_view(c, ts) for c in label_waves(swings, min_confidence=min_confidence))
            live = detect_waves(high, low, close, swings=swings) if swings else None
            current = None if live is None else _view(live.best, ts)
        return ElliottWavesView(
            exchange=series.exchange,
            symbol=series.symbol,
            timeframe=series.timeframe,
            threshold_pct=threshold_pct,
            swings=swing_count,
            counts=counts,
            current=current,
        )
