"""Settings: environment variables prefixed ``XOR_`` and an optional TOML file.

Precedence, highest first: explicit arguments, environment (``XOR_DATA_DIR=...``), the
config file (``XOR_CONFIG_FILE``, default ``~/.config/xor/config.toml``), defaults.
Settings are built when asked for (:func:`load_settings`), never at import time.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import Field, ValidationError
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

    @property
    def candles_dir(self) -> Path:
        return self.data_dir / "candles"

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
