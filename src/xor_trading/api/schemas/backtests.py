"""Backtests: the submission body (also shown back as a run's ``request``), runs, results.

The body checks shapes and sizes; what the values mean (a strategy's parameters, a
symbol's data, risk limits that contradict each other, a stake above the capital) is
checked by the backtest service, which answers 422 with the sentence of the component
that knows. Money is in the quote currency as exact decimals (JSON numbers or strings),
costs in basis points (10 = 0.1 %), percentages in percent.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr

from xor_trading.api.schemas.common import PublicModel, StrictInput

ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
"""What a run id may look like (ids are UUID4 strings); anything else is refused early."""

MAX_AMOUNT = Decimal("1e15")
"""Largest capital or stake accepted (quote currency)."""
Scalar = StrictStr | StrictInt | StrictFloat | StrictBool
RunStatusName = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class CostsInput(StrictInput):
    """Money and costs, as ``xor backtest`` takes them (same defaults)."""

    capital: Decimal = Field(
        default=Decimal(10_000), le=MAX_AMOUNT, description="Starting balance."
    )
    stake: Decimal = Field(
        default=Decimal(200), le=MAX_AMOUNT, description="Value of each entry (fixed_stake sizing)."
    )
    fee_bps: Decimal = Field(default=Decimal(10), description="Taker fee, basis points.")
    maker_fee_bps: Decimal | None = Field(default=None, description="Maker fee; null: fee_bps.")
    fee_asset: Literal["quote", "received"] = Field(
        default="quote",
        description="Fees in the quote, or in the asset received (base on a buy, quote on a "
        "sell, as Binance; the event path only).",
    )
    slippage_bps: Decimal = Field(default=Decimal(0), description="Slippage on taker fills.")
    slippage_model: Literal["fixed", "volume", "volatility"] = Field(
        default="fixed",
        description="fixed | volume (bps x sqrt(qty/volume)) | volatility (bps/100 x range/open).",
    )
    spread_bps: Decimal = Field(default=Decimal(0), description="Full bid-ask spread.")
    max_volume_pct: Decimal | None = Field(
        default=None, description="Fill at most this % of a candle's volume (partial fills)."
    )


class RiskInput(StrictInput):
    """Risk limits: the defaults (docs/risk.md) with ``limits`` applied, or none at all."""

    enabled: bool = Field(default=True, description="false: a research run without limits.")
    limits: dict[str, StrictStr | StrictInt | StrictFloat | None] = Field(
        default_factory=dict,
        max_length=32,
        description='Limit name -> value, e.g. {"max_open_positions": 3}.',
    )


class SizingInput(StrictInput):
    mode: Literal["fixed_stake", "fixed_fractional", "kelly", "volatility"] = Field(
        default="fixed_stake", description="How entries are sized."
    )
    risk_pct: Decimal = Field(
        default=Decimal(1), description="Equity risked per trade by the sizing modes, in %."
    )


class ExitsInput(StrictInput):
    """A simple bracket, or protective exits (not both)."""

    stop_loss_pct: Decimal | None = Field(default=None, description="Stop, % below the entry.")
    take_profit_pct: Decimal | None = Field(default=None, description="Target, % above the entry.")
    protective: dict[str, Scalar | None] | None = Field(
        default=None,
        max_length=16,
        description=(
            "null: off; {}: the defaults; or keys of `xor backtest --exit` (stop, stop_pct, "
            "take_profit, break_even, time_stop_candles...)."
        ),
    )


class BacktestSubmit(StrictInput):
    """A backtest to run in the background: a strategy on one market's stored candles."""

    strategy: str = Field(min_length=1, max_length=64, description="From GET /api/v1/strategies.")
    params: dict[str, Scalar] = Field(
        default_factory=dict, max_length=64, description="Strategy parameters; missing: defaults."
    )
    exchange: str | None = Field(
        default=None, max_length=32, description="Whose rules and data; null: the default."
    )
    symbol: str = Field(min_length=1, max_length=32, description="e.g. BTC/USDT.")
    timeframe: str = Field(min_length=1, max_length=8, description="e.g. 1m, 1h, 1d.")
    from_: str | None = Field(
        default=None,
        alias="from",
        max_length=40,
        description="First candle, ISO 8601 (UTC unless a zone is given); null: the start.",
    )
    to: str | None = Field(
        default=None, max_length=40, description="End, exclusive, ISO 8601; null: the end."
    )
    costs: CostsInput = Field(default_factory=CostsInput)
    risk: RiskInput = Field(default_factory=RiskInput)
    sizing: SizingInput = Field(default_factory=SizingInput)
    exits: ExitsInput = Field(default_factory=ExitsInput)
    path: Literal["auto", "fast", "event"] = Field(
        default="auto", description="fast (vectorised), event (the live kernel) or auto."
    )


class BacktestRunPublic(PublicModel):
    """A run: its status and progress, and its summary once it succeeded."""

    id: str
    status: RunStatusName
    progress: float = Field(ge=0, le=1, description="0..1; 1 once succeeded.")
    cancel_requested: bool
    strategy: str
    exchange: str
    symbol: str
    timeframe: str
    candles: int | None = Field(description="Candles read, once known.")
    path: str | None = Field(description="fast or event, once known.")
    total_return_pct: Decimal | None = Field(description="Rounded to 8 decimals.")
    max_drawdown_pct: Decimal | None = Field(description="Rounded to 8 decimals.")
    trades: int | None
    error: str | None = Field(description="Why it failed (a sentence and what to do).")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    request: BacktestSubmit = Field(description="The request, normalised.")


class BacktestRunDetailPublic(BacktestRunPublic):
    """A run with its metrics (docs/metrics.md; exact decimals as strings, null where a
    metric is undefined) and the warnings of the run."""

    metrics: dict[str, str | int | float | None] | None
    warnings: list[str]


class BacktestComparePublic(PublicModel):
    runs: list[BacktestRunDetailPublic]


class EquityPublic(PublicModel):
    """The equity curve (quote currency) at candle closes, thinned to at most
    ``max_points`` points keeping each stretch's low and high; ``total_points`` is the
    length of the full curve."""

    run_id: str
    total_points: int
    ts_ms: list[int]
    equity: list[float]
    drawdown_pct: list[float]
    in_position: list[bool]


class TradePublic(PublicModel):
    """A round trip; prices, quantity, fees and PnL are exact decimals."""

    entry_time: datetime
    exit_time: datetime
    symbol: str
    side: str
    entry_price: Decimal
    exit_price: Decimal
    quantity: Decimal
    fees: Decimal
    pnl: Decimal = Field(description="Net of fees.")
    return_pct: Decimal
    exit_reason: str
