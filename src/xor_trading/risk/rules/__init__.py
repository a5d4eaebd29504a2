"""Pre-trade rules, one module each, and the order they run in.

``PRE_TRADE_RULES`` is checked in order and the first :class:`Denial` wins:

1. ``exchange_minimums``: the venue's lot, tick and minimum notional (every order, exits too);
2. ``entry_price``: an entry must carry a price to be valued at;
3. ``max_order_notional``, ``max_open_positions``, ``max_entries_per_day``: cheap counts first;
4. ``max_position_pct``, ``max_risk_per_trade_pct``, ``max_leverage``: values against equity;
5. ``max_positions_per_cluster``, ``max_correlation``: return correlations (cached per candle).

Rules 2 to 5 limit entries only; an exit passes them. :func:`check_pre_trade` runs them all,
or only the venue's rules when the configuration is disabled.
"""

from __future__ import annotations

from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.instruments import Instrument
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.rules.base import Denial, PreTradeRule
from xor_trading.risk.rules.entry_price import EntryPrice
from xor_trading.risk.rules.exchange_minimums import ExchangeMinimums
from xor_trading.risk.rules.max_correlation import MaxCorrelation
from xor_trading.risk.rules.max_entries_per_day import MaxEntriesPerDay
from xor_trading.risk.rules.max_leverage import MaxLeverage
from xor_trading.risk.rules.max_open_positions import MaxOpenPositions
from xor_trading.risk.rules.max_order_notional import MaxOrderNotional
from xor_trading.risk.rules.max_position_pct import MaxPositionPct
from xor_trading.risk.rules.max_positions_per_cluster import MaxPositionsPerCluster
from xor_trading.risk.rules.max_risk_per_trade_pct import MaxRiskPerTradePct
from xor_trading.risk.state import RiskState

__all__ = [
    "PRE_TRADE_RULES",
    "VENUE_RULES",
    "Denial",
    "EntryPrice",
    "ExchangeMinimums",
    "MaxCorrelation",
    "MaxEntriesPerDay",
    "MaxLeverage",
    "MaxOpenPositions",
    "MaxOrderNotional",
    "MaxPositionPct",
    "MaxPositionsPerCluster",
    "MaxRiskPerTradePct",
    "PreTradeRule",
    "check_pre_trade",
]

VENUE_RULES: list[PreTradeRule] = [ExchangeMinimums()]

PRE_TRADE_RULES: list[PreTradeRule] = [
    *VENUE_RULES,
    EntryPrice(),
    MaxOrderNotional(),
    MaxOpenPositions(),
    MaxEntriesPerDay(),
    MaxPositionPct(),
    MaxRiskPerTradePct(),
    MaxLeverage(),
    MaxPositionsPerCluster(),
    MaxCorrelation(),
]


def check_pre_trade(
    cmd: SubmitOrder, state: RiskState, config: RiskConfig, instrument: Instrument
) -> Denial | None:
    """The first denial of :data:`PRE_TRADE_RULES` (only :data:`VENUE_RULES` when disabled)."""
    for rule in PRE_TRADE_RULES if config.enabled else VENUE_RULES:
        denial = rule.check(cmd, state, config, instrument)
        if denial is not None:
            return denial
    return None
