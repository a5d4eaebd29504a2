"""Sizing entries for a bot: the configured mode applied to live equity, ATR and trade history.

The :class:`PositionSizer` is owned by the risk engine, which keeps it informed (candles for
the ATR, closed round trips for Kelly); strategies reach it through their context, so
``enter_long`` buys what the sizing mode says instead of the fixed stake. Formulas are in
:mod:`xor_trading.risk.sizing`; quantities are rounded down to the lot and 0 means "do not
enter" (the risk engine then denies the empty order with the reason).
"""

from __future__ import annotations

import math
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from xor_trading.domain.candles import Candle
from xor_trading.domain.instruments import Instrument
from xor_trading.indicators.atr import ATR
from xor_trading.risk.sizing import SizingMode, size_entry
from xor_trading.risk.state import RiskState


class SizingConfig(BaseModel):
    """How entries are sized (``xor backtest --sizing ...``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: SizingMode = Field(default=SizingMode.FIXED_STAKE, description="How to size entries.")
    risk_pct: Decimal = Field(default=Decimal(1), gt=0, le=100,
                              description="Equity risked per trade (fixed fractional, "
                                          "volatility, Kelly's fallback), in %.")  # fmt: skip
    kelly_fraction: Decimal = Field(default=Decimal("0.5"), gt=0, le=1)
    kelly_cap_pct: Decimal = Field(
        default=Decimal(2),
        gt=0,
        le=100,
        description="Kelly never risks more than this % of equity.",
    )
    kelly_min_trades: int = Field(default=30, ge=1, le=100_000)
    atr_period: int = Field(default=14, ge=1, le=1_000)
    atr_multiple: Decimal = Field(default=Decimal(2), gt=0, le=100)

    @model_validator(mode="after")
    def _cap_covers_fallback(self) -> SizingConfig:
        if self.mode is SizingMode.KELLY and self.kelly_cap_pct < self.risk_pct:
            raise ValueError(
                f"kelly_cap_pct ({self.kelly_cap_pct}) is below risk_pct ({self.risk_pct}): "
                "Kelly's fallback would risk more than its cap"
            )
        return self


class PositionSizer:
    """With the risk limits on, ``max_position_pct`` and ``max_risk_per_trade_pct`` cap what a
    mode proposes: a sizing mode never asks for an order those rules would deny. Without a
    stop, the whole position counts as at risk (as the risk rule counts it)."""

    def __init__(
        self,
        config: SizingConfig,
        state: RiskState,
        max_position_pct: Decimal | None = None,
        max_risk_per_trade_pct: Decimal | None = None,
    ) -> None:
        self.config = config
        self._state = state
        self._max_position_pct = max_position_pct
        self._max_risk_pct = max_risk_per_trade_pct
        self._atr: dict[str, ATR] = {}
        self._atr_value: dict[str, float] = {}
        self.trade_history: list[float] = []  # net PnL of each closed round trip

    @property
    def needs_market_data(self) -> bool:
        return self.config.mode is not SizingMode.FIXED_STAKE

    def on_candle(self, symbol: str, candle: Candle) -> None:
        if self.config.mode is SizingMode.VOLATILITY:
            atr = self._atr.get(symbol)
            if atr is None:
                atr = self._atr[symbol] = ATR(self.config.atr_period)
            self._atr_value[symbol] = atr.update(candle.high, candle.low, candle.close)

    def on_round_trip(self, pnl: float) -> None:
        self.trade_history.append(pnl)

    def quantity(
        self, instrument: Instrument, price: Decimal, stop_price: Decimal | None, stake: Decimal
    ) -> Decimal:
        """Quantity to enter at ``price`` (0: too small or no edge; the caller lets risk deny)."""
        c = self.config
        if c.mode is SizingMode.FIXED_STAKE:
            return instrument.quantity_for_notional(stake, price)
        atr = self._atr_value.get(instrument.symbol)
        if c.mode is SizingMode.VOLATILITY and (atr is None or math.isnan(atr)):  # no ATR yet
            return Decimal(0)
        qty = size_entry(
            c.mode, equity=self._state.equity, price=price, instrument=instrument,
            stop_price=stop_price, stake=stake, risk_pct=c.risk_pct, atr=atr,
            trade_history=self.trade_history, kelly_fraction=c.kelly_fraction,
            kelly_cap_pct=c.kelly_cap_pct, min_trades=c.kelly_min_trades,
            atr_multiple=c.atr_multiple,
        )  # fmt: skip
        equity = Decimal(str(self._state.equity))
        if self._max_position_pct is not None:
            cap = instrument.quantity_for_notional(equity * self._max_position_pct / 100, price)
            qty = min(qty, cap)
        if self._max_risk_pct is not None:
            at_risk = (price - stop_price) / price if stop_price is not None else Decimal(1)
            if at_risk > 0:
                budget = equity * self._max_risk_pct / 100 / at_risk
                qty = min(qty, instrument.quantity_for_notional(budget, price))
        return qty
