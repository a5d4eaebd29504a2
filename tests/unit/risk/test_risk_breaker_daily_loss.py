"""Daily loss breaker: start-of-day equity, trip beyond the limit, re-open at UTC midnight."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xor_trading.core.errors import ConfigError, DataError
from xor_trading.risk.breakers import DAY_MS, DailyLossBreaker, next_utc_midnight_ms
from xor_trading.risk.events import DAILY_LOSS, BreakerReset, BreakerTripped

DAY0 = 1_710_028_800_000  # 2024-03-10T00:00:00Z
HOUR = 3_600_000
MIDNIGHT = DAY0 + DAY_MS  # 2024-03-11T00:00:00Z


def test_next_utc_midnight_counts_midnight_as_the_start_of_its_day() -> None:
    assert next_utc_midnight_ms(DAY0) == MIDNIGHT
    assert next_utc_midnight_ms(MIDNIGHT - 1) == MIDNIGHT
    assert next_utc_midnight_ms(MIDNIGHT) == MIDNIGHT + DAY_MS


def test_daily_loss_first_observation_of_the_day_sets_start_equity() -> None:
    b = DailyLossBreaker(D(3))
    assert b.observe_equity(DAY0 + 5 * HOUR, 10_000.0) == []
    b.observe_equity(DAY0 + 6 * HOUR, 10_500.0)
    assert b.start_equity == 10_000.0
    b.observe_equity(MIDNIGHT + 1, 10_400.0)
    assert b.start_equity == 10_400.0
    assert b.day == MIDNIGHT // DAY_MS


def test_daily_loss_exactly_at_the_limit_does_not_trip() -> None:
    b = DailyLossBreaker(D(3))
    b.observe_equity(DAY0, 10_000.0)
    assert b.observe_equity(DAY0 + HOUR, 9_700.0) == []
    assert not b.blocks(DAY0 + HOUR)


def test_daily_loss_beyond_the_limit_trips_until_next_utc_midnight() -> None:
    b = DailyLossBreaker(D(3))
    b.observe_equity(DAY0, 10_000.0)
    trip_ms = DAY0 + 23 * HOUR + 59 * 60_000  # 23:59 UTC
    (event,) = b.observe_equity(trip_ms, 9_699.99)
    assert event == BreakerTripped(DAILY_LOSS, event.reason, trip_ms, MIDNIGHT)
    assert event.reason == (
        "equity 9699.99 is 3.00 % below the start-of-day equity 10000.00, beyond the daily "
        "loss limit of 3 %; no new entries until 2024-03-11T00:00:00Z"
    )
    assert b.tripped_until_ms == MIDNIGHT
    assert b.blocks(trip_ms)
    assert b.blocks(MIDNIGHT - 1)
    assert not b.blocks(MIDNIGHT)
    assert b.block_reason(MIDNIGHT - 1) == event.reason
    assert b.block_reason(MIDNIGHT) is None


def test_daily_loss_recovery_within_the_day_keeps_blocking() -> None:
    b = DailyLossBreaker(D(3))
    b.observe_equity(DAY0, 10_000.0)
    b.observe_equity(DAY0 + HOUR, 9_000.0)
    assert b.observe_equity(DAY0 + 2 * HOUR, 11_000.0) == []
    assert b.blocks(DAY0 + 2 * HOUR)


def test_daily_loss_trips_once_per_day() -> None:
    b = DailyLossBreaker(D(3))
    b.observe_equity(DAY0, 10_000.0)
    assert len(b.observe_equity(DAY0 + HOUR, 9_000.0)) == 1
    assert b.observe_equity(DAY0 + 2 * HOUR, 8_000.0) == []


def test_daily_loss_first_observation_after_midnight_resets_and_rebases() -> None:
    b = DailyLossBreaker(D(3))
    b.observe_equity(DAY0, 10_000.0)
    b.observe_equity(DAY0 + HOUR, 9_000.0)
    (reset,) = b.observe_equity(MIDNIGHT + 3 * HOUR, 9_100.0)
    assert reset == BreakerReset(DAILY_LOSS, reset.reason, MIDNIGHT, None)
    assert reset.reason == (
        "a new UTC day began at 2024-03-11T00:00:00Z; the daily loss limit re-opened"
    )
    assert b.start_equity == 9_100.0
    assert b.tripped_until_ms is None


def test_daily_loss_observation_exactly_at_midnight_starts_the_new_day() -> None:
    b = DailyLossBreaker(D(3))
    b.observe_equity(DAY0, 10_000.0)
    b.observe_equity(DAY0 + HOUR, 9_000.0)
    events = b.observe_equity(MIDNIGHT, 9_000.0)
    assert [type(e) for e in events] == [BreakerReset]
    assert b.start_equity == 9_000.0
    assert not b.blocks(MIDNIGHT)


def test_daily_loss_can_trip_again_on_the_new_day_against_the_new_start() -> None:
    b = DailyLossBreaker(D(3))
    b.observe_equity(DAY0, 10_000.0)
    b.observe_equity(DAY0 + HOUR, 9_000.0)
    b.observe_equity(MIDNIGHT, 9_000.0)
    assert b.observe_equity(MIDNIGHT + HOUR, 8_730.0) == []  # exactly 3 % of 9,000
    (trip,) = b.observe_equity(MIDNIGHT + 2 * HOUR, 8_729.0)
    assert isinstance(trip, BreakerTripped)
    assert trip.until_ms == MIDNIGHT + DAY_MS


def test_daily_loss_reset_and_trip_on_one_observation_report_both_in_order() -> None:
    b = DailyLossBreaker(D(3))
    b.observe_equity(DAY0, 10_000.0)
    b.observe_equity(DAY0 + HOUR, 9_000.0)
    b.observe_equity(MIDNIGHT, 9_000.0)
    b.observe_equity(MIDNIGHT + HOUR, 8_000.0)
    later = MIDNIGHT + DAY_MS + HOUR
    # The first observation of a day sets the start, so it cannot trip by itself.
    events = b.observe_equity(later, 5_000.0)
    assert [type(e) for e in events] == [BreakerReset]
    events = b.observe_equity(later + 1, 4_000.0)
    assert [type(e) for e in events] == [BreakerTripped]


def test_daily_loss_advance_reports_the_reset_at_midnight_without_equity() -> None:
    b = DailyLossBreaker(D(3))
    b.observe_equity(DAY0, 10_000.0)
    b.observe_equity(DAY0 + HOUR, 9_000.0)
    assert b.advance(MIDNIGHT - 1) == []
    (reset,) = b.advance(MIDNIGHT + 10 * HOUR)
    assert reset.ts_ms == MIDNIGHT
    assert b.advance(MIDNIGHT + 11 * HOUR) == []


def test_daily_loss_reset_skipped_days_reopen_at_the_first_midnight() -> None:
    b = DailyLossBreaker(D(3))
    b.observe_equity(DAY0, 10_000.0)
    b.observe_equity(DAY0 + HOUR, 9_000.0)
    (reset,) = b.observe_equity(DAY0 + 3 * DAY_MS + HOUR, 9_000.0)
    assert reset.ts_ms == MIDNIGHT


def test_daily_loss_stale_timestamp_counts_as_the_latest_time() -> None:
    b = DailyLossBreaker(D(3))
    b.observe_equity(DAY0, 10_000.0)
    b.observe_equity(MIDNIGHT + HOUR, 10_000.0)
    # Stamped in the previous day, but it arrives after the new day began.
    (trip,) = b.observe_equity(DAY0 + HOUR, 9_000.0)
    assert isinstance(trip, BreakerTripped)
    assert trip.ts_ms == MIDNIGHT + HOUR
    assert trip.until_ms == MIDNIGHT + DAY_MS
    assert b.start_equity == 10_000.0


def test_daily_loss_rearm_lifts_the_block_and_rebases_to_last_equity() -> None:
    b = DailyLossBreaker(D(3))
    b.observe_equity(DAY0, 10_000.0)
    b.observe_equity(DAY0 + HOUR, 9_000.0)
    reset = b.rearm(DAY0 + 2 * HOUR, "alice", "funding glitch, not a real loss")
    assert reset == BreakerReset(
        DAILY_LOSS, "re-armed by alice: funding glitch, not a real loss", DAY0 + 2 * HOUR, "alice"
    )
    assert not b.blocks(DAY0 + 2 * HOUR)
    assert b.start_equity == 9_000.0
    assert b.observe_equity(DAY0 + 3 * HOUR, 8_800.0) == []  # 2.2 % below the new base


def test_daily_loss_rearm_when_open_returns_none() -> None:
    b = DailyLossBreaker(D(3))
    b.observe_equity(DAY0, 10_000.0)
    assert b.rearm(DAY0 + 1, "alice", "check") is None


def test_daily_loss_rearm_without_reason_is_refused() -> None:
    b = DailyLossBreaker(D(3))
    with pytest.raises(ConfigError, match="needs a reason"):
        b.rearm(DAY0, "alice", "  ")


@pytest.mark.parametrize("limit", [D(0), D(-1), D(100), D("150"), float("nan")])
def test_daily_loss_absurd_limit_is_refused(limit: D | float) -> None:
    with pytest.raises(ConfigError, match="daily_loss_limit_pct must be above 0 and below 100"):
        DailyLossBreaker(limit)


def test_daily_loss_non_finite_equity_is_refused() -> None:
    b = DailyLossBreaker()
    with pytest.raises(DataError, match="finite"):
        b.observe_equity(DAY0, float("nan"))


def test_daily_loss_non_positive_start_never_trips() -> None:
    b = DailyLossBreaker(D(3))
    b.observe_equity(DAY0, 0.0)
    assert b.observe_equity(DAY0 + 1, -50.0) == []
