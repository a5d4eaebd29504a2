"""Settings (runtime/settings.py): environment, TOML file, precedence, errors with hints.

Every test points ``XOR_CONFIG_FILE`` into ``tmp_path`` and clears the ``XOR_`` variables, so
the developer's own ``~/.config/xor/config.toml`` and environment never leak in.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from xor_trading.core.errors import ConfigError
from xor_trading.runtime.settings import Settings, config_file_path, load_settings


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith("XOR_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    return tmp_path


def _config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("XOR_CONFIG_FILE", str(path))
    return path


def test_settings_defaults_without_env_or_file(tmp_path: Path) -> None:
    s = load_settings()
    assert s.data_dir == tmp_path / "xdg-data" / "xor"
    assert s.default_exchange == "binance"
    assert s.candles_dir == tmp_path / "xdg-data" / "xor" / "candles"


def test_settings_default_data_dir_without_xdg_is_under_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert load_settings().data_dir == tmp_path / "home" / ".local" / "share" / "xor"


def test_config_file_path_default_is_xdg_config(tmp_path: Path) -> None:
    assert config_file_path() == tmp_path / "xdg-config" / "xor" / "config.toml"


def test_config_file_path_env_var_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XOR_CONFIG_FILE", str(tmp_path / "elsewhere.toml"))
    assert config_file_path() == tmp_path / "elsewhere.toml"


def test_settings_xor_data_dir_env_var_sets_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XOR_DATA_DIR", str(tmp_path / "from-env"))
    s = load_settings()
    assert s.data_dir == tmp_path / "from-env"
    assert s.candles_dir == tmp_path / "from-env" / "candles"


def test_settings_xor_default_exchange_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XOR_DEFAULT_EXCHANGE", "kraken")
    assert load_settings().default_exchange == "kraken"


def test_settings_toml_file_via_xor_config_file_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _config(
        monkeypatch, tmp_path, f'data_dir = "{tmp_path / "from-file"}"\ndefault_exchange = "okx"\n'
    )
    s = load_settings()
    assert s.data_dir == tmp_path / "from-file"
    assert s.default_exchange == "okx"


def test_settings_toml_file_at_default_location_is_read(tmp_path: Path) -> None:
    path = tmp_path / "xdg-config" / "xor" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('default_exchange = "bybit"\n', encoding="utf-8")
    assert load_settings().default_exchange == "bybit"


def test_settings_missing_config_file_is_not_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XOR_CONFIG_FILE", str(tmp_path / "does-not-exist.toml"))
    assert load_settings().default_exchange == "binance"


def test_settings_env_beats_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _config(
        monkeypatch, tmp_path, f'data_dir = "{tmp_path / "from-file"}"\ndefault_exchange = "okx"\n'
    )
    monkeypatch.setenv("XOR_DATA_DIR", str(tmp_path / "from-env"))
    s = load_settings()
    assert s.data_dir == tmp_path / "from-env"
    assert s.default_exchange == "okx"  # not set in the environment: the file still applies


def test_settings_explicit_argument_beats_env_and_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _config(monkeypatch, tmp_path, f'data_dir = "{tmp_path / "from-file"}"\n')
    monkeypatch.setenv("XOR_DATA_DIR", str(tmp_path / "from-env"))
    assert load_settings(data_dir=tmp_path / "explicit").data_dir == tmp_path / "explicit"


def test_settings_unknown_key_in_file_raises_config_error_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _config(monkeypatch, tmp_path, 'default_exchange = "okx"\ndata_dri = "/tmp/x"\n')
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert info.value.message == "invalid setting data_dri: Extra inputs are not permitted"
    assert info.value.hint == f"fix XOR_DATA_DRI or {path}"


def test_settings_bad_value_in_file_raises_config_error_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _config(monkeypatch, tmp_path, "data_dir = 5\n")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert info.value.message.startswith("invalid setting data_dir: ")
    assert info.value.hint == f"fix XOR_DATA_DIR or {path}"


def test_settings_unknown_keyword_argument_raises_config_error() -> None:
    with pytest.raises(ConfigError, match="invalid setting colour"):
        load_settings(colour="blue")


def test_settings_unrelated_xor_env_var_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XOR_SOMETHING_ELSE", "1")
    assert load_settings().default_exchange == "binance"


def test_settings_malformed_toml_file_raises_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _config(monkeypatch, tmp_path, 'data_dir = "/unterminated\n')
    with pytest.raises(ConfigError):
        load_settings()


def test_settings_are_frozen() -> None:
    s = load_settings()
    with pytest.raises(ValidationError):
        s.default_exchange = "okx"  # type: ignore[misc]


def test_settings_are_built_when_asked_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().default_exchange == "binance"
    monkeypatch.setenv("XOR_DEFAULT_EXCHANGE", "okx")
    assert load_settings().default_exchange == "okx"
    assert isinstance(load_settings(), Settings)
