"""Rate limiters: exact GCRA decisions, identical in memory and in Redis."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
import redis

from xor_trading.sharedstate.memory_rate_limiter import MemoryRateLimiter
from xor_trading.sharedstate.rate_limiter import RateDecision, RateLimiter
from xor_trading.sharedstate.redis_rate_limiter import RedisRateLimiter

T0 = 1_700_000_000_000  # a realistic epoch-ms instant: exercises float precision

IMPLEMENTATIONS = ("memory", "redis")

MakeLimiter = Callable[[], RateLimiter]


@pytest.fixture(params=IMPLEMENTATIONS)
def make_limiter(request: pytest.FixtureRequest) -> Iterator[MakeLimiter]:
    """Builds limiters of one implementation; Redis ones share one per-test prefix, as
    several API processes would."""
    made: list[RateLimiter] = []
    if request.param == "memory":
        shared = MemoryRateLimiter()
        made.append(shared)

        def make() -> RateLimiter:
            return shared

    else:
        prefix: str = request.getfixturevalue("redis_prefix")
        url: str = request.getfixturevalue("redis_url")

        def make() -> RateLimiter:
            limiter = RedisRateLimiter(url, prefix=prefix)
            made.append(limiter)
            return limiter

    yield make
    for limiter in made:
        limiter.close()


def allowed(decision: RateDecision) -> tuple[bool, int]:
    return decision.allowed, decision.remaining


def test_a_fresh_key_allows_exactly_limit_hits_at_one_instant(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    decisions = [limiter.hit("k", 5, 1.0, T0) for _ in range(6)]
    assert [allowed(d) for d in decisions] == [
        (True, 4),
        (True, 3),
        (True, 2),
        (True, 1),
        (True, 0),
        (False, 0),
    ]
    assert [d.retry_after_s for d in decisions[:5]] == [0.0] * 5
    # 5 per second is one hit every 200 ms: the next one is allowed 200 ms later.
    assert decisions[5].retry_after_s == pytest.approx(0.2, abs=1e-9)


def test_the_budget_refills_one_hit_per_interval(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    for _ in range(5):
        assert limiter.hit("k", 5, 1.0, T0).allowed
    early = limiter.hit("k", 5, 1.0, T0 + 199)
    assert (early.allowed, early.remaining) == (False, 0)
    assert early.retry_after_s == pytest.approx(0.001, abs=1e-9)
    assert allowed(limiter.hit("k", 5, 1.0, T0 + 200)) == (True, 0)
    assert limiter.hit("k", 5, 1.0, T0 + 200).retry_after_s == pytest.approx(0.2, abs=1e-9)
    # Half the window later two more hits have accrued.
    assert allowed(limiter.hit("k", 5, 1.0, T0 + 600)) == (True, 1)
    assert allowed(limiter.hit("k", 5, 1.0, T0 + 600)) == (True, 0)
    assert not limiter.hit("k", 5, 1.0, T0 + 600).allowed


def test_denied_hits_do_not_consume_budget(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    for _ in range(2):
        assert limiter.hit("k", 2, 1.0, T0).allowed
    for _ in range(50):
        assert not limiter.hit("k", 2, 1.0, T0 + 100).allowed
    assert allowed(limiter.hit("k", 2, 1.0, T0 + 500)) == (True, 0)


def test_ten_per_minute_login_style_budget(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    assert [limiter.hit("login", 10, 60.0, T0 + i).allowed for i in range(11)] == [True] * 10 + [
        False
    ]
    denied = limiter.hit("login", 10, 60.0, T0 + 10)
    # The 10th hit was at T0 + 9 and one hit accrues every 6 s from T0.
    assert denied.retry_after_s == pytest.approx(5.99, abs=1e-9)
    # A full window of silence restores the full budget.
    later = [limiter.hit("login", 10, 60.0, T0 + 60_000).remaining for _ in range(10)]
    assert later == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]


def test_fractional_intervals_are_exact(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    assert [limiter.hit("k", 3, 1.0, T0).allowed for _ in range(4)] == [True, True, True, False]
    assert not limiter.hit("k", 3, 1.0, T0 + 333).allowed
    assert limiter.hit("k", 3, 1.0, T0 + 333).retry_after_s == pytest.approx(1 / 3000, abs=1e-6)
    assert limiter.hit("k", 3, 1.0, T0 + 334).allowed


def test_keys_have_independent_budgets(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    assert limiter.hit("ip:a", 1, 1.0, T0).allowed
    assert not limiter.hit("ip:a", 1, 1.0, T0).allowed
    assert limiter.hit("ip:b", 1, 1.0, T0).allowed


def test_two_limiter_instances_share_the_budget(make_limiter: MakeLimiter) -> None:
    first, second = make_limiter(), make_limiter()
    assert allowed(first.hit("user:u", 4, 1.0, T0)) == (True, 3)
    assert allowed(second.hit("user:u", 4, 1.0, T0)) == (True, 2)
    assert allowed(first.hit("user:u", 4, 1.0, T0)) == (True, 1)
    assert allowed(second.hit("user:u", 4, 1.0, T0)) == (True, 0)
    assert not first.hit("user:u", 4, 1.0, T0).allowed
    assert not second.hit("user:u", 4, 1.0, T0).allowed


def test_concurrent_hits_never_exceed_the_limit(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    results: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        own = [limiter.hit("hot", 100, 1.0, T0).allowed for _ in range(40)]
        with lock:
            results.extend(own)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 240
    assert results.count(True) == 100


@pytest.mark.parametrize(("limit", "window_s"), [(0, 1.0), (-1, 1.0), (5, 0.0), (5, -1.0)])
def test_nonsense_budgets_are_refused(
    make_limiter: MakeLimiter, limit: int, window_s: float
) -> None:
    with pytest.raises(ValueError, match="must be"):
        make_limiter().hit("k", limit, window_s, T0)


def test_memory_limiter_forgets_keys_whose_budget_is_full_again() -> None:
    limiter = MemoryRateLimiter()
    for key in ("a", "b", "c"):
        limiter.hit(key, 10, 1.0, T0)
    assert len(limiter) == 3
    # 100 ms per hit: after 100 ms each key has its full budget back and is forgotten.
    limiter.hit("d", 10, 1.0, T0 + 100)
    assert len(limiter) == 1


def test_memory_limiter_is_bounded_by_max_keys() -> None:
    limiter = MemoryRateLimiter(max_keys=3)
    for i in range(10):
        assert limiter.hit(f"ip:{i}", 1, 60.0, T0).allowed
    assert len(limiter) == 3
    # The most recent keys are the ones remembered.
    assert not limiter.hit("ip:9", 1, 60.0, T0).allowed


def test_redis_keys_expire_when_the_budget_is_full_again(redis_url: str, redis_prefix: str) -> None:
    limiter = RedisRateLimiter(redis_url, prefix=redis_prefix)
    client = redis.Redis.from_url(redis_url)
    try:
        limiter.hit("k", 10, 60.0, T0)
        limiter.hit("k", 10, 60.0, T0)
        # Two hits of 6 s each: the key is worth keeping for 12 s (plus 1 ms of rounding).
        ttl_ms = int(client.pttl(redis_prefix + "k"))  # type: ignore[arg-type]  # sync client
        assert 11_000 < ttl_ms <= 12_001
    finally:
        client.close()
        limiter.close()


def test_a_hit_worth_several_units_spends_them_all(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    # 10 units per second, hits of 5: two fit at one instant, the third waits 0.5 s.
    assert [limiter.hit("k", 10, 1.0, T0, 5).allowed for _ in range(3)] == [True, True, False]
    assert limiter.hit("k", 10, 1.0, T0, 5).retry_after_s == pytest.approx(0.5, abs=1e-9)
    assert not limiter.hit("k", 10, 1.0, T0 + 499, 5).allowed
    assert allowed(limiter.hit("k", 10, 1.0, T0 + 500, 5)) == (True, 0)
    # A one-unit hit needs only 0.1 s more of refill.
    assert allowed(limiter.hit("k", 10, 1.0, T0 + 600, 1)) == (True, 0)
