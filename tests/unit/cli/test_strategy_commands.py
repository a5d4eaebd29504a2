"""``xor strategies list`` and ``xor strategies show``."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from xor_trading.cli.main import app


def test_strategies_list_names_sma_cross_with_its_fast_path() -> None:
    result = CliRunner().invoke(app, ["strategies", "list"])
    assert result.exit_code == 0
    line = next(row for row in result.stdout.splitlines() if "sma_cross" in row)
    assert "yes" in line


def test_strategies_show_lists_parameters_with_defaults_and_ranges() -> None:
    result = CliRunner().invoke(app, ["strategies", "show", "sma_cross"])
    assert result.exit_code == 0
    fast = next(row for row in result.stdout.splitlines() if "fast" in row and "integer" in row)
    assert "10" in fast
    assert "[1, 10000]" in fast


def test_strategies_show_json_is_the_config_json_schema() -> None:
    result = CliRunner().invoke(app, ["strategies", "show", "sma_cross", "--json"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["name"] == "sma_cross"
    slow = document["parameters"]["properties"]["slow"]
    assert (slow["default"], slow["minimum"], slow["maximum"]) == (30, 2, 10_000)


def test_strategies_show_unknown_name_is_one_line_error_exit_2() -> None:
    result = CliRunner().invoke(app, ["strategies", "show", "nope"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: unknown strategy 'nope'")
    assert result.stderr.count("\n") == 1
