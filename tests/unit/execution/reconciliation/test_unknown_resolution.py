"""The UNKNOWN resolution policy: "not found" is final only when every condition holds."""

from __future__ import annotations

import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.core.ids import OrderId
from xor_trading.execution.unknown_resolution import UnknownResolutionConfig, UnknownResolver

OID = OrderId("O-1")
SENT_MS = 1_000_000
# 3 answers over >= 10 s, and after sent + 5 s recvWindow + 1 s clock offset
CONFIG = UnknownResolutionConfig(
    min_not_found_answers=3, min_not_found_span_ms=10_000, recv_window_ms=5_000,
    max_clock_offset_ms=1_000,
)  # fmt: skip


def _answers(resolver: UnknownResolver, at_ms: list[int], sent_ms: int = SENT_MS) -> list[bool]:
    return [resolver.observe_not_found(OID, sent_ms, now) for now in at_ms]


def test_not_found_three_answers_over_span_after_recv_window_final() -> None:
    resolver = UnknownResolver(CONFIG)

    assert _answers(resolver, [SENT_MS + 100, SENT_MS + 5_000, SENT_MS + 10_100]) == [
        False,
        False,
        True,
    ]
    assert resolver.record(OID) is None  # forgotten once final


def test_not_found_two_answers_over_long_span_not_final() -> None:
    resolver = UnknownResolver(CONFIG)

    assert _answers(resolver, [SENT_MS + 100, SENT_MS + 60_000]) == [False, False]


def test_not_found_many_answers_within_span_not_final() -> None:
    resolver = UnknownResolver(CONFIG)

    assert not any(_answers(resolver, [SENT_MS + 100 * i for i in range(1, 100)]))


def test_not_found_before_request_expiry_not_final() -> None:
    # The request was signed 5 s late (it waited for the rate limiter): three answers over
    # 10 s are not enough while its timestamp + recvWindow + clock offset is ahead.
    resolver = UnknownResolver(CONFIG)
    late_sent_ms = SENT_MS + 5_000

    verdicts = _answers(resolver, [SENT_MS, SENT_MS + 5_000, SENT_MS + 10_000], late_sent_ms)

    assert verdicts == [False, False, False]
    assert resolver.observe_not_found(OID, late_sent_ms, late_sent_ms + 6_000) is True


def test_found_answer_resets_the_count() -> None:
    resolver = UnknownResolver(CONFIG)
    _answers(resolver, [SENT_MS + 100, SENT_MS + 5_000])

    resolver.observe_found(OID)

    assert resolver.record(OID) is None
    assert _answers(resolver, [SENT_MS + 10_100, SENT_MS + 12_000]) == [False, False]


@pytest.mark.parametrize(
    "field",
    [
        {"min_not_found_answers": 0},
        {"min_not_found_span_ms": -1},
        {"recv_window_ms": -1},
        {"max_clock_offset_ms": -5},
    ],
)
def test_config_out_of_range_config_error(field: dict[str, int]) -> None:
    with pytest.raises(ConfigError) as caught:
        UnknownResolutionConfig(**field)
    assert caught.value.hint
