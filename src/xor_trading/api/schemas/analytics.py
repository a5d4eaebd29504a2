"""PnL reports and the strategy comparison (decimal strings; ratios with 6 decimals)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from xor_trading.api.schemas.common import PublicModel
from xor_trading.api.schemas.orders import DecimalText


class PnlGroupPublic(PublicModel):
    """PnL of one bot, strategy or UTC day."""

    key: str = Field(description="Bot id, strategy name, or day (YYYY-MM-DD).")
    label: str = Field(description="The bot's name; the key otherwise.")
    trades: int
    wins: int
    losses: int
    gross_pnl: DecimalText
    fees: DecimalText
    net_pnl: DecimalText
    unrealised_pnl: DecimalText | None = Field(
        description="From each bot's last snapshot in the group's period; null if none."
    )


class PnlReportPublic(PublicModel):
    """Closed-trade PnL over ``since <= exit time < until``, grouped, with totals."""

    group_by: str
    since: datetime | None
    until: datetime | None
    groups: list[PnlGroupPublic]
    trades: int
    gross_pnl: DecimalText
    fees: DecimalText
    net_pnl: DecimalText


class StrategyStatsPublic(PublicModel):
    """One strategy across the caller's bots that run it."""

    strategy: str
    bots: int
    trades: int
    wins: int
    losses: int
    win_rate: DecimalText | None = Field(description="wins / trades; null without trades.")
    gross_profit: DecimalText
    gross_loss: DecimalText = Field(description="Sum of losing trades, as a positive amount.")
    net_pnl: DecimalText
    profit_factor: DecimalText | None = Field(description="gross_profit / gross_loss.")
    max_drawdown: DecimalText = Field(description="Largest fall of combined equity from a peak.")
    max_drawdown_pct: DecimalText | None = Field(description="That fall as a fraction of the peak.")
