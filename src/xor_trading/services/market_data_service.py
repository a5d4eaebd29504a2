"""Market data for the API: stored markets, candles, indicators and context scores.

Everything is read from the candle store (``<data_dir>/candles``); nothing is fetched
from an exchange here. Prices and volumes are float64, as the store keeps them (they are
market observations to chart, not amounts of money XOR books).

Windows: a request names a market (exchange, symbol, timeframe), an optional
``since <= open time < until`` range in UTC epoch ms and a ``limit`` of at most
:data:`MAX_CANDLES`. With ``since`` the window is the first ``limit`` candles from
``since``; without it, the last ``limit`` candles before ``until`` (the latest ones when
both are absent), which is what a chart opens on.

Indicators are those of :data:`~xor_trading.indicators.catalog.CATALOG` (moving
averages, oscillators, channels, ZigZag swings, Fibonacci levels, volume profile),
computed over exactly the candles of the window, so the first values of a line are
``None`` during the indicator's warm-up. Elliott wave counts are not in the catalog and
are not offered here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from xor_trading.core.errors import DataError, InputError, NotFoundError, UnknownSymbolError
from xor_trading.data.candle_store import LoadedCandles, ParquetCandleStore
from xor_trading.indicators.catalog import (
    CATALOG,
    IndicatorSpec,
    OutputShape,
    ParamValue,
)
from xor_trading.indicators.fibonacci import FibLevel
from xor_trading.indicators.market_context import DEFAULT_LOOKBACK, DEFAULT_THRESHOLD
from xor_trading.indicators.swings import SwingPoint
from xor_trading.indicators.volume_profile import VolumeProfile
from xor_trading.services.container import Container
from xor_trading.services.market_context_service import (
    MarketContextReport,
    market_context_report,
)
from xor_trading.services.principal import Principal
from xor_trading.timeseries.candle_frame import CandleFrame, FloatArray

__all__ = [
    "DEFAULT_CANDLES",
    "MAX_CANDLES",
    "CandleSeries",
    "IndicatorInfo",
    "IndicatorParamInfo",
    "IndicatorSeries",
    "LevelView",
    "MarketDataService",
    "ProfileView",
    "StoredMarketView",
    "SwingView",
    "optional_floats",
]

MAX_CANDLES = 50_000
"""Most candles one request may return or compute over."""
DEFAULT_CANDLES = 1_000


@dataclass(frozen=True, slots=True)
class StoredMarketView:
    """One stored series: candle open times in UTC ms (``None`` when empty)."""

    exchange: str
    symbol: str
    timeframe: str
    candles: int
    first_ms: int | None
    last_ms: int | None
    gap_count: int
    missing_bars: int


@dataclass(frozen=True, slots=True)
class CandleSeries:
    """Candles as aligned columns; ``ts_ms`` are open times (UTC ms). ``resampled_from``
    names the stored timeframe the candles were built from (``None``: stored as asked)."""

    exchange: str
    symbol: str
    timeframe: str
    resampled_from: str | None
    ts_ms: list[int]
    open: list[float]
    high: list[float]
    low: list[float]
    close: list[float]
    volume: list[float]


@dataclass(frozen=True, slots=True)
class IndicatorParamInfo:
    """``kind`` is ``int``, ``float`` or ``str`` (the type of ``default``)."""

    name: str
    kind: str
    default: ParamValue
    description: str
    minimum: int | None
    choices: list[str]


@dataclass(frozen=True, slots=True)
class IndicatorInfo:
    name: str
    summary: str
    shape: str
    inputs: list[str]
    params: list[IndicatorParamInfo]
    outputs: list[str]
    available: bool


@dataclass(frozen=True, slots=True)
class SwingView:
    """A confirmed swing: candle ``index`` in the window, its open time and price, and
    when it became known (``confirmed_*``; using it earlier would be lookahead)."""

    index: int
    ts_ms: int
    kind: str
    price: float
    confirmed_index: int
    confirmed_ts_ms: int


@dataclass(frozen=True, slots=True)
class LevelView:
    kind: str
    ratio: float
    price: float


@dataclass(frozen=True, slots=True)
class ProfileView:
    """``bin_edges`` (``bins + 1`` ascending prices) and the volume of each bin."""

    bin_edges: list[float]
    volumes: list[float]
    poc: float
    value_area_high: float
    value_area_low: float


@dataclass(frozen=True, slots=True)
class IndicatorSeries:
    """An indicator over a window. Exactly one of ``lines`` (output name -> one value per
    candle, ``None`` where undefined), ``swings``, ``levels`` or ``profile`` is set,
    according to ``shape``. ``params`` are every parameter's value as used."""

    name: str
    shape: str
    params: dict[str, ParamValue]
    exchange: str
    symbol: str
    timeframe: str
    ts_ms: list[int]
    lines: dict[str, list[float | None]] | None = None
    swings: list[SwingView] | None = None
    levels: list[LevelView] | None = None
    profile: ProfileView | None = None


def optional_floats(values: FloatArray) -> list[float | None]:
    """The array as a list with ``None`` for NaN and infinities (JSON has neither)."""
    return [x if math.isfinite(x) else None for x in np.asarray(values, dtype=np.float64).tolist()]


def _window(frame: CandleFrame, since_ms: int | None, limit: int) -> CandleFrame:
    if since_ms is not None:
        return frame.slice(0, limit)
    return frame.slice(max(0, len(frame) - limit), len(frame))


def _param_info(spec: IndicatorSpec) -> list[IndicatorParamInfo]:
    return [
        IndicatorParamInfo(
            name=p.name,
            kind=type(p.default).__name__,
            default=p.default,
            description=p.description,
            minimum=p.minimum,
            choices=list(p.choices),
        )
        for p in spec.all_params
    ]


class MarketDataService:
    """Read-only market data from the candle store (no user-owned rows)."""

    def __init__(self, container: Container) -> None:
        self._c = container

    @property
    def store(self) -> ParquetCandleStore:
        return ParquetCandleStore(self._c.settings.candles_dir)

    def symbols(self, principal: Principal) -> list[StoredMarketView]:
        """Every stored series, by exchange, symbol and timeframe duration."""
        return [
            StoredMarketView(
                exchange=s.exchange,
                symbol=s.symbol,
                timeframe=s.timeframe.text,
                candles=s.rows,
                first_ms=s.first_ms,
                last_ms=s.last_ms,
                gap_count=s.gap_count,
                missing_bars=s.missing_bars,
            )
            for s in self.store.list()
        ]

    def _load(
        self,
        exchange: str | None,
        symbol: str,
        timeframe: str,
        since_ms: int | None,
        until_ms: int | None,
        limit: int,
    ) -> tuple[LoadedCandles, CandleFrame]:
        if not 1 <= limit <= MAX_CANDLES:
            raise InputError(
                f"limit must be from 1 to {MAX_CANDLES:,} candles; got {limit}",
                "page through a longer history with since/until",
            )
        if since_ms is not None and until_ms is not None and since_ms >= until_ms:
            raise InputError(f"since ({since_ms}) must be before until ({until_ms})", "swap them")
        try:
            loaded = self.store.read(
                exchange or self._c.settings.default_exchange,
                symbol,
                timeframe,
                start_ms=since_ms,
                end_ms=until_ms,
            )
        except UnknownSymbolError as exc:
            # A market that is not stored is a resource that does not exist here.
            raise NotFoundError(exc.message, exc.hint) from None
        return loaded, _window(loaded.frame, since_ms, limit)

    def candles(
        self,
        principal: Principal,
        *,
        symbol: str,
        timeframe: str,
        exchange: str | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
        limit: int = DEFAULT_CANDLES,
    ) -> CandleSeries:
        """The candles of a window (see the module docstring); empty when the range
        holds none. ``NotFoundError`` (listing what is stored) for a market that is not
        stored, ``InputError`` for a bad name, timeframe, range or limit."""
        loaded, frame = self._load(exchange, symbol, timeframe, since_ms, until_ms, limit)
        return CandleSeries(
            exchange=loaded.exchange,
            symbol=loaded.symbol,
            timeframe=loaded.timeframe.text,
            resampled_from=None if loaded.resampled_from is None else loaded.resampled_from.text,
            ts_ms=frame.ts_ms.tolist(),
            open=frame.open.tolist(),
            high=frame.high.tolist(),
            low=frame.low.tolist(),
            close=frame.close.tolist(),
            volume=frame.volume.tolist(),
        )

    def indicators(self, principal: Principal) -> list[IndicatorInfo]:
        """The indicator catalog: names, parameters with defaults, outputs."""
        return [
            IndicatorInfo(
                name=spec.name,
                summary=spec.summary,
                shape=spec.shape.value,
                inputs=list(spec.inputs) if not spec.source else ["source"],
                params=_param_info(spec),
                outputs=list(spec.outputs),
                available=spec.available,
            )
            for spec in CATALOG.values()
        ]

    def compute(
        self,
        principal: Principal,
        name: str,
        *,
        symbol: str,
        timeframe: str,
        exchange: str | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
        limit: int = DEFAULT_CANDLES,
        params: Mapping[str, object] | None = None,
    ) -> IndicatorSeries:
        """Indicator ``name`` with ``params`` (checked by the catalog: unknown names and
        out-of-range values raise ``InputError``) over the candles of a window.

        ``NotFoundError`` for an unknown indicator or a market that is not stored;
        ``DataError`` when the window holds no candle.
        """
        spec = CATALOG.get(name.strip().lower())
        if spec is None:
            raise NotFoundError(
                f"no indicator {name!r}",
                f"choose one of: {', '.join(CATALOG)} (GET /api/v1/market/indicators)",
            )
        resolved = spec.resolve(params or {})  # validate before reading any candle
        for key, value in resolved.items():
            # Periods and bins beyond the window only cost memory and time (S7).
            if isinstance(value, int) and abs(value) > MAX_CANDLES:
                raise InputError(
                    f"{spec.name} parameter {key} must be at most {MAX_CANDLES:,} in size; "
                    f"got {value}",
                    "a window holds at most 50,000 candles",
                )
        loaded, frame = self._load(exchange, symbol, timeframe, since_ms, until_ms, limit)
        if frame.is_empty:
            raise DataError(
                f"no {loaded.symbol} {loaded.timeframe} candles in the requested range",
                "widen since/until; GET /api/v1/market/symbols shows the stored ranges",
            )
        output = spec.compute(frame, resolved)
        ts = frame.ts_ms.tolist()
        series = IndicatorSeries(
            name=spec.name,
            shape=spec.shape.value,
            params=resolved,
            exchange=loaded.exchange,
            symbol=loaded.symbol,
            timeframe=loaded.timeframe.text,
            ts_ms=ts,
        )
        if spec.shape is OutputShape.LINES:
            assert isinstance(output, dict)
            lines = {key: optional_floats(values) for key, values in output.items()}
            return replace(series, lines=lines)
        if spec.shape is OutputShape.SWINGS:
            assert isinstance(output, list)
            swings = [_swing(point, ts) for point in output if isinstance(point, SwingPoint)]
            return replace(series, swings=swings)
        if spec.shape is OutputShape.LEVELS:
            assert isinstance(output, list)
            levels = [
                LevelView(level.kind.value, level.ratio, level.price)
                for level in output
                if isinstance(level, FibLevel)
            ]
            return replace(series, levels=levels)
        assert isinstance(output, VolumeProfile)
        profile = ProfileView(
            bin_edges=output.bin_edges.tolist(),
            volumes=output.volumes.tolist(),
            poc=output.poc,
            value_area_high=output.value_area_high,
            value_area_low=output.value_area_low,
        )
        return replace(series, profile=profile)

    def context(
        self,
        principal: Principal,
        *,
        timeframe: str,
        exchange: str | None = None,
        lookback: int = DEFAULT_LOOKBACK,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> MarketContextReport:
        """The market context score of every stored market (``xor market context``)."""
        return market_context_report(
            self.store, timeframe, exchange=exchange, lookback=lookback, threshold=threshold
        )


def _swing(point: SwingPoint, ts: list[int]) -> SwingView:
    return SwingView(
        index=point.index,
        ts_ms=ts[point.index],
        kind=point.kind.value,
        price=point.price,
        confirmed_index=point.confirmed_index,
        confirmed_ts_ms=ts[point.confirmed_index],
    )
