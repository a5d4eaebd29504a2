"""Elliott wave counts for chart labels (see services/elliott_waves_service.py)."""

from __future__ import annotations

from xor_trading.api.schemas.common import PublicModel


class WavePointPublic(PublicModel):
    wave: str
    ts_ms: int
    price: float


class PriceLevelPublic(PublicModel):
    price: float
    meaning: str


class WaveCountPublic(PublicModel):
    kind: str
    confidence: float
    position: str
    points: list[WavePointPublic]
    invalidations: list[PriceLevelPublic]
    targets: list[PriceLevelPublic]


class ElliottWavesPublic(PublicModel):
    exchange: str
    symbol: str
    timeframe: str
    threshold_pct: float
    swings: int
    counts: list[WaveCountPublic]
    current: WaveCountPublic | None
