"""Schema migrations (Alembic) of a :class:`Database`, without an alembic.ini.

* :func:`upgrade_to_head` brings any database (empty or older) to the newest revision;
  ``xor serve`` and ``xor db upgrade`` call it.
* :func:`current_revision`, :func:`head_revision` and :func:`pending` say where a
  database stands.
* :func:`schema_differences` / :func:`check_schema_matches_models` compare the live
  schema with the SQLAlchemy models (Alembic's ``compare_metadata``): after an upgrade
  they must agree, or a revision is missing.
* :func:`autogenerate_revision` writes a new revision from the difference between a
  database at head and the models (``scripts/new_migration.py``).

``version_locations`` (tests only) replaces the shipped ``migrations/versions``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import OperationalError

from xor_trading.core.errors import FatalError, RetryableError
from xor_trading.persistence.database import Database, display_url
from xor_trading.persistence.tables import load_all

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSIONS_DIR = MIGRATIONS_DIR / "versions"


@dataclass(frozen=True, slots=True)
class Upgrade:
    """What an upgrade did: the revision before and after (``None``: an empty database)."""

    from_revision: str | None
    to_revision: str | None

    @property
    def changed(self) -> bool:
        return self.from_revision != self.to_revision


@contextmanager
def _reachable(database: Database) -> Iterator[None]:
    """Turn "cannot connect" (and other operational failures) into one clear sentence."""
    try:
        yield
    except OperationalError as exc:
        first_line = str(exc.orig or exc).strip().splitlines()[0]
        raise RetryableError(
            f"the database {display_url(database.url)} failed: {first_line}",
            "check XOR_DATABASE_URL and that the database server is running",
        ) from None


def alembic_config(
    database: Database | None = None, *, version_locations: Sequence[Path] | None = None
) -> Config:
    """An Alembic config over the shipped migrations, carrying ``database`` for env.py."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if version_locations:
        # "%" is ConfigParser's interpolation character; paths may contain it.
        joined = ":".join(str(p).replace("%", "%%") for p in version_locations)
        config.set_main_option("version_locations", joined)
    if database is not None:
        config.attributes["database"] = database
    return config


def head_revision(*, version_locations: Sequence[Path] | None = None) -> str | None:
    """The newest revision shipped (``None`` when there is none)."""
    script = ScriptDirectory.from_config(alembic_config(version_locations=version_locations))
    return script.get_current_head()


def current_revision(database: Database) -> str | None:
    """The revision ``database`` is at (``None``: never migrated)."""
    with _reachable(database), database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def pending(database: Database, *, version_locations: Sequence[Path] | None = None) -> bool:
    """True when ``database`` is behind the newest shipped revision."""
    return current_revision(database) != head_revision(version_locations=version_locations)


def upgrade_to_head(
    database: Database, *, version_locations: Sequence[Path] | None = None
) -> Upgrade:
    """Apply every missing revision in one transaction; a no-op when already at head."""
    before = current_revision(database)
    with _reachable(database):
        command.upgrade(alembic_config(database, version_locations=version_locations), "head")
    return Upgrade(from_revision=before, to_revision=current_revision(database))


def downgrade_to_base(
    database: Database, *, version_locations: Sequence[Path] | None = None
) -> None:
    """Undo every revision (drops every table; for tests and development only)."""
    command.downgrade(alembic_config(database, version_locations=version_locations), "base")


def schema_differences(database: Database) -> list[str]:
    """How the live schema differs from the models, one line per difference (empty: same)."""
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": database.is_sqlite}
        )
        return [repr(diff) for diff in compare_metadata(context, load_all())]


def check_schema_matches_models(database: Database) -> None:
    """Raise :class:`FatalError` naming the differences when the schema is not the models'."""
    differences = schema_differences(database)
    if differences:
        listed = "; ".join(differences[:5]) + ("; ..." if len(differences) > 5 else "")
        raise FatalError(
            f"the database schema differs from the models in {len(differences)} ways: {listed}",
            "run xor db upgrade; if it is at head, a migration is missing: "
            'python scripts/new_migration.py "what changed"',
        )


def autogenerate_revision(
    database: Database,
    message: str,
    *,
    version_locations: Sequence[Path] | None = None,
) -> Path | None:
    """Write a revision turning ``database`` (at head) into the models' schema.

    Returns the new file, or ``None`` when the models match and nothing was written.
    Upgrade ``database`` to head first (an empty scratch SQLite file is the usual choice).
    """
    config = alembic_config(database, version_locations=version_locations)
    config.attributes["autogenerate"] = True
    written = command.revision(config, message=message, autogenerate=True)
    scripts = written if isinstance(written, list) else [written]
    paths = [Path(script.path) for script in scripts if script is not None]
    return paths[0] if paths else None
