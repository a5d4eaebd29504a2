"""Settings: environment variables prefixed ``XOR_`` and an optional TOML file.

Precedence, highest first: explicit arguments, environment (``XOR_DATA_DIR=...``), the
config file (``XOR_CONFIG_FILE``, default ``~/.config/xor/config.toml``), defaults.
Settings are built when asked for (:func:`load_settings`), never at import time.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from xor_trading.core.errors import ConfigError


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "xor"


def config_file_path() -> Path:
    explicit = os.environ.get("XOR_CONFIG_FILE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "xor" / "config.toml"


class Settings(BaseSettings):
    """Process-wide settings. Each component receives the part it needs."""

    model_config = SettingsConfigDict(env_prefix="XOR_", extra="forbid", frozen=True)

    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where candles, results and state live (XOR_DATA_DIR).",
    )
    default_exchange: str = Field(
        default="binance", description="Exchange used when none is named."
    )
    mode: Literal["development", "production"] = Field(
        default="development",
        description=(
            "XOR_MODE. production refuses to start with default or weak secrets and hides "
            "the interactive API docs."
        ),
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "XOR_DATABASE_URL: PostgreSQL (postgresql://user@host:5432/db) or SQLite URL; "
            "unset means the SQLite file xor.db in the data directory."
        ),
    )
    redis_url: str | None = Field(
        default=None,
        description=(
            "XOR_REDIS_URL (redis://host:6379/0): rate limits and stream fan-out shared "
            "between processes; unset means in memory."
        ),
    )
    jwt_secret: SecretStr | None = Field(
        default=None,
        description=(
            "XOR_JWT_SECRET: at least 32 random bytes signing access tokens. Unset in "
            "development: generated once into the data directory."
        ),
    )
    kek: SecretStr | None = Field(
        default=None,
        description=(
            "XOR_KEK: base64 of 32 random bytes, the key-encryption key of exchange keys "
            "and TOTP seeds. Unset in development: generated once into the data directory."
        ),
    )
    api_host: str = Field(default="127.0.0.1", description="XOR_API_HOST: bind address.")
    api_port: int = Field(default=8000, ge=1, le=65535, description="XOR_API_PORT.")
    cors_origins: list[str] = Field(
        default_factory=list,
        description="XOR_CORS_ORIGINS: browser origins allowed to call the API (never *).",
    )
    rate_limit_per_user_per_s: int = Field(
        default=100, ge=1, description="XOR_RATE_LIMIT_PER_USER_PER_S: API requests per user."
    )
    rate_limit_per_ip_per_s: int = Field(
        default=300, ge=1, description="XOR_RATE_LIMIT_PER_IP_PER_S: API requests per client IP."
    )
    rate_limit_refusal_delay_ms: int = Field(
        default=1_000,
        ge=0,
        le=1_000,
        description=(
            "XOR_RATE_LIMIT_REFUSAL_DELAY_MS: a 429 is answered after this delay (the "
            "client must wait at least a second anyway), so a client that ignores "
            "Retry-After slows itself down instead of taking CPU from other users."
        ),
    )
    rate_limit_auth_per_min: int = Field(
        default=10,
        ge=1,
        description=(
            "XOR_RATE_LIMIT_AUTH_PER_MIN: login, MFA, register and refresh attempts per "
            "minute, per endpoint, per client IP and per email or user."
        ),
    )
    max_request_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="XOR_MAX_REQUEST_BODY_BYTES: larger is 413."
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description=(
            "XOR_TRUSTED_PROXIES: addresses of reverse proxies whose X-Forwarded-For is "
            "believed for the client IP (empty: the socket peer is the client)."
        ),
    )
    backtest_workers: int = Field(
        default=1, ge=1, le=64, description="XOR_BACKTEST_WORKERS: processes running API backtests."
    )

    password_hash_profile: Literal["standard", "test"] = Field(
        default="standard",
        description=(
            "XOR_PASSWORD_HASH_PROFILE: argon2id cost. standard (t=3, 64 MiB) always in "
            "production; test (t=1, 1 MiB) only to make test suites fast."
        ),
    )
    access_token_ttl_s: int = Field(
        default=900, ge=60, le=900, description="XOR_ACCESS_TOKEN_TTL_S: access token life."
    )
    refresh_token_ttl_s: int = Field(
        default=14 * 86400,
        ge=3600,
        le=90 * 86400,
        description="XOR_REFRESH_TOKEN_TTL_S: refresh token life (each use rotates it).",
    )
    exchange_url_overrides: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "XOR_EXCHANGE_URL_OVERRIDES: exchange id -> base URL (http://127.0.0.1:9000) "
            "replacing the venue's API host, for the simulated venue and tests only. Server "
            "setting; users can never pass URLs (S11)."
        ),
    )
    market_data_failover: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "XOR_MARKET_DATA_FAILOVER: exchange id -> second exchange id (binance -> okx) "
            "whose public candles a bot's market feed switches to when the first exchange's "
            "feed fails or stalls; the bot still trades on its own exchange. The second "
            "exchange's URL follows exchange_url_overrides too."
        ),
    )
    allow_insecure_alert_urls: bool = Field(
        default=False,
        description=(
            "XOR_ALLOW_INSECURE_ALERT_URLS: accept http:// alert webhook URLs (https only "
            "when false). Private and loopback addresses are refused either way (S11)."
        ),
    )
    smtp_host: str | None = Field(
        default=None, description="XOR_SMTP_HOST: mail relay for email alerts (unset: none)."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="XOR_SMTP_PORT.")
    smtp_from: str | None = Field(
        default=None, description="XOR_SMTP_FROM: sender address of email alerts."
    )

    @property
    def candles_dir(self) -> Path:
        return self.data_dir / "candles"

    @property
    def effective_database_url(self) -> str:
        """XOR_DATABASE_URL, or the embedded SQLite file in the data directory."""
        return self.database_url or f"sqlite+pysqlite:///{self.data_dir / 'xor.db'}"

    @property
    def is_production(self) -> bool:
        return self.mode == "production"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file_path())
        return (init_settings, env_settings, toml)


def load_settings(**overrides: object) -> Settings:
    """Build settings now; a bad value raises :class:`ConfigError` naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"config file {config_file_path()} is not valid TOML: {exc}",
            "fix the file or point XOR_CONFIG_FILE elsewhere",
        ) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(
            f"invalid setting {where}: {first['msg']}",
            f"fix XOR_{where.upper()} or {config_file_path()}",
        ) from None
