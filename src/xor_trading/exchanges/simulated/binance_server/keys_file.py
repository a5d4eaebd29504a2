"""The ``--keys FILE`` of ``xor venue serve``: which API keys the venue accepts.

TOML (``.toml``) or JSON (``.json``), one table per key under ``keys``::

    [keys.demo-key]
    secret = "demo-secret"          # required: the venue verifies every signature
    can_trade = true                # false: orders answer -2015
    enable_withdrawals = false      # reported by /sapi/v1/account/apiRestrictions only
    ip_restrict = true              # reported by /sapi/v1/account/apiRestrictions only
    balances = { USDT = "10000", BTC = "0.5" }   # strings: exact decimals

JSON: ``{"keys": {"demo-key": {"secret": "demo-secret", "balances": {"USDT": "10000"}}}}``.
"""

from __future__ import annotations

import json
import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from xor_trading.core.errors import ConfigError
from xor_trading.exchanges.simulated.binance_server.config import KeySpec

_FIELDS = {"secret", "can_trade", "enable_withdrawals", "ip_restrict", "balances"}
_HINT = "see `xor venue serve --help` or docs/venue.md for the keys file format"


def load_keys_file(path: Path) -> dict[str, KeySpec]:
    """Parse ``path``; raises :class:`ConfigError` naming the first problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the keys file {path}: {exc.strerror}", _HINT) from None
    try:
        raw: Any = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"the keys file {path} is not valid: {exc}", _HINT) from None
    keys = raw.get("keys") if isinstance(raw, dict) else None
    if not isinstance(keys, dict) or not keys:
        raise ConfigError(f"the keys file {path} has no [keys.<name>] table", _HINT)
    return {name: _key_spec(path, name, spec) for name, spec in keys.items()}


def _key_spec(path: Path, name: str, spec: Any) -> KeySpec:
    where = f"key {name!r} in {path}"
    if not isinstance(spec, dict):
        raise ConfigError(f"{where} is not a table", _HINT)
    unknown = set(spec) - _FIELDS
    if unknown:
        raise ConfigError(f"{where} has unknown fields {sorted(unknown)}", _HINT)
    secret = spec.get("secret")
    if not isinstance(secret, str) or not secret:
        raise ConfigError(f"{where} has no secret", 'add secret = "..." to every key')
    flags = {}
    for flag in ("can_trade", "enable_withdrawals", "ip_restrict"):
        value = spec.get(flag, flag == "can_trade")
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {flag} must be true or false", _HINT)
        flags[flag] = value
    balances = None
    if "balances" in spec:
        if not isinstance(spec["balances"], dict):
            raise ConfigError(f'{where}: balances must be a table of ASSET = "amount"', _HINT)
        balances = {a: _amount(where, a, v) for a, v in spec["balances"].items()}
    return KeySpec(secret=secret, balances=balances, **flags)


def _amount(where: str, asset: str, value: Any) -> Decimal:
    try:
        amount = Decimal(str(value)) if isinstance(value, str | int) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0:
        raise ConfigError(
            f"{where}: balance of {asset} is {value!r}, not a non-negative decimal",
            'write amounts as strings, e.g. USDT = "10000"',
        )
    return amount
