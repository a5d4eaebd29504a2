"""Server secrets (S12): production refuses missing or weak ones; development generates
them once (mode 0600) and reuses them."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.security.server_secrets import (
    SECRETS_FILE,
    kek_id_of,
    load_server_secrets,
    weakness_of,
)

STRONG_JWT = "q8N3v-Z1r9XkT0pLm2Wc7yHs4Fd6Gb5Ja_EuRiOt"  # 40 characters, 38 distinct
STRONG_KEK = base64.b64encode(bytes(range(7, 39))).decode()


def _load(tmp_path: Path, *, jwt: str | None, kek: str | None, production: bool):  # type: ignore[no-untyped-def]
    return load_server_secrets(jwt_secret=jwt, kek=kek, production=production, data_dir=tmp_path)


def test_production_accepts_strong_secrets(tmp_path: Path) -> None:
    loaded = _load(tmp_path, jwt=STRONG_JWT, kek=STRONG_KEK, production=True)
    assert loaded.jwt_key == STRONG_JWT.encode()
    assert loaded.kek == bytes(range(7, 39))
    assert loaded.kek_id == kek_id_of(loaded.kek)
    assert loaded.kek_id.startswith("kek-")
    assert not (tmp_path / SECRETS_FILE).exists()  # production never writes a file
    assert STRONG_JWT not in repr(loaded)


@pytest.mark.parametrize(
    ("jwt", "kek", "message"),
    [
        (None, STRONG_KEK, "production mode needs XOR_JWT_SECRET"),
        (STRONG_JWT, None, "production mode needs XOR_KEK"),
        (None, None, "XOR_JWT_SECRET and XOR_KEK"),
        ("", STRONG_KEK, "production mode needs XOR_JWT_SECRET"),
    ],
)
def test_production_refuses_missing_secrets(
    tmp_path: Path, jwt: str | None, kek: str | None, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, jwt=jwt, kek=kek, production=True)
    assert not (tmp_path / SECRETS_FILE).exists()


@pytest.mark.parametrize(
    ("jwt", "reason"),
    [
        ("tooshort-but-random-9f8e7d", "at least 32"),
        ("changeme", "at least 32"),
        ("changemechangemechangemechangeme", "well-known default"),
        ("secretsecretsecretsecretsecretsecret", "well-known default"),
        ("CHANGEME" * 5, "well-known default"),
        ("a" * 64, "distinct bytes"),
        ("abababababababababababababababab", "distinct bytes"),
        ("0123456789abcd0123456789abcd0123456789", "distinct bytes"),
    ],
)
@pytest.mark.parametrize("production", [True, False])
def test_weak_jwt_secrets_are_refused_in_every_mode(
    tmp_path: Path, jwt: str, reason: str, production: bool
) -> None:
    with pytest.raises(ConfigError, match=f"JWT secret from XOR_JWT_SECRET is weak: .*{reason}"):
        _load(tmp_path, jwt=jwt, kek=STRONG_KEK, production=production)


@pytest.mark.parametrize(
    ("kek", "reason"),
    [
        ("not base64!", "not valid base64"),
        (base64.b64encode(bytes(range(16))).decode(), "16 bytes; it must be exactly 32"),
        (base64.b64encode(bytes(32)).decode(), "distinct bytes"),
        (base64.b64encode(b"changeme" * 4).decode(), "well-known default"),
    ],
)
def test_weak_or_malformed_keks_are_refused(tmp_path: Path, kek: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        _load(tmp_path, jwt=STRONG_JWT, kek=kek, production=True)


def test_weakness_of_accepts_random_bytes() -> None:
    assert weakness_of(os.urandom(32)) is None


def test_development_generates_once_with_mode_0600_and_reuses(tmp_path: Path) -> None:
    first = _load(tmp_path, jwt=None, kek=None, production=False)
    path = tmp_path / SECRETS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    assert len(first.jwt_key) >= 32
    assert len(first.kek) == 32
    content = path.read_bytes()
    second = _load(tmp_path, jwt=None, kek=None, production=False)
    assert second == first
    assert path.read_bytes() == content  # reused, not regenerated
    assert [p.name for p in path.parent.iterdir()] == ["server.toml"]  # no temp files left


def test_development_explicit_values_win_over_the_file(tmp_path: Path) -> None:
    generated = _load(tmp_path, jwt=None, kek=None, production=False)
    mixed = _load(tmp_path, jwt=STRONG_JWT, kek=None, production=False)
    assert mixed.jwt_key == STRONG_JWT.encode()
    assert mixed.kek == generated.kek


def test_other_data_dirs_get_other_secrets(tmp_path: Path) -> None:
    one = _load(tmp_path / "one", jwt=None, kek=None, production=False)
    two = _load(tmp_path / "two", jwt=None, kek=None, production=False)
    assert one.jwt_key != two.jwt_key
    assert one.kek != two.kek
    assert one.kek_id != two.kek_id


def test_a_secrets_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    _load(tmp_path, jwt=None, kek=None, production=False)
    (tmp_path / SECRETS_FILE).chmod(0o644)
    with pytest.raises(ConfigError, match="readable by other users"):
        _load(tmp_path, jwt=None, kek=None, production=False)


def test_a_damaged_secrets_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / SECRETS_FILE
    path.parent.mkdir(parents=True)
    path.write_text("jwt_secret = \n")
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="not valid TOML"):
        _load(tmp_path, jwt=None, kek=None, production=False)
    path.write_text('jwt_secret = "x"\n')
    with pytest.raises(ConfigError, match="lacks jwt_secret or kek"):
        _load(tmp_path, jwt=None, kek=None, production=False)
