"""JWT access and mfa_pending tokens (S2): every listed attack is rejected."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest

from xor_trading.core.clock import TestClock
from xor_trading.core.errors import AuthenticationError
from xor_trading.security.tokens import (
    INVALID_TOKEN_MESSAGE,
    MAX_ACCESS_TTL_S,
    InvalidTokenError,
    TokenCodec,
    hash_opaque_token,
    new_opaque_token,
)

KEY = b"k" * 16 + bytes(range(16, 48))
OTHER_KEY = bytes(range(100, 148))
NOW_MS = 1_748_736_000_000
NOW_S = NOW_MS // 1000


@pytest.fixture
def clock() -> TestClock:
    return TestClock(NOW_MS)


@pytest.fixture
def codec(clock: TestClock) -> TokenCodec:
    return TokenCodec(KEY, clock)


def _claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": "xor",
        "aud": "xor-api",
        "sub": "user-1",
        "typ": "access",
        "role": "trader",
        "iat": NOW_S,
        "nbf": NOW_S,
        "exp": NOW_S + 600,
        "jti": "j1",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(claims: dict[str, Any], key: bytes = KEY, headers: dict[str, Any] | None = None) -> str:
    return jwt.encode(claims, key, algorithm="HS256", headers=headers)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _rejected(codec: TokenCodec, token: str) -> str:
    with pytest.raises(InvalidTokenError) as caught:
        codec.decode_access(token)
    assert caught.value.message == INVALID_TOKEN_MESSAGE  # uniform, whatever the reason
    return caught.value.reason


def test_issued_access_token_round_trips(codec: TokenCodec) -> None:
    issued = codec.issue_access("user-1", "trader", mfa_at_ms=NOW_MS - 5)
    claims = codec.decode_access(issued.token)
    assert (claims.user_id, claims.role, claims.mfa_at_ms) == ("user-1", "trader", NOW_MS - 5)
    assert claims.expires_at_s - claims.issued_at_s == MAX_ACCESS_TTL_S == 900
    assert issued.expires_at_ms == (NOW_S + 900) * 1000
    assert claims.jti == issued.jti
    header = jwt.get_unverified_header(issued.token)
    assert header == {"alg": "HS256", "typ": "JWT"}


def test_hand_made_valid_token_is_accepted(codec: TokenCodec) -> None:
    # The attack tests below change one thing of this token; it must itself be accepted.
    assert codec.decode_access(_sign(_claims())).user_id == "user-1"


def test_alg_none_is_rejected(codec: TokenCodec) -> None:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(_claims()).encode())
    assert "algorithm 'none'" in _rejected(codec, f"{header}.{payload}.")


def test_other_hmac_algorithm_is_rejected(codec: TokenCodec) -> None:
    token = jwt.encode(_claims(), KEY + KEY, algorithm="HS512")
    assert "HS512" in _rejected(codec, token)


@pytest.mark.parametrize(
    "header",
    [
        {"kid": "../../etc/passwd"},
        {"kid": "1"},
        {"jwk": {"kty": "oct", "k": _b64(OTHER_KEY)}},
        {"jku": "http://127.0.0.1:9/keys.json"},
        {"x5u": "http://127.0.0.1:9/cert.pem"},
        {"x5c": ["MIIB"]},
    ],
)
def test_headers_naming_keys_are_rejected(codec: TokenCodec, header: dict[str, Any]) -> None:
    # Signed with the right key: only the header is wrong.
    reason = _rejected(codec, _sign(_claims(), headers=header))
    assert "header names a key" in reason


def test_crit_header_is_rejected(codec: TokenCodec) -> None:
    # PyJWT itself refuses unknown critical extensions; either way it never verifies.
    _rejected(codec, _sign(_claims(), headers={"crit": ["exp"]}))


def test_expired_token_is_rejected(codec: TokenCodec, clock: TestClock) -> None:
    token = codec.issue_access("user-1", "trader").token
    clock.advance(899_000)
    assert codec.decode_access(token).user_id == "user-1"
    clock.advance(1_000)
    assert _rejected(codec, token) == "expired"


def test_nbf_in_the_future_is_rejected(codec: TokenCodec) -> None:
    assert "nbf" in _rejected(codec, _sign(_claims(nbf=NOW_S + 60)))


def test_iat_in_the_future_is_rejected(codec: TokenCodec) -> None:
    token = _sign(_claims(iat=NOW_S + 60, nbf=NOW_S, exp=NOW_S + 600))
    assert "iat" in _rejected(codec, token)


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf", "jti", "sub", "iss", "aud", "typ"])
def test_missing_required_claim_is_rejected(codec: TokenCodec, claim: str) -> None:
    _rejected(codec, _sign(_claims(**{claim: None})))


def test_missing_role_is_rejected(codec: TokenCodec) -> None:
    assert _rejected(codec, _sign(_claims(role=None))) == "role claim missing"


def test_lifetime_longer_than_15_minutes_is_rejected(codec: TokenCodec) -> None:
    # A correctly signed token cannot live longer than the server would ever issue.
    assert "lifetime" in _rejected(codec, _sign(_claims(exp=NOW_S + 901)))


@pytest.mark.parametrize(("claim", "value"), [("iss", "someone-else"), ("aud", "other-api")])
def test_wrong_issuer_or_audience_is_rejected(codec: TokenCodec, claim: str, value: str) -> None:
    _rejected(codec, _sign(_claims(**{claim: value})))


def test_wrong_key_is_rejected(codec: TokenCodec) -> None:
    assert "Signature" in _rejected(codec, _sign(_claims(), key=OTHER_KEY))


def test_bit_flipped_signature_is_rejected(codec: TokenCodec) -> None:
    token = codec.issue_access("user-1", "trader").token
    head, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[5] ^= 0x01
    assert "Signature" in _rejected(codec, f"{head}.{payload}.{_b64(bytes(raw))}")


def test_tampered_payload_is_rejected(codec: TokenCodec) -> None:
    token = codec.issue_access("user-1", "viewer").token
    head, _payload, signature = token.split(".")
    forged = _b64(json.dumps(_claims(role="admin")).encode())
    _rejected(codec, f"{head}.{forged}.{signature}")


def test_refresh_token_used_as_access_is_rejected(codec: TokenCodec) -> None:
    assert _rejected(codec, new_opaque_token()) == "malformed token"


def test_mfa_pending_token_used_as_access_is_rejected(codec: TokenCodec) -> None:
    pending = codec.issue_mfa_pending("user-1").token
    assert "'mfa_pending' is not 'access'" in _rejected(codec, pending)


def test_access_token_used_as_mfa_pending_is_rejected(codec: TokenCodec) -> None:
    access = codec.issue_access("user-1", "trader").token
    with pytest.raises(InvalidTokenError, match=INVALID_TOKEN_MESSAGE) as caught:
        codec.decode_mfa_pending(access)
    assert "'access' is not 'mfa_pending'" in caught.value.reason


def test_mfa_pending_token_lives_five_minutes(codec: TokenCodec, clock: TestClock) -> None:
    pending = codec.issue_mfa_pending("user-1").token
    assert codec.decode_mfa_pending(pending).user_id == "user-1"
    clock.advance(300_000)
    with pytest.raises(InvalidTokenError):
        codec.decode_mfa_pending(pending)


def test_garbage_is_rejected_as_authentication_error(codec: TokenCodec) -> None:
    for junk in ("", "a.b.c", "not-a-jwt", "...."):
        with pytest.raises(AuthenticationError):
            codec.decode_access(junk)


def test_codec_refuses_short_keys_and_long_ttls(clock: TestClock) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        TokenCodec(b"short", clock)
    with pytest.raises(ValueError, match="access_ttl_s"):
        TokenCodec(KEY, clock, access_ttl_s=901)


def test_opaque_tokens_are_random_and_hashed_with_sha256() -> None:
    first, second = new_opaque_token(), new_opaque_token()
    assert first != second
    assert len(first) >= 43
    digest = hash_opaque_token(first)
    assert len(digest) == 64
    assert first not in digest
    assert digest == hash_opaque_token(first) != hash_opaque_token(second)
