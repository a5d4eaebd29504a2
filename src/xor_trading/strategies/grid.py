"""Spot grid: resting limit buys on lines below the market, each bought level sold one line up.

The classic spot grid of 3Commas' and Binance's grid bots, long only, on the event path (its
orders depend on its own fills, so it has no vectorised signals). The order book itself lives
in :mod:`~xor_trading.strategies.grid_book`; this module decides where the grid lies and when
it moves.

**Range.** ``lower`` and ``upper`` (quote currency) when both are given; otherwise, at the
first close ``c0`` (on the tick grid), ``lower = c0 * (1 - lower_pct / 100)`` and
``upper = c0 * (1 + upper_pct / 100)``. ``levels`` cells lie between ``levels + 1`` lines,
arithmetic (equal price steps ``(upper - lower) / levels``) or geometric (equal ratios
``(upper / lower) ** (1 / levels)``), each line rounded to the nearest tick.

**Sizing.** ``quantity`` base per level when given; else each level buys the largest lot
multiple worth at most ``stake / levels`` quote at its line, so a fully bought grid costs at
most the run's stake. **Budget:** the stake is the grid's budget; every fill is booked into it
(buys cost value and a quote fee, sells return value less a quote fee; a fee in the base
asset is no cash), and a buy is placed only if it fits
together with the unfilled value of the working buys; a level that does not fit stays idle
and is armed at a later close. So losses and fees shrink the grid instead of overdrawing the
account: with the capital above the stake by the fees, no buy can expire for want of cash
(open orders do not lock funds on the simulated venue).

**Rules.**

1. First candle: build the grid and place a limit buy at every line below the close (the
   line at or above it, and the top line, get no buy).
2. A buy at line ``i`` that completes: limit sell of the same quantity at line ``i + 1``.
3. That sell completes: the limit buy at line ``i`` again (if it fits in the budget; else
   at a later close, by rule 4).
4. Every later close: a level that holds nothing and has no order gets its buy if its line is
   below the close and it fits in the budget (levels that started above the price join once
   the price is above them).
5. Trailing (optional): a close above ``upper`` by more than one step (above the line one
   step over the top) shifts the whole grid one step up; one below ``lower`` by more than one
   step shifts it one step down (arithmetic keeps its price step, which becomes a small
   percentage after a large rise: prefer geometric spacing with trailing). Every order is
   canceled and re-placed on the shifted lines:
   each level that holds coins sells all of them at its new sell line (one step lower after a
   shift down: the sell moves down with the grid, and may realise a loss after several
   shifts), every other level buys at its new line if that is below the close. Holdings are
   kept: nothing is sold at market. At most one shift per close.

**Partial fills** (a volume cap): the remainder of an order keeps working; the counter order
is placed when the order completes, for the whole quantity the level then holds. Orders fill
as the venue rules say: a resting limit needs the price to trade through it and fills at its
price as maker; a counter order placed from a fill joins the rest of the same candle's path.

**Spot.** XOR's ``sell_limit`` is not reduce-only and the venue refuses to sell what is not
held, so a sell is only ever placed for what its level bought (never more than the position).
With fees in the asset received (Binance, ADR 0024) a level holds what it received, its
buy quantity less the base fee, and sells the whole lots of it: the dust below one lot stays
in the account and goes with a later sell once it adds up to a lot (``grid_book``). The
run's stop-loss/take-profit bracket is not used (the grid never enters with
``enter_long``). At the end of the data working orders are canceled and the position is
sold at the last close, as for any strategy.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from xor_trading.domain.candles import Candle
from xor_trading.domain.fills import Fill
from xor_trading.strategies.grid_book import GridBook, GridBudget, GridRange, GridSpacing
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext
from xor_trading.strategy.registry import register_strategy

_HUNDRED = Decimal(100)


class GridConfig(StrategyConfig):
    levels: int = Field(default=10, ge=1, le=200, description="Grid cells (lines minus one).")
    spacing: Literal["arithmetic", "geometric"] = Field(
        default="arithmetic",
        description="arithmetic: equal price steps; geometric: equal percentage steps.",
    )
    lower: float = Field(
        default=0.0, ge=0, description="Lowest line, quote currency; 0: use lower_pct."
    )
    upper: float = Field(
        default=0.0, ge=0, description="Highest line, quote currency; 0: use upper_pct."
    )
    lower_pct: float = Field(
        default=10.0, gt=0, lt=100, description="Without lower/upper: range start, % below."
    )
    upper_pct: float = Field(
        default=10.0, gt=0, le=1000, description="Without lower/upper: range end, % above."
    )
    quantity: float = Field(
        default=0.0, ge=0, description="Base quantity per level; 0: stake / levels in quote."
    )
    trailing: bool = Field(
        default=False, description="Shift the grid one step when the close leaves the range."
    )

    @model_validator(mode="after")
    def _range_is_given_whole(self) -> GridConfig:
        if (self.lower > 0) != (self.upper > 0):
            raise ValueError("give both lower and upper, or neither (then the percentages apply)")
        if self.lower > 0 and self.lower >= self.upper:
            raise ValueError(f"lower ({self.lower}) must be below upper ({self.upper})")
        return self


@register_strategy
class Grid(Strategy[GridConfig]):
    name = "grid"
    config_class = GridConfig
    description = "Spot grid: limit buys on lines below the price, each sold one line up."

    def __init__(self, config: GridConfig, context: StrategyContext) -> None:
        super().__init__(config, context)
        self.book: GridBook | None = None
        self.budget = GridBudget(context.settings.stake, context.instrument.quote)

    def on_candle(self, candle: Candle) -> None:
        close = self.price_of(candle)
        book = self.book
        if book is None:
            self.book = book = self._build(close)
            book.arm(close)
            return
        if self.config.trailing:
            if close > book.range.above:
                book.shift(1, close)
                return
            if close < book.range.below:
                book.shift(-1, close)
                return
        book.arm(close)

    def on_fill(self, fill: Fill) -> None:
        self.budget.book(fill)  # first: a completed sell's proceeds pay for the next buy
        if self.book is not None:
            self.book.on_fill(fill)

    def _build(self, close: Decimal) -> GridBook:
        cfg = self.config
        if cfg.lower > 0:
            lower, upper = Decimal(str(cfg.lower)), Decimal(str(cfg.upper))
        else:
            lower = close * (1 - Decimal(str(cfg.lower_pct)) / _HUNDRED)
            upper = close * (1 + Decimal(str(cfg.upper_pct)) / _HUNDRED)
        grid = GridRange(lower, upper, cfg.levels, GridSpacing(cfg.spacing))
        return GridBook(
            self,
            self.ctx.instrument,
            grid,
            budget=self.budget,
            quote_per_level=self.ctx.settings.stake / cfg.levels,
            quantity_per_level=Decimal(str(cfg.quantity)) if cfg.quantity > 0 else None,
        )
