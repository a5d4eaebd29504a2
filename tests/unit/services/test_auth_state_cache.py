"""AuthStateCache: entries expire after the TTL on the injected monotonic clock, an
invalidation drops an entry and refuses a read that was in flight when it happened, the
"no such user" answer is cached too, and the size stays bounded."""

from __future__ import annotations

from datetime import UTC, datetime

from xor_trading.persistence.repositories.users import UserAuthState
from xor_trading.services.authentication import MISS, AuthStateCache

STATE = UserAuthState(
    is_active=True,
    role="trader",
    password_changed_at=datetime(2025, 6, 1, tzinfo=UTC),
    mfa_enabled=False,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_exactly_the_ttl() -> None:
    clock = Clock()
    cache = AuthStateCache(ttl_s=1.0, monotonic=clock)
    assert cache.get("u") is MISS
    cache.put("u", STATE, cache.generation)
    assert cache.get("u") == STATE
    clock.now += 0.999
    assert cache.get("u") == STATE
    clock.now += 0.001
    assert cache.get("u") is MISS


def test_no_such_user_is_cached_as_none() -> None:
    cache = AuthStateCache(monotonic=Clock())
    cache.put("ghost", None, cache.generation)
    assert cache.get("ghost") is None


def test_invalidate_drops_the_entry_and_refuses_a_read_that_began_before_it() -> None:
    cache = AuthStateCache(monotonic=Clock())
    cache.put("u", STATE, cache.generation)
    before = cache.generation  # a request starts reading the database...
    cache.invalidate("u")  # ...an admin changes the user and invalidates...
    assert cache.get("u") is MISS
    cache.put("u", STATE, before)  # ...and the request's old answer is not kept.
    assert cache.get("u") is MISS
    cache.put("u", STATE, cache.generation)  # a read that began afterwards is.
    assert cache.get("u") == STATE


def test_the_cache_stays_bounded() -> None:
    cache = AuthStateCache(max_entries=3, monotonic=Clock())
    for n in range(3):
        cache.put(f"u{n}", STATE, cache.generation)
    assert [cache.get(f"u{n}") for n in range(3)] == [STATE] * 3
    cache.put("u3", STATE, cache.generation)  # full: start again rather than grow
    assert [cache.get(f"u{n}") for n in range(4)] == [MISS, MISS, MISS, STATE]


PROFILE = ("the profile read with STATE",)


def test_a_profile_lives_and_dies_with_its_entry() -> None:
    clock = Clock()
    cache = AuthStateCache(ttl_s=1.0, monotonic=clock)
    assert cache.profile("u") is None
    cache.put("u", STATE, cache.generation, profile=PROFILE)
    assert (cache.get("u"), cache.profile("u")) == (STATE, PROFILE)
    clock.now += 0.999
    assert cache.profile("u") is PROFILE
    clock.now += 0.001
    assert cache.profile("u") is None


def test_invalidate_drops_the_profile_and_refuses_one_read_before_it() -> None:
    cache = AuthStateCache(monotonic=Clock())
    cache.put("u", STATE, cache.generation, profile=PROFILE)
    before = cache.generation
    cache.invalidate("u")
    assert cache.profile("u") is None
    cache.put("u", STATE, before, profile=PROFILE)  # read before the change: not kept
    assert cache.profile("u") is None


def test_a_state_put_without_a_profile_drops_the_older_profile() -> None:
    """The profile is only ever as fresh as the state it was read with."""
    cache = AuthStateCache(monotonic=Clock())
    cache.put("u", STATE, cache.generation, profile=PROFILE)
    cache.put("u", STATE, cache.generation)
    assert (cache.get("u"), cache.profile("u")) == (STATE, None)
