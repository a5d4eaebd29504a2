"""Risk properties through the real kernel (issue 4, item 6), checked with hypothesis.

For random order streams from a scripted strategy, on random price paths, with random risk
limits, run on the event path (the live kernel: strategy -> risk engine -> execution ->
simulated venue):

1. every accepted entry fits the limits against the equity the engine had when it decided:
   ``max_order_notional``, ``max_position_pct`` (held + pending + this order),
   ``max_risk_per_trade_pct``, ``max_leverage``; and at most ``max_entries_per_day``
   entries are accepted per UTC day;
2. no entry is accepted while a breaker blocks, whether the block is read from the engine's
   own journal or replayed independently from the equity curve and the closed trades;
3. no order fills more than its quantity, an order's quantity is the strategy's intent, and
   the spot position never goes below zero;
4. stops never loosen: the exit policies of ``risk/exit_stops.py`` (with ``BreakEven``) over
   random candle highs, and the bracket stop the engine places is never looser than asked.

The engine's view is rebuilt by a small replay: the strategy logs, for each order it sends,
the position it held and the candle's close, and every fill; the equity is the backtest's
equity curve at the decision candle's close (the engine marks to the same close before the
strategy decides). Orders that expired or were rejected by the venue are left out of the
pending exposure (their end time is not recorded), which only makes the check weaker.

Limitation: ``run_backtest`` drives one instrument, so ``max_open_positions`` (and the
correlation rules) can only ever see one symbol here and are trivially kept; they are covered
by the unit tests of the rules.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.run_result import BacktestResult, OrderRecord
from xor_trading.backtest.runner import run_backtest
from xor_trading.core.ids import OrderId
from xor_trading.core.precision import Rounding
from xor_trading.domain.candles import Candle
from xor_trading.domain.fills import Fill
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import OrderSide
from xor_trading.risk.breakers import DAY_MS, MINUTE_MS, next_utc_midnight_ms
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.exits import (
    BreakEven,
    LegFill,
    RatchetingStop,
    StopPolicy,
    StopRule,
    StopState,
    TakeProfitLadder,
    TrailingStop,
)
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext
from xor_trading.strategy.registry import register_strategy
from xor_trading.testing.factories import frame_from_rows, make_instrument

D = Decimal
CAPITAL = D(10_000)
INSTRUMENT = make_instrument()
STRATEGY = "test_risk_scripted"
REL_TOL = 1e-7  # the engine values positions and equity in floats
ABS_TOL = 1e-6
TRIP_MARGIN_PCT = 1e-6  # a replayed breaker trip counts only when this clearly past its limit

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- the scripted strategy -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Action:
    """What the strategy does at one candle's close.

    ``kind``: ``market`` (market buy, no bracket), ``bracket`` (market buy with the
    backtest's stop/target), ``limit`` (resting or marketable limit buy), ``cancel`` (the
    newest working limit buy), ``exit`` (sell the whole position), ``hold``.
    ``size``: the order's value as a multiple of the script's cap (``cap_pct`` or, bracketed,
    ``bracket_cap_pct``) in % of equity: sizes around 1 land on the limits' boundary.
    ``offset_pct``: the limit price below the close (negative: above, marketable).
    """

    kind: str
    size: float = 0.0
    offset_pct: float = 0.0


@dataclass(slots=True)
class Sent:
    """One order the strategy sent, with what it saw when it did."""

    order_id: str
    ts_ms: int
    kind: str
    side: OrderSide
    quantity: Decimal
    price: Decimal  # the price the engine values the order at (reference or limit)
    held: Decimal  # position quantity (from the portfolio) when the order was sent
    close: float  # the decision candle's close


@dataclass(slots=True)
class Script:
    actions: list[Action]
    cap_pct: float = 5.0  # for plain entries (market, limit)
    bracket_cap_pct: float = 5.0  # for bracketed entries
    sent: list[Sent] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    cancels: dict[str, int] = field(default_factory=dict)  # order id -> cancel time


# Strategies are built by name, so the script they follow is handed over here.
SCRIPT = Script([])


class ScriptedConfig(StrategyConfig):
    pass


@register_strategy
class ScriptedStrategy(Strategy[ScriptedConfig]):
    """Plays ``SCRIPT.actions`` one per closed candle and logs what it sent and got."""

    name = "test_risk_scripted"
    config_class = ScriptedConfig

    def __init__(self, config: ScriptedConfig, context: StrategyContext) -> None:
        super().__init__(config, context)
        self._step = 0
        self._cash = CAPITAL  # own bookkeeping, only to size orders in % of equity
        self._limits: list[OrderId] = []

    def on_candle(self, candle: Candle) -> None:
        script = SCRIPT
        step, self._step = self._step, self._step + 1
        if step >= len(script.actions):
            return
        action = script.actions[step]
        held = self.position_quantity
        equity = self._cash + held * D(repr(candle.close))
        cap = script.bracket_cap_pct if action.kind == "bracket" else script.cap_pct
        budget = equity * D(repr(cap * action.size)) / 100
        ref = self.price_of(candle)
        now = self.ctx.clock.now_ms()
        if action.kind in ("market", "bracket"):
            qty = self.quantity_for(budget, ref)
            if qty > 0:
                oid = self.submit(
                    OrderSide.BUY, qty, ref, bracket=action.kind == "bracket", tag="entry"
                )
                self._log(oid, now, action.kind, OrderSide.BUY, qty, ref, held, candle)
        elif action.kind == "limit":
            price = ref * (1 - D(repr(action.offset_pct)) / 100)
            limit = self.ctx.instrument.round_price(price, Rounding.DOWN)
            qty = self.quantity_for(budget, limit) if limit > 0 else D(0)
            if qty > 0:
                oid = self.buy_limit(qty, limit, tag="limit_entry")
                self._limits.append(oid)
                self._log(oid, now, "limit", OrderSide.BUY, qty, limit, held, candle)
        elif action.kind == "cancel":
            filled = _filled(script.fills)
            for limit_id in reversed(self._limits):
                sent = next(s for s in script.sent if s.order_id == limit_id)
                if limit_id not in script.cancels and filled[limit_id] < sent.quantity:
                    self.cancel(limit_id)
                    script.cancels[limit_id] = now
                    break
        elif action.kind == "exit" and held > 0:
            oid = self.submit(OrderSide.SELL, held, ref, reduce_only=True, tag="signal")
            self._log(oid, now, "exit", OrderSide.SELL, held, ref, held, candle)

    def on_fill(self, fill: Fill) -> None:
        SCRIPT.fills.append(fill)
        value = fill.price * fill.quantity
        self._cash += (-value if fill.side is OrderSide.BUY else value) - fill.fee

    def _log(
        self,
        oid: str,
        now: int,
        kind: str,
        side: OrderSide,
        qty: Decimal,
        price: Decimal,
        held: Decimal,
        c: Candle,
    ) -> None:
        SCRIPT.sent.append(Sent(oid, now, kind, side, qty, price, held, c.close))


def _filled(fills: list[Fill]) -> defaultdict[str, Decimal]:
    out: defaultdict[str, Decimal] = defaultdict(Decimal)
    for f in fills:
        out[f.order_id] += f.quantity
    return out


# -- random inputs ---------------------------------------------------------------------------


Row = tuple[float, float, float, float, float]


@st.composite
def price_rows(draw: st.DrawFn) -> list[Row]:
    """A bounded positive random walk of 30-200 one-minute candles with consistent OHLC,
    random volumes and, often, steep falls (to trip breakers).

    Hypothesis draws the shape (length, start, volatility, how often and how deep it falls,
    volumes); the per-candle noise comes from a drawn seed, which keeps generation fast.
    """
    n = draw(st.integers(30, 200), label="candles")
    price = float(draw(st.integers(20, 2000), label="start price"))
    vol_bps = draw(st.sampled_from([30, 80, 5]), label="volatility bps")
    crash_pct = draw(st.sampled_from([25, 10, 5, 0]), label="crash chance %")
    crash_bps = draw(st.sampled_from([1000, 2500, 300]), label="deepest crash bps")
    volume = draw(st.sampled_from([5.0, 100.0, 5_000.0]), label="volume scale")
    rng = random.Random(draw(st.integers(0, 2**32 - 1), label="seed"))
    rows = []
    for _ in range(n):
        if rng.random() * 100 < crash_pct:
            bps = -rng.uniform(100, crash_bps)
        else:
            bps = rng.gauss(0, vol_bps)
        open_ = price
        price = min(100_000.0, max(1.0, price * (1 + bps / 10_000)))
        high = max(open_, price) * (1 + rng.uniform(0, vol_bps) / 10_000)
        low = min(open_, price) * (1 - rng.uniform(0, vol_bps) / 10_000)
        rows.append((open_, high, low, price, volume * rng.uniform(0.01, 1)))
    return rows


def _tenths(draw: st.DrawFn, low: int, high: int) -> Decimal:
    return D(draw(st.integers(low, high))) / 10


def _often(values: list[Any], rest: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly one of ``values`` (interesting ones: large positions, tight breakers), else
    anything from ``rest``."""
    return st.one_of(st.sampled_from(values), rest)


def _tenths_in(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low, high).map(lambda v: D(v) / 10)


@st.composite
def risk_configs(draw: st.DrawFn) -> RiskConfig:
    """Valid limits by construction: risk <= position <= leverage x 100, daily <= drawdown."""
    position = draw(_often([D(100), D(50), D(25), D(10)], _tenths_in(5, 1000)))  # 0.5 .. 100 %
    share = draw(_often([100, 50, 20], st.integers(1, 100)))  # risk, in % of the position cap
    risk = max(D("0.01"), (position * share / 100).quantize(D("0.01"), ROUND_DOWN))
    leverage = D(draw(st.integers(int(position) + 1, 1000))) / 100
    daily = draw(_often([D(1), D(2), D("0.5"), D(3)], _tenths_in(1, 100)))  # 0.1 .. 10 %
    drawdown = min(D("99.9"), daily + draw(_often([D(0), D(2), D(5)], _tenths_in(0, 200))))
    return RiskConfig.model_validate(
        {
            "max_position_pct": position,
            "max_risk_per_trade_pct": risk,
            "max_leverage": leverage,
            "max_open_positions": draw(st.integers(1, 5)),
            "max_entries_per_day": draw(_often([20, 50, 5, 1], st.integers(1, 50))),
            "max_order_notional": draw(
                _often([None, None, D(3000)], st.integers(50, 20_000).map(D))
            ),
            "daily_loss_limit_pct": daily,
            "max_drawdown_pct": drawdown,
            "stop_loss_streak": draw(st.integers(1, 4)),
            "cooldown_minutes": draw(_often([30, 0, 90], st.integers(0, 180))),
        }
    )


@st.composite
def backtest_configs(draw: st.DrawFn) -> BacktestConfig:
    return BacktestConfig.build(
        capital=CAPITAL,
        fee_bps=draw(st.sampled_from([D(10), D(0)])),
        slippage_bps=draw(st.sampled_from([D(0), D(5)])),
        max_volume_participation=draw(st.sampled_from([None, D("0.05"), None, D("0.5")])),
        stop_loss_pct=draw(_often([D(2), D(1), D(5), None], _tenths_in(5, 80))),
        take_profit_pct=draw(st.one_of(st.none(), _tenths_in(10, 100))),
        risk=draw(risk_configs()),
    )


KINDS = ("hold", "bracket", "market", "hold", "limit", "bracket", "cancel", "exit")
SIZES = (1.0, 0.999, 1.001, 0.7, 0.3, 0.05, 1.5, 4.0)
OFFSETS = (-0.5, 0.0, 0.2, 1.0, 5.0)


def _action(code: int) -> Action:
    """One action from one integer (a list of integers is much faster to draw)."""
    kind = KINDS[code % len(KINDS)]
    code //= len(KINDS)
    return Action(kind, SIZES[code % len(SIZES)], OFFSETS[code // len(SIZES) % len(OFFSETS)])


def actions(n: int) -> st.SearchStrategy[list[Action]]:
    codes = st.integers(0, len(KINDS) * len(SIZES) * len(OFFSETS) - 1)
    return st.lists(codes, min_size=n, max_size=n).map(lambda cs: [_action(c) for c in cs])


# -- running and replaying -------------------------------------------------------------------


def _caps(config: BacktestConfig) -> tuple[float, float]:
    """The largest order value, in % of equity, that the limits allow for a plain and for a
    bracketed entry when flat (sizes are drawn around them, to land on the boundary)."""
    risk = config.risk
    plain = min(float(risk.max_position_pct), float(risk.max_risk_per_trade_pct))
    if config.stop_loss_pct is None:
        return plain, plain
    per_stop = float(risk.max_risk_per_trade_pct) * 100 / float(config.stop_loss_pct)
    return plain, min(float(risk.max_position_pct), per_stop)


def run(
    rows: list[Row], script: list[Action], config: BacktestConfig, cap_pct: float | None = None
) -> tuple[BacktestResult, Script]:
    plain, bracketed = _caps(config) if cap_pct is None else (cap_pct, cap_pct)
    SCRIPT.actions, SCRIPT.cap_pct, SCRIPT.bracket_cap_pct = script, plain, bracketed
    SCRIPT.sent.clear()
    SCRIPT.fills.clear()
    SCRIPT.cancels.clear()
    frame = frame_from_rows(rows)
    result = run_backtest(frame, INSTRUMENT, STRATEGY, {}, config, path="event")
    return result, SCRIPT


def _fits(value: float, cap: float) -> bool:
    return value <= cap * (1 + REL_TOL) + ABS_TOL


def _order_price(record: OrderRecord, sent: Sent) -> Decimal:
    assert record.limit_price in (None, sent.price), record
    return sent.price


@dataclass(slots=True)
class Run:
    """One backtest and what the checks need from it, indexed."""

    result: BacktestResult
    script: Script
    config: BacktestConfig
    records: dict[str, OrderRecord]
    entries: list[Sent]  # accepted entries, in the order they were sent
    equity_at: dict[int, float]  # candle close time -> equity

    @classmethod
    def of(cls, result: BacktestResult, script: Script, config: BacktestConfig) -> Run:
        records = {o.order_id: o for o in result.orders}
        entries = [s for s in script.sent if s.side is OrderSide.BUY and s.order_id in records]
        curve = result.curve
        equity_at = {int(t): float(e) for t, e in zip(curve.ts_ms, curve.equity, strict=True)}
        return cls(result, script, config, records, entries, equity_at)

    def filled_before(self, order_id: str, ts_ms: int) -> Decimal:
        # Fills happen while the venue walks a candle (stamped with its open); a decision at a
        # close sees the fills stamped strictly earlier.
        return sum(
            (f.quantity for f in self.script.fills if f.order_id == order_id and f.ts_ms < ts_ms),
            D(0),
        )

    def pending_before(self, entry: Sent) -> float:
        """The value the engine still held pending for earlier entries when ``entry`` came."""
        total = 0.0
        for other in self.entries:
            if other is entry:
                break
            record = self.records[other.order_id]
            if record.status in ("expired", "rejected"):
                continue  # ended at a time not recorded: left out (a weaker check)
            cancel = self.script.cancels.get(other.order_id)
            if cancel is not None and cancel <= entry.ts_ms:
                continue
            left = other.quantity - self.filled_before(other.order_id, entry.ts_ms)
            if left > 0:
                total += float(left * _order_price(record, other))
        return total


# -- property 1, 2, 3 through the kernel -------------------------------------------------------


def check_limits(run_: Run) -> None:
    """Property 1: every accepted entry was within the limits when the engine accepted it."""
    risk = run_.config.risk
    stop_pct = run_.config.stop_loss_pct
    per_day: Counter[int] = Counter()
    for entry in run_.entries:
        record = run_.records[entry.order_id]
        equity = run_.equity_at[entry.ts_ms]
        price = _order_price(record, entry)
        value = float(entry.quantity * price)
        where = f"entry {entry.order_id} at {entry.ts_ms} ({entry.kind}, value {value:.4f})"
        if risk.max_order_notional is not None:
            assert entry.quantity * price <= risk.max_order_notional, where
        held = float(entry.held) * entry.close
        pending = run_.pending_before(entry)
        position_cap = equity * float(risk.max_position_pct) / 100
        assert _fits(held + pending + value, position_cap), (
            f"{where}: held {held:.4f} + pending {pending:.4f} > {position_cap:.4f} "
            f"(max_position_pct {risk.max_position_pct} of equity {equity:.4f})"
        )
        at_risk = value * (float(stop_pct) / 100 if entry.kind == "bracket" and stop_pct else 1)
        risk_cap = equity * float(risk.max_risk_per_trade_pct) / 100
        assert _fits(at_risk, risk_cap), f"{where}: risks {at_risk:.4f} > {risk_cap:.4f}"
        leverage_cap = equity * float(risk.max_leverage)
        assert _fits(held + pending + value, leverage_cap), f"{where}: leverage"
        per_day[entry.ts_ms // DAY_MS] += 1
    for day, count in per_day.items():
        assert count <= risk.max_entries_per_day, (
            f"{count} entries accepted on UTC day {day}, limit {risk.max_entries_per_day}"
        )


Interval = tuple[str, int, int | None, bool]  # breaker, from (ms), until (exclusive), from incl.


def journal_blocks(run_: Run) -> list[Interval]:
    """Blocks read from the engine's journal of breaker trips."""
    cooldown_ms = run_.config.risk.cooldown_minutes * MINUTE_MS
    out: list[Interval] = []
    for line in run_.result.risk_journal:
        breaker, _, kind = line.rule.partition(":")
        if kind != "breaker_tripped":
            continue
        if breaker == "max_drawdown":
            out.append((breaker, line.ts_ms, None, True))
        elif breaker == "daily_loss":
            out.append((breaker, line.ts_ms, next_utc_midnight_ms(line.ts_ms), True))
        elif breaker == "stop_loss_cooldown":
            # Tripped by a stop filling at a candle's open, which is also the close time of the
            # previous candle: an entry decided at that close came before the stop filled.
            out.append((breaker, line.ts_ms, line.ts_ms + cooldown_ms, False))
        else:
            raise AssertionError(f"unknown breaker in the journal: {line.rule}")
    return out


def replayed_blocks(run_: Run) -> list[Interval]:
    """Blocks replayed independently: drawdown and daily loss from the equity curve at each
    candle close (what the engine observes), the cooldown from the closed trades."""
    risk = run_.config.risk
    out: list[Interval] = []
    peak: float | None = None
    day, start = -1, 0.0
    daily_until = -1
    dd_limit, daily_limit = float(risk.max_drawdown_pct), float(risk.daily_loss_limit_pct)
    for ts, equity in sorted(run_.equity_at.items()):
        peak = equity if peak is None else max(peak, equity)
        if peak > 0 and (peak - equity) / peak * 100 > dd_limit + TRIP_MARGIN_PCT:
            out.append(("max_drawdown", ts, None, True))
        if ts // DAY_MS != day:
            day, start = ts // DAY_MS, equity
        if (
            ts >= daily_until
            and start > 0
            and (start - equity) / start * 100 > daily_limit + TRIP_MARGIN_PCT
        ):
            daily_until = next_utc_midnight_ms(ts)
            out.append(("daily_loss", ts, daily_until, True))
    streak, cooldown_ms = 0, risk.cooldown_minutes * MINUTE_MS
    for trade in run_.result.trades:
        streak = streak + 1 if trade.exit_reason == "stop_loss" and trade.pnl <= 0 else 0
        if streak >= risk.stop_loss_streak:
            streak = 0
            if cooldown_ms:
                t = trade.exit_time_ms
                out.append(("stop_loss_cooldown", t, t + cooldown_ms, False))
    return out


def check_breakers(run_: Run) -> None:
    """Property 2: no entry accepted while a breaker blocked."""
    blocks = journal_blocks(run_) + replayed_blocks(run_)
    for entry in run_.entries:
        t = entry.ts_ms
        for breaker, since, until, inclusive in blocks:
            started = since <= t if inclusive else since < t
            assert not (started and (until is None or t < until)), (
                f"entry {entry.order_id} accepted at {t} while {breaker} blocked "
                f"(tripped at {since}, until {until})"
            )


def check_fills(run_: Run) -> None:
    """Property 3: nothing fills beyond its intent; the spot position never goes short."""
    script, records = run_.script, run_.records
    filled = _filled(script.fills)
    denied = {line.order_id for line in run_.result.risk_journal if line.order_id}
    for sent in script.sent:
        # Each order the strategy sent was either denied or reached execution, not both.
        assert (sent.order_id in records) != (sent.order_id in denied), sent.order_id
        record = records.get(sent.order_id)
        if record is not None:
            assert record.quantity == sent.quantity, f"{sent.order_id}: the intent changed"
    for record in records.values():
        assert D(0) <= record.filled_qty <= record.quantity, record
        assert filled[record.order_id] == record.filled_qty, record
        assert (record.status == "filled") == (record.filled_qty == record.quantity), record
    position = D(0)
    for f in script.fills:
        position += f.quantity if f.side is OrderSide.BUY else -f.quantity
        assert position >= 0, f"spot position went short at {f.ts_ms}: {position}"
    if position != 0:
        # docs/architecture.md, "End of data": a remainder below the venue minimum cannot be
        # sold, so risk denies O-end and the position stays open.
        end = [line for line in run_.result.risk_journal if line.order_id == "O-end"]
        assert [line.rule for line in end] == ["min_notional"], (
            f"the end of data left {position} open"
        )


def check_bracket_stops(run_: Run) -> None:
    """Property 4 (engine): a bracket stop sells at most what its entry bought and is never
    looser than ``stop_loss_pct`` below the entry's average price (beyond one tick)."""
    stop_pct = run_.config.stop_loss_pct
    stops = [o for o in run_.records.values() if o.tag == "stop_loss"]
    if stop_pct is None:
        assert not stops
        return
    entries = [
        run_.records[e.order_id]
        for e in run_.entries
        if e.kind == "bracket" and run_.records[e.order_id].filled_qty > 0
    ]
    tick = INSTRUMENT.tick_size
    for stop in stops:
        assert stop.stop_price is not None
        matches = [
            e
            for e in entries
            if e.filled_qty == stop.quantity
            and e.average_price is not None
            and e.average_price * (1 - stop_pct / 100) - tick
            < stop.stop_price
            <= e.average_price * (1 - stop_pct / 100)
        ]
        assert matches, f"no filled bracketed entry explains stop {stop}"
        assert stop.filled_qty <= stop.quantity


@PROPERTY_SETTINGS
@given(data=st.data(), rows=price_rows(), config=backtest_configs())
def test_random_order_streams_keep_every_risk_property(
    data: st.DataObject, rows: list[Row], config: Any
) -> None:
    script = data.draw(actions(len(rows)), label="script")
    result, logged = run(rows, script, config)
    run_ = Run.of(result, logged, config)
    event(f"accepted entries > 0: {bool(run_.entries)}")
    event(f"denials > 0: {result.denials > 0}")
    for line in result.risk_journal:
        if line.rule.endswith(":breaker_tripped"):
            event(f"tripped: {line.rule.partition(':')[0]}")
        elif line.order_id:
            event(f"denied by: {line.rule}")
    check_limits(run_)
    check_breakers(run_)
    check_fills(run_)
    check_bracket_stops(run_)


# -- the checks are not vacuous ---------------------------------------------------------------


def _crash_rows() -> list[Row]:
    """Flat at 100 for 5 candles, a 30 % fall over 5 candles, then flat again."""
    closes = [100.0] * 5 + [94.0, 88.0, 82.0, 76.0, 70.0] + [70.0] * 30
    rows, prev = [], closes[0]
    for c in closes:
        rows.append((prev, max(prev, c) + 0.05, min(prev, c) - 0.05, c, 1_000.0))
        prev = c
    return rows


def test_a_crash_trips_the_breakers_and_later_entries_are_denied() -> None:
    """A big position through a crash trips the daily and drawdown breakers; every entry the
    script tries afterwards is denied, and the property checks pass on this run."""
    risk = RiskConfig(
        max_position_pct=D(100),
        max_risk_per_trade_pct=D(100),
        daily_loss_limit_pct=D(3),
        max_drawdown_pct=D(10),
        max_entries_per_day=50,
    )
    config = BacktestConfig.build(capital=CAPITAL, fee_bps=D(10), risk=risk)
    script = [Action("market", 0.9)] + [Action("hold")] * 9 + [Action("market", 0.2)] * 30
    result, logged = run(_crash_rows(), script, config, cap_pct=100.0)
    run_ = Run.of(result, logged, config)
    trips = {line.rule for line in result.risk_journal if line.rule.endswith(":breaker_tripped")}
    assert trips == {"daily_loss:breaker_tripped", "max_drawdown:breaker_tripped"}
    assert len(run_.entries) == 1  # only the first entry, before the crash
    denied = [line.rule for line in result.risk_journal if line.order_id]
    assert len(denied) == 30
    assert set(denied) == {"max_drawdown"}
    check_limits(run_)
    check_breakers(run_)
    check_fills(run_)


def test_stop_loss_streak_starts_a_cooldown_that_holds_entries() -> None:
    """Bracketed entries stopped out twice in a row start the cooldown; the entry right after
    is denied and one after the cooldown is accepted."""
    risk = RiskConfig(
        max_position_pct=D(50),
        max_risk_per_trade_pct=D(5),
        stop_loss_streak=2,
        cooldown_minutes=10,
        daily_loss_limit_pct=D(50),
        max_drawdown_pct=D(60),
    )
    config = BacktestConfig.build(capital=CAPITAL, stop_loss_pct=D(2), fee_bps=D(10), risk=risk)
    # Each pair: an entry at 100, then a candle that dips through the 2 % stop and recovers.
    rows: list[Row] = []
    for _ in range(2):
        rows += [(100.0, 100.1, 99.9, 100.0, 1_000.0), (100.0, 100.1, 97.0, 100.0, 1_000.0)]
    rows += [(100.0, 100.1, 99.9, 100.0, 1_000.0)] * 20
    script = [Action("bracket", 0.5), Action("hold")] * 2 + [Action("bracket", 0.5)] * 20
    result, logged = run(rows, script, config, cap_pct=50.0)
    run_ = Run.of(result, logged, config)
    assert [t.exit_reason for t in result.trades][:2] == ["stop_loss", "stop_loss"]
    assert any(line.rule == "stop_loss_cooldown:breaker_tripped" for line in result.risk_journal)
    assert any(line.rule == "stop_loss_cooldown" for line in result.risk_journal)
    assert len(run_.entries) >= 3  # the cooldown ended and entries resumed
    check_limits(run_)
    check_breakers(run_)
    check_fills(run_)
    check_bracket_stops(run_)


def test_the_checks_catch_a_run_that_ignored_the_limits() -> None:
    """Checked against stricter limits than the engine ran with, the same run fails: the
    replay really measures what the engine let through (no vacuous pass)."""
    # The engine runs with the limits wide open: entries go on after the crash.
    loose = RiskConfig(
        max_position_pct=D(100),
        max_risk_per_trade_pct=D(100),
        daily_loss_limit_pct=D("99.8"),
        max_drawdown_pct=D("99.9"),
        max_entries_per_day=100,
    )
    config = BacktestConfig.build(capital=CAPITAL, fee_bps=D(10), risk=loose)
    script = [Action("market", 0.5)] + [Action("hold")] * 9 + [Action("market", 0.05)] * 30
    result, logged = run(_crash_rows(), script, config, cap_pct=100.0)
    assert len(Run.of(result, logged, config).entries) > 10
    assert not any(line.rule.endswith(":breaker_tripped") for line in result.risk_journal)
    for strict in (
        RiskConfig(max_position_pct=D(40), max_risk_per_trade_pct=D(40)),
        RiskConfig(max_position_pct=D(100), max_risk_per_trade_pct=D(30)),
        RiskConfig(max_position_pct=D(100), max_risk_per_trade_pct=D(100), max_entries_per_day=1),
        RiskConfig(
            max_position_pct=D(100), max_risk_per_trade_pct=D(100), max_order_notional=D(100)
        ),
    ):
        strict_run = Run.of(result, logged, config.model_copy(update={"risk": strict}))
        with pytest.raises(AssertionError):
            check_limits(strict_run)
    # The replay of the breakers from the equity curve sees the drawdown and the daily loss
    # that the engine, run without them, did not act on.
    for guarded in (
        RiskConfig(daily_loss_limit_pct=D(3), max_drawdown_pct=D(99)),
        RiskConfig(daily_loss_limit_pct=D(3), max_drawdown_pct=D(10)),
    ):
        guarded_run = Run.of(result, logged, config.model_copy(update={"risk": guarded}))
        with pytest.raises(AssertionError, match="blocked"):
            check_breakers(guarded_run)


# -- property 4: the exit policies never loosen a stop ------------------------------------------


@st.composite
def stop_rules(draw: st.DrawFn, entry: Decimal) -> StopRule:
    kind = draw(st.sampled_from(["fixed", "ratchet", "trailing"]))
    if kind == "fixed":
        return StopPolicy.percent(_tenths(draw, 1, 500))
    if kind == "ratchet":
        return RatchetingStop(entry * D(draw(st.integers(1, 500))) / 1000)
    return TrailingStop(_tenths(draw, 0, 100), _tenths(draw, 1, 200))


def _start(rule: StopRule, entry: Decimal, instrument: Instrument, initial: Decimal) -> StopState:
    if isinstance(rule, StopPolicy):
        return rule.start(entry, instrument)
    return rule.start(entry, instrument, initial_stop=initial)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=st.data(), rows=price_rows())
def test_stops_never_loosen_over_random_highs(data: st.DataObject, rows: list[Row]) -> None:
    """Each successive stop of a ratcheting, trailing or fixed stop, with break-even after the
    first take profit and arbitrary tightening, is >= the previous one and never disappears."""
    first = data.draw(st.integers(0, len(rows) - 1), label="entry candle")
    entry = INSTRUMENT.round_price(D(repr(rows[first][3])), Rounding.NEAREST)
    rule = data.draw(stop_rules(entry), label="rule")
    initial = entry * (1 - data.draw(_tenths_in(1, 300)) / 100)
    state = _start(rule, entry, INSTRUMENT, initial)
    ladder = TakeProfitLadder().start(entry, D(10), INSTRUMENT)
    break_even = BreakEven(fee_pct=data.draw(_tenths_in(0, 10)))
    stops = [state.stop]
    for _, high, _, _, _ in rows[first + 1 :]:
        state = rule.update(state, D(repr(high)))
        move = data.draw(st.sampled_from(["none", "none", "take_profit", "tighten"]))
        if move == "take_profit" and ladder.open_legs:
            leg = ladder.open_legs[0]
            ladder = ladder.after_fill(LegFill(leg.level, leg.quantity))
            state = break_even.apply(state, ladder)
        elif move == "tighten":
            state = state.tighten_to(entry * data.draw(_tenths_in(500, 1500)) / 1000)
        stops.append(state.stop)
    for before, after in itertools.pairwise(stops):
        if before is not None:
            assert after is not None, f"stop disappeared after {before}"
            assert after >= before, f"stop loosened: {before} -> {after}"
            assert after % INSTRUMENT.tick_size == 0
