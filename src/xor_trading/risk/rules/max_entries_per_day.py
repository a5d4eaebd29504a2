"""At most ``max_entries_per_day`` entries accepted per UTC day.

An entry counts when the risk engine accepts it (``RiskState.on_entry_accepted``), whether or
not it fills: the limit is on decisions to enter. The count starts afresh at 00:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.instruments import Instrument
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.rules.base import Denial
from xor_trading.risk.state import DAY_MS, RiskState

__all__ = ["MaxEntriesPerDay"]


class MaxEntriesPerDay:
    rule = "max_entries_per_day"

    def check(
        self, cmd: SubmitOrder, state: RiskState, config: RiskConfig, instrument: Instrument
    ) -> Denial | None:
        done = state.entries_on(cmd.ts_ms)
        if done < config.max_entries_per_day or state.entry_quantity(cmd) <= 0:
            return None
        day = datetime.fromtimestamp(cmd.ts_ms // DAY_MS * 86_400, tz=UTC).date()
        return Denial(
            self.rule,
            f"{cmd.symbol}: {done} entries were already accepted on {day.isoformat()} (UTC); "
            f"max_entries_per_day is {config.max_entries_per_day}",
        )
