"""Backtest runs submitted through the API: the request, the progress and the results.

A run is a background job (``services/backtest_jobs.py``): ``queued`` when accepted,
``running`` once a worker process claims it, then exactly one of ``succeeded``,
``failed`` or ``cancelled``. The request is stored as the JSON document the user sent
(normalised), so the run can be shown and resubmitted; the metrics are the JSON of
``backtest.metrics.Metrics.to_dict()`` (exact decimals as strings, floats as JSON
numbers). The trades, orders and equity curve live as files under
``<data_dir>/<result_dir>`` (``backtest/output_files.py``), not in the database.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn
from xor_trading.persistence.types import new_id

PROGRESS_DONE = 1000
"""``progress_per_mille`` of a finished run (1000 per mille = 100 %)."""


class RunStatus(StrEnum):
    """Where a backtest run is in its life; the last three are final."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED})
ACTIVE_STATUSES = (RunStatus.QUEUED.value, RunStatus.RUNNING.value)
"""Statuses that count against a user's quota of concurrent backtests."""


class BacktestRunRow(Base):
    """One backtest run of one user.

    ``progress_per_mille`` is an integer 0..1000 (no float in the database); a running
    run stays below 1000 until its results are stored. ``cancel_requested`` is the flag
    the worker reads with each progress update to stop a running run.
    ``total_return_pct`` / ``max_drawdown_pct`` are the metrics' percentages rounded to
    8 decimals for listing and sorting (the exact values are in ``metrics_json``).
    ``result_dir`` is relative to the data directory (``backtests/<id>``), so the data
    directory can move.
    """

    __tablename__ = "backtest_runs"
    __table_args__ = (
        Index("ix_backtest_runs_owner_status", "owner_id", "status"),
        Index("ix_backtest_runs_owner_created", "owner_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    progress_per_mille: Mapped[int] = mapped_column(default=0)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    request_json: Mapped[str] = mapped_column(Text)
    strategy: Mapped[str] = mapped_column(String(64))
    exchange: Mapped[str] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(String(32))
    timeframe: Mapped[str] = mapped_column(String(8))
    candles: Mapped[int | None] = mapped_column(nullable=True)
    path: Mapped[str | None] = mapped_column(String(8), nullable=True)
    metrics_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    warnings_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    total_return_pct: Mapped[Decimal | None] = mapped_column(nullable=True)
    max_drawdown_pct: Mapped[Decimal | None] = mapped_column(nullable=True)
    trades: Mapped[int | None] = mapped_column(nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    result_dir: Mapped[str | None] = mapped_column(String(255), nullable=True)
