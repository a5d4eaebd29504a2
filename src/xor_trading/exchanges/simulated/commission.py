"""Which asset a spot commission is charged in, and how much: one rule for both simulations.

The simulated venue (backtests, paper bots) and the simulated Binance server (live tests)
both call :func:`commission`, so a paper bot and a live bot on the simulated Binance pay the
same commission, in the same asset, to the last unit.

* :attr:`FeeAsset.QUOTE`: every commission in the quote asset, ``value * rate``. What
  backtesting.py, vectorbt and Freqtrade assume; positions stay whole.
* :attr:`FeeAsset.RECEIVED`: in the asset the trade receives, as Binance charges an account
  that does not pay with BNB: a buy pays ``quantity * rate`` in the base asset (the account
  receives ``quantity - commission``), a sell pays ``value * rate`` in the quote.

Amounts round **up** to the venue's quantum (Binance: 1e-8 of any asset): the venue never
books less than it charges. Exact ``Decimal``.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from xor_trading.core.precision import Rounding, round_to_increment

__all__ = ["FeeAsset", "commission"]


class FeeAsset(StrEnum):
    """The asset spot commissions are charged in (see the module)."""

    QUOTE = "quote"
    RECEIVED = "received"


def commission(
    is_buy: bool,
    quantity: Decimal,
    value: Decimal,
    rate: Decimal,
    asset: FeeAsset,
    quantum: Decimal,
) -> tuple[Decimal, bool]:
    """The commission of one fill and whether it is in the base asset (else the quote).

    ``quantity`` in the base asset, ``value`` (price x quantity) in the quote, ``rate`` a
    fraction (0.001 = 10 bps), ``quantum`` the smallest amount the venue books.
    """
    if is_buy and asset is FeeAsset.RECEIVED:
        return round_to_increment(quantity * rate, quantum, Rounding.UP), True
    return round_to_increment(value * rate, quantum, Rounding.UP), False
