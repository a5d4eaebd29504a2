"""Backtests as background jobs: submit, follow, read, cancel and delete runs.

The use cases (:class:`BacktestJobService`) validate a request completely before it is
queued, so a bad request is answered at once with a sentence and nothing is stored:
unknown strategy, parameter, exchange, symbol or timeframe, an unreadable date, a range
without candles or with more than :data:`MAX_CANDLES_PER_RUN` candles (S7), costs or
limits out of range. Each user may have at most :data:`MAX_ACTIVE_PER_USER` runs queued
or running (S7); one more is refused with ``RateLimitedError`` (429).

The runner (:class:`BacktestJobs`, ``container.jobs``) executes queued runs in separate
processes: backtests are CPU-bound Python, and threads would stall the API. It is a
``ProcessPoolExecutor`` with the ``spawn`` context and ``settings.backtest_workers``
processes. A worker receives the database URL, the data directory and the run id (never
live objects), claims the run (``queued -> running``), runs it through the same code as
``xor backtest`` (:func:`~xor_trading.services.backtest_service.run_backtest_job`),
stores its progress at most :data:`PROGRESS_WRITES_PER_S` times a second, then the
metrics and summary, and writes the trades, orders and equity curve as files under
``<data_dir>/backtests/<run_id>/``. Any failure ends the run ``failed`` with the error's
sentence (``XorError.one_line()``); a run never stays ``running`` after its worker ended.

Cancelling: a queued run is cancelled at once; a running one gets ``cancel_requested``,
which its worker reads with each progress write and stops within one progress interval.

Restarts (documented policy): :meth:`BacktestJobs.start` marks runs still ``running``
as ``failed`` with :data:`INTERRUPTED` (their worker died with the previous process;
the user resubmits) and dispatches runs still ``queued`` again. At shutdown, running
runs are stopped the same way (``failed``, :data:`INTERRUPTED`) and queued ones stay
queued for the next start. This assumes one job runner per database, which is how
``xor serve`` runs by default (``--workers 1``). With several API processes on one
database, a process that (re)starts fails the runs the others are executing; their
results are then discarded (a finished run is stored only while it is still ``running``).
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import multiprocessing
import shutil
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Context, Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import ValidationError

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.output_files import TRADE_COLUMNS, iso_utc
from xor_trading.core.clock import Clock
from xor_trading.core.errors import (
    ConfigError,
    ConflictError,
    DataError,
    InputError,
    NotFoundError,
    RateLimitedError,
    XorError,
)
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_grid import timeframe_of_ms
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.market_naming import normalize_exchange, normalize_symbol
from xor_trading.exchanges.simulated.catalog import load_instrument
from xor_trading.persistence.database import Database, DbSession
from xor_trading.persistence.repositories import backtest_runs as runs_repo
from xor_trading.persistence.tables.backtest_runs import (
    PROGRESS_DONE,
    BacktestRunRow,
    RunStatus,
)
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.exit_manager import ExitConfig, exit_config_from_pairs
from xor_trading.risk.position_sizer import SizingConfig
from xor_trading.risk.sizing import SizingMode
from xor_trading.services.backtest_service import (
    BacktestRequest,
    parse_time,
    run_backtest_job,
)
from xor_trading.services.principal import Principal
from xor_trading.strategy.registry import get_strategy

if TYPE_CHECKING:
    from xor_trading.services.container import Container

__all__ = [
    "INTERRUPTED",
    "MAX_ACTIVE_PER_USER",
    "MAX_CANDLES_PER_RUN",
    "BacktestJobService",
    "BacktestJobs",
    "BacktestRunView",
    "BacktestSpec",
    "EquitySeries",
    "TradeView",
    "WorkerJob",
    "build_backtest_request",
    "downsample_indices",
    "execute_run",
]

logger = logging.getLogger("xor.backtest_jobs")

MAX_ACTIVE_PER_USER = 2
"""Runs one user may have queued or running at once (S7)."""
MAX_CANDLES_PER_RUN = 5_000_000
"""Candles one run may read (about 9.5 years of 1m candles) (S7)."""
MAX_COMPARE = 10
"""Runs one comparison may show side by side."""
DEFAULT_EQUITY_POINTS = 2_000
MAX_EQUITY_POINTS = 20_000
PROGRESS_WRITES_PER_S = 4
QUOTA_RETRY_AFTER_S = 10.0
INTERRUPTED = (
    "the backtest was interrupted because the server stopped while it ran; submit it again"
)
WORKER_DIED = "the backtest worker process stopped unexpectedly; submit the backtest again"
UNEXPECTED = "the backtest failed because of an internal error; the operator's log has details"
_SUMMARY_QUANTUM = Decimal("1e-8")
_SUMMARY_LIMIT = Decimal("1e18")  # NUMERIC(38, 18) holds 20 integer digits

ParamValue = str | int | float | bool


# --- the request -----------------------------------------------------------------------


def _dec(value: object) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _dec_or(value: object, default: Decimal) -> Decimal:
    """``value`` as a Decimal, ``default`` only when it is absent (0 stays 0)."""
    found = _dec(value)
    return default if found is None else found


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


@dataclass(frozen=True, slots=True)
class CostSpec:
    """Costs and money, in the quote currency and basis points (as ``xor backtest``)."""

    capital: Decimal = Decimal(10_000)
    stake: Decimal = Decimal(200)
    fee_bps: Decimal = Decimal(10)
    maker_fee_bps: Decimal | None = None
    fee_asset: str = "quote"
    slippage_bps: Decimal = Decimal(0)
    slippage_model: str = "fixed"
    spread_bps: Decimal = Decimal(0)
    max_volume_pct: Decimal | None = None


@dataclass(frozen=True, slots=True)
class RiskSpec:
    """Risk limits: the defaults with ``limits`` (``key -> value text``) applied, or off."""

    enabled: bool = True
    limits: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SizingSpec:
    mode: str = "fixed_stake"
    risk_pct: Decimal = Decimal(1)


@dataclass(frozen=True, slots=True)
class ExitSpec:
    """A simple bracket (percent of the entry price) or protective exits
    (``protective``: ``{}`` for the defaults, keys as ``xor backtest --exit``; ``None``: off)."""

    stop_loss_pct: Decimal | None = None
    take_profit_pct: Decimal | None = None
    protective: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class BacktestSpec:
    """A backtest request as the API receives it and the database stores it.

    ``start``/``end`` are ISO 8601 texts (UTC when no zone is given; ``end`` exclusive).
    ``exchange`` ``None`` means the configured default exchange.
    """

    strategy: str
    symbol: str
    timeframe: str
    exchange: str | None = None
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    start: str | None = None
    end: str | None = None
    costs: CostSpec = field(default_factory=CostSpec)
    risk: RiskSpec = field(default_factory=RiskSpec)
    sizing: SizingSpec = field(default_factory=SizingSpec)
    exits: ExitSpec = field(default_factory=ExitSpec)
    path: str = "auto"

    def to_document(self) -> dict[str, Any]:
        """JSON-ready; decimals as exact strings. Keys are the API's (``from``, ``to``)."""
        c, e = self.costs, self.exits
        return {
            "strategy": self.strategy,
            "params": dict(self.params),
            "exchange": self.exchange,
            "symbol": self.symbol,
            "timeframe": self.timeframe,
            "from": self.start,
            "to": self.end,
            "costs": {
                "capital": _text(c.capital),
                "stake": _text(c.stake),
                "fee_bps": _text(c.fee_bps),
                "maker_fee_bps": _text(c.maker_fee_bps),
                "fee_asset": c.fee_asset,
                "slippage_bps": _text(c.slippage_bps),
                "slippage_model": c.slippage_model,
                "spread_bps": _text(c.spread_bps),
                "max_volume_pct": _text(c.max_volume_pct),
            },
            "risk": {"enabled": self.risk.enabled, "limits": dict(self.risk.limits)},
            "sizing": {"mode": self.sizing.mode, "risk_pct": _text(self.sizing.risk_pct)},
            "exits": {
                "stop_loss_pct": _text(e.stop_loss_pct),
                "take_profit_pct": _text(e.take_profit_pct),
                "protective": None if e.protective is None else dict(e.protective),
            },
            "path": self.path,
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> BacktestSpec:
        """The inverse of :meth:`to_document`; missing groups and keys take the defaults.

        Raises ``InputError`` for a value that is not a number where one is needed.
        """
        try:
            costs = doc.get("costs") or {}
            risk = doc.get("risk") or {}
            sizing = doc.get("sizing") or {}
            exits = doc.get("exits") or {}
            protective = exits.get("protective")
            d = CostSpec()
            return cls(
                strategy=str(doc["strategy"]),
                symbol=str(doc["symbol"]),
                timeframe=str(doc["timeframe"]),
                exchange=doc.get("exchange"),
                params=dict(doc.get("params") or {}),
                start=doc.get("from"),
                end=doc.get("to"),
                costs=CostSpec(
                    capital=_dec_or(costs.get("capital"), d.capital),
                    stake=_dec_or(costs.get("stake"), d.stake),
                    fee_bps=_dec_or(costs.get("fee_bps"), d.fee_bps),
                    maker_fee_bps=_dec(costs.get("maker_fee_bps")),
                    fee_asset=str(costs.get("fee_asset") or d.fee_asset),
                    slippage_bps=_dec_or(costs.get("slippage_bps"), d.slippage_bps),
                    slippage_model=str(costs.get("slippage_model") or d.slippage_model),
                    spread_bps=_dec_or(costs.get("spread_bps"), d.spread_bps),
                    max_volume_pct=_dec(costs.get("max_volume_pct")),
                ),
                risk=RiskSpec(
                    enabled=bool(risk.get("enabled", True)),
                    limits={str(k): _limit_text(v) for k, v in (risk.get("limits") or {}).items()},
                ),
                sizing=SizingSpec(
                    mode=str(sizing.get("mode") or "fixed_stake"),
                    risk_pct=_dec_or(sizing.get("risk_pct"), SizingSpec().risk_pct),
                ),
                exits=ExitSpec(
                    stop_loss_pct=_dec(exits.get("stop_loss_pct")),
                    take_profit_pct=_dec(exits.get("take_profit_pct")),
                    protective=None
                    if protective is None
                    else {str(k): _limit_text(v) for k, v in protective.items()},
                ),
                path=str(doc.get("path") or "auto"),
            )
        except (InvalidOperation, ValueError, TypeError, KeyError) as exc:
            raise InputError(
                f"the backtest request is malformed ({type(exc).__name__}: {exc})",
                "send numbers as JSON numbers or decimal strings",
            ) from None


def _limit_text(value: object) -> str:
    """A limit's value as the text ``key=value`` pairs take (JSON null -> ``none``)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _risk_config(spec: RiskSpec) -> RiskConfig:
    if not spec.enabled:
        if spec.limits:
            raise ConfigError(
                "risk limits are given while risk is disabled",
                "remove risk.limits, or set risk.enabled to true",
            )
        return RiskConfig.disabled()
    pairs = [f"{key}={value}" for key, value in spec.limits.items()]
    return RiskConfig.from_pairs(pairs) if pairs else RiskConfig()


def _sizing_config(spec: SizingSpec) -> SizingConfig:
    modes = [m.value for m in SizingMode]
    if spec.mode not in modes:
        raise ConfigError(
            f"sizing mode {spec.mode!r} is not known", f"use one of: {', '.join(modes)}"
        )
    try:
        return SizingConfig(mode=SizingMode(spec.mode), risk_pct=spec.risk_pct)
    except ValidationError as exc:
        raise ConfigError(
            f"invalid sizing: {exc.errors()[0]['msg']}", "sizing.risk_pct is a percent, 0-100"
        ) from None


def _exit_config(spec: ExitSpec) -> ExitConfig:
    if spec.protective is None:
        return ExitConfig()
    pairs = [f"{key}={value}" for key, value in spec.protective.items()] or ["on"]
    return exit_config_from_pairs(pairs)


def _backtest_config(spec: BacktestSpec) -> BacktestConfig:
    """Risk, sizing and exits (each raising its own sentence), then the whole config."""
    risk, sizing, exits = (
        _risk_config(spec.risk),
        _sizing_config(spec.sizing),
        _exit_config(spec.exits),
    )
    c = spec.costs
    try:
        return BacktestConfig.build(
            capital=c.capital,
            stake=c.stake,
            fee_bps=c.fee_bps,
            maker_fee_bps=c.maker_fee_bps,
            fee_asset=c.fee_asset,
            slippage_bps=c.slippage_bps,
            slippage_model=c.slippage_model,
            spread_bps=c.spread_bps,
            max_volume_participation=None if c.max_volume_pct is None else c.max_volume_pct / 100,
            stop_loss_pct=spec.exits.stop_loss_pct,
            take_profit_pct=spec.exits.take_profit_pct,
            risk=risk,
            sizing=sizing,
            exits=exits,
        )
    except ConfigError as exc:  # the same sentence; the CLI's hint does not fit the API
        raise ConfigError(
            exc.message, "fix the request's costs, sizing or exits (amounts in the quote currency)"
        ) from None


def build_backtest_request(
    spec: BacktestSpec, output: Path, default_exchange: str
) -> tuple[BacktestRequest, BacktestSpec]:
    """Validate ``spec`` without reading candles and build the request the backtest
    service runs, writing its files to ``output``; also return ``spec`` normalised
    (exchange resolved, symbol as ``BASE/QUOTE``, timeframe as ``1h``).

    Raises ``InputError`` subclasses with a sentence for anything invalid: unknown
    strategy, parameter, exchange, symbol or timeframe, unreadable times, ``from`` not
    before ``to``, costs, sizing, exits or risk limits out of range.
    """
    if spec.path not in ("auto", "fast", "event"):
        raise ConfigError(f"path {spec.path!r} is not auto, fast or event", "pick one of those")
    tf = timeframe_of_ms(Timeframe.parse(spec.timeframe).ms)  # "60m" -> "1h", as stored
    exchange = normalize_exchange(spec.exchange or default_exchange)
    symbol = normalize_symbol(spec.symbol)
    strategy_cls = get_strategy(spec.strategy)
    strategy_cls.config_class.parse_params(dict(spec.params), spec.strategy)
    instrument = load_instrument(exchange, symbol)
    config = _backtest_config(spec)
    start_ms = None if spec.start is None else parse_time(spec.start, "from")
    end_ms = None if spec.end is None else parse_time(spec.end, "to")
    if start_ms is not None and end_ms is not None and start_ms >= end_ms:
        raise ConfigError(
            f"from ({spec.start}) must be before to ({spec.end})", "swap them or widen the range"
        )
    request = BacktestRequest(
        strategy=spec.strategy,
        symbol=instrument.symbol,
        timeframe=tf.text,
        config=config,
        output=output,
        exchange=exchange,
        params=dict(spec.params),
        start_ms=start_ms,
        end_ms=end_ms,
        path=spec.path,  # type: ignore[arg-type]  # checked above
    )
    normalised = BacktestSpec(
        strategy=spec.strategy,
        symbol=instrument.symbol,
        timeframe=tf.text,
        exchange=exchange,
        params=dict(spec.params),
        start=spec.start,
        end=spec.end,
        costs=spec.costs,
        risk=spec.risk,
        sizing=spec.sizing,
        exits=spec.exits,
        path=spec.path,
    )
    return request, normalised


def _check_candles(request: BacktestRequest, candles_root: Path) -> int:
    """How many candles the run will read; raises ``InputError`` when there are none or
    more than :data:`MAX_CANDLES_PER_RUN` (a span that is surely too long is refused
    before anything is read)."""
    tf = Timeframe.parse(request.timeframe)
    cap = f"{MAX_CANDLES_PER_RUN:,}"
    if request.start_ms is not None and request.end_ms is not None:
        span = -(-(request.end_ms - request.start_ms) // tf.ms)
        if span > MAX_CANDLES_PER_RUN:
            raise InputError(
                f"the range {iso_utc(request.start_ms)} to {iso_utc(request.end_ms)} spans "
                f"{span:,} {tf} candles; one backtest may read at most {cap}",
                "shorten the range or use a longer timeframe",
            )
    frame = (
        ParquetCandleStore(candles_root)
        .read(
            request.exchange, request.symbol, tf, start_ms=request.start_ms, end_ms=request.end_ms
        )
        .frame
    )
    if frame.is_empty:
        raise DataError(
            f"no {request.symbol} {tf} candles are stored in the requested range",
            "widen from/to; GET /api/v1/market/symbols shows the stored ranges",
        )
    if len(frame) > MAX_CANDLES_PER_RUN:
        raise InputError(
            f"the range holds {len(frame):,} {tf} candles; one backtest may read at most {cap}",
            "shorten the range (from/to) or use a longer timeframe",
        )
    return len(frame)


# --- what the service returns ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BacktestRunView:
    """One run as the API shows it. ``progress`` is 0..1 (1 only once succeeded);
    percentages are rounded to 8 decimals; ``metrics`` is ``Metrics.to_dict()``
    (``None`` until succeeded); ``request`` is the normalised request document."""

    id: str
    status: str
    progress: float
    cancel_requested: bool
    strategy: str
    exchange: str
    symbol: str
    timeframe: str
    candles: int | None
    path: str | None
    total_return_pct: Decimal | None
    max_drawdown_pct: Decimal | None
    trades: int | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    request: dict[str, Any]
    metrics: dict[str, Any] | None
    warnings: list[str]

    @classmethod
    def of(cls, row: BacktestRunRow) -> BacktestRunView:
        return cls(
            id=row.id,
            status=row.status,
            progress=row.progress_per_mille / PROGRESS_DONE,
            cancel_requested=row.cancel_requested,
            strategy=row.strategy,
            exchange=row.exchange,
            symbol=row.symbol,
            timeframe=row.timeframe,
            candles=row.candles,
            path=row.path,
            total_return_pct=row.total_return_pct,
            max_drawdown_pct=row.max_drawdown_pct,
            trades=row.trades,
            error=row.error,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            request=json.loads(row.request_json),
            metrics=None if row.metrics_json is None else json.loads(row.metrics_json),
            warnings=[] if row.warnings_json is None else json.loads(row.warnings_json),
        )


@dataclass(frozen=True, slots=True)
class EquitySeries:
    """An equity curve, possibly thinned: ``ts_ms`` are candle close times (UTC ms),
    ``equity`` in the quote currency (float64, as the backtest computes it),
    ``drawdown_pct`` below the running peak in percent. ``total_points`` is the length
    of the full curve."""

    run_id: str
    total_points: int
    ts_ms: list[int]
    equity: list[float]
    drawdown_pct: list[float]
    in_position: list[bool]


@dataclass(frozen=True, slots=True)
class TradeView:
    """One closed trade of a run (see ``backtest.results.TradeRecord``); exact decimals."""

    entry_time: datetime
    exit_time: datetime
    symbol: str
    side: str
    entry_price: Decimal
    exit_price: Decimal
    quantity: Decimal
    fees: Decimal
    pnl: Decimal
    return_pct: Decimal
    exit_reason: str


def downsample_indices(values: np.ndarray[Any, Any], max_points: int) -> np.ndarray[Any, Any]:
    """Indices (ascending) of at most ``max_points`` points of ``values`` that keep its shape.

    All indices when it is short enough; otherwise the first and the last point plus, in
    each of ``(max_points - 2) // 2`` equal buckets of the interior, the minimum and the
    maximum (so peaks and the deepest drawdown survive thinning). ``max_points >= 4``.
    """
    n = len(values)
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    buckets = (max_points - 2) // 2
    edges = np.linspace(1, n - 1, buckets + 1).astype(np.int64)
    picked = [0, n - 1]
    for lo, hi in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
        if hi <= lo:
            continue
        part = values[lo:hi]
        picked.append(lo + int(np.argmin(part)))
        picked.append(lo + int(np.argmax(part)))
    return np.unique(np.asarray(picked, dtype=np.int64))


# --- the use cases ---------------------------------------------------------------------


def _at(clock: Clock) -> datetime:
    return datetime.fromtimestamp(clock.now_ms() / 1000, UTC)


def _not_found(run_id: str) -> NotFoundError:
    return NotFoundError(
        f"no backtest {run_id!r}", "list your backtests with GET /api/v1/backtests"
    )


class BacktestJobService:
    """Backtest runs of the calling user (S1: another user's run is not found)."""

    def __init__(self, container: Container) -> None:
        self._c = container

    @property
    def _results_root(self) -> Path:
        return self._c.settings.data_dir

    def submit(self, principal: Principal, spec: BacktestSpec) -> BacktestRunView:
        """Validate ``spec`` completely, queue it and hand it to the runner.

        Raises ``InputError`` (422) for a bad request, ``RateLimitedError`` (429) when
        the user already has :data:`MAX_ACTIVE_PER_USER` runs queued or running.
        """
        settings = self._c.settings
        # The output directory is not written here: submit only validates.
        request, normalised = build_backtest_request(
            spec, settings.data_dir / "backtests", settings.default_exchange
        )
        with self._c.database.read_session() as session:
            self._check_quota(session, principal.user_id)
        _check_candles(request, settings.candles_dir)  # reads candles: after the cheap checks
        from xor_trading.services.audit import record_audit  # noqa: PLC0415 - import cycle:
        # services.audit imports the container, which imports this module for its runner.

        with self._c.database.session() as session:
            runs_repo.lock_owner(session, principal.user_id)
            self._check_quota(session, principal.user_id)
            row = runs_repo.add_run(
                session,
                BacktestRunRow(
                    owner_id=principal.user_id,
                    status=RunStatus.QUEUED.value,
                    progress_per_mille=0,
                    cancel_requested=False,
                    request_json=json.dumps(normalised.to_document(), sort_keys=True),
                    strategy=request.strategy,
                    exchange=request.exchange,
                    symbol=request.symbol,
                    timeframe=request.timeframe,
                    created_at=_at(self._c.clock),
                ),
            )
            record_audit(
                session,
                self._c,
                actor_id=principal.user_id,
                action="backtest.submit",
                target_type="backtest",
                target_id=row.id,
                details={
                    "strategy": request.strategy,
                    "symbol": request.symbol,
                    "timeframe": request.timeframe,
                },
            )
            view = BacktestRunView.of(row)
        self._c.jobs.dispatch(view.id)
        return view

    @staticmethod
    def _check_quota(session: DbSession, owner_id: str) -> None:
        active = runs_repo.count_active(session, owner_id)
        if active >= MAX_ACTIVE_PER_USER:
            raise RateLimitedError(
                f"you already have {active} backtests queued or running; at most "
                f"{MAX_ACTIVE_PER_USER} may be at once",
                QUOTA_RETRY_AFTER_S,
                "wait for one to finish, or cancel one (POST /api/v1/backtests/{id}/cancel)",
            )

    def list_runs(
        self,
        principal: Principal,
        *,
        status: str | None = None,
        strategy: str | None = None,
        symbol: str | None = None,
        sort: runs_repo.RunSort = "created_at",
        descending: bool = True,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[BacktestRunView], int]:
        """One page of the caller's runs (newest first by default) and the total."""
        if status is not None and status not in {s.value for s in RunStatus}:
            raise InputError(
                f"status {status!r} is not a backtest status",
                f"use one of: {', '.join(s.value for s in RunStatus)}",
            )
        if symbol is not None:
            # An unparseable symbol is kept as given: it matches nothing, like any unknown one.
            with contextlib.suppress(ConfigError):
                symbol = normalize_symbol(symbol)
        filters = runs_repo.RunFilters(status=status, strategy=strategy, symbol=symbol)
        with self._c.database.read_session() as session:
            rows, total = runs_repo.list_runs(
                session, principal.user_id, filters, sort, descending, limit, offset
            )
            return [BacktestRunView.of(row) for row in rows], total

    def get(self, principal: Principal, run_id: str) -> BacktestRunView:
        with self._c.database.read_session() as session:
            row = runs_repo.get_run(session, principal.user_id, run_id)
            if row is None:
                raise _not_found(run_id)
            return BacktestRunView.of(row)

    def compare(self, principal: Principal, run_ids: Sequence[str]) -> list[BacktestRunView]:
        """The caller's runs ``run_ids`` in that order (duplicates once); ``NotFoundError``
        naming the first id that is not theirs."""
        unique = list(dict.fromkeys(i.strip() for i in run_ids if i.strip()))
        if not 1 <= len(unique) <= MAX_COMPARE:
            raise InputError(
                f"compare takes 1 to {MAX_COMPARE} backtest ids; got {len(unique)}",
                "pass ids=<id>,<id>,...",
            )
        with self._c.database.read_session() as session:
            rows = {row.id: row for row in runs_repo.get_runs(session, principal.user_id, unique)}
            for run_id in unique:
                if run_id not in rows:
                    raise _not_found(run_id)
            return [BacktestRunView.of(rows[run_id]) for run_id in unique]

    def cancel(self, principal: Principal, run_id: str) -> BacktestRunView:
        """Cancel a queued run now, or ask a running one to stop (it ends ``cancelled``
        within one progress interval, or ``succeeded`` if it finished first).
        ``ConflictError`` when the run already ended."""
        from xor_trading.services.audit import record_audit  # noqa: PLC0415 - see submit

        with self._c.database.session() as session:
            row = runs_repo.get_run(session, principal.user_id, run_id)
            if row is None:
                raise _not_found(run_id)
            now = _at(self._c.clock)
            if not runs_repo.cancel_queued(
                session, principal.user_id, run_id, now
            ) and not runs_repo.request_cancel(session, principal.user_id, run_id):
                raise ConflictError(
                    f"backtest {run_id} already {row.status}; there is nothing to cancel",
                    "delete it if you no longer need it",
                )
            record_audit(
                session,
                self._c,
                actor_id=principal.user_id,
                action="backtest.cancel",
                target_type="backtest",
                target_id=run_id,
            )
            session.refresh(row)
            view = BacktestRunView.of(row)
        if view.status == RunStatus.CANCELLED:
            self._c.jobs.forget(run_id)
        return view

    def delete(self, principal: Principal, run_id: str) -> None:
        """Delete a run that is not running, with its result files."""
        from xor_trading.services.audit import record_audit  # noqa: PLC0415 - see submit

        with self._c.database.session() as session:
            row = runs_repo.get_run(session, principal.user_id, run_id)
            if row is None:
                raise _not_found(run_id)
            if not runs_repo.delete_run(session, principal.user_id, run_id):
                raise ConflictError(
                    f"backtest {run_id} is running and cannot be deleted",
                    "cancel it first (POST /api/v1/backtests/{id}/cancel), then delete it",
                )
            record_audit(
                session,
                self._c,
                actor_id=principal.user_id,
                action="backtest.delete",
                target_type="backtest",
                target_id=run_id,
                details={"strategy": row.strategy, "symbol": row.symbol},
            )
        self._c.jobs.forget(run_id)
        # The row is gone, so nothing reads these files any more; a leftover directory
        # (if removal fails) is harmless and unreachable through the API.
        shutil.rmtree(self._results_root / "backtests" / run_id, ignore_errors=True)

    def _result_dir(self, principal: Principal, run_id: str) -> Path:
        with self._c.database.read_session() as session:
            row = runs_repo.get_run(session, principal.user_id, run_id)
            if row is None:
                raise _not_found(run_id)
            status, result_dir = row.status, row.result_dir
        if status != RunStatus.SUCCEEDED or result_dir is None:
            raise ConflictError(
                f"backtest {run_id} has no results: it is {status}",
                "results exist once the backtest succeeded; poll GET /api/v1/backtests/{id}",
            )
        directory = self._results_root / result_dir
        if not directory.is_dir():
            raise NotFoundError(
                f"the result files of backtest {run_id} are missing",
                "submit the backtest again",
            )
        return directory

    def equity(
        self, principal: Principal, run_id: str, max_points: int = DEFAULT_EQUITY_POINTS
    ) -> EquitySeries:
        """The run's equity curve thinned to at most ``max_points`` (4..20,000) points
        by :func:`downsample_indices`."""
        if not 4 <= max_points <= MAX_EQUITY_POINTS:
            raise InputError(
                f"max_points must be from 4 to {MAX_EQUITY_POINTS:,}; got {max_points}",
                f"the default is {DEFAULT_EQUITY_POINTS:,}",
            )
        lines = (self._result_dir(principal, run_id) / "equity.csv").read_text("utf-8")
        rows = [line.split(",") for line in lines.splitlines()[1:] if line]
        times = np.array([r[0].removesuffix("Z") for r in rows], dtype="datetime64[ms]")
        ts = times.astype(np.int64)
        equity = np.array([float(r[1]) for r in rows], dtype=np.float64)
        keep = downsample_indices(equity, max_points)
        return EquitySeries(
            run_id=run_id,
            total_points=len(rows),
            ts_ms=ts[keep].tolist(),
            equity=equity[keep].tolist(),
            drawdown_pct=[float(rows[i][2]) for i in keep.tolist()],
            in_position=[rows[i][3] == "1" for i in keep.tolist()],
        )

    def trades(
        self, principal: Principal, run_id: str, limit: int = 50, offset: int = 0
    ) -> tuple[list[TradeView], int]:
        """One page of the run's trades in entry order and how many there are."""
        path = self._result_dir(principal, run_id) / "trades.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            if tuple(header) != TRADE_COLUMNS:
                raise DataError(f"trades of backtest {run_id} have unexpected columns")
            rows = list(reader)
        page = rows[offset : offset + limit]
        return [_trade(row) for row in page], len(rows)


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _trade(row: list[str]) -> TradeView:
    v = dict(zip(TRADE_COLUMNS, row, strict=True))
    return TradeView(
        entry_time=_iso(v["entry_time"]),
        exit_time=_iso(v["exit_time"]),
        symbol=v["symbol"],
        side=v["side"],
        entry_price=Decimal(v["entry_price"]),
        exit_price=Decimal(v["exit_price"]),
        quantity=Decimal(v["quantity"]),
        fees=Decimal(v["fees"]),
        pnl=Decimal(v["pnl"]),
        return_pct=Decimal(v["return_pct"]),
        exit_reason=v["exit_reason"],
    )


# --- the worker --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkerJob:
    """What a worker process needs to execute one run (picklable, no live objects).

    ``clock`` is a copy of the container's clock: the wall clock in production, a frozen
    test clock in tests (the run's times are then the test's time).
    """

    database_url: str
    data_dir: Path
    run_id: str
    clock: Clock
    default_exchange: str


_stop_event: Any = None  # set in each worker process by _init_worker; None in-process
_worker_databases: dict[str, Database] = {}


def _init_worker(stop_event: Any) -> None:
    global _stop_event  # noqa: PLW0603 - one per worker process, set once at its start
    _stop_event = stop_event


def _stopping() -> bool:
    return _stop_event is not None and bool(_stop_event.is_set())


def _database(url: str) -> Database:
    """One engine per database URL per worker process (reused across runs)."""
    database = _worker_databases.get(url)
    if database is None:
        database = _worker_databases[url] = Database(url)
    return database


class _Stop(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised from the progress callback to end a run early."""

    def __init__(self, status: RunStatus | None, error: str | None) -> None:
        super().__init__(error or "stop")
        self.status = status  # None: the run is gone, write nothing
        self.error = error


class _Progress:
    """The progress callbacks of one run: write at most ``PROGRESS_WRITES_PER_S`` times a
    second, and stop when the server shuts down or the user cancels."""

    def __init__(self, database: Database, run_id: str) -> None:
        self._db = database
        self._run_id = run_id
        self._total = 1
        self._interval_s = 1.0 / PROGRESS_WRITES_PER_S
        self._last = time.monotonic()

    def started(self, total: int, path: str) -> None:
        self._total = max(total, 1)
        self._write(0, candles=total, path=path)

    def advanced(self, done: int) -> None:
        if _stopping():
            raise _Stop(RunStatus.FAILED, INTERRUPTED)
        if time.monotonic() - self._last < self._interval_s:
            return
        self._write(done * PROGRESS_DONE // self._total)

    def _write(
        self, per_mille: int, *, candles: int | None = None, path: str | None = None
    ) -> None:
        with self._db.session() as session:
            cancel = runs_repo.report_progress(
                session, self._run_id, per_mille, candles=candles, path=path
            )
        self._last = time.monotonic()
        if cancel is None:
            raise _Stop(None, None)
        if cancel:
            raise _Stop(RunStatus.CANCELLED, None)


def _summary_pct(value: float) -> Decimal:
    """A metric percentage rounded to 8 decimals for listing (clamped to what fits)."""
    exact = Decimal(repr(value)).quantize(_SUMMARY_QUANTUM, context=Context(prec=60))
    return max(-_SUMMARY_LIMIT, min(_SUMMARY_LIMIT, exact))


def execute_run(job: WorkerJob) -> str:
    """Execute one queued run to its end and return its final status (``"skipped"``
    when it was not queued any more, or the server is stopping).

    Runs in a worker process (or in-process in tests). Every outcome is written to the
    database here; an exception escapes only if the database itself fails, and the
    runner then marks the run failed (:data:`WORKER_DIED`).
    """
    if _stopping():
        return "skipped"  # leave it queued: the next start dispatches it again
    database = _database(job.database_url)
    with database.session() as session:
        request_json = runs_repo.claim(session, job.run_id, _at(job.clock))
    if request_json is None:
        return "skipped"
    output = job.data_dir / "backtests" / job.run_id
    status: RunStatus = RunStatus.FAILED
    error: str | None = UNEXPECTED
    try:
        spec = BacktestSpec.from_document(json.loads(request_json))
        request, _ = build_backtest_request(spec, output, job.default_exchange)
        progress = _Progress(database, job.run_id)
        outcome = run_backtest_job(
            request, job.data_dir / "candles", progress.started, progress.advanced
        )
        metrics = outcome.metrics
        results = runs_repo.RunResults(
            metrics_json=json.dumps(metrics.to_dict(), allow_nan=False),
            warnings_json=json.dumps(outcome.warnings),
            total_return_pct=_summary_pct(metrics.total_return_pct),
            max_drawdown_pct=_summary_pct(metrics.max_drawdown_pct),
            trades=metrics.number_of_trades,
            candles=outcome.candles,
            path=outcome.result.path,
            result_dir=f"backtests/{job.run_id}",
        )
        with database.session() as session:
            stored = runs_repo.finish_succeeded(session, job.run_id, results, _at(job.clock))
        if stored:
            return RunStatus.SUCCEEDED.value
        shutil.rmtree(output, ignore_errors=True)  # the run ended otherwise meanwhile
        return "skipped"
    except _Stop as stop:
        if stop.status is None:
            shutil.rmtree(output, ignore_errors=True)
            return "skipped"
        status, error = stop.status, stop.error
    except XorError as exc:
        status, error = RunStatus.FAILED, exc.one_line()
    except Exception:
        # A bug: the operator's log gets the trace, the user a sentence without internals.
        logger.exception("backtest %s failed unexpectedly", job.run_id)
    shutil.rmtree(output, ignore_errors=True)
    with database.session() as session:
        runs_repo.finish_unsuccessful(session, job.run_id, status, error, _at(job.clock))
    return status.value


# --- the runner --------------------------------------------------------------------------


class BacktestJobs:
    """The process-wide job runner (``container.jobs``); see the module docstring.

    Thread-safe. :meth:`start` and :meth:`shutdown` are idempotent; before :meth:`start`
    (or after :meth:`shutdown`) submitted runs wait, queued, for the next start.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._stop_event: Any = None
        self._container: Container | None = None
        self._futures: dict[str, Future[str]] = {}

    @property
    def started(self) -> bool:
        return self._executor is not None

    def start(self, container: Container) -> None:
        """Start ``container.settings.backtest_workers`` worker processes (lazily, on the
        first run), fail runs left running by a previous process and dispatch the queued.

        Raises ``ConfigError`` for an in-memory SQLite database, which worker processes
        cannot share.
        """
        database = container.database
        if database.is_sqlite and database.engine.url.database in (None, "", ":memory:"):
            raise ConfigError(
                "backtest jobs need a database that worker processes can open; an in-memory "
                "SQLite database cannot be shared",
                "use a SQLite file (the default) or PostgreSQL",
            )
        with self._lock:
            if self._executor is not None:
                return
            context = multiprocessing.get_context("spawn")
            self._stop_event = context.Event()
            self._container = container
            self._executor = self._new_executor()
        with database.session() as session:
            failed = runs_repo.fail_all_running(session, INTERRUPTED, _at(container.clock))
            queued = runs_repo.queued_ids(session)
        if failed:
            logger.warning("%d backtests were interrupted by the last shutdown", failed)
        for run_id in queued:
            self.dispatch(run_id)

    def _new_executor(self) -> ProcessPoolExecutor:
        assert self._container is not None
        return ProcessPoolExecutor(
            max_workers=self._container.settings.backtest_workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self._stop_event,),
        )

    def dispatch(self, run_id: str) -> bool:
        """Hand a queued run to a worker; False when the runner is not started."""
        with self._lock:
            executor, container = self._executor, self._container
            if executor is None or container is None:
                return False
            job = WorkerJob(
                database_url=container.database.url,
                data_dir=container.settings.data_dir,
                run_id=run_id,
                clock=container.clock,
                default_exchange=container.settings.default_exchange,
            )
            try:
                future = executor.submit(execute_run, job)
            except BrokenProcessPool:
                # A worker died hard (killed, out of memory): its runs were failed by
                # _finished; later runs get a fresh pool.
                logger.error("the backtest worker pool broke; starting a new one")
                executor.shutdown(wait=False, cancel_futures=True)
                executor = self._executor = self._new_executor()
                future = executor.submit(execute_run, job)
            self._futures[run_id] = future
        future.add_done_callback(partial(self._finished, run_id, container))
        return True

    def forget(self, run_id: str) -> None:
        """Drop a run that no longer needs a worker (cancelled or deleted while queued);
        a worker that picks it up anyway finds it not queued and skips it."""
        with self._lock:
            future = self._futures.pop(run_id, None)
        if future is not None:
            future.cancel()

    def _finished(self, run_id: str, container: Container, future: Future[str]) -> None:
        with self._lock:
            if self._futures.get(run_id) is future:
                del self._futures[run_id]
        if future.cancelled():
            return  # never started: still queued (shutdown) or already ended (cancel)
        error = future.exception()
        if error is None:
            return
        logger.error("backtest worker for %s ended with %r", run_id, error)
        try:
            with container.database.session() as session:
                runs_repo.finish_unsuccessful(
                    session,
                    run_id,
                    RunStatus.FAILED,
                    WORKER_DIED,
                    _at(container.clock),
                    from_statuses=(RunStatus.QUEUED.value, RunStatus.RUNNING.value),
                )
        except Exception:  # the next start marks it failed (INTERRUPTED) instead
            logger.exception("could not mark backtest %s failed", run_id)

    def shutdown(self) -> None:
        """Stop: running runs end ``failed`` (:data:`INTERRUPTED`) at their next progress
        check, queued ones stay queued; returns once every worker process has exited."""
        with self._lock:
            executor, self._executor = self._executor, None
            stop_event = self._stop_event
        if executor is None:
            return
        stop_event.set()
        executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            self._futures.clear()
