"""The private stream alert rule of a live bot: a drop or a stall gives one warning, a
recovery after it one info alert with the outage's length, and a stream that flaps gives
at most one warning (and its recovery message) per 5 minutes; an outage the window held
back is announced when the window closes if it is still going on."""

from __future__ import annotations

import pytest

from xor_trading.runtime.stream_health import PrivateStreamChanged, PrivateStreamState
from xor_trading.services.stream_alert_rule import (
    DROP_ALERT_WINDOW_MS,
    StreamAlert,
    StreamAlertRule,
    duration_text,
)

T0 = 1_800_000_000_000
CONNECTED = PrivateStreamState.CONNECTED
RECONNECTING = PrivateStreamState.RECONNECTING
STALLED = PrivateStreamState.STALLED
WHO = 'Live bot "btc live" on binance'
DROPPED = StreamAlert(
    "warning",
    f"{WHO}: the private stream of orders and fills dropped; the bot is reconnecting, and new "
    "orders are held until it has resynced with the exchange.",
)


def change(
    state: PrivateStreamState,
    at_ms: int,
    *,
    drops: int,
    stalls: int = 0,
    held: bool = True,
    down_since_ms: int | None = None,
) -> PrivateStreamChanged:
    if down_since_ms is None and state is not CONNECTED:
        down_since_ms = at_ms
    return PrivateStreamChanged(state, held, drops, stalls, at_ms, down_since_ms)


def back(at_ms: int, down_since_ms: int, *, drops: int, stalls: int = 0) -> PrivateStreamChanged:
    return PrivateStreamChanged(CONNECTED, False, drops, stalls, at_ms, down_since_ms)


def recovered(seconds_down: str) -> StreamAlert:
    return StreamAlert(
        "info",
        f"{WHO}: the private stream of orders and fills is back and the bot has resynced with "
        f"the exchange after {seconds_down} down; new orders are accepted again.",
    )


@pytest.fixture
def rule() -> StreamAlertRule:
    rule = StreamAlertRule("btc live", "binance")
    assert rule.on_change(back(T0, T0 - 500, drops=0)) is None  # the first connection
    return rule


def test_a_drop_gives_one_warning_naming_the_bot_the_exchange_and_the_held_orders(
    rule: StreamAlertRule,
) -> None:
    assert rule.on_change(change(RECONNECTING, T0 + 1_000, drops=1)) == DROPPED
    # The same outage goes on (resync passed while still down, reconnected, resyncing).
    assert rule.on_change(change(RECONNECTING, T0 + 2_000, drops=1, held=False,
                                 down_since_ms=T0 + 1_000)) is None  # fmt: skip
    assert rule.on_change(change(RECONNECTING, T0 + 3_000, drops=1,
                                 down_since_ms=T0 + 1_000)) is None  # fmt: skip


def test_a_stall_is_named_as_such(rule: StreamAlertRule) -> None:
    assert rule.on_change(change(STALLED, T0 + 1_000, drops=1, stalls=1)) == StreamAlert(
        "warning",
        f"{WHO}: the private stream of orders and fills stalled (connected, but it stopped "
        "delivering the exchange's events); the bot is reconnecting, and new orders are held "
        "until it has resynced with the exchange.",
    )


def test_the_recovery_after_a_warning_is_an_info_alert_with_the_time_down(
    rule: StreamAlertRule,
) -> None:
    rule.on_change(change(RECONNECTING, T0 + 1_000, drops=1))

    assert rule.on_change(back(T0 + 43_000, T0 + 1_000, drops=1)) == recovered("42 s")


def test_not_being_connected_yet_at_start_is_no_drop() -> None:
    rule = StreamAlertRule("btc live", "binance")

    assert rule.on_change(change(RECONNECTING, T0, drops=0, held=False)) is None
    assert rule.on_change(back(T0 + 800, T0, drops=0)) is None
    assert rule.next_due_ms() is None


def test_a_first_connection_that_fails_is_a_drop() -> None:
    rule = StreamAlertRule("btc live", "binance")
    rule.on_change(change(RECONNECTING, T0, drops=0, held=False))

    assert rule.on_change(change(RECONNECTING, T0 + 2_000, drops=1, down_since_ms=T0)) == DROPPED
    assert rule.on_change(back(T0 + 5_000, T0, drops=1)) == recovered("5 s")


def test_a_flapping_stream_gives_one_warning_and_its_recovery_per_five_minutes(
    rule: StreamAlertRule,
) -> None:
    alerts = []
    for i in range(10):  # down for 5 s every 30 s, for 5 minutes
        start = T0 + 1_000 + i * 30_000
        alerts.append(rule.on_change(change(RECONNECTING, start, drops=i + 1)))
        alerts.append(rule.on_change(back(start + 5_000, start, drops=i + 1)))

    assert [a for a in alerts if a is not None] == [DROPPED, recovered("5 s")]
    assert rule.next_due_ms() is None  # every held-back outage ended within the window


def test_a_drop_after_the_window_is_announced_again(rule: StreamAlertRule) -> None:
    rule.on_change(change(RECONNECTING, T0 + 1_000, drops=1))
    rule.on_change(back(T0 + 3_000, T0 + 1_000, drops=1))

    late = T0 + 1_000 + DROP_ALERT_WINDOW_MS
    assert rule.on_change(change(RECONNECTING, late - 1, drops=2)) is None
    assert rule.on_change(back(late + 1_000, late - 1, drops=2)) is None
    assert rule.on_change(change(RECONNECTING, late, drops=3)) == DROPPED


def test_an_outage_held_back_by_the_window_is_announced_when_it_closes_if_still_down(
    rule: StreamAlertRule,
) -> None:
    rule.on_change(change(RECONNECTING, T0 + 1_000, drops=1))
    rule.on_change(back(T0 + 3_000, T0 + 1_000, drops=1))
    assert rule.on_change(change(STALLED, T0 + 60_000, drops=2, stalls=1)) is None

    closes = T0 + 1_000 + DROP_ALERT_WINDOW_MS
    assert rule.next_due_ms() == closes
    assert rule.due(closes - 1) is None
    assert rule.due(closes) == StreamAlert(
        "warning",
        f"{WHO}: the private stream of orders and fills stalled (connected, but it stopped "
        "delivering the exchange's events) again and has been down for 4 min 1 s; the bot "
        "keeps reconnecting, and new orders are held whenever it resyncs with the exchange.",
    )
    assert rule.due(closes + 1) is None  # announced once
    assert rule.on_change(back(closes + 9_000, T0 + 60_000, drops=2, stalls=1)) == recovered(
        "4 min 10 s"
    )


def test_an_ended_run_forgets_its_outage_but_keeps_the_window(rule: StreamAlertRule) -> None:
    rule.on_change(change(RECONNECTING, T0 + 1_000, drops=1))

    rule.run_ended()

    # The next run's port counts from zero: its first connection is no recovery, its
    # first drop falls in the window of the warning of the run before.
    assert rule.on_change(back(T0 + 20_000, T0 + 19_000, drops=0)) is None
    assert rule.on_change(change(RECONNECTING, T0 + 30_000, drops=1)) is None
    assert rule.next_due_ms() == T0 + 1_000 + DROP_ALERT_WINDOW_MS


def test_the_bot_name_is_the_one_in_force_when_the_alert_is_made(rule: StreamAlertRule) -> None:
    rule.bot_name = "renamed"

    alert = rule.on_change(change(RECONNECTING, T0 + 1_000, drops=1))

    assert alert is not None
    assert alert.message.startswith('Live bot "renamed" on binance: ')


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0 s"),
        (499, "0 s"),
        (500, "1 s"),
        (59_499, "59 s"),
        (60_000, "1 min"),
        (185_000, "3 min 5 s"),
        (3_600_000, "1 h"),
        (7_830_000, "2 h 10 min"),
    ],
)
def test_durations_read_as_seconds_minutes_and_hours(ms: int, text: str) -> None:
    assert duration_text(ms) == text
