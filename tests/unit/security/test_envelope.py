"""Envelope encryption (S15): round trip, row swaps, bit flips, nonce uniqueness, rotation."""

from __future__ import annotations

import dataclasses
import os

import pytest

from xor_trading.security.envelope import (
    EnvelopeCipher,
    KeyRing,
    SealedSecret,
    SecretTamperedError,
    aad_for,
)

KEK_A = bytes(range(32))
KEK_B = bytes(range(32, 64))
SECRET = b"canary-exchange-secret-3f9a"


@pytest.fixture
def cipher() -> EnvelopeCipher:
    return EnvelopeCipher(KeyRing({"k1": KEK_A}, current="k1"))


def _with(sealed: SealedSecret, field: str, value: bytes) -> SealedSecret:
    """``sealed`` with one bytes field replaced."""
    return dataclasses.replace(sealed, **{field: value})  # type: ignore[arg-type]


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def test_round_trip_and_layout(cipher: EnvelopeCipher) -> None:
    aad = aad_for("user-1", "cred-1")
    sealed = cipher.seal(SECRET, aad)
    assert sealed.kek_id == "k1"
    assert len(sealed.nonce) == 12
    assert len(sealed.wrapped_dek) == 12 + 32 + 16
    assert len(sealed.ciphertext) == len(SECRET) + 16  # the GCM tag is appended
    assert SECRET not in sealed.ciphertext
    assert KEK_A not in sealed.wrapped_dek
    assert cipher.open(sealed, aad) == SECRET


def test_aad_for_is_versioned_and_unambiguous() -> None:
    assert aad_for("u", "c") == b"v1|u|c"
    with pytest.raises(ValueError, match="cannot contain"):
        aad_for("u|c")
    with pytest.raises(ValueError, match="at least one part"):
        aad_for()


def test_swapping_rows_between_users_fails(cipher: EnvelopeCipher) -> None:
    aad_alice = aad_for("alice", "cred-a")
    aad_bob = aad_for("bob", "cred-b")
    alice = cipher.seal(b"alice-secret", aad_alice)
    bob = cipher.seal(b"bob-secret", aad_bob)
    # Bob's row now holds Alice's sealed secret (and vice versa): neither opens.
    with pytest.raises(SecretTamperedError) as err:
        cipher.open(alice, aad_bob)
    assert err.value.code == "secret_tampered"
    with pytest.raises(SecretTamperedError):
        cipher.open(bob, aad_alice)
    # Mixing the layers of two rows (Alice's wrapped DEK with Bob's ciphertext) fails too.
    mixed = dataclasses.replace(bob, wrapped_dek=alice.wrapped_dek)
    with pytest.raises(SecretTamperedError):
        cipher.open(mixed, aad_bob)


@pytest.mark.parametrize("field", ["wrapped_dek", "nonce", "ciphertext"])
def test_every_one_bit_flip_in_a_field_fails(cipher: EnvelopeCipher, field: str) -> None:
    aad = aad_for("user-1", "cred-1")
    sealed = cipher.seal(SECRET, aad)
    value: bytes = getattr(sealed, field)
    for bit in range(len(value) * 8):  # the tag is the last 16 bytes of ciphertext
        tampered = _with(sealed, field, _flip(value, bit))
        with pytest.raises(SecretTamperedError):
            cipher.open(tampered, aad)


def test_every_one_bit_flip_in_the_aad_fails(cipher: EnvelopeCipher) -> None:
    aad = aad_for("user-1", "cred-1")
    sealed = cipher.seal(SECRET, aad)
    for bit in range(len(aad) * 8):
        with pytest.raises(SecretTamperedError):
            cipher.open(sealed, _flip(aad, bit))


def test_truncated_or_extended_fields_fail(cipher: EnvelopeCipher) -> None:
    aad = aad_for("u", "c")
    sealed = cipher.seal(SECRET, aad)
    for field in ("wrapped_dek", "nonce", "ciphertext"):
        value: bytes = getattr(sealed, field)
        for changed in (value[:-1], value + b"\x00"):
            with pytest.raises(SecretTamperedError):
                cipher.open(_with(sealed, field, changed), aad)


def test_unknown_kek_id_fails(cipher: EnvelopeCipher) -> None:
    aad = aad_for("u", "c")
    sealed = cipher.seal(SECRET, aad)
    with pytest.raises(SecretTamperedError):
        cipher.open(dataclasses.replace(sealed, kek_id="k9"), aad)


def test_ten_thousand_seals_have_distinct_nonces_and_deks(cipher: EnvelopeCipher) -> None:
    aad = aad_for("u", "c")
    seals = [cipher.seal(SECRET, aad) for _ in range(10_000)]
    nonces = {s.nonce for s in seals}
    wrap_nonces = {s.wrapped_dek[:12] for s in seals}
    assert len(nonces) == 10_000
    assert len(wrap_nonces) == 10_000
    assert nonces.isdisjoint(wrap_nonces)
    assert len({s.ciphertext for s in seals}) == 10_000  # a fresh DEK each time


def test_rotation_rewraps_and_the_old_kek_then_fails() -> None:
    aad = aad_for("user-1", "cred-1")
    old = EnvelopeCipher(KeyRing({"k1": KEK_A}, current="k1"))
    sealed = old.seal(SECRET, aad)

    rotating = EnvelopeCipher(KeyRing({"k1": KEK_A, "k2": KEK_B}, current="k2"))
    rewrapped = rotating.rewrap(sealed, aad)
    assert rewrapped.kek_id == "k2"
    assert rewrapped.ciphertext == sealed.ciphertext
    assert rewrapped.nonce == sealed.nonce
    assert rewrapped.wrapped_dek != sealed.wrapped_dek

    new_only = EnvelopeCipher(KeyRing({"k2": KEK_B}, current="k2"))
    assert new_only.open(rewrapped, aad) == SECRET
    # The old KEK opens nothing re-wrapped: neither by id nor under a forged id.
    with pytest.raises(SecretTamperedError):
        old.open(rewrapped, aad)
    with pytest.raises(SecretTamperedError):
        old.open(dataclasses.replace(rewrapped, kek_id="k1"), aad)
    # And the ring without the old KEK no longer opens what was not re-wrapped.
    with pytest.raises(SecretTamperedError):
        new_only.open(sealed, aad)


def test_rewrap_with_the_wrong_aad_fails() -> None:
    ring = KeyRing({"k1": KEK_A, "k2": KEK_B}, current="k2")
    sealed = EnvelopeCipher(KeyRing({"k1": KEK_A}, current="k1")).seal(SECRET, aad_for("a", "c"))
    with pytest.raises(SecretTamperedError):
        EnvelopeCipher(ring).rewrap(sealed, aad_for("b", "c"))


@pytest.mark.parametrize(
    ("keks", "current", "problem"),
    [
        ({}, "k1", "at least one KEK"),
        ({"k1": b"short"}, "k1", "exactly 32 bytes"),
        ({"k1": os.urandom(33)}, "k1", "exactly 32 bytes"),
        ({"k1": KEK_A}, "k2", "not in the ring"),
        ({"": KEK_A}, "", "1-32 characters"),
        ({"a|b": KEK_A}, "a|b", "1-32 characters"),
    ],
)
def test_key_ring_validation(keks: dict[str, bytes], current: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        KeyRing(keks, current=current)


def test_key_ring_repr_hides_keys() -> None:
    ring = KeyRing({"k1": KEK_A}, current="k1")
    assert KEK_A.hex() not in repr(ring)
    assert str(KEK_A) not in repr(ring)


def test_sealed_secret_is_frozen(cipher: EnvelopeCipher) -> None:
    sealed: SealedSecret = cipher.seal(SECRET, aad_for("u"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        sealed.kek_id = "x"  # type: ignore[misc]
