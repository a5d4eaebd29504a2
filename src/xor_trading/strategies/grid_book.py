"""A book of spot-grid orders: price lines, one buy/sell pair per cell, and the fills that move it.

Shared by composition by the ``grid`` and ``grid_corrective`` strategies (one book per grid;
the strategy decides when a grid starts, shifts and stops, the book owns its orders).

**Lines and cells.** A :class:`GridRange` ``(lower, upper, levels, spacing)`` has ``levels``
cells between ``levels + 1`` lines ``p_0 = lower < p_1 < ... < p_levels = upper`` (prices in
the quote currency):

* arithmetic: ``p_j = lower + j * (upper - lower) / levels`` (equal steps in price);
* geometric: ``p_j = lower * (upper / lower) ** (j / levels)`` (equal steps in percent).

Each line is rounded once to the nearest tick (half even), so the sell line of cell ``i`` and
the buy line of cell ``i + 1`` are the same price. Cell ``i`` buys at ``p_i`` and sells at
``p_(i+1)``. Lines that collide after rounding (a range too narrow for the tick) are refused
with :class:`~xor_trading.core.errors.ConfigError`.

**Quantity per cell.** A fixed base quantity when one is given, else the largest lot multiple
worth at most ``quote_per_level`` at the cell's buy line
(:meth:`Instrument.quantity_for_notional`). A cell whose order would break the venue's limits
(lot, minimum quantity or notional) is refused with ``ConfigError``.

**Rules (classic spot grid).**

* :meth:`GridBook.arm` (at a close): every cell that holds nothing and has no order gets a
  limit buy at its buy line if that line is strictly below the close. The first call places
  the buys below the price; later calls arm cells that started above the price once the
  price has come above them.
* A buy of cell ``i`` that completes (its whole quantity filled) is followed at once, from
  the fill, by a limit sell of everything the cell holds at ``p_(i+1)``.
* A sell that completes is followed at once by the cell's buy at ``p_i`` again.
* Partial fills (the run's volume cap): the filled quantity is added to (buy) or taken from
  (sell) what the cell holds and the remainder keeps working; the counter order is placed
  only when the order completes, for what the cell then holds.
* Fees in the asset received (Binance; ADR 0024): a buy's commission is charged in the
  base, so the cell holds what it received, ``quantity - fee``. Its sell is for the whole
  lots of that (rounded down to the lot size); the rest, below one lot, is *dust*: it
  leaves the cell for the book's :attr:`GridBook.spare` and stays in the account (the
  portfolio keeps it as the position's dust, ``domain/positions.py``). The next sell of
  any cell takes the whole lots of the spare along, so the dust of many round trips is
  sold once it adds up to a lot instead of piling up. The grid never sells more than its
  cells and its spare hold, and the venue never refuses a grid sell for want of the base.
* :meth:`GridBook.cancel_all`: every working order is canceled; the cells keep what they
  hold (a partly filled buy leaves its filled part held).
* :meth:`GridBook.shift` by ``n`` steps: cancel all, move the range by ``n`` steps
  (arithmetic: ``n * step`` in price; geometric: times ``ratio ** n``), then each cell that
  holds something gets a sell of all of it at its new sell line, and each other cell a buy
  at its new buy line if that is below the close. Holdings are never sold at market.

**Budget.** A :class:`GridBudget` starts at the strategy's stake and books every fill of the
strategy (the strategy books them before handing them to the book): a buy takes its value,
a sell gives its value; a fee in the quote is taken from the cash, a fee in the base is not
cash (it reduces what the cell holds, above). A buy is placed only if its value plus the
unfilled value of the grid's working buys fits in the budget; otherwise the level stays
idle and is armed at a later close. So a grid never commits more than its
stake plus what it has earned (less fees and the cost of coins it holds): with the capital
above the stake by the fees, no buy can expire for want of cash, whatever the losses.

**Never more sold than held.** A sell is only ever placed for what its cell bought and has not
yet sold, so the sum of working sells never exceeds the position (the venue is spot and XOR's
``sell_limit`` is not reduce-only). A holding too small to be sold alone (below the venue's
minimum, possible only after partial fills) is released from its cell to the spare: it
stays in the position, goes with a later sell, and the cell is idle again (armed at the
next close).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from itertools import pairwise
from typing import Protocol

from xor_trading.core.errors import ConfigError
from xor_trading.core.ids import OrderId
from xor_trading.core.precision import Rounding
from xor_trading.domain.fills import Fill
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import OrderSide
from xor_trading.domain.positions import held_change, whole_lots
from xor_trading.domain.values import ZERO

__all__ = ["GridBook", "GridBudget", "GridOrders", "GridRange", "GridSpacing"]


class GridSpacing(Enum):
    ARITHMETIC = "arithmetic"  # equal price steps
    GEOMETRIC = "geometric"  # equal percentage steps


class GridOrders(Protocol):
    """What a grid book needs from its strategy: :class:`~xor_trading.strategy.base.Strategy`."""

    def buy_limit(self, quantity: Decimal, price: Decimal, tag: str = "") -> OrderId: ...

    def sell_limit(self, quantity: Decimal, price: Decimal, tag: str = "") -> OrderId: ...

    def cancel(self, order_id: OrderId) -> None: ...


@dataclass(slots=True)
class GridBudget:
    """Quote a grid strategy may still commit: its stake plus the result of its fills.

    Every fill of the strategy is booked (buys take their value, sells give theirs, a fee in
    ``quote`` is taken too), so losses and fees shrink what later buys may use, and coins
    still held keep their cost out of it. A fee in another asset (the base, with fees in the
    asset received) is no cash: the grid book counts it as base not received.
    """

    cash: Decimal
    quote: str  # the settlement currency of the grid's instrument

    def book(self, fill: Fill) -> None:
        value = fill.price * fill.quantity
        fee = fill.fee if fill.fee_currency == self.quote else ZERO
        if fill.side is OrderSide.BUY:
            self.cash -= value + fee
        else:
            self.cash += value - fee


@dataclass(frozen=True, slots=True)
class GridRange:
    """``levels`` cells from ``lower`` to ``upper`` (quote currency, unrounded).

    ``step`` is the price step (arithmetic) or the ratio between neighbouring lines
    (geometric), computed once.
    """

    lower: Decimal
    upper: Decimal
    levels: int
    spacing: GridSpacing
    step: Decimal = field(init=False)

    def __post_init__(self) -> None:
        if not 0 < self.lower < self.upper:
            raise ConfigError(
                f"a grid needs 0 < lower < upper, got lower {self.lower} and upper {self.upper}",
                "choose a lower price below the upper one",
            )
        if self.levels < 1:
            raise ConfigError(f"a grid needs at least one level, got {self.levels}")
        if self.spacing is GridSpacing.ARITHMETIC:
            step = (self.upper - self.lower) / self.levels
        else:
            step = (self.upper / self.lower) ** (Decimal(1) / self.levels)
        object.__setattr__(self, "step", step)  # a derived field of a frozen dataclass

    def line(self, j: int) -> Decimal:
        """Line ``j`` of the lattice (``j`` may lie outside ``0..levels``), unrounded."""
        if self.spacing is GridSpacing.ARITHMETIC:
            return self.lower + j * self.step
        return self.lower * self.step**j

    def lines(self) -> list[Decimal]:
        # The end lines are the given prices exactly (no power round-off at the top).
        inner = [self.line(j) for j in range(1, self.levels)]
        return [self.lower, *inner, self.upper]

    def shifted(self, steps: int) -> GridRange:
        """The same grid moved ``steps`` lines up (positive) or down (negative)."""
        return GridRange(
            self.line(steps), self.line(self.levels + steps), self.levels, self.spacing
        )

    @property
    def above(self) -> Decimal:
        """The line one step above ``upper``: a close beyond it has left the range upwards."""
        return self.line(self.levels + 1)

    @property
    def below(self) -> Decimal:
        """The line one step below ``lower``: a close beyond it has left the range downwards."""
        return self.line(-1)


@dataclass(slots=True)
class _Cell:
    buy_price: Decimal
    sell_price: Decimal
    quantity: Decimal  # what a buy of this cell asks for
    held: Decimal = ZERO  # base bought by this cell and not sold yet
    order_id: OrderId | None = None
    selling: bool = False
    order_qty: Decimal = ZERO
    order_filled: Decimal = ZERO


class GridBook:
    """The orders of one grid. See the module docstring for the rules."""

    def __init__(
        self,
        orders: GridOrders,
        instrument: Instrument,
        grid: GridRange,
        *,
        budget: GridBudget,
        quote_per_level: Decimal,
        quantity_per_level: Decimal | None = None,
        tag: str = "grid",
        spare: Decimal = ZERO,
    ) -> None:
        """``spare``: base the strategy already holds below one lot (an earlier grid's dust),
        sold along with this grid's sells once it adds up to a lot."""
        self._orders = orders
        self._instrument = instrument
        self._budget = budget
        self._quote_per_level = quote_per_level
        self._fixed_qty = quantity_per_level
        self._buy_tag = f"{tag}_buy"
        self._sell_tag = f"{tag}_sell"
        self._by_order: dict[OrderId, _Cell] = {}
        self.spare = spare  # base held outside the cells (dust, too small to sell), see module
        self.range = grid
        self._cells = [_Cell(b, s, q) for b, s, q in self._layout(grid)]

    # -- reading ----------------------------------------------------------------------------

    @property
    def lines(self) -> list[Decimal]:
        """The grid's lines on the tick grid, lowest first."""
        return [c.buy_price for c in self._cells] + [self._cells[-1].sell_price]

    @property
    def held(self) -> Decimal:
        """Base quantity the grid's cells hold: bought (net of base fees), not yet sold."""
        return sum((c.held for c in self._cells), ZERO)

    # -- acting -----------------------------------------------------------------------------

    def arm(self, close: Decimal) -> None:
        """Place the buy of every idle cell whose buy line is strictly below ``close``."""
        for cell in self._cells:
            if cell.order_id is None and cell.held == 0 and cell.buy_price < close:
                self._buy(cell)

    def on_fill(self, fill: Fill) -> bool:
        """Book a fill; False when the order is not one of this grid's."""
        cell = self._by_order.get(fill.order_id)
        if cell is None:
            return False
        cell.order_filled += fill.quantity
        # What the account received or gave: a fee in the base comes off it.
        cell.held += held_change(fill, self._instrument.base)
        if cell.order_filled == cell.order_qty:  # complete: the counter order goes at once
            del self._by_order[fill.order_id]
            cell.order_id = None
            if cell.held > 0:
                self._sell(cell)
            else:
                self._buy(cell)
        return True

    def cancel_all(self) -> None:
        """Cancel every working order; the cells keep what they hold."""
        for cell in self._cells:
            if cell.order_id is not None:
                self._orders.cancel(cell.order_id)
                del self._by_order[cell.order_id]
                cell.order_id = None

    def shift(self, steps: int, close: Decimal) -> None:
        """Move the whole grid ``steps`` lines (see the module docstring)."""
        self.cancel_all()
        grid = self.range.shifted(steps)
        layout = self._layout(grid)
        self.range = grid
        for cell, (buy, sell, qty) in zip(self._cells, layout, strict=True):
            cell.buy_price, cell.sell_price, cell.quantity = buy, sell, qty
            if cell.held > 0:
                self._sell(cell)
        self.arm(close)

    # -- inside -----------------------------------------------------------------------------

    def _layout(self, grid: GridRange) -> list[tuple[Decimal, Decimal, Decimal]]:
        """(buy line, sell line, buy quantity) per cell, checked against the venue's limits."""
        inst = self._instrument
        lines = [inst.round_price(p, Rounding.NEAREST) for p in grid.lines()]
        if lines[0] <= 0 or any(b >= a for b, a in pairwise(lines)):
            raise ConfigError(
                f"grid lines {lines[0]}..{lines[-1]} in {grid.levels} levels collide on the "
                f"tick {inst.tick_size}",
                "widen the range or use fewer levels",
            )
        layout: list[tuple[Decimal, Decimal, Decimal]] = []
        for buy, sell in pairwise(lines):
            qty = self._fixed_qty or inst.quantity_for_notional(self._quote_per_level, buy)
            problem = inst.check_order(qty, buy)
            if problem is not None:
                raise ConfigError(
                    f"the grid order at {buy} cannot be placed: {problem}",
                    "raise the stake (or the quantity per level) or use fewer levels",
                )
            layout.append((buy, sell, qty))
        return layout

    def _buy(self, cell: _Cell) -> None:
        committed = sum(
            (
                (c.order_qty - c.order_filled) * c.buy_price
                for c in self._by_order.values()
                if not c.selling
            ),
            ZERO,
        )
        if committed + cell.quantity * cell.buy_price > self._budget.cash:
            return  # over budget: the level stays idle and is armed at a later close
        cell.order_id = self._orders.buy_limit(cell.quantity, cell.buy_price, self._buy_tag)
        cell.selling = False
        self._track(cell, cell.quantity)

    def _sell(self, cell: _Cell) -> None:
        inst = self._instrument
        holding = cell.held + self.spare
        sellable = whole_lots(holding, inst.lot_size)  # the rest: dust left by base fees
        if inst.check_order(sellable, cell.sell_price) is not None:
            # Too small after partial fills: unsellable alone; it waits in the spare.
            self.spare, cell.held = holding, ZERO
            return
        self.spare, cell.held = holding - sellable, sellable
        cell.order_id = self._orders.sell_limit(cell.held, cell.sell_price, self._sell_tag)
        cell.selling = True
        self._track(cell, cell.held)

    def _track(self, cell: _Cell, qty: Decimal) -> None:
        assert cell.order_id is not None
        cell.order_qty = qty
        cell.order_filled = ZERO
        self._by_order[cell.order_id] = cell
