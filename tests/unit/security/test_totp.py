"""TOTP: RFC 6238 vectors, the +-1 step window, step reporting, the attempt throttle."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest

from xor_trading.security import totp

# RFC 6238 appendix B: SHA-1 seed "12345678901234567890", 8 digits; we use 6 digits,
# which are the last six of the 8-digit values.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"),
               (2000000000, "279037")]  # fmt: skip
NOW_MS = 1_748_736_000_000


@pytest.mark.parametrize(("unix_s", "code"), RFC_VECTORS)
def test_rfc6238_vectors(unix_s: int, code: str) -> None:
    step = totp.step_at(unix_s * 1000)
    assert totp.code_at_step(RFC_SECRET, step) == code
    assert totp.matching_step(RFC_SECRET, code, unix_s * 1000) == step


def test_window_is_one_step_either_side() -> None:
    secret = totp.new_totp_secret()
    step = totp.step_at(NOW_MS)
    for offset in (-1, 0, 1):
        code = totp.code_at_step(secret, step + offset)
        assert totp.matching_step(secret, code, NOW_MS) == step + offset
    for offset in (-2, 2):
        code = totp.code_at_step(secret, step + offset)
        # A code from two steps away only matches if it collides with a nearby one.
        nearby = {totp.code_at_step(secret, step + o) for o in (-1, 0, 1)}
        if code not in nearby:
            assert totp.matching_step(secret, code, NOW_MS) is None


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 345", "١٢٣٤٥٦"])
def test_malformed_codes_never_match(code: str) -> None:
    assert totp.matching_step(totp.new_totp_secret(), code, NOW_MS) is None


def test_wrong_code_does_not_match() -> None:
    secret = totp.new_totp_secret()
    step = totp.step_at(NOW_MS)
    valid = {totp.code_at_step(secret, step + o) for o in (-1, 0, 1)}
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)
    assert totp.matching_step(secret, wrong, NOW_MS) is None


def test_secrets_are_160_bit_base32_and_work_with_authenticator_apps() -> None:
    secret = totp.new_totp_secret()
    assert len(base64.b32decode(secret)) == 20
    assert secret != totp.new_totp_secret()
    # What an app would compute at the same instant.
    app_code = pyotp.TOTP(secret).at(NOW_MS // 1000)
    assert totp.matching_step(secret, app_code, NOW_MS) == totp.step_at(NOW_MS)


def test_provisioning_uri_names_issuer_account_and_secret() -> None:
    uri = urlparse(totp.provisioning_uri("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "ann@example.test"))
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert uri.path == "/XOR:ann%40example.test"
    query = parse_qs(uri.query)
    assert query["secret"] == ["ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"]
    assert query["issuer"] == ["XOR"]


def test_throttle_allows_five_failures_per_five_minutes() -> None:
    start = NOW_MS
    assert totp.throttle_retry_after_s(0, None, start) is None
    assert totp.throttle_retry_after_s(4, start, start + 1000) is None
    assert totp.throttle_retry_after_s(5, start, start + 1000) == 299.0
    assert totp.throttle_retry_after_s(5, start, start + 299_999) == pytest.approx(0.001)
    assert totp.throttle_retry_after_s(5, start, start + 300_000) is None
    assert totp.throttle_retry_after_s(50, start, start + 300_000) is None
