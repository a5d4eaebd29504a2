"""Queries on backtest runs.

Reads for users take ``owner_id`` and filter on it: someone else's run is ``None``, never
*forbidden* (S1). The functions under "worker side" address a run by id alone: they are
called by the job runner and its worker processes, which act for the run's owner after
the owner's request was checked, never with an id taken from a request.

State changes are conditional updates (``... WHERE status = 'queued'``), so a run moves
through its life exactly once even when the API process and a worker race (a cancel
against a claim, a finish against a crash handler).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, Float, cast, delete, func, select, update
from sqlalchemy.orm import InstrumentedAttribute

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.backtest_runs import (
    ACTIVE_STATUSES,
    PROGRESS_DONE,
    BacktestRunRow,
    RunStatus,
)
from xor_trading.persistence.tables.users import UserRow

RunSort = Literal["created_at", "total_return_pct", "max_drawdown_pct"]
_SORT_COLUMNS: dict[str, tuple[InstrumentedAttribute[Any], bool]] = {
    # name -> (column, exact decimal stored as text on SQLite)
    "created_at": (BacktestRunRow.created_at, False),
    "total_return_pct": (BacktestRunRow.total_return_pct, True),
    "max_drawdown_pct": (BacktestRunRow.max_drawdown_pct, True),
}


@dataclass(frozen=True, slots=True)
class RunFilters:
    """Narrow a list of runs; ``None`` means any."""

    status: str | None = None
    strategy: str | None = None
    symbol: str | None = None


# --- user side -------------------------------------------------------------------------


def lock_owner(session: DbSession, owner_id: str) -> None:
    """Lock the owner's user row until the transaction ends, so that two submissions of
    one user are counted against the quota one after the other (PostgreSQL ``FOR UPDATE``;
    SQLite writers are already serialised by ``BEGIN IMMEDIATE``)."""
    session.execute(select(UserRow.id).where(UserRow.id == owner_id).with_for_update())


def count_active(session: DbSession, owner_id: str) -> int:
    """How many of the owner's runs are queued or running."""
    found = session.scalar(
        select(func.count())
        .select_from(BacktestRunRow)
        .where(BacktestRunRow.owner_id == owner_id, BacktestRunRow.status.in_(ACTIVE_STATUSES))
    )
    return int(found or 0)


def add_run(session: DbSession, row: BacktestRunRow) -> BacktestRunRow:
    """Insert ``row`` (its id is generated on flush if unset) and return it."""
    session.add(row)
    session.flush()
    return row


def get_run(session: DbSession, owner_id: str, run_id: str) -> BacktestRunRow | None:
    """The owner's run ``run_id``; ``None`` if it does not exist or is someone else's."""
    return session.scalar(
        select(BacktestRunRow).where(
            BacktestRunRow.id == run_id, BacktestRunRow.owner_id == owner_id
        )
    )


def get_runs(session: DbSession, owner_id: str, run_ids: Sequence[str]) -> list[BacktestRunRow]:
    """The owner's runs among ``run_ids`` (others' and unknown ids are simply missing)."""
    if not run_ids:
        return []
    return list(
        session.scalars(
            select(BacktestRunRow).where(
                BacktestRunRow.owner_id == owner_id, BacktestRunRow.id.in_(list(run_ids))
            )
        ).all()
    )


def list_runs(
    session: DbSession,
    owner_id: str,
    filters: RunFilters,
    sort: RunSort,
    descending: bool,
    limit: int,
    offset: int,
) -> tuple[list[BacktestRunRow], int]:
    """One page of the owner's runs matching ``filters`` and how many match in all.

    Sorted by ``sort`` (a whitelisted name; anything else is a bug: ``KeyError``), runs
    without a value (not finished) last in both directions, ties by id in the same
    direction, so pages never overlap. Decimals sort numerically (``REAL`` on SQLite,
    exact to 15 significant digits).
    """
    column, numeric = _SORT_COLUMNS[sort]
    expr: ColumnElement[Any] = column.expression
    if numeric and session.get_bind().dialect.name == "sqlite":
        expr = cast(column, Float)
    conditions: list[ColumnElement[bool]] = [BacktestRunRow.owner_id == owner_id]
    if filters.status is not None:
        conditions.append(BacktestRunRow.status == filters.status)
    if filters.strategy is not None:
        conditions.append(BacktestRunRow.strategy == filters.strategy)
    if filters.symbol is not None:
        conditions.append(BacktestRunRow.symbol == filters.symbol)
    direction = (expr.desc(), BacktestRunRow.id.desc()) if descending else (
        expr.asc(), BacktestRunRow.id.asc())  # fmt: skip
    rows = session.scalars(
        select(BacktestRunRow)
        .where(*conditions)
        .order_by(direction[0].nulls_last(), direction[1])
        .limit(limit)
        .offset(offset)
    ).all()
    total = session.scalar(select(func.count()).select_from(BacktestRunRow).where(*conditions))
    return list(rows), int(total or 0)


def cancel_queued(session: DbSession, owner_id: str, run_id: str, now: datetime) -> bool:
    """Mark the owner's run cancelled if it is still queued; True if it was."""
    result = session.execute(
        update(BacktestRunRow)
        .where(
            BacktestRunRow.id == run_id,
            BacktestRunRow.owner_id == owner_id,
            BacktestRunRow.status == RunStatus.QUEUED.value,
        )
        .values(status=RunStatus.CANCELLED.value, finished_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE


def request_cancel(session: DbSession, owner_id: str, run_id: str) -> bool:
    """Ask the worker running the owner's run to stop; True if the run is running."""
    result = session.execute(
        update(BacktestRunRow)
        .where(
            BacktestRunRow.id == run_id,
            BacktestRunRow.owner_id == owner_id,
            BacktestRunRow.status == RunStatus.RUNNING.value,
        )
        .values(cancel_requested=True)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def delete_run(session: DbSession, owner_id: str, run_id: str) -> bool:
    """Delete the owner's run unless it is running; True if a row was deleted."""
    result = session.execute(
        delete(BacktestRunRow).where(
            BacktestRunRow.id == run_id,
            BacktestRunRow.owner_id == owner_id,
            BacktestRunRow.status != RunStatus.RUNNING.value,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- worker side -----------------------------------------------------------------------


def claim(session: DbSession, run_id: str, now: datetime) -> str | None:
    """Move a queued run to running and return its request JSON; ``None`` if the run is
    no longer queued (cancelled, deleted, or claimed by another worker)."""
    result = session.execute(
        update(BacktestRunRow)
        .where(BacktestRunRow.id == run_id, BacktestRunRow.status == RunStatus.QUEUED.value)
        .values(status=RunStatus.RUNNING.value, started_at=now, progress_per_mille=0)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    return session.scalar(select(BacktestRunRow.request_json).where(BacktestRunRow.id == run_id))


def report_progress(
    session: DbSession,
    run_id: str,
    per_mille: int,
    *,
    candles: int | None = None,
    path: str | None = None,
) -> bool | None:
    """Store a running run's progress (and, once known, its candle count and path).

    Returns whether a cancel was requested, or ``None`` when the run is no longer running
    (deleted or finished by someone else): the worker should stop either way.
    """
    values: dict[str, Any] = {"progress_per_mille": max(0, min(per_mille, PROGRESS_DONE - 1))}
    if candles is not None:
        values["candles"] = candles
    if path is not None:
        values["path"] = path
    result = session.execute(
        update(BacktestRunRow)
        .where(BacktestRunRow.id == run_id, BacktestRunRow.status == RunStatus.RUNNING.value)
        .values(**values)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    flag = session.scalar(
        select(BacktestRunRow.cancel_requested).where(BacktestRunRow.id == run_id)
    )
    return bool(flag)


@dataclass(frozen=True, slots=True)
class RunResults:
    """What a succeeded run stores (see :class:`BacktestRunRow` for units)."""

    metrics_json: str
    warnings_json: str
    total_return_pct: Decimal
    max_drawdown_pct: Decimal
    trades: int
    candles: int
    path: str
    result_dir: str


def finish_succeeded(session: DbSession, run_id: str, results: RunResults, now: datetime) -> bool:
    """Store the results of a running run and mark it succeeded; False if it was not running."""
    result = session.execute(
        update(BacktestRunRow)
        .where(BacktestRunRow.id == run_id, BacktestRunRow.status == RunStatus.RUNNING.value)
        .values(
            status=RunStatus.SUCCEEDED.value,
            progress_per_mille=PROGRESS_DONE,
            metrics_json=results.metrics_json,
            warnings_json=results.warnings_json,
            total_return_pct=results.total_return_pct,
            max_drawdown_pct=results.max_drawdown_pct,
            trades=results.trades,
            candles=results.candles,
            path=results.path,
            result_dir=results.result_dir,
            finished_at=now,
            error=None,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def finish_unsuccessful(
    session: DbSession,
    run_id: str,
    status: RunStatus,
    error: str | None,
    now: datetime,
    *,
    from_statuses: Sequence[str] = (RunStatus.RUNNING.value,),
) -> bool:
    """Mark a run ``failed`` or ``cancelled`` with ``error`` if its status is one of
    ``from_statuses``; False otherwise (it already ended)."""
    if status not in (RunStatus.FAILED, RunStatus.CANCELLED):
        raise ValueError(f"finish_unsuccessful cannot set {status}")
    result = session.execute(
        update(BacktestRunRow)
        .where(BacktestRunRow.id == run_id, BacktestRunRow.status.in_(list(from_statuses)))
        .values(status=status.value, error=error, finished_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def fail_all_running(session: DbSession, error: str, now: datetime) -> int:
    """Mark every running run failed with ``error`` (after a restart); how many were."""
    result = session.execute(
        update(BacktestRunRow)
        .where(BacktestRunRow.status == RunStatus.RUNNING.value)
        .values(status=RunStatus.FAILED.value, error=error, finished_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def queued_ids(session: DbSession) -> list[str]:
    """Ids of every queued run, oldest first (dispatched again after a restart)."""
    return list(
        session.scalars(
            select(BacktestRunRow.id)
            .where(BacktestRunRow.status == RunStatus.QUEUED.value)
            .order_by(BacktestRunRow.created_at.asc(), BacktestRunRow.id.asc())
        ).all()
    )
