"""Recovery codes: ten distinct 80-bit codes, normalised, stored as SHA-256."""

from __future__ import annotations

import hashlib

from xor_trading.security import recovery_codes as rc


def test_ten_distinct_codes_in_groups_of_four() -> None:
    codes = rc.generate_recovery_codes()
    assert len(codes) == 10 == len(set(codes))
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4, 4]
        assert all(ch in rc.ALPHABET for ch in "".join(groups))
        assert rc.is_recovery_code_shaped(code)


def test_codes_differ_between_calls() -> None:
    assert set(rc.generate_recovery_codes()).isdisjoint(rc.generate_recovery_codes())


def test_hash_is_sha256_of_the_normalised_code() -> None:
    code = "abcd-efgh-ijkl-mnop"
    expected = hashlib.sha256(b"abcdefghijklmnop").hexdigest()
    assert rc.hash_recovery_code(code) == expected
    assert rc.hash_recovery_code(" ABCD efgh-IJKL mnop ") == expected
    assert rc.hash_recovery_code("abcd-efgh-ijkl-mnoq") != expected


def test_shape_check_separates_recovery_codes_from_totp_codes() -> None:
    assert not rc.is_recovery_code_shaped("123456")
    assert not rc.is_recovery_code_shaped("abcd-efgh-ijkl-mno")  # 15 characters
    assert not rc.is_recovery_code_shaped("abcd-efgh-ijkl-mno1")  # 1 is not base32
    assert rc.is_recovery_code_shaped("ABCD-EFGH-IJKL-MNOP")
