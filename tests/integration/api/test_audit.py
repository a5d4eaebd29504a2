"""The audit log over the API (admins only) and the ``xor audit`` commands (S16)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from xor_trading.cli.main import app as cli_app
from xor_trading.core.clock import TestClock
from xor_trading.persistence.append_only import drop_append_only_ddl, install_append_only
from xor_trading.persistence.database import Database
from xor_trading.services.audit import record_audit
from xor_trading.services.container import Container

MakeUser = Callable[..., Any]  # tests/integration/api/conftest.py: make_user
ENTRIES = "/api/v1/audit/entries"
VERIFY = "/api/v1/audit/verify"


def _record(container: Container, count: int, *, action: str = "bot.create") -> None:
    clock = container.clock
    assert isinstance(clock, TestClock)
    for i in range(count):
        clock.advance(1000)
        with container.database.session() as session:
            record_audit(session, container, actor_id=f"actor-{i % 2}", action=action,
                         target_type="bot", target_id=f"bot-{i}", details={"i": i})  # fmt: skip


def _tamper(database: Database, statement: str) -> None:
    """What a DBA could do: drop the triggers, change a row, put the triggers back."""
    with database.engine.begin() as conn:
        for ddl in drop_append_only_ddl(database.dialect):
            conn.execute(text(ddl))
        conn.execute(text(statement))
    install_append_only(database.engine)


@pytest.mark.parametrize("role", ["viewer", "trader"])
def test_only_admins_read_the_audit_log(client: TestClient, make_user: MakeUser, role: str) -> None:
    user = make_user(role=role)
    for path in (ENTRIES, VERIFY):
        response = client.get(path, headers=user.headers)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    assert client.get(ENTRIES).status_code == 401


def test_entries_are_listed_newest_first_with_filters(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    admin = make_user(role="admin")
    _record(container, 5)
    _record(container, 2, action="bot.delete")
    everything = client.get(ENTRIES, headers=admin.headers).json()
    seqs = [item["seq"] for item in everything["items"]]
    assert seqs == sorted(seqs, reverse=True)
    assert everything["total"] == len(seqs)
    page = client.get(
        ENTRIES, params={"action": "bot.create", "limit": 2, "offset": 1}, headers=admin.headers
    ).json()
    assert page["total"] == 5
    assert [item["target_id"] for item in page["items"]] == ["bot-3", "bot-2"]
    assert page["items"][0]["details"] == {"i": 3}
    assert len(page["items"][0]["hash"]) == 64
    deleted = client.get(ENTRIES, params={"action": "bot.delete"}, headers=admin.headers).json()
    assert [item["target_id"] for item in deleted["items"]] == ["bot-1", "bot-0"]
    prefix = client.get(ENTRIES, params={"action": "bot."}, headers=admin.headers).json()
    assert prefix["total"] == 7
    by_target = client.get(
        ENTRIES, params={"target_type": "bot", "target_id": "bot-4"}, headers=admin.headers
    ).json()
    assert [item["action"] for item in by_target["items"]] == ["bot.create"]
    by_actor = client.get(ENTRIES, params={"actor_id": "actor-1"}, headers=admin.headers).json()
    assert by_actor["total"] == 3  # bot-1, bot-3 created; bot-1 deleted
    assert client.get(ENTRIES, params={"limit": 501}, headers=admin.headers).status_code == 422


def test_verify_reports_an_intact_chain_then_the_first_broken_entry(
    client: TestClient, make_user: MakeUser, container: Container, database: Database
) -> None:
    admin = make_user(role="admin")
    _record(container, 6)
    intact = client.get(VERIFY, headers=admin.headers).json()
    assert intact["ok"] is True
    assert intact["first_broken_seq"] is None
    assert intact["reason"] == "ok"
    assert intact["head_seq"] == intact["checked"]
    assert len(intact["head_hash"]) == 64
    broken_seq = intact["head_seq"] - 2
    _tamper(database, f"UPDATE audit_log SET target_id = 'forged' WHERE seq = {broken_seq}")
    broken = client.get(VERIFY, headers=admin.headers).json()
    assert broken["ok"] is False
    assert broken["first_broken_seq"] == broken_seq
    assert broken["checked"] == broken_seq
    assert broken["head_seq"] is None


@pytest.fixture
def cli_env(container: Container, database: Database, tmp_path: Path) -> dict[str, str]:
    """The environment an operator's shell would have for this server."""
    return {
        "XOR_DATA_DIR": str(container.settings.data_dir),
        "XOR_DATABASE_URL": database.url,
        "XOR_CONFIG_FILE": str(tmp_path / "absent.toml"),
    }


def test_cli_verify_and_checkpoint_exit_codes(
    container: Container, database: Database, cli_env: dict[str, str]
) -> None:
    runner = CliRunner()
    _record(container, 4)
    ok = runner.invoke(cli_app, ["audit", "verify"], env=cli_env)
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("ok: 4 entries verified; head 4:")

    pinned = runner.invoke(cli_app, ["audit", "checkpoint"], env=cli_env)
    assert pinned.exit_code == 0, pinned.output
    head = pinned.output.strip()
    assert head.startswith("4:")
    assert len(head) == 2 + 64

    _record(container, 2)
    assert (
        runner.invoke(cli_app, ["audit", "verify", "--checkpoint", head], env=cli_env).exit_code
        == 0
    )

    # Truncating the tail below the checkpoint is detected (exit 1, first missing entry).
    _tamper(database, "DELETE FROM audit_log WHERE seq >= 3")
    truncated = runner.invoke(cli_app, ["audit", "verify"], env=cli_env)
    assert truncated.exit_code == 1
    assert truncated.output.startswith("BROKEN at entry 3:")
    assert "truncated" in truncated.output

    # Even with the stored checkpoints gone, the operator's copy still catches it.
    _tamper(database, "DELETE FROM audit_checkpoints")
    assert runner.invoke(cli_app, ["audit", "verify"], env=cli_env).exit_code == 0
    external = runner.invoke(cli_app, ["audit", "verify", "--checkpoint", head], env=cli_env)
    assert external.exit_code == 1
    assert external.output.startswith("BROKEN at entry 3:")


def test_cli_refuses_a_malformed_checkpoint_and_an_empty_log(cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    bad = runner.invoke(cli_app, ["audit", "verify", "--checkpoint", "4:nothex"], env=cli_env)
    assert bad.exit_code == 2
    assert "is not SEQ:HASH" in bad.output
    empty = runner.invoke(cli_app, ["audit", "checkpoint"], env=cli_env)
    assert empty.exit_code == 2
    assert "audit log is empty" in empty.output
