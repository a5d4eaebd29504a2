"""Backtest settings: capital, stake, costs and protective exits."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from xor_trading.core.errors import ConfigError
from xor_trading.domain.commands import Bracket
from xor_trading.exchanges.simulated.commission import FeeAsset
from xor_trading.exchanges.simulated.fill_models import (
    FeeSchedule,
    FixedSlippage,
    SlippageModel,
    VenueConfig,
    VolatilitySlippage,
    VolumeParticipationSlippage,
)
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.exit_manager import ExitConfig
from xor_trading.risk.position_sizer import SizingConfig
from xor_trading.risk.sizing import SizingMode


class SlippageKind(Enum):
    FIXED = "fixed"  # slippage_bps on every taker fill
    VOLUME = "volume"  # slippage_bps * sqrt(quantity / candle volume)
    VOLATILITY = "volatility"  # slippage_bps/100 * (high - low) / open, in bps


class BacktestConfig(BaseModel):
    """Everything about a backtest except the data and the strategy.

    Money in the quote currency (USDT for BTC/USDT); costs in basis points
    (10 bps = 0.1 %); stop and target in percent of the entry price.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    capital: Decimal = Field(default=Decimal(10_000), gt=0, description="Starting balance.")
    stake: Decimal = Field(default=Decimal(1_000), gt=0, description="Value of each entry.")
    fee_bps: Decimal = Field(default=Decimal(10), ge=0, le=1000, description="Taker fee.")
    maker_fee_bps: Decimal | None = Field(
        default=None, ge=0, le=1000, description="Maker fee; defaults to fee_bps."
    )
    fee_asset: FeeAsset = Field(
        default=FeeAsset.QUOTE,
        description="Asset fees are charged in: quote, or received (base on a buy, quote on "
        "a sell, as Binance). received needs the event path (ADR 0024).",
    )
    slippage_bps: Decimal = Field(default=Decimal(0), ge=0, le=1000)
    slippage_model: SlippageKind = SlippageKind.FIXED
    spread_bps: Decimal = Field(
        default=Decimal(0), ge=0, le=1000, description="Full bid-ask spread."
    )
    max_volume_participation: Decimal | None = Field(default=None, gt=0, le=1)
    risk: RiskConfig = Field(
        default_factory=RiskConfig.disabled,
        description="Risk limits; disabled by default in the library, on by default in the CLI.",
    )
    sizing: SizingConfig = Field(default_factory=SizingConfig, description="Entry sizing.")
    exits: ExitConfig = Field(default_factory=ExitConfig, description="Protective exits.")
    stop_loss_pct: Decimal | None = Field(default=None, gt=0, lt=100)
    take_profit_pct: Decimal | None = Field(default=None, gt=0, le=10_000)

    @model_validator(mode="after")
    def _stake_fits(self) -> BacktestConfig:
        if self.stake > self.capital:
            raise ValueError(f"stake {self.stake} is larger than the capital {self.capital}")
        if self.exits.enabled and (self.stop_loss_pct or self.take_profit_pct):
            raise ValueError(
                "protective exits (--exit) and the simple bracket (--stop-loss-pct, "
                "--take-profit-pct) both manage the exits: use one"
            )
        mode = self.sizing.mode
        if mode in (SizingMode.FIXED_FRACTIONAL, SizingMode.KELLY) and self.stop_loss_pct is None:
            raise ValueError(
                f"{mode.value} sizing risks a share of equity down to the stop: set stop_loss_pct"
            )
        if (
            self.risk.enabled
            and mode is not SizingMode.FIXED_STAKE
            and (self.sizing.risk_pct > self.risk.max_risk_per_trade_pct)
        ):
            raise ValueError(
                f"sizing risk_pct ({self.sizing.risk_pct}) exceeds the risk limit "
                f"max_risk_per_trade_pct ({self.risk.max_risk_per_trade_pct})"
            )
        return self

    @classmethod
    def build(cls, **values: object) -> BacktestConfig:
        """Validate, raising ConfigError with the offending field instead of pydantic's report."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"]) or "backtest settings"
            raise ConfigError(f"invalid {key}: {err['msg']}", "see `xor backtest --help`") from None

    @property
    def bracket(self) -> Bracket | None:
        if self.stop_loss_pct is None and self.take_profit_pct is None:
            return None
        return Bracket(self.stop_loss_pct, self.take_profit_pct)

    @property
    def maker_bps(self) -> Decimal:
        return self.fee_bps if self.maker_fee_bps is None else self.maker_fee_bps

    def slippage(self) -> SlippageModel:
        if self.slippage_model is SlippageKind.VOLUME:
            return VolumeParticipationSlippage(self.slippage_bps)
        if self.slippage_model is SlippageKind.VOLATILITY:
            return VolatilitySlippage(self.slippage_bps / 100)
        return FixedSlippage(self.slippage_bps)

    def venue_config(self) -> VenueConfig:
        return VenueConfig(
            fees=FeeSchedule(
                maker_bps=self.maker_bps, taker_bps=self.fee_bps, asset=self.fee_asset
            ),
            slippage=self.slippage(),
            spread_bps=self.spread_bps,
            max_volume_participation=self.max_volume_participation,
        )
