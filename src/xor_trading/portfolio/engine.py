"""The portfolio: positions and the account ledger, kept from fills on the bus.

For each fill it updates the symbol's :class:`Position`, charges the fee and books realised
PnL into the :class:`Account`, then publishes :class:`PositionChanged`. Strategies read it
through the ``PositionView`` protocol of ``strategy.context`` only.

Fees (amounts exact ``Decimal``; the ledger is in the account's currency, the quote):

* In the account's currency (backtests, paper, a live account paying in the quote): booked
  as they are. This is the hot path: one comparison, nothing more.
* In the symbol's base asset (Binance's default for a buy): the position moves by what the
  account really received or gave (``Position.apply_net``: a buy of ``q`` with a fee ``f``
  adds ``q - f``, a sell removes ``q + f``), the fee is booked at its quote value
  ``f * price``, and what is left beyond whole lots of the instrument is the position's
  *dust*: held (:meth:`PortfolioEngine.holding` counts it, the venue's balance shows it),
  never offered to a strategy or an exit, so nothing ever sells more than the account holds.
* In another asset (BNB): no price source here, so it is booked at zero quote value and
  counted in that asset in :attr:`PortfolioEngine.other_asset_fees` (logged once per asset).

``instruments`` gives the lot sizes (and base/quote); a symbol without one is split from its
CCXT spelling and keeps its dust in the position (nothing to round it to).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.ids import Symbol
from xor_trading.domain.accounts import Account
from xor_trading.domain.events import OrderFilled, PositionChanged
from xor_trading.domain.fills import Fill
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.positions import Position, base_and_quote

logger = logging.getLogger("xor.portfolio")

_ZERO = Decimal(0)


class PortfolioEngine:
    def __init__(
        self,
        bus: MessageBus,
        account: Account,
        instruments: Mapping[Symbol, Instrument] | None = None,
    ) -> None:
        self._bus = bus
        self.account = account
        self.positions: dict[Symbol, Position] = {}
        self._instruments = dict(instruments or {})
        self.other_asset_fees: dict[str, Decimal] = {}  # asset -> amount, valued at zero
        self._dust_cost = _ZERO  # sum of the positions' dust_cost (quote spent on dust)
        # The bus's live list: an empty one (a backtest) means PositionChanged is not built.
        self._position_handlers = bus.handlers(PositionChanged)
        bus.subscribe(OrderFilled, self._on_fill)

    def position(self, symbol: Symbol) -> Position:
        pos = self.positions.get(symbol)
        if pos is None:
            pos = self.positions[symbol] = Position(symbol)
        return pos

    def position_quantity(self, symbol: Symbol) -> Decimal:
        """The tradable position: whole lots, signed; dust is not part of it."""
        pos = self.positions.get(symbol)
        return pos.quantity if pos is not None else Decimal(0)

    def position_avg_entry(self, symbol: Symbol) -> Decimal:
        pos = self.positions.get(symbol)
        return pos.avg_entry if pos is not None else Decimal(0)

    def holding(self, symbol: Symbol) -> Decimal:
        """What the account holds of ``symbol``'s base asset for this portfolio: the position
        and its dust (compare this, not the position, with the venue's balance)."""
        pos = self.positions.get(symbol)
        return pos.quantity + pos.dust if pos is not None else Decimal(0)

    def restore(self, position: Position) -> None:
        """Give back a position an earlier run left (restart), its dust included."""
        earlier = self.positions.get(position.symbol)
        if earlier is not None:
            self._dust_cost -= earlier.dust_cost
        self.positions[position.symbol] = position
        self._dust_cost += position.dust_cost

    @property
    def balance(self) -> Decimal:
        return self.account.balance

    def cash(self) -> Decimal:
        """Settlement currency not tied in open positions or their dust:
        ``balance - sum(cost basis) - sum(dust cost)``."""
        tied = sum((p.cost_basis for p in self.positions.values()), Decimal(0))
        if self._dust_cost:
            tied += self._dust_cost
        return self.account.balance - tied

    def _on_fill(self, event: OrderFilled) -> None:
        fill = event.fill
        pos = self.position(fill.symbol)
        if fill.fee_currency == self.account.currency:
            realized = pos.apply(fill)
            fee = fill.fee
        else:
            realized, fee = self._apply_other_fee(pos, fill)
        self.account.charge_fee(fee, fill.ts_ms, fill.trade_id)
        self.account.book_realized_pnl(realized, fill.ts_ms, fill.trade_id)
        if not self._position_handlers:
            return  # nobody follows positions (a backtest): skip building the event
        changed = PositionChanged(
            fill.symbol, event.strategy_id, pos.quantity, pos.avg_entry, realized, fill.ts_ms
        )
        for handler in self._position_handlers:
            handler(changed)

    def _apply_other_fee(self, pos: Position, fill: Fill) -> tuple[Decimal, Decimal]:
        """A fill whose fee is not in the account's currency: ``(realised, fee in quote)``."""
        instrument = self._instruments.get(fill.symbol)
        if instrument is not None:
            base, quote, lot = instrument.base, instrument.quote, instrument.lot_size
        else:
            (base, quote), lot = base_and_quote(fill.symbol), None
        if not fill.fee or fill.fee_currency == quote:
            return pos.apply(fill), fill.fee  # no fee, or the quote of another account
        if fill.fee_currency != base:
            self._count_other_asset_fee(fill)
        dust_cost = pos.dust_cost
        realized = pos.apply_net(fill, base, quote, lot)
        self._dust_cost += pos.dust_cost - dust_cost
        return realized, fill.fee * fill.price if fill.fee_currency == base else _ZERO

    def _count_other_asset_fee(self, fill: Fill) -> None:
        asset = fill.fee_currency
        if asset not in self.other_asset_fees:
            logger.warning(
                "fees paid in %s (fill %s on %s) are counted in %s and booked at zero %s: "
                "there is no %s price here",
                asset, fill.trade_id, fill.symbol, asset, self.account.currency, asset,
            )  # fmt: skip
        self.other_asset_fees[asset] = self.other_asset_fees.get(asset, _ZERO) + fill.fee
