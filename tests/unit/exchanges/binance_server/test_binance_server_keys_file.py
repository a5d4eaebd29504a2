"""The --keys file: TOML and JSON, exact balances, clear errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.exchanges.simulated.binance_server import KeySpec, load_keys_file


def test_toml_keys_file_gives_specs_with_exact_balances(tmp_path: Path):
    path = tmp_path / "keys.toml"
    path.write_text(
        '[keys.demo]\nsecret = "s1"\nip_restrict = true\n'
        'balances = { USDT = "12.34", BTC = "0.5" }\n'
        '[keys.reader]\nsecret = "s2"\ncan_trade = false\n'
    )
    assert load_keys_file(path) == {
        "demo": KeySpec("s1", True, False, True, {"USDT": Decimal("12.34"), "BTC": Decimal("0.5")}),
        "reader": KeySpec("s2", False, False, False, None),
    }


def test_json_keys_file_is_read_too(tmp_path: Path):
    path = tmp_path / "keys.json"
    path.write_text('{"keys": {"k": {"secret": "s", "enable_withdrawals": true}}}')
    assert load_keys_file(path)["k"].enable_withdrawals is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[keys.k]\n", "has no secret"),
        ('[keys.k]\nsecret = "s"\ncolor = "red"\n', "unknown fields"),
        ('[keys.k]\nsecret = "s"\nbalances = { USDT = "-1" }\n', "not a non-negative decimal"),
        ('[keys.k]\nsecret = "s"\nbalances = { USDT = 1.5 }\n', "not a non-negative decimal"),
        ("title = 1\n", "no [keys.<name>] table"),
    ],
)
def test_bad_keys_file_is_config_error_naming_the_problem(tmp_path: Path, text: str, message: str):
    path = tmp_path / "keys.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_keys_file(path)
