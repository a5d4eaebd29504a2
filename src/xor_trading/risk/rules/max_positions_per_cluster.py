"""At most ``max_positions_per_cluster`` open positions in one cluster of correlated symbols.

A cluster is a connected component of the open positions under "correlation above
``max_correlation``" (so A-B and B-C correlated make A, B, C one cluster even if A-C is not).
A new position that correlates above the threshold with any member joins that cluster, and
joins clusters together when it links several; it is refused when the merged cluster would
hold more than the cap. Adding to a symbol already held or being entered passes.

Positions can sit in one cluster although each passed the pairwise rule when it was opened:
correlations move with the window, and a pair without enough history was not checked. With
the same threshold for both rules, a candidate that would join a cluster also breaks
``max_correlation``; this rule runs first so that the denial names the cluster when one
exists.
"""

from __future__ import annotations

from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.instruments import Instrument
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.rules.base import Denial
from xor_trading.risk.state import RiskState

__all__ = ["MaxPositionsPerCluster"]

_SHOWN = 5  # cluster members named in a denial


class MaxPositionsPerCluster:
    rule = "max_positions_per_cluster"

    def check(
        self, cmd: SubmitOrder, state: RiskState, config: RiskConfig, instrument: Instrument
    ) -> Denial | None:
        if state.is_open(cmd.symbol) or state.entry_quantity(cmd) <= 0:
            return None
        members = state.correlation(cmd.symbol, config.max_correlation).cluster
        if len(members) + 1 <= config.max_positions_per_cluster:
            return None
        named = ", ".join(members[:_SHOWN]) + (", ..." if len(members) > _SHOWN else "")
        return Denial(
            self.rule,
            f"{cmd.symbol}: its returns correlate above {config.max_correlation} with a cluster "
            f"of {len(members)} open positions ({named}), which would grow to "
            f"{len(members) + 1}; max_positions_per_cluster is "
            f"{config.max_positions_per_cluster}",
        )
