"""Analytics of the caller's bots: PnL by bot, strategy or UTC day, and a strategy comparison.

Sources: closed trades (``trades``, counted in the range by their ``exit_at``) and PnL
snapshots (``pnl_snapshots``, the equity curves). The range is half open,
``since <= t < until``; either end may be left open.

Exactness: every sum is done in Python over ``Decimal`` (on SQLite the columns are text and
SQL ``SUM`` would go through floats), so totals are exact. Ratios (win rate, profit
factor, drawdown fraction) are rounded half-even to :data:`RATIO_QUANTUM` (6 decimals).
Amounts are in the bots' quote currency; adding bots that trade in different quote
currencies is the caller's responsibility (XOR bots trade USDT pairs by default).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from xor_trading.persistence.repositories import pnl as pnl_repo
from xor_trading.persistence.repositories import trades as trades_repo
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal
from xor_trading.services.trading_records import check_range

ZERO = Decimal(0)
RATIO_QUANTUM = Decimal("0.000001")


class GroupBy(StrEnum):
    BOT = "bot"
    STRATEGY = "strategy"
    DAY = "day"


@dataclass(frozen=True, slots=True)
class PnlGroup:
    """PnL of one bot, strategy or UTC day.

    ``key`` is the bot id, the strategy name or the day (``YYYY-MM-DD``); ``label`` the
    bot's name (the key otherwise). ``trades``/``wins``/``losses`` count closed trades by
    the sign of ``net_pnl`` (a zero trade is neither). ``unrealised_pnl`` is the sum, over
    the group's bots, of the unrealised PnL in each bot's last snapshot of the range (of the
    day, for days); ``None`` when none of them has a snapshot there.
    """

    key: str
    label: str
    trades: int
    wins: int
    losses: int
    gross_pnl: Decimal
    fees: Decimal
    net_pnl: Decimal
    unrealised_pnl: Decimal | None


@dataclass(frozen=True, slots=True)
class PnlReport:
    """PnL groups (sorted by key) and their totals over the range."""

    group_by: GroupBy
    since: datetime | None
    until: datetime | None
    groups: list[PnlGroup]
    trades: int
    gross_pnl: Decimal
    fees: Decimal
    net_pnl: Decimal


@dataclass(frozen=True, slots=True)
class StrategyStats:
    """One strategy over the range, across the caller's bots that run it.

    ``win_rate = wins / trades`` (``None`` without trades); ``profit_factor = gross_profit /
    gross_loss`` where both are sums of trade ``net_pnl`` (``gross_loss`` positive; ``None``
    when there is no loss). ``max_drawdown`` is the largest fall from a peak of the
    strategy's combined equity (the sum of each bot's latest snapshot equity, taken at every
    snapshot), in the quote currency; ``max_drawdown_pct`` that fall as a fraction of the
    peak (``None`` when the peak is not positive or there are no snapshots).
    """

    strategy: str
    bots: int
    trades: int
    wins: int
    losses: int
    win_rate: Decimal | None
    gross_profit: Decimal
    gross_loss: Decimal
    net_pnl: Decimal
    profit_factor: Decimal | None
    max_drawdown: Decimal
    max_drawdown_pct: Decimal | None


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    """What analytics needs of a trade row (read inside the transaction)."""

    bot_id: str
    strategy: str
    exit_at: datetime
    gross_pnl: Decimal
    fees: Decimal
    net_pnl: Decimal


@dataclass(frozen=True, slots=True)
class EquityPoint:
    """What analytics needs of a PnL snapshot row."""

    bot_id: str
    at: datetime
    equity: Decimal
    unrealised_pnl: Decimal


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    """``numerator / denominator`` rounded half-even to :data:`RATIO_QUANTUM`."""
    return (numerator / denominator).quantize(RATIO_QUANTUM)


def max_drawdown(snapshots: Iterable[EquityPoint]) -> tuple[Decimal, Decimal | None]:
    """Largest peak-to-trough fall of the combined equity of the snapshots' bots.

    ``snapshots`` oldest first. The combined equity after each snapshot is the sum of every
    bot's latest equity so far. Returns ``(fall, fall / peak)``; the fraction is ``None``
    when no fall was measured from a positive peak.
    """
    latest: dict[str, Decimal] = {}
    peak: Decimal | None = None
    worst, worst_pct = ZERO, None
    for snap in snapshots:
        latest[snap.bot_id] = snap.equity
        equity = sum(latest.values(), ZERO)
        if peak is None or equity > peak:
            peak = equity
            continue
        fall = peak - equity
        if fall > worst:
            worst = fall
            worst_pct = ratio(fall, peak) if peak > 0 else None
    return worst, worst_pct


def _group_keys(
    group_by: GroupBy, bots: dict[str, tuple[str, str]]
) -> tuple[Callable[[ClosedTrade], str], Callable[[EquityPoint], str]]:
    """The group key of a trade and of a snapshot."""
    if group_by is GroupBy.BOT:
        return (lambda t: t.bot_id), (lambda s: s.bot_id)
    if group_by is GroupBy.STRATEGY:
        # A snapshot belongs to its bot's strategy (snapshots do not name the strategy).
        return (lambda t: t.strategy), (lambda s: bots.get(s.bot_id, ("", ""))[1])
    return (lambda t: t.exit_at.date().isoformat()), (lambda s: s.at.date().isoformat())


class AnalyticsService:
    """Reads over the caller's trades and snapshots (nothing here writes)."""

    def __init__(self, container: Container) -> None:
        self._db = container.database

    def _load(
        self, principal: Principal, since: datetime | None, until: datetime | None
    ) -> tuple[list[ClosedTrade], list[EquityPoint], dict[str, tuple[str, str]]]:
        check_range(since, until)
        filters = trades_repo.TradeFilters(since=since, until=until)
        with self._db.read_session() as session:
            trades = [
                ClosedTrade(t.bot_id, t.strategy, t.exit_at, t.gross_pnl, t.fees, t.net_pnl)
                for t in trades_repo.all_trades(session, principal.user_id, filters)
            ]
            snaps = [
                EquityPoint(s.bot_id, s.at, s.equity, s.unrealised_pnl)
                for s in pnl_repo.list_snapshots(
                    session, principal.user_id, since=since, until=until
                )
            ]
            bots = pnl_repo.bot_names_and_strategies(session, principal.user_id)
        return trades, snaps, bots

    def pnl(
        self,
        principal: Principal,
        group_by: GroupBy,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> PnlReport:
        """PnL of the caller's closed trades in the range, grouped by bot, strategy or day."""
        trades, snaps, bots = self._load(principal, since, until)
        trade_key, snap_key = _group_keys(group_by, bots)
        by_key: dict[str, list[ClosedTrade]] = defaultdict(list)
        for trade in trades:
            by_key[trade_key(trade)].append(trade)
        # The last snapshot of each bot in each group (snapshots come oldest first).
        last_unrealised: dict[str, dict[str, Decimal]] = defaultdict(dict)
        for snap in snaps:
            last_unrealised[snap_key(snap)][snap.bot_id] = snap.unrealised_pnl
        groups = []
        for key in sorted(set(by_key) | set(last_unrealised)):
            rows = by_key.get(key, [])
            unrealised = last_unrealised.get(key)
            gross = sum((t.gross_pnl for t in rows), ZERO)
            fees = sum((t.fees for t in rows), ZERO)
            groups.append(
                PnlGroup(
                    key=key,
                    label=bots.get(key, (key, ""))[0] if group_by is GroupBy.BOT else key,
                    trades=len(rows),
                    wins=sum(1 for t in rows if t.net_pnl > 0),
                    losses=sum(1 for t in rows if t.net_pnl < 0),
                    gross_pnl=gross,
                    fees=fees,
                    net_pnl=sum((t.net_pnl for t in rows), ZERO),
                    unrealised_pnl=sum(unrealised.values(), ZERO) if unrealised else None,
                )
            )
        return PnlReport(
            group_by=group_by,
            since=since,
            until=until,
            groups=groups,
            trades=len(trades),
            gross_pnl=sum((t.gross_pnl for t in trades), ZERO),
            fees=sum((t.fees for t in trades), ZERO),
            net_pnl=sum((t.net_pnl for t in trades), ZERO),
        )

    def compare_strategies(
        self,
        principal: Principal,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[StrategyStats]:
        """Per strategy: trades, win rate, net PnL, profit factor, max drawdown; by name."""
        trades, snaps, bots = self._load(principal, since, until)
        trades_of: dict[str, list[ClosedTrade]] = defaultdict(list)
        bots_of: dict[str, set[str]] = defaultdict(set)
        for trade in trades:
            trades_of[trade.strategy].append(trade)
            bots_of[trade.strategy].add(trade.bot_id)
        snaps_of: dict[str, list[EquityPoint]] = defaultdict(list)
        for snap in snaps:
            strategy = bots.get(snap.bot_id, ("", ""))[1]
            snaps_of[strategy].append(snap)
            bots_of[strategy].add(snap.bot_id)
        out = []
        for strategy in sorted(set(trades_of) | set(snaps_of)):
            rows = trades_of.get(strategy, [])
            wins = [t.net_pnl for t in rows if t.net_pnl > 0]
            losses = [t.net_pnl for t in rows if t.net_pnl < 0]
            gross_profit = sum(wins, ZERO)
            gross_loss = -sum(losses, ZERO)
            drawdown, drawdown_pct = max_drawdown(snaps_of.get(strategy, []))
            out.append(
                StrategyStats(
                    strategy=strategy,
                    bots=len(bots_of[strategy]),
                    trades=len(rows),
                    wins=len(wins),
                    losses=len(losses),
                    win_rate=ratio(Decimal(len(wins)), Decimal(len(rows))) if rows else None,
                    gross_profit=gross_profit,
                    gross_loss=gross_loss,
                    net_pnl=sum((t.net_pnl for t in rows), ZERO),
                    profit_factor=ratio(gross_profit, gross_loss) if gross_loss else None,
                    max_drawdown=drawdown,
                    max_drawdown_pct=drawdown_pct,
                )
            )
        return out
