"""Fixtures of the API tests: a container over the ``database`` fixture, a ``TestClient``
and ``make_user``.

* ``clock`` is a :class:`TestClock` at 2025-06-01T00:00:00Z; advance it to expire tokens
  (``clock.advance(16 * 60 * 1000)``). Note that TOTP codes follow this clock, not the wall
  clock: use ``user.totp_code()``, not ``user.totp.now()``.
* ``container`` uses the cheap ``test`` argon2id profile and development secrets
  generated into ``tmp_path``; a module can override ``settings_overrides`` to change
  other settings.
* ``make_user(role="trader", mfa=False, email=None)`` creates an active user directly in
  the database (no HTTP round trip) and returns a :class:`UserHandle`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from xor_trading.api.app import create_app
from xor_trading.core.clock import TestClock
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.samples import seed_samples
from xor_trading.domain.users import Role
from xor_trading.persistence.database import Database
from xor_trading.persistence.repositories import users as users_repo
from xor_trading.runtime.settings import Settings
from xor_trading.security import totp as totp_codes
from xor_trading.services.auth_service import create_user_record, install_totp_seed
from xor_trading.services.container import Container, build_container

START_MS = 1_748_736_000_000  # 2025-06-01T00:00:00Z
TEST_PASSWORD_PREFIX = "correct horse battery "


@dataclass
class UserHandle:
    """A user created for a test, with what a client of that user would hold.

    ``headers`` carry an access token without ``mfa_at`` (a session that has not stepped
    up); :meth:`step_up_headers` carries one verified now (only meaningful with MFA).
    """

    id: str
    email: str
    password: str
    role: Role
    container: Container
    headers: dict[str, str] = field(default_factory=dict)
    totp: pyotp.TOTP | None = None

    def totp_code(self, offset_steps: int = 0) -> str:
        """The TOTP code of the current step of the container's clock (plus an offset)."""
        if self.totp is None:
            raise ValueError(f"{self.email} has no MFA")
        step = totp_codes.step_at(self.container.clock.now_ms()) + offset_steps
        return totp_codes.code_at_step(self.totp.secret, step)

    def access_headers(self, *, mfa_at_ms: int | None = None) -> dict[str, str]:
        """Headers with a fresh access token issued now, optionally with ``mfa_at``."""
        issued = self.container.tokens.issue_access(self.id, self.role.value, mfa_at_ms=mfa_at_ms)
        return {"Authorization": f"Bearer {issued.token}"}

    def step_up_headers(self) -> dict[str, str]:
        """Headers of an access token whose MFA was verified just now."""
        return self.access_headers(mfa_at_ms=self.container.clock.now_ms())


MakeUser = Callable[..., UserHandle]


# A 429 answers at once in tests: the 1 s tarpit (S7) is the product default, checked by
# its own test, and would otherwise cost a second per refusal the suite provokes.
TEST_SETTINGS: dict[str, Any] = {"rate_limit_refusal_delay_ms": 0}


@pytest.fixture
def clock() -> TestClock:
    return TestClock(START_MS)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Extra ``Settings`` fields for the container; override this fixture in a test module
    (e.g. ``{"rate_limit_auth_per_min": 1000}`` to test account lockout, not IP limits)."""
    return {}


@pytest.fixture
def container(
    database: Database, tmp_path: Path, clock: TestClock, settings_overrides: dict[str, Any]
) -> Iterator[Container]:
    overrides = {**TEST_SETTINGS, **settings_overrides}
    settings = Settings(data_dir=tmp_path / "data", password_hash_profile="test", **overrides)
    built = build_container(settings, clock=clock, database=database)
    yield built
    built.close()  # the database fixture then empties and disposes of the database


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


@pytest.fixture
def make_user(container: Container) -> MakeUser:
    counter = itertools.count(1)

    def make(
        role: str | Role = "trader", mfa: bool = False, email: str | None = None
    ) -> UserHandle:
        number = next(counter)
        address = (email or f"user{number}-{Role(role).value}@example.test").lower()
        password = f"{TEST_PASSWORD_PREFIX}{number}"
        user_id = create_user_record(container, email=address, password=password, role=Role(role))
        handle = UserHandle(
            id=user_id, email=address, password=password, role=Role(role), container=container
        )
        if mfa:
            secret = totp_codes.new_totp_secret()
            with container.database.session() as session:
                row = users_repo.get_user_for_update(session, user_id)
                assert row is not None
                install_totp_seed(container, session, row, secret, active=True)
            handle.totp = totp_codes.totp_for(secret)
        handle.headers = handle.access_headers()
        return handle

    return make


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped real candles, seeded once per session into a read-only store root."""
    root = tmp_path_factory.mktemp("samples") / "candles"
    seed_samples(ParquetCandleStore(root))
    return root


@pytest.fixture
def store(container: Container, sample_store: Path) -> ParquetCandleStore:
    """The shipped candles in the container's data directory (linked: tests only read)."""
    target = container.settings.candles_dir
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(sample_store)
    return ParquetCandleStore(target)
