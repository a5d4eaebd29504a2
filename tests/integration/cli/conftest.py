"""Shared fixtures of the CLI subprocess tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A fresh data directory and no user configuration: only these ``XOR_*`` variables
    are set (for the test and the subprocesses it starts). A test module may define its
    own ``environment`` instead."""
    values = {
        "XOR_DATA_DIR": str(tmp_path / "data"),
        "XOR_CONFIG_FILE": str(tmp_path / "absent.toml"),
        "XOR_MODE": "development",
    }
    for name in [n for n in os.environ if n.startswith("XOR_")]:
        monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values
