"""Stall evidence: a fact REST saw that the private stream did not deliver within the grace
period, counted only while connected and only for events after the connection opened."""

from __future__ import annotations

import pytest

from xor_trading.exchanges.ccxt_client.stream_evidence import (
    STREAM_MEMORY,
    FactKind,
    StreamEvidence,
    StreamFact,
)

ALL = frozenset(FactKind)
CONNECTED_MS = 1_700_000_000_000
TRADE_7 = StreamFact(FactKind.TRADE, "7")
ORDER_A = StreamFact(FactKind.ORDER, "bot1-A")
END_A = StreamFact(FactKind.END, "bot1-A")


def evidence(kinds: frozenset[FactKind] = ALL) -> StreamEvidence:
    """Grace 10 s, margin 2 s, connected at CONNECTED_MS (venue time)."""
    found = StreamEvidence(grace_s=10.0, connect_margin_ms=2_000)
    found.expect(kinds)
    found.connected(CONNECTED_MS)
    return found


def test_rest_only_fact_is_overdue_exactly_at_the_grace_period() -> None:
    found = evidence()

    assert found.seen_by_rest(TRADE_7, CONNECTED_MS + 5_000, now_s=100.0)

    assert found.next_deadline_s() == 110.0
    assert found.overdue(109.999) == []
    assert found.overdue(110.0) == [TRADE_7]


def test_fact_streamed_within_the_grace_period_is_no_evidence() -> None:
    found = evidence()
    found.seen_by_rest(TRADE_7, CONNECTED_MS + 5_000, now_s=100.0)

    found.seen_by_stream(TRADE_7)  # at 100.2 s: normal latency

    assert found.overdue(200.0) == []
    assert found.next_deadline_s() is None


def test_fact_streamed_before_rest_saw_it_is_no_evidence() -> None:
    found = evidence()
    found.seen_by_stream(ORDER_A)

    assert not found.seen_by_rest(ORDER_A, CONNECTED_MS + 5_000, now_s=100.0)
    assert found.overdue(200.0) == []


def test_events_before_the_connection_or_within_its_margin_are_no_evidence() -> None:
    found = evidence()

    before = found.seen_by_rest(TRADE_7, CONNECTED_MS - 1, now_s=100.0)
    in_margin = found.seen_by_rest(ORDER_A, CONNECTED_MS + 1_999, now_s=100.0)
    at_margin = found.seen_by_rest(END_A, CONNECTED_MS + 2_000, now_s=100.0)

    assert (before, in_margin, at_margin) == (False, False, True)
    assert found.overdue(110.0) == [END_A]


def test_nothing_is_evidence_while_disconnected_and_a_drop_forgets_pending_facts() -> None:
    found = evidence()
    found.seen_by_rest(TRADE_7, CONNECTED_MS + 5_000, now_s=100.0)

    found.disconnected()
    while_down = found.seen_by_rest(ORDER_A, CONNECTED_MS + 6_000, now_s=101.0)

    assert while_down is False
    assert found.connected_at_ms is None
    assert found.overdue(500.0) == []


def test_connected_keeps_the_first_connection_time_until_a_drop() -> None:
    found = evidence()

    found.connected(CONNECTED_MS + 60_000)  # an event arrived: still the same connection
    kept = found.connected_at_ms
    found.disconnected()
    found.connected(CONNECTED_MS + 90_000)

    assert (kept, found.connected_at_ms) == (CONNECTED_MS, CONNECTED_MS + 90_000)


def test_kinds_the_streams_do_not_carry_are_no_evidence() -> None:
    found = evidence(frozenset({FactKind.TRADE}))  # watch_my_trades only

    order = found.seen_by_rest(ORDER_A, CONNECTED_MS + 5_000, now_s=100.0)
    end = found.seen_by_rest(END_A, CONNECTED_MS + 5_000, now_s=100.0)
    trade = found.seen_by_rest(TRADE_7, CONNECTED_MS + 5_000, now_s=100.0)

    assert (order, end, trade) == (False, False, True)


def test_overdue_lists_oldest_first_and_a_fact_keeps_its_first_sighting() -> None:
    found = evidence()
    found.seen_by_rest(ORDER_A, CONNECTED_MS + 5_000, now_s=103.0)
    found.seen_by_rest(TRADE_7, CONNECTED_MS + 5_000, now_s=101.0)

    again = found.seen_by_rest(TRADE_7, CONNECTED_MS + 5_000, now_s=108.0)

    assert again is False
    assert found.next_deadline_s() == 111.0
    assert found.overdue(112.0) == [TRADE_7]
    assert found.overdue(113.0) == [TRADE_7, ORDER_A]


def test_stream_memory_is_bounded_oldest_forgotten_first() -> None:
    found = evidence()
    for n in range(STREAM_MEMORY + 1):
        found.seen_by_stream(StreamFact(FactKind.TRADE, str(n)))

    oldest = found.seen_by_rest(StreamFact(FactKind.TRADE, "0"), CONNECTED_MS + 5_000, 1.0)
    newest = found.seen_by_rest(
        StreamFact(FactKind.TRADE, str(STREAM_MEMORY)), CONNECTED_MS + 5_000, 1.0
    )

    assert (oldest, newest) == (True, False)


@pytest.mark.parametrize(("grace_s", "margin_ms"), [(0.0, 0), (-1.0, 0), (1.0, -1)])
def test_invalid_settings_are_refused(grace_s: float, margin_ms: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        StreamEvidence(grace_s=grace_s, connect_margin_ms=margin_ms)
