"""The demo bootstrap of ``xor platform``: a demo trader whose password is generated once
per data directory (stored 0600) and a started paper bot, on the embedded SQLite database
(the one ``xor platform`` runs on; the services below are tested on both elsewhere); running it
again changes nothing that exists, restarts a stopped or failed demo bot, leaves a
paused one alone, and never runs in production mode."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from xor_trading.core.clock import TestClock
from xor_trading.core.errors import ConfigError
from xor_trading.domain.bot_lifecycle import BotCommand, BotState
from xor_trading.domain.users import Role
from xor_trading.persistence.database import Database, sqlite_url
from xor_trading.persistence.schema import create_schema
from xor_trading.runtime.settings import Settings
from xor_trading.services.auth_service import AuthService
from xor_trading.services.bot_service import BotService
from xor_trading.services.container import Container, build_container
from xor_trading.services.demo_setup import (
    DEMO_BOT,
    DEMO_EMAIL,
    DEMO_LOGIN_FILE,
    ensure_demo,
)
from xor_trading.services.principal import Principal

START_MS = 1_767_225_600_000  # 2026-01-01


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(sqlite_url(tmp_path / "xor.db"))
    create_schema(db)
    yield db
    db.dispose()


@pytest.fixture
def container(database: Database, tmp_path: Path) -> Iterator[Container]:
    settings = Settings(data_dir=tmp_path / "data", password_hash_profile="test")
    built = build_container(settings, clock=TestClock(START_MS), database=database)
    yield built
    built.close()


def _logs_in(container: Container, password: str) -> bool:
    try:
        return AuthService(container).login(DEMO_EMAIL, password).tokens is not None
    except Exception:
        return False


def _bots(container: Container, user_id: str) -> list[tuple[str, str]]:
    bots, _total = BotService(container).list_bots(
        Principal(user_id, Role.TRADER), limit=50, offset=0
    )
    return [(b.name, b.state) for b in bots]


def test_ensure_demo_on_an_empty_database_creates_a_trader_and_a_started_paper_bot(
    container: Container,
) -> None:
    demo = ensure_demo(container)
    path = container.settings.data_dir / DEMO_LOGIN_FILE
    assert demo.login.email == DEMO_EMAIL
    assert demo.login.file == path
    assert demo.login.password is not None
    assert len(demo.login.password) == 24
    assert path.stat().st_mode & 0o777 == 0o600
    assert f'password = "{demo.login.password}"' in path.read_text(encoding="utf-8")
    assert _logs_in(container, demo.login.password)
    assert (demo.user_created, demo.bot_created, demo.bot_started) == (True, True, True)
    me = AuthService(container).me(Principal(demo.user_id, Role.TRADER))
    assert me.role == "trader"
    assert (demo.bot.strategy, demo.bot.mode, demo.bot.symbols, demo.bot.timeframe) == (
        "sma_cross",
        "paper",
        ("BTC/USDT",),
        "1m",
    )
    assert demo.bot.config["params"] == {"fast": 3, "slow": 8}
    assert _bots(container, demo.user_id) == [(DEMO_BOT["name"], "starting")]


def test_ensure_demo_run_again_prints_the_same_login_and_leaves_the_running_bot(
    container: Container,
) -> None:
    first = ensure_demo(container)
    again = ensure_demo(container)
    assert again.login == first.login
    assert (again.user_id, again.bot.id) == (first.user_id, first.bot.id)
    assert (again.user_created, again.bot_created, again.bot_started) == (False, False, False)
    assert _bots(container, first.user_id) == [(DEMO_BOT["name"], "starting")]


def test_ensure_demo_without_the_login_file_sets_a_new_password(container: Container) -> None:
    first = ensure_demo(container)
    assert first.login.password is not None
    first.login.file.unlink()
    again = ensure_demo(container)
    assert again.login.password is not None
    assert again.login.password != first.login.password
    assert again.login.file.exists()
    assert _logs_in(container, again.login.password)
    assert not _logs_in(container, first.login.password)


def test_ensure_demo_after_the_user_changed_the_password_prints_none(
    container: Container,
) -> None:
    first = ensure_demo(container)
    assert first.login.password is not None
    AuthService(container).change_password(
        Principal(first.user_id, Role.TRADER), first.login.password, "my own long passphrase 7"
    )
    again = ensure_demo(container)
    assert again.login.password is None
    assert _logs_in(container, "my own long passphrase 7")


@pytest.mark.parametrize(
    ("commands", "expected"),
    [
        ((BotCommand.STOP,), "starting"),
        ((BotCommand.PAUSE,), "paused"),
    ],
)
def test_ensure_demo_starts_a_stopped_demo_bot_and_leaves_a_paused_one(
    container: Container, commands: tuple[BotCommand, ...], expected: str
) -> None:
    first = ensure_demo(container)
    owner = Principal(first.user_id, Role.TRADER)
    for command in commands:
        BotService(container).command(owner, first.bot.id, command)
    again = ensure_demo(container)
    assert again.bot_started is (expected == "starting")
    assert _bots(container, first.user_id) == [(DEMO_BOT["name"], expected)]


def test_ensure_demo_restarts_a_failed_demo_bot_through_stopped(container: Container) -> None:
    first = ensure_demo(container)
    BotService(container).record_runtime_transition(
        first.user_id, first.bot.id, BotState.ERROR, reason="feed failed"
    )
    again = ensure_demo(container)
    assert again.bot_started is True
    history, _total = BotService(container).state_history(
        Principal(first.user_id, Role.TRADER), first.bot.id, limit=10, offset=0
    )
    assert [(h.from_state, h.to_state) for h in reversed(history)] == [
        ("idle", "starting"),
        ("starting", "error"),
        ("error", "stopped"),
        ("stopped", "starting"),
    ]


def test_ensure_demo_with_a_login_file_readable_by_others_raises_config_error(
    container: Container,
) -> None:
    first = ensure_demo(container)
    first.login.file.chmod(0o644)
    with pytest.raises(ConfigError, match="readable by other users") as raised:
        ensure_demo(container)
    assert raised.value.hint == f"chmod 600 {first.login.file}"


def test_ensure_demo_in_production_mode_raises_config_error_and_creates_nothing(
    database: Database, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path / "prod",
        mode="production",
        jwt_secret=secrets.token_urlsafe(48),
        kek=base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
    )
    container = build_container(settings, database=database)
    try:
        with pytest.raises(ConfigError, match="refused in production mode"):
            ensure_demo(container)
        assert not (tmp_path / "prod" / DEMO_LOGIN_FILE).exists()
    finally:
        container.close()
