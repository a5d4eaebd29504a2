"""Fees, spread and slippage of the simulated venue.

All models return **basis points against the taker** (1 bp = 0.01 %). A taker fill at
reference price ``p`` happens at ``p * (1 + bps/10_000)`` for a buy and
``p * (1 - bps/10_000)`` for a sell, rounded to the tick *against* the taker. Maker fills
(resting limit orders) happen at their limit price: no spread, no slippage.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from xor_trading.domain.candles import Candle
from xor_trading.exchanges.simulated.commission import FeeAsset

_BPS = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Maker and taker fees in basis points of the fill value (10 bps = 0.1 %), and the
    asset they are charged in (:class:`FeeAsset`: ``quote``, or ``received``, base on a buy
    and quote on a sell, as Binance; see ``commission.py``)."""

    maker_bps: Decimal = Decimal(10)
    taker_bps: Decimal = Decimal(10)
    asset: FeeAsset = FeeAsset.QUOTE

    def rate(self, is_maker: bool) -> Decimal:
        return (self.maker_bps if is_maker else self.taker_bps) / _BPS


class SlippageModel(Protocol):
    """Extra cost of a taker fill, in bps, given its quantity and the candle it fills in."""

    def adverse_bps(self, quantity: Decimal, candle: Candle) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class FixedSlippage:
    """A constant number of bps on every taker fill."""

    bps: Decimal = Decimal(0)

    def adverse_bps(self, quantity: Decimal, candle: Candle) -> Decimal:
        return self.bps


@dataclass(frozen=True, slots=True)
class VolumeParticipationSlippage:
    """Square-root market impact: ``impact_bps * sqrt(quantity / candle volume)``.

    ``impact_bps`` is the cost of taking the whole candle's volume. A candle with zero
    volume costs ``impact_bps`` (the worst case), never a division by zero.
    """

    impact_bps: Decimal = Decimal(100)

    def adverse_bps(self, quantity: Decimal, candle: Candle) -> Decimal:
        if candle.volume <= 0:
            return self.impact_bps
        participation = min(Decimal(1), quantity / Decimal(str(candle.volume)))
        return self.impact_bps * participation.sqrt()


@dataclass(frozen=True, slots=True)
class VolatilitySlippage:
    """Slippage proportional to the candle's range: ``factor * (high - low) / open`` in bps."""

    factor: Decimal = Decimal("0.1")

    def adverse_bps(self, quantity: Decimal, candle: Candle) -> Decimal:
        spread = Decimal(str(candle.high)) - Decimal(str(candle.low))
        return self.factor * spread / Decimal(str(candle.open)) * _BPS


@dataclass(frozen=True, slots=True)
class VenueConfig:
    """How the simulated venue fills orders.

    ``spread_bps`` is the full bid-ask spread; a taker pays half of it.
    ``max_volume_participation`` caps the quantity filled in one candle at that share of the
    candle's volume (``None``: no cap); the rest stays working for the next candles.
    """

    fees: FeeSchedule = FeeSchedule()
    slippage: SlippageModel = FixedSlippage()
    spread_bps: Decimal = Decimal(0)
    max_volume_participation: Decimal | None = None

    def taker_adverse_bps(self, quantity: Decimal, candle: Candle) -> Decimal:
        return self.spread_bps / 2 + self.slippage.adverse_bps(quantity, candle)
