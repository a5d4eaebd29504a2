"""The demo of ``xor platform``: a demo user and a started paper bot, made idempotently.

:func:`ensure_demo` brings the database to this state, whatever an earlier run left, and
says what it found and did (:class:`DemoSetup`). Development mode only: in production
mode it raises :class:`ConfigError` before touching anything (a shared instance has no
demo user and no well-known login).

* **Login.** The email is :data:`DEMO_EMAIL`. The password is generated once per data
  directory (``secrets.token_urlsafe``, 144 bits) and kept in
  ``<data dir>/demo-login.toml`` (mode 0600, refused when others may read it), so every
  run prints the same login; delete the file for a new password. When the user changed
  the password since, the file's one no longer verifies and is not printed
  (:attr:`DemoLogin.password` is ``None``).
* **User.** A ``trader`` (bots, orders, trades; no user administration), created with
  :func:`create_user_record` like any other user (audited). When the user exists but the
  file is gone, a new password is generated, stored and set (audited
  ``demo.password_reset``; every session of the user ends).
* **Fees.** None needed: paper bots pay no platform fee unless a worker is told
  otherwise (``WorkerOptions.platform_fees_on_paper``), so no prepaid balance is made.
* **Bot.** :data:`DEMO_BOT` (paper sma_cross on BTC/USDT 1m, averages of 3 and 8 candles:
  on the shipped data it crosses every 14 candles on average, so at a replay speed of 60
  it trades within the first minute), created and started through :class:`BotService`,
  the path the API takes. A demo bot that exists is left as the user made it: started
  again when ``idle``, ``stopped`` or in ``error`` (paper: nothing is at stake), left
  alone when running, paused or halted (a kill switch is the user's decision).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xor_trading.core.errors import ConfigError, InputError
from xor_trading.domain.bot_lifecycle import BotCommand, BotState
from xor_trading.domain.users import Role
from xor_trading.persistence.repositories import auth_tokens as tokens_repo
from xor_trading.persistence.repositories import users as users_repo
from xor_trading.services.audit import record_audit
from xor_trading.services.auth_service import (
    check_password_policy,
    create_user_record,
    utc_of_ms,
)
from xor_trading.services.authentication import invalidate_auth_state
from xor_trading.services.bot_service import BotService, BotView
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal

__all__ = [
    "DEMO_BOT",
    "DEMO_EMAIL",
    "DEMO_LOGIN_FILE",
    "DemoLogin",
    "DemoSetup",
    "ensure_demo",
]

DEMO_EMAIL = "demo@example.com"
DEMO_LOGIN_FILE = "demo-login.toml"
DEMO_BOT: dict[str, Any] = {
    "name": "demo sma_cross BTC/USDT 1m",
    "strategy": "sma_cross",
    "params": {"fast": 3, "slow": 8},
    "exchange": "binance",
    "symbols": ["BTC/USDT"],
    "timeframe": "1m",
    "mode": "paper",
}
"""The demo bot's configuration, as a client would POST it to /api/v1/bots."""

_PASSWORD_BYTES = 18  # 24 URL-safe characters
_RESTART_FROM = frozenset({BotState.IDLE, BotState.STOPPED, BotState.ERROR})
_BOT_PAGE = 500  # bots read when looking for the demo bot by name


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """How to log in as the demo user; ``password`` None: the user changed it."""

    email: str
    password: str | None
    file: Path


@dataclass(frozen=True, slots=True)
class DemoSetup:
    """What :func:`ensure_demo` left: the login, the user, the bot and what it did."""

    login: DemoLogin
    user_id: str
    user_created: bool
    bot: BotView
    bot_created: bool
    bot_started: bool


def ensure_demo(container: Container) -> DemoSetup:
    """The demo user and a started demo bot (see the module); idempotent.

    Raises :class:`ConfigError` in production mode, or when the login file is unreadable
    or readable by other users.
    """
    settings = container.settings
    if settings.is_production:
        raise ConfigError(
            "the demo user is refused in production mode (XOR_MODE=production)",
            "create users with `xor users create`; the demo is for development only",
        )
    path = settings.data_dir / DEMO_LOGIN_FILE
    stored = _read_password(path)
    user_id, user_created, password = _ensure_user(container, path, stored)
    principal = Principal(user_id, Role.TRADER)
    bot, bot_created, bot_started = _ensure_bot(BotService(container), principal)
    return DemoSetup(
        login=DemoLogin(DEMO_EMAIL, password, path),
        user_id=user_id,
        user_created=user_created,
        bot=bot,
        bot_created=bot_created,
        bot_started=bot_started,
    )


# -- the login -------------------------------------------------------------------------------


def _new_password() -> str:
    while True:
        candidate = secrets.token_urlsafe(_PASSWORD_BYTES)
        with contextlib.suppress(InputError):  # contains "demo" by chance: draw again
            check_password_policy(candidate, DEMO_EMAIL)
            return candidate


def _read_password(path: Path) -> str | None:
    """The stored demo password, or None when there is no file."""
    if not path.exists():
        return None
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigError(f"{path} is readable by other users (mode {mode:o})", f"chmod 600 {path}")
    try:
        password = tomllib.loads(path.read_text(encoding="utf-8")).get("password")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path} is not valid TOML: {exc}", "delete it: the next run sets a new password"
        ) from None
    if not isinstance(password, str) or not password:
        raise ConfigError(f"{path} has no password", "delete it: the next run sets a new password")
    return password


def _write_password(path: Path, password: str) -> None:
    """Write the login file, mode 0600 from its creation (never briefly readable)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    content = (
        "# The demo login of `xor platform` in this data directory (development only).\n"
        "# Delete this file to get a new password at the next start.\n"
        f'email = "{DEMO_EMAIL}"\n'
        f'password = "{password}"\n'
    )
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _ensure_user(
    container: Container, path: Path, stored: str | None
) -> tuple[str, bool, str | None]:
    """``(user id, created, password to print)``; writes the file before the user, so a
    crash in between leaves a file the next run uses."""
    with container.database.read_session() as session:
        row = users_repo.get_user_by_email(session, DEMO_EMAIL)
        existing = None if row is None else (row.id, row.password_hash)
    if existing is None:
        password = stored or _new_password()
        if stored is None:
            _write_password(path, password)
        user_id = create_user_record(
            container, email=DEMO_EMAIL, password=password, role=Role.TRADER, action="demo.create"
        )
        return user_id, True, password
    user_id, password_hash = existing
    if stored is not None:
        changed = not container.passwords.verify(password_hash, stored)
        return user_id, False, None if changed else stored
    password = _new_password()
    _write_password(path, password)
    _reset_password(container, user_id, password)
    return user_id, False, password


def _reset_password(container: Container, user_id: str, password: str) -> None:
    new_hash = container.passwords.hash(password)  # slow: outside the transaction
    now = utc_of_ms(container.clock.now_ms())
    with container.database.session() as session:
        row = users_repo.get_user_for_update(session, user_id)
        if row is None:  # deleted meanwhile: nothing to reset
            return
        row.password_hash = new_hash
        row.password_changed_at = now
        row.updated_at = now
        revoked = tokens_repo.revoke_user_tokens(session, user_id, now, "password_change")
        record_audit(
            session,
            container,
            actor_id=None,
            action="demo.password_reset",
            target_type="user",
            target_id=user_id,
            details={"revoked": revoked},
        )
    invalidate_auth_state(container, user_id)


# -- the bot ---------------------------------------------------------------------------------


def _ensure_bot(service: BotService, principal: Principal) -> tuple[BotView, bool, bool]:
    """``(bot, created, started)``: the demo bot, started unless the user decided otherwise."""
    bots, _total = service.list_bots(principal, limit=_BOT_PAGE, offset=0)
    found = next((b for b in bots if b.name == DEMO_BOT["name"]), None)
    created = found is None
    bot = service.create(principal, DEMO_BOT) if found is None else found
    state = BotState(bot.state)
    if state not in _RESTART_FROM:
        return bot, created, False
    if state is BotState.ERROR:
        bot = service.command(
            principal, bot.id, BotCommand.STOP, reason="demo restarted after an error"
        )
    bot = service.command(principal, bot.id, BotCommand.START, reason="started by xor platform")
    return bot, created, True
