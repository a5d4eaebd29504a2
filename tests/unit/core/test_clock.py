"""Clocks (core/clock.py) and deterministic ids (core/ids.py): the two sources of time and
identity that make a backtest reproducible."""

from __future__ import annotations

import time
from datetime import UTC, timedelta

import pytest

from xor_trading.core.clock import Clock, LiveClock, TestClock, utc_now
from xor_trading.core.ids import IdGenerator


def test_test_clock_default_start_is_zero() -> None:
    assert TestClock().now_ms() == 0


def test_test_clock_start_ms_is_the_initial_time() -> None:
    assert TestClock(1_704_067_200_000).now_ms() == 1_704_067_200_000


def test_test_clock_set_time_forward_moves_to_that_time() -> None:
    clock = TestClock(100)
    clock.set_time(250)
    assert clock.now_ms() == 250


def test_test_clock_set_time_to_same_time_is_allowed() -> None:
    clock = TestClock(100)
    clock.set_time(100)
    assert clock.now_ms() == 100


def test_test_clock_set_time_backwards_raises_value_error_and_keeps_time() -> None:
    clock = TestClock(100)
    with pytest.raises(ValueError, match=r"time cannot go backwards: 99 < 100"):
        clock.set_time(99)
    assert clock.now_ms() == 100


def test_test_clock_advance_adds_delta() -> None:
    clock = TestClock(1_000)
    clock.advance(60_000)
    clock.advance(60_000)
    assert clock.now_ms() == 121_000


def test_test_clock_advance_zero_keeps_time() -> None:
    clock = TestClock(5)
    clock.advance(0)
    assert clock.now_ms() == 5


def test_test_clock_advance_negative_raises_value_error_and_keeps_time() -> None:
    clock = TestClock(5_000)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
    assert clock.now_ms() == 5_000


def test_test_clock_is_not_collected_by_pytest() -> None:
    assert TestClock.__test__ is False


def test_live_clock_now_ms_is_within_a_second_of_time_time() -> None:
    before = time.time() * 1000
    now = LiveClock().now_ms()
    after = time.time() * 1000
    assert isinstance(now, int)
    assert before - 1_000 <= now <= after + 1_000


def test_live_clock_successive_reads_do_not_decrease_meaningfully() -> None:
    clock = LiveClock()
    first = clock.now_ms()
    second = clock.now_ms()
    assert second >= first - 1  # wall clock; allow a 1 ms NTP wobble


def test_clocks_satisfy_clock_protocol() -> None:
    clocks: list[Clock] = [TestClock(7), LiveClock()]
    assert all(isinstance(c.now_ms(), int) for c in clocks)


def test_utc_now_is_aware_utc_and_current() -> None:
    now = utc_now()
    assert now.tzinfo is UTC
    assert abs(now.timestamp() - time.time()) < 1.0
    assert now.utcoffset() == timedelta(0)


def test_id_generator_starts_at_one_with_prefix() -> None:
    gen = IdGenerator("O")
    assert [gen.next(), gen.next(), gen.next()] == ["O-1", "O-2", "O-3"]


def test_id_generator_instances_are_independent_and_deterministic() -> None:
    a, b = IdGenerator("T"), IdGenerator("T")
    assert a.next() == "T-1"
    assert a.next() == "T-2"
    assert b.next() == "T-1"
