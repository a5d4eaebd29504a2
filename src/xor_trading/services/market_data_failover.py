"""Market-data failover of a bot: its candles from a second exchange when the first fails.

``Settings.market_data_failover`` maps an exchange to a second one
(``{"binance": "okx"}``). The market feed of a bot on the first is then a
:class:`~xor_trading.data.failover_feed.FailoverCandleFeed`: the first exchange's feed, and
the second's when the first raises or stalls (no candle for two timeframes and 30 s), back
to the first after ten timeframes (at least 15 minutes) on the second. The strategy sees
no gap and no repeat (the feed's contract). The bot still trades on its own exchange:
only its candles come from the second, whose prices differ slightly.

Every switch is logged (warning) and recorded as a risk event of the bot, so it shows in
``GET /risk-events`` and the dashboard without a table of its own: ``breaker_tripped``
when the candles move to the second exchange, ``breaker_reset`` when they are back on the
first, both with rule :data:`FAILOVER_RULE` and the reason in the sentence. A failure to
record is logged and never stops the feed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from xor_trading.core.clock import Clock
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_feed import CandleFeed
from xor_trading.data.failover_feed import FailoverCandleFeed, FailoverConfig, NamedFeed
from xor_trading.persistence.database import Database
from xor_trading.persistence.repositories.platform_controls import add_risk_event
from xor_trading.persistence.tables.risk_events import RiskEventKind
from xor_trading.runtime.bot_spec import BotSpec

__all__ = ["FAILOVER_RULE", "FailoverEvents", "failover_config", "failover_feed"]

logger = logging.getLogger("xor.market_data")

FAILOVER_RULE = "market_data_failover"
_STALL_MARGIN_S = 30.0
_MIN_RETRY_PRIMARY_S = 900.0


def failover_config(timeframe: str) -> FailoverConfig:
    """Timing for a bot's timeframe: a silence of two candles and a margin is a stall (the
    exchange feed itself falls back to REST after two); back to the primary after ten
    candles, at least 15 minutes (each try of a primary still down costs a stall)."""
    seconds = Timeframe.parse(timeframe).ms / 1000.0
    return FailoverConfig(
        stall_timeout_s=2.0 * seconds + _STALL_MARGIN_S,
        retry_primary_after_s=max(_MIN_RETRY_PRIMARY_S, 10.0 * seconds),
    )


class FailoverEvents:
    """Records a bot's feed switches as risk events (see the module)."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    def switched(self, spec: BotSpec, to: str, reason: str) -> None:
        primary = spec.exchange
        back = to == primary
        sentence = (
            f"candles of bot {spec.bot_id} come from {primary} again ({reason})"
            if back
            else f"candles of bot {spec.bot_id} now come from {to}: {reason}"
        )
        logger.warning("%s", sentence)
        at = datetime.fromtimestamp(self._clock.now_ms() / 1000, UTC)
        try:
            with self._db.session() as session:
                add_risk_event(
                    session,
                    owner_id=spec.owner_id,
                    bot_id=spec.bot_id,
                    at=at,
                    kind=RiskEventKind.BREAKER_RESET if back else RiskEventKind.BREAKER_TRIPPED,
                    rule=FAILOVER_RULE,
                    sentence=sentence,
                    details={"exchange": primary, "candles_from": to},
                )
        except Exception:  # the feed must keep running: the switch is in the log above
            logger.exception("could not record the feed switch of bot %s", spec.bot_id)


def failover_feed(
    spec: BotSpec,
    primary: CandleFeed,
    secondary_exchange: str,
    secondary: CandleFeed,
    events: FailoverEvents | None,
) -> FailoverCandleFeed:
    """The market feed of ``spec``: ``primary`` (its exchange), then ``secondary``."""
    return FailoverCandleFeed(
        NamedFeed(spec.exchange, primary),
        NamedFeed(secondary_exchange, secondary),
        failover_config(spec.timeframe),
        on_switch=None if events is None else lambda to, why: events.switched(spec, to, why),
    )
