"""PenaltyBox (S7): a client refused faster than twenty times per two seconds is boxed
for ten seconds, renewed while it goes on; an honest client, even on six connections, is
never boxed; memory stays bounded. And the rate-limit middleware refuses a boxed user's
every request, cheap or heavy, whatever their budget, while other users pass."""

from __future__ import annotations

import asyncio
import json
from collections.abc import MutableMapping
from typing import Any

import pytest

from xor_trading.api.penalty_box import PenaltyBox
from xor_trading.api.rate_limit import RateLimitMiddleware
from xor_trading.core.clock import TestClock
from xor_trading.security.tokens import AccessClaims
from xor_trading.sharedstate.memory_rate_limiter import MemoryRateLimiter

START_MS = 1_748_736_000_000
ME = "/api/v1/auth/me"


def test_a_burst_of_twenty_refusals_is_tolerated_the_next_one_boxes() -> None:
    box = PenaltyBox()

    assert [box.strike("user:a", START_MS) for _ in range(20)] == [False] * 20
    assert box.remaining_ms("user:a", START_MS) == 0
    assert box.strike("user:a", START_MS) is True
    assert box.remaining_ms("user:a", START_MS) == 10_000
    assert box.remaining_ms("user:a", START_MS + 9_999) == 1
    assert box.remaining_ms("user:a", START_MS + 10_000) == 0
    assert box.remaining_ms("user:b", START_MS) == 0  # nobody else


def test_refusals_that_go_on_renew_the_penalty() -> None:
    box = PenaltyBox()
    for _ in range(21):
        box.strike("ip:10.0.0.9", START_MS)
    # Refused 20 times a second for 5 s more: twice the pace the counter refills at, so
    # every other strike is over it and renews the penalty.
    renewals = [box.strike("ip:10.0.0.9", START_MS + i * 50) for i in range(1, 101)]
    assert renewals.count(True) >= 45
    assert box.remaining_ms("ip:10.0.0.9", START_MS + 5_000) >= 9_900


def test_six_connections_honouring_retry_after_are_never_boxed() -> None:
    # One refusal per connection per second (the tarpit's pace) for ten minutes.
    box = PenaltyBox()
    for second in range(600):
        for _ in range(6):
            assert box.strike("user:dashboard", START_MS + second * 1000) is False
    assert len(box) == 0


def test_refused_just_faster_than_ten_a_second_is_boxed_within_the_window() -> None:
    box = PenaltyBox()
    boxed_at = None
    for tick in range(2_000):  # 11 a second
        now = START_MS + tick * 1000 // 11
        if box.strike("user:a", now):
            boxed_at = now
            break
    assert boxed_at is not None
    assert 0 < boxed_at - START_MS <= 21_000  # the burst of 20, then 1 over per second


def test_the_box_forgets_expired_penalties_first_then_the_soonest_to_end() -> None:
    box = PenaltyBox(strikes=1, window_s=10.0, penalty_s=10.0, max_boxed=2)
    for client, at in (("a", START_MS), ("b", START_MS + 5_000)):
        box.strike(client, at)
        box.strike(client, at)
    assert len(box) == 2
    box.strike("c", START_MS + 10_000)
    box.strike("c", START_MS + 10_000)  # "a" expired: forgotten first
    assert (len(box), box.remaining_ms("a", START_MS + 10_000)) == (2, 0)
    box.strike("d", START_MS + 11_000)
    box.strike("d", START_MS + 11_000)  # full of live ones: "b" ends soonest
    assert box.remaining_ms("b", START_MS + 11_000) == 0
    assert box.remaining_ms("c", START_MS + 11_000) == 9_000
    assert box.remaining_ms("d", START_MS + 11_000) == 10_000


def test_a_flood_on_a_hundred_connections_is_boxed_within_its_first_second() -> None:
    """A hundred connections refused in the same instant: boxed at the 21st refusal."""
    box = PenaltyBox()
    boxed = [box.strike("user:flood", START_MS + i) for i in range(100)]
    assert boxed.index(True) == 20
    assert box.remaining_ms("user:flood", START_MS + 100) == 9_999


def test_a_served_penalty_is_forgotten_when_next_asked_about() -> None:
    box = PenaltyBox()
    for _ in range(21):
        box.strike("user:a", START_MS)
    assert (len(box), box.remaining_ms("user:a", START_MS + 9_999)) == (1, 1)
    assert box.remaining_ms("user:a", START_MS + 10_000) == 0
    assert len(box) == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"strikes": 0},
        {"window_s": 0.0},
        {"penalty_s": -1.0},
        {"max_boxed": 0},
    ],
)
def test_nonsense_settings_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="strikes and max_boxed must be >= 1"):
        PenaltyBox(**kwargs)


# -- in the middleware ---------------------------------------------------------------------


async def _ok_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def _claims(token: str) -> AccessClaims | None:
    return AccessClaims(
        user_id=token,
        role="trader",
        jti=f"jti-{token}",
        issued_at_s=START_MS // 1000,
        expires_at_s=START_MS // 1000 + 900,
        mfa_at_ms=None,
    )


def _get(middleware: RateLimitMiddleware, token: str) -> tuple[int, dict[str, str], Any]:
    scope = {
        "type": "http",
        "method": "GET",
        "path": ME,
        "headers": [(b"authorization", f"Bearer {token}".encode())],
        "client": ("10.0.0.1", 1234),
        "state": {"request_id": "r1"},
    }
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        messages.append(dict(message))

    asyncio.run(middleware(scope, receive, send))
    headers = {k.decode(): v.decode() for k, v in messages[0]["headers"]}
    body = messages[1]["body"]
    return messages[0]["status"], headers, (json.loads(body) if body != b"{}" else None)


def test_a_flooding_user_is_refused_even_with_budget_back_and_others_pass() -> None:
    clock = TestClock(START_MS)
    middleware = RateLimitMiddleware(
        _ok_app,
        limiter=MemoryRateLimiter(),
        clock=clock,
        user_of_token=_claims,
        per_ip_per_s=1000,
        per_user_per_s=5,
        auth_per_min=1000,
        max_body_bytes=1024,
        penalty_box=PenaltyBox(strikes=10, window_s=10.0, penalty_s=10.0),
    )
    statuses = [_get(middleware, "mallory")[0] for _ in range(16)]
    assert statuses == [200] * 5 + [429] * 11  # the 11th refusal boxes her

    clock.advance(2_000)  # her budget is full again, but she is boxed
    status, headers, body = _get(middleware, "mallory")
    assert (status, headers["retry-after"]) == (429, "8")
    assert body["code"] == "rate_limited"
    assert body["message"] == (
        "too many refused requests for your account: every request is refused for 8 more seconds"
    )
    assert _get(middleware, "alice")[0] == 200  # another tenant is not affected

    clock.advance(10_000)  # the refusal at +2 s renewed the penalty until +12 s
    assert _get(middleware, "mallory")[0] == 200
