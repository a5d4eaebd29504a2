"""StreamSession: a candle is closed when the venue starts a later one, within one session."""

from __future__ import annotations

from xor_trading.domain.candles import Candle
from xor_trading.exchanges.ccxt_client.candle_close import StreamSession

MINUTE = 60_000
T0 = 1_704_067_200_000


def c(k: int, close: float = 100.0) -> Candle:
    return Candle(T0 + k * MINUTE, 100.0, max(101.0, close), 99.0, close, 1.0, MINUTE)


def test_session_forming_candle_is_not_closed() -> None:
    session = StreamSession()
    assert session.observe([c(0)]) == []
    assert session.observe([c(0, 100.5)]) == []
    assert session.venue_open_ms == T0


def test_session_next_candle_closes_the_previous_with_its_last_update() -> None:
    session = StreamSession()
    session.observe([c(0)])
    session.observe([c(0, 100.7)])
    assert session.observe([c(1)]) == [c(0, 100.7)]
    assert session.venue_open_ms == T0 + MINUTE


def test_session_batch_with_final_update_and_next_candle_closes_it() -> None:
    session = StreamSession()
    session.observe([c(0)])
    assert session.observe([c(0, 100.9), c(1)]) == [c(0, 100.9)]


def test_session_closed_candle_is_returned_once() -> None:
    session = StreamSession()
    session.observe([c(0)])
    assert session.observe([c(1)]) == [c(0)]
    assert session.observe([c(1, 100.2)]) == []


def test_session_first_batch_older_candles_are_left_to_rest() -> None:
    session = StreamSession()
    assert session.observe([c(3), c(4)]) == []  # c(3) may be a stale update from before
    assert session.first_open_ms == T0 + 4 * MINUTE
    assert session.observe([c(5)]) == [c(4)]


def test_session_candle_jump_closes_all_held_candles_in_order() -> None:
    session = StreamSession()
    session.observe([c(0)])
    session.observe([c(1)])
    assert session.observe([c(2), c(5)]) == [c(1), c(2)]


def test_session_rejected_update_drops_the_held_value() -> None:
    session = StreamSession()
    session.observe([c(0)])
    assert session.observe([], rejected_open_ms=[T0]) == []
    assert session.observe([c(1)]) == []  # nothing trustworthy held for c(0): REST fills it


def test_session_valid_update_after_a_rejected_one_is_used() -> None:
    session = StreamSession()
    session.observe([c(0)])
    session.observe([], rejected_open_ms=[T0])
    session.observe([c(0, 100.3)])
    assert session.observe([c(1)]) == [c(0, 100.3)]


def test_session_empty_first_batch_sets_nothing() -> None:
    session = StreamSession()
    assert session.observe([]) == []
    assert session.first_open_ms is None
    assert session.venue_open_ms is None
