"""argon2id hashing: parameters (S4), verification, rehash, the timing dummy."""

from __future__ import annotations

import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.security.passwords import (
    MIN_MEMORY_KIB,
    MIN_TIME_COST,
    Passwords,
    hash_parameters,
)


@pytest.fixture(scope="module")
def standard() -> Passwords:
    return Passwords("standard")


@pytest.fixture(scope="module")
def cheap() -> Passwords:
    return Passwords("test")


def test_standard_hash_is_argon2id_above_the_owasp_floor(standard: Passwords) -> None:
    stored = standard.hash("a long enough passphrase")
    assert stored.startswith("$argon2id$v=19$")
    params = hash_parameters(stored)
    assert params.memory_cost_kib == 65536 >= MIN_MEMORY_KIB
    assert params.time_cost == 3 >= MIN_TIME_COST
    assert params.parallelism == 4


def test_test_profile_is_still_argon2id_but_cheap(cheap: Passwords) -> None:
    params = hash_parameters(cheap.hash("x"))
    assert (params.time_cost, params.memory_cost_kib, params.parallelism) == (1, 1024, 1)


def test_verify_accepts_the_password_and_nothing_else(cheap: Passwords) -> None:
    stored = cheap.hash("correct horse battery")
    assert cheap.verify(stored, "correct horse battery") is True
    assert cheap.verify(stored, "correct horse batterY") is False
    assert cheap.verify(stored, "") is False
    assert cheap.verify("not a hash", "correct horse battery") is False


def test_same_password_hashes_differently_each_time(cheap: Passwords) -> None:
    assert cheap.hash("same") != cheap.hash("same")


def test_hashes_verify_across_profiles_and_weaker_ones_need_rehash(
    standard: Passwords, cheap: Passwords
) -> None:
    weak = cheap.hash("pw one two three")
    assert standard.verify(weak, "pw one two three") is True
    assert standard.needs_rehash(weak) is True
    assert standard.needs_rehash(standard.hash("pw")) is False
    assert standard.needs_rehash("garbage") is True


def test_hash_parameters_refuses_argon2i_and_non_hashes() -> None:
    argon2i = "$argon2i$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"
    with pytest.raises(ValueError, match="not argon2id"):
        hash_parameters(argon2i)
    with pytest.raises(ValueError, match="not an argon2 hash"):
        hash_parameters("$2b$12$abcdefghijklmnopqrstuv")


def test_dummy_verify_costs_what_a_real_verification_costs(standard: Passwords) -> None:
    # Equal cost means equal parameters: the dummy hash is made like every real one.
    assert hash_parameters(standard._dummy_hash) == hash_parameters(standard.hash("x"))
    standard.dummy_verify("anything")  # and it runs


def test_production_refuses_the_test_profile() -> None:
    with pytest.raises(ConfigError, match="too cheap for production"):
        Passwords.for_profile("test", production=True)
    assert Passwords.for_profile("test", production=False).profile == "test"
