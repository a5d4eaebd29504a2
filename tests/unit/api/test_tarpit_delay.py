"""tarpit_delay_s (S7): a 429 is held at least the refusal delay (the shortest
Retry-After, so an honest client loses nothing) and at most half as long again, spread at
random so that a flood's connections refused together do not come back together."""

from __future__ import annotations

import random

from xor_trading.api.rate_limit import tarpit_delay_s


def test_every_delay_lies_between_the_refusal_delay_and_half_as_long_again() -> None:
    random.seed(7)
    delays = [tarpit_delay_s(1.0) for _ in range(10_000)]
    assert 1.0 <= min(delays) < 1.01
    assert 1.49 < max(delays) <= 1.5


def test_delays_are_spread_over_the_whole_half_second_not_bunched() -> None:
    """A hundred connections refused in one instant come back over half a second: each
    tenth of it gets a fifth of them, give or take (the burst is broken up)."""
    random.seed(11)
    delays = [tarpit_delay_s(1.0) for _ in range(10_000)]
    per_tenth = [0] * 5
    for delay in delays:
        per_tenth[min(4, int((delay - 1.0) * 10))] += 1
    assert all(1_800 <= count <= 2_200 for count in per_tenth), per_tenth


def test_no_refusal_delay_means_no_wait() -> None:
    assert tarpit_delay_s(0.0) == 0.0
