"""Net positions with exact cost basis and PnL.

Conventions (docs/architecture.md, "Accounting"):

* ``quantity`` is signed: positive long, negative short, zero flat.
* ``cost_basis`` is the signed quote value of the open quantity at its entry prices
  (``sum(price * signed quantity)``); it is exact. ``avg_entry`` is derived from it, for display
  and for placing stops.
* A fill that reduces the position releases the closed share of the cost basis, rounded to
  :data:`RELEASE_QUANTUM` (1e-12 of the quote currency; a share such as 1/3 does not
  terminate), and realises ``proceeds - released cost``. When the position closes completely
  the whole remaining cost basis is released, so the rounding is absorbed and a round trip
  realises exactly ``sells - buys``: money is never lost or invented. Every amount keeps a
  bounded number of decimals, so ledger sums stay exact.
* A fill that crosses zero closes the position, then opens the rest at the fill price.
* Fees are accumulated separately and are **not** included in ``realized_pnl``.

Commissions paid in the base asset (Binance's default for the asset a trade *receives*: a
BUY of ``q`` BTC with a fee of ``f`` BTC credits ``q - f`` BTC):

* The trade is booked as its quote-fee equivalent (:func:`quote_fee_equivalent`): a BUY of
  ``q`` with ``f`` in base is a BUY of ``q - f`` with a fee of ``f * price`` in quote; a SELL
  of ``q`` with ``f`` in base is a SELL of ``q + f`` with a fee of ``f * price``. The quote
  cash moved is the same (``price * q``), the base held moves by what the account really
  got, and the fee keeps its quote value for PnL and fee totals. Exact (``Decimal``).
* **Dust.** A venue trades whole lots only, so what the account holds beyond a whole number
  of lots cannot be sold. :meth:`Position.apply_net` keeps ``quantity`` a whole number of
  lots (what can be sold, what strategies and exits see, rounded toward zero) and puts the
  rest in ``dust``, with its share of the cost basis in ``dust_cost``. Dust is held, not
  lost: ``holding = quantity + dust`` is what the venue's balance shows for the bot, and the
  dust rejoins the position at the next base-fee fill, so it is sold once it adds up to a
  lot. A position whose holding is below one lot is flat; its round trip is over.
* A fee in a third asset (BNB) has no price source here: the caller records it in that
  asset and books it at zero quote value (:func:`quote_fee_equivalent` drops it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal

from xor_trading.core.errors import DataError
from xor_trading.core.ids import Symbol
from xor_trading.domain.fills import Fill
from xor_trading.domain.orders import OrderSide
from xor_trading.domain.values import ZERO

RELEASE_QUANTUM = Decimal("1e-12")


def base_and_quote(symbol: str) -> tuple[str, str]:
    """The assets of a CCXT unified symbol: ``BTC/USDT`` and ``BTC/USDT:USDT`` -> BTC, USDT."""
    base, _, rest = symbol.partition("/")
    return base, rest.partition(":")[0]


def fee_in_quote(fill: Fill, base: str, quote: str) -> Decimal:
    """The fee's value in ``quote``: as charged in the quote, at the fill price in the base,
    zero in any other asset (no price source)."""
    if fill.fee_currency == base:
        return fill.fee * fill.price
    return fill.fee if fill.fee_currency == quote else ZERO


def held_change(fill: Fill, base: str) -> Decimal:
    """The signed change of the base asset the account holds: ``+q`` for a buy, ``-q`` for a
    sell, less a fee charged in the base asset."""
    signed = fill.quantity if fill.side is OrderSide.BUY else -fill.quantity
    return signed - fill.fee if fill.fee_currency == base else signed


def quote_fee_equivalent(fill: Fill, base: str, quote: str) -> Fill:
    """``fill`` with its fee in ``quote`` and the same cash and base movements (see the module).

    Raises :class:`DataError` for a buy whose base fee is not smaller than its quantity."""
    if fill.fee_currency == quote:
        return fill
    if fill.fee_currency != base:  # third asset (BNB): no price source, valued at zero
        return replace(fill, fee=ZERO, fee_currency=quote)
    if fill.side is OrderSide.BUY:
        if fill.fee >= fill.quantity:
            raise DataError(
                f"fill {fill.trade_id} buys {fill.quantity} {base} with a fee of {fill.fee} "
                f"{base}: the fee must be smaller than the quantity.",
                "check the venue's trade report (commission and commissionAsset)",
            )
        quantity = fill.quantity - fill.fee
    else:
        quantity = fill.quantity + fill.fee
    return replace(fill, quantity=quantity, fee=fill.fee * fill.price, fee_currency=quote)


def whole_lots(quantity: Decimal, lot_size: Decimal) -> Decimal:
    """``quantity`` rounded toward zero to a whole number of ``lot_size``: what can be traded."""
    lots = (quantity / lot_size).to_integral_value(rounding=ROUND_DOWN)
    return (lots * lot_size).quantize(lot_size) if lots else ZERO


@dataclass(slots=True)
class Position:
    symbol: Symbol
    quantity: Decimal = ZERO
    cost_basis: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    opened_ms: int | None = None
    dust: Decimal = ZERO  # held beyond whole lots (see the module); signed like quantity
    dust_cost: Decimal = ZERO  # the cost basis of the dust, in quote

    @property
    def holding(self) -> Decimal:
        """What the account holds for this position: the tradable quantity plus the dust."""
        return self.quantity + self.dust

    @property
    def is_flat(self) -> bool:
        return self.quantity == 0

    @property
    def avg_entry(self) -> Decimal:
        """Average entry price (positive); zero when flat."""
        return self.cost_basis / self.quantity if self.quantity else ZERO

    def unrealized_pnl(self, mark: Decimal) -> Decimal:
        return mark * self.quantity - self.cost_basis

    def apply(self, fill: Fill) -> Decimal:
        """Apply a fill; returns the PnL it realised (zero for an increase)."""
        signed = fill.quantity * fill.side.sign
        self.fees += fill.fee
        if self.quantity == 0 or (self.quantity > 0) == (signed > 0):
            if self.quantity == 0:
                self.opened_ms = fill.ts_ms
            self.quantity += signed
            self.cost_basis += fill.price * signed
            return ZERO
        held = abs(self.quantity)
        closing = min(abs(signed), held)
        direction = 1 if self.quantity > 0 else -1
        if closing == held:
            released = self.cost_basis
        else:
            released = (self.cost_basis * closing / held).quantize(RELEASE_QUANTUM)
        realized = fill.price * closing * direction - released
        self.realized_pnl += realized
        self.cost_basis -= released
        self.quantity -= closing * direction
        if self.quantity == 0:
            self.cost_basis = ZERO
            self.opened_ms = None
            remainder = abs(signed) - closing
            if remainder > 0:  # crossed through zero: the rest opens a new position
                self.quantity = remainder * (1 if signed > 0 else -1)
                self.cost_basis = fill.price * self.quantity
                self.opened_ms = fill.ts_ms
        return realized

    def apply_net(
        self, fill: Fill, base: str, quote: str, lot_size: Decimal | None = None
    ) -> Decimal:
        """Apply a fill whose fee is not in the quote currency (see the module); returns the
        PnL it realised. The dust rejoins the position first; with ``lot_size`` what is left
        beyond whole lots afterwards is dust again (without it, the position keeps it)."""
        equivalent = quote_fee_equivalent(fill, base, quote)
        if self.dust and (self.quantity == 0 or (self.quantity > 0) == (self.dust > 0)):
            if self.quantity == 0:
                self.opened_ms = fill.ts_ms
            self.quantity += self.dust
            self.cost_basis += self.dust_cost
            self.dust = self.dust_cost = ZERO
        realized = self.apply(equivalent)
        if lot_size is not None:
            self._set_dust_aside(lot_size)
        return realized

    def _set_dust_aside(self, lot_size: Decimal) -> None:
        tradable = whole_lots(self.quantity, lot_size)
        dust = self.quantity - tradable
        if not dust:
            return
        if tradable == 0:
            share = self.cost_basis
            self.opened_ms = None  # below one lot: the round trip is over
        else:
            share = (self.cost_basis * dust / self.quantity).quantize(RELEASE_QUANTUM)
        self.dust += dust
        self.dust_cost += share
        self.cost_basis -= share
        self.quantity = tradable


def tradable_fill(
    fill: Fill, base: str, quote: str, lot_size: Decimal, tradable: Decimal, dust: Decimal
) -> tuple[Fill | None, Decimal]:
    """``fill`` (fee not in ``quote``) as it moves a tradable position of whole lots, for the
    engines that track quantities from fills themselves (risk, exits): the same rules as
    :meth:`Position.apply_net`, so they agree with the portfolio to the last unit.

    ``tradable`` and ``dust`` are the position and its dust before the fill. Returns the fill
    that moves ``tradable`` to the new tradable position (its side, a positive quantity, the
    fee valued in ``quote``), or None when it does not move, and the dust after.
    """
    change = held_change(fill, base)
    holding = tradable
    if dust and (tradable == 0 or (tradable > 0) == (dust > 0)):
        holding, dust = tradable + dust, ZERO
    after = holding + change
    new_tradable = whole_lots(after, lot_size)
    dust += after - new_tradable
    delta = new_tradable - tradable
    if not delta:
        return None, dust
    side = OrderSide.BUY if delta > 0 else OrderSide.SELL
    moved = replace(
        fill, side=side, quantity=abs(delta), fee=fee_in_quote(fill, base, quote),
        fee_currency=quote,
    )  # fmt: skip
    return moved, dust
