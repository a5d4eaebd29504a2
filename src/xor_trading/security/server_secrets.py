"""The server's own secrets: the JWT signing key and the key-encryption key (KEK).

Sources, per secret: the setting (``XOR_JWT_SECRET``; ``XOR_KEK``, base64 of 32 bytes) or,
in development mode only, ``<data_dir>/secrets/server.toml``, generated once with mode
0600 and reused so that tokens and sealed secrets survive a restart.

Production mode refuses to start (S12) when a secret is missing; every explicit value,
in either mode, is refused when it is short (under 32 bytes), low-entropy (fewer than 16
distinct bytes, e.g. repeated characters) or a known default (``changeme``, ``secret``...).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

from xor_trading.core.errors import ConfigError

MIN_SECRET_BYTES = 32
KEK_BYTES = 32
MIN_DISTINCT_BYTES = 16
SECRETS_FILE = Path("secrets") / "server.toml"

# Lower-cased; a secret equal to one of these, or made of one repeated, is refused.
KNOWN_DEFAULTS = frozenset(
    {
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "password",
        "default",
        "xor",
        "jwt",
        "jwtsecret",
        "jwt-secret",
        "supersecret",
        "test",
        "example",
        "your-secret-key",
        "your_secret_key",
        "secretkey",
        "secret-key",
        "please-change-me",
    }
)


@dataclass(frozen=True, slots=True)
class ServerSecrets:
    """The keys this server signs and encrypts with. Never logged, never returned.

    ``kek_id`` names the KEK in sealed records (a fingerprint of the key, so a different
    KEK gets a different id), which lets a later rotation find what to re-wrap.
    """

    jwt_key: bytes
    kek_id: str
    kek: bytes

    def __repr__(self) -> str:
        return f"ServerSecrets(kek_id={self.kek_id!r}, <keys hidden>)"


def kek_id_of(kek: bytes) -> str:
    """A stable, non-secret name of ``kek``: ``kek-`` and 16 hex digits of a hash of it."""
    return "kek-" + hashlib.sha256(b"xor kek id\x00" + kek).hexdigest()[:16]


def weakness_of(value: bytes, *, min_bytes: int = MIN_SECRET_BYTES) -> str | None:
    """Why ``value`` is unfit as a secret (a phrase), or ``None`` when it is acceptable."""
    if len(value) < min_bytes:
        return f"it is {len(value)} bytes long; at least {min_bytes} random bytes are needed"
    lowered = value.decode("utf-8", "replace").strip().lower()
    for default in KNOWN_DEFAULTS:
        if lowered == default or lowered.replace(default, "") == "":
            return "it is a well-known default value"
    if len(set(value)) < MIN_DISTINCT_BYTES:
        return f"it has only {len(set(value))} distinct bytes; random values have many more"
    return None


def _check_jwt_secret(raw: str, source: str) -> bytes:
    value = raw.encode("utf-8")
    problem = weakness_of(value)
    if problem:
        raise ConfigError(
            f"the JWT secret from {source} is weak: {problem}",
            "set XOR_JWT_SECRET to a random value, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'",
        )
    return value


def _check_kek(raw: str, source: str) -> bytes:
    try:
        value = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(
            f"the key-encryption key from {source} is not valid base64",
            "set XOR_KEK to base64 of 32 random bytes, e.g. "
            "python -c 'import os, base64; print(base64.b64encode(os.urandom(32)).decode())'",
        ) from None
    if len(value) != KEK_BYTES:
        raise ConfigError(
            f"the key-encryption key from {source} is {len(value)} bytes; it must be "
            f"exactly {KEK_BYTES}",
            "set XOR_KEK to base64 of 32 random bytes",
        )
    problem = weakness_of(value, min_bytes=KEK_BYTES)
    if problem:
        raise ConfigError(
            f"the key-encryption key from {source} is weak: {problem}",
            "set XOR_KEK to base64 of 32 bytes from os.urandom",
        )
    return value


def load_server_secrets(
    *,
    jwt_secret: str | None,
    kek: str | None,
    production: bool,
    data_dir: Path,
) -> ServerSecrets:
    """The server secrets from the settings' values, or (development) the generated file.

    Raises :class:`ConfigError` with a sentence naming the variable when a secret is
    missing in production mode, or weak or malformed in any mode.
    """
    if production:
        missing = [
            name for name, value in (("XOR_JWT_SECRET", jwt_secret), ("XOR_KEK", kek)) if not value
        ]
        if missing:
            raise ConfigError(
                f"production mode needs {' and '.join(missing)}; refusing to start without them",
                "set XOR_JWT_SECRET (32+ random bytes) and XOR_KEK (base64 of 32 random "
                "bytes); never reuse the development values",
            )
    stored: dict[str, str] = {}
    if not jwt_secret or not kek:
        stored = _development_secrets(data_dir / SECRETS_FILE)
    jwt_key = (
        _check_jwt_secret(jwt_secret, "XOR_JWT_SECRET")
        if jwt_secret
        else _check_jwt_secret(stored["jwt_secret"], str(data_dir / SECRETS_FILE))
    )
    kek_bytes = (
        _check_kek(kek, "XOR_KEK")
        if kek
        else _check_kek(stored["kek"], str(data_dir / SECRETS_FILE))
    )
    return ServerSecrets(jwt_key=jwt_key, kek_id=kek_id_of(kek_bytes), kek=kek_bytes)


def _development_secrets(path: Path) -> dict[str, str]:
    """Read ``path``, creating it (mode 0600, atomically, once) when it does not exist."""
    if not path.exists():
        _generate(path)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigError(
            f"{path} is readable by other users (mode {mode:o})",
            f"chmod 600 {path}",
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path} is not valid TOML: {exc}",
            "delete it to generate new development secrets (tokens and sealed secrets made "
            "with the old ones stop working)",
        ) from None
    values = {key: data.get(key) for key in ("jwt_secret", "kek")}
    if not all(isinstance(v, str) and v for v in values.values()):
        raise ConfigError(
            f"{path} lacks jwt_secret or kek",
            "delete it to generate new development secrets",
        )
    return {key: str(value) for key, value in values.items()}


def _generate(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    content = (
        "# Development secrets of this XOR data directory, generated once. Never use them\n"
        "# in production: set XOR_JWT_SECRET and XOR_KEK there instead.\n"
        f'jwt_secret = "{secrets.token_urlsafe(48)}"\n'
        f'kek = "{base64.b64encode(secrets.token_bytes(KEK_BYTES)).decode("ascii")}"\n'
    )
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        # link() fails if the file appeared meanwhile: a concurrent process won the race
        # and everyone uses its secrets.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
