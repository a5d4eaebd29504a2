"""Compare what the bot believes the venue holds with the venue's balances, per asset.

Rules:

* Only the assets the caller's holdings view names are compared (an account may hold
  assets that are none of the bot's business, such as fee-token dust).
* An asset the view names and the venue's balance list omits is *unreported*, never zero:
  a missing report is not a flat position. The run is then incomplete.
* Amounts are compared exactly (``Decimal``, ``free + locked``); an asset listed twice by
  the venue counts as the sum of its entries. The expected amounts are what the bot holds
  net of commissions paid in the base asset, dust below one lot included (a live bot's view
  is ``baseline + PortfolioEngine.holding``), so no tolerance is needed or allowed.
* A position alignment is a synthetic fill on the one symbol whose base asset differs,
  of exactly the difference, at the caller's reference price, with no fee. It moves the
  base asset only; a difference in a quote asset cannot be aligned by a fill.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from xor_trading.core.ids import OrderId, TradeId
from xor_trading.domain.fills import Fill, Liquidity
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import OrderSide
from xor_trading.execution.reconciliation_result import RECONCILIATION_TAG, AssetDifference
from xor_trading.execution.venue_state import VenueBalance


@dataclass(frozen=True, slots=True)
class HoldingsComparison:
    differences: tuple[AssetDifference, ...]
    unreported_assets: tuple[str, ...]

    @property
    def agrees(self) -> bool:
        return not self.differences and not self.unreported_assets


def compare_holdings(
    expected: Mapping[str, Decimal], balances: Sequence[VenueBalance]
) -> HoldingsComparison:
    venue: dict[str, Decimal] = {}
    for balance in balances:
        venue[balance.asset] = venue.get(balance.asset, Decimal(0)) + balance.total
    differences = []
    unreported = []
    for asset in sorted(expected):
        if asset not in venue:
            unreported.append(asset)
        elif venue[asset] != expected[asset]:
            differences.append(AssetDifference(asset, expected[asset], venue[asset]))
    return HoldingsComparison(tuple(differences), tuple(unreported))


def instrument_for_base(asset: str, instruments: Iterable[Instrument]) -> Instrument | None:
    """The one instrument whose base asset is ``asset``; None if none or several (ambiguous)."""
    matches = [i for i in instruments if i.base == asset]
    return matches[0] if len(matches) == 1 else None


def position_alignment_fill(
    difference: AssetDifference, instrument: Instrument, price: Decimal, now_ms: int
) -> Fill:
    """The synthetic fill that moves the bot's ``instrument.base`` holding to the venue's."""
    delta = difference.delta
    return Fill(
        trade_id=TradeId(f"{RECONCILIATION_TAG}:{instrument.symbol}:{now_ms}"),
        order_id=OrderId(f"{RECONCILIATION_TAG}:{instrument.symbol}"),
        symbol=instrument.symbol,
        side=OrderSide.BUY if delta > 0 else OrderSide.SELL,
        price=price,
        quantity=abs(delta),
        fee=Decimal(0),
        fee_currency=instrument.quote,
        liquidity=Liquidity.TAKER,
        ts_ms=now_ms,
    )
