"""Market data: stored markets, candles, indicators and context scores.

Times are UTC epoch milliseconds (candle open times); prices and volumes are the stored
float64 observations. Series are columns aligned on ``ts_ms``.
"""

from __future__ import annotations

from pydantic import Field, StrictFloat, StrictInt, StrictStr

from xor_trading.api.schemas.common import PublicModel, StrictInput
from xor_trading.services.market_data_service import DEFAULT_CANDLES, MAX_CANDLES

MAX_TIME_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


class StoredMarketPublic(PublicModel):
    exchange: str
    symbol: str
    timeframe: str
    candles: int
    first_ms: int | None = Field(description="Open time of the first candle.")
    last_ms: int | None = Field(description="Open time of the last candle.")
    gap_count: int
    missing_bars: int


class CandlesPublic(PublicModel):
    exchange: str
    symbol: str
    timeframe: str
    resampled_from: str | None = Field(
        description="The stored timeframe these candles were built from; null: stored as is."
    )
    ts_ms: list[int]
    open: list[float]
    high: list[float]
    low: list[float]
    close: list[float]
    volume: list[float]


class IndicatorParamPublic(PublicModel):
    name: str
    kind: str = Field(description="int, float or str.")
    default: int | float | str
    description: str
    minimum: int | None
    choices: list[str]


class IndicatorPublic(PublicModel):
    name: str
    summary: str
    shape: str = Field(description="lines, swings, levels or profile.")
    inputs: list[str]
    params: list[IndicatorParamPublic]
    outputs: list[str]
    available: bool


class IndicatorCompute(StrictInput):
    """Compute an indicator over a window of a stored market's candles."""

    symbol: str = Field(min_length=1, max_length=32)
    timeframe: str = Field(min_length=1, max_length=8)
    exchange: str | None = Field(default=None, max_length=32)
    since: int | None = Field(default=None, ge=0, le=MAX_TIME_MS, description="Open time >=.")
    until: int | None = Field(default=None, ge=0, le=MAX_TIME_MS, description="Open time <.")
    limit: int = Field(default=DEFAULT_CANDLES, ge=1, le=MAX_CANDLES)
    params: dict[str, StrictStr | StrictInt | StrictFloat] = Field(
        default_factory=dict, max_length=16, description="Missing: the defaults."
    )


class SwingPublic(PublicModel):
    index: int
    ts_ms: int
    kind: str
    price: float
    confirmed_index: int
    confirmed_ts_ms: int


class LevelPublic(PublicModel):
    kind: str
    ratio: float
    price: float


class ProfilePublic(PublicModel):
    bin_edges: list[float]
    volumes: list[float]
    poc: float
    value_area_high: float
    value_area_low: float


class IndicatorSeriesPublic(PublicModel):
    """One of ``lines``, ``swings``, ``levels``, ``profile`` is set, as ``shape`` says;
    a line is null where the indicator is undefined (warm-up)."""

    name: str
    shape: str
    params: dict[str, int | float | str]
    exchange: str
    symbol: str
    timeframe: str
    ts_ms: list[int]
    lines: dict[str, list[float | None]] | None
    swings: list[SwingPublic] | None
    levels: list[LevelPublic] | None
    profile: ProfilePublic | None


class MarketContextRowPublic(PublicModel):
    """One market's score (0-100), pattern and direction on its last candle; ``skipped``
    says why a market could not be scored (then those are null)."""

    exchange: str
    symbol: str
    timeframe: str
    candles: int
    last_ms: int | None
    score: float | None
    pattern: str | None
    direction: int | None
    last_signal_ms: int | None
    resampled_from: str | None
    skipped: str | None


class MarketContextPublic(PublicModel):
    timeframe: str
    lookback: int
    threshold: float
    warmup: int
    rows: list[MarketContextRowPublic]
