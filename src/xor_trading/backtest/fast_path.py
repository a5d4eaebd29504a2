"""The fast path: signals computed once over the history, trades simulated in compiled code.

It supports what can be proved equal to the event path: a strategy with
:meth:`~xor_trading.strategy.base.Strategy.vector_signals`, long only, market entries and
exits at the next open, an optional stop loss and take profit, fixed slippage and spread, no
volume cap, fees in the quote asset (``fee_asset = quote``), and tick, lot and fee sizes
that are powers of ten. Anything else raises
:class:`ConfigError` naming the event path. ``tests/acceptance`` runs both paths on real data
and requires identical trades.

Exactness: prices are whole ticks, quantities whole lots, money whole units of
``10**-d`` of the quote currency, so every product and rounding equals the decimal one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, overload

import numpy as np

from xor_trading.backtest.config import BacktestConfig, SlippageKind
from xor_trading.backtest.equity import build_equity_curve
from xor_trading.backtest.fast_orders import FastPathOrders
from xor_trading.backtest.results import TradeRecord
from xor_trading.backtest.run_result import BacktestResult
from xor_trading.core.errors import ConfigError, DataError
from xor_trading.domain.instruments import Instrument
from xor_trading.exchanges.simulated.commission import FeeAsset
from xor_trading.native._kernels import simulate_long_only
from xor_trading.risk.sizing import SizingMode
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.series import SeriesSpec
from xor_trading.timeseries.candle_frame import CandleFrame, IntArray
from xor_trading.timeseries.price_grid import tick_of

_REASONS = ("signal", "stop_loss", "take_profit", "end_of_data")
# Columns of the kernel's trade rows, in the order of _kernels.c's T_* constants.
_TRADE_COLUMNS = ("entry_bar", "exit_bar", "entry_t", "exit_t", "lots", "fee_e", "fee_x",
                  "reason", "entry_oid", "exit_oid")  # fmt: skip
_INT64_SAFE = 2**62


def _decimals(x: Decimal) -> int:
    exponent = x.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def _is_power_of_ten(x: Decimal) -> bool:
    digits = x.normalize().as_tuple().digits
    return digits == (1,)


def _ratio(x: Decimal) -> tuple[int, int]:
    n, d = x.as_integer_ratio()
    return n, d


class FastPathUnsupportedError(ConfigError):
    """This run cannot take the fast path; ``--path auto`` falls back to the event path."""


def fast_path_unsupported(config: BacktestConfig, instrument: Instrument) -> str | None:
    """Why this run cannot take the fast path, or None if it can."""
    if config.sizing.mode is not SizingMode.FIXED_STAKE:
        return f"{config.sizing.mode.value} sizing needs the event path"
    if config.exits.enabled:
        return "protective exits (stops, ladders, time stops) need the event path"
    if config.risk.enabled:
        return "risk limits and breakers need the event path (or --risk off)"
    if config.max_volume_participation is not None:
        return "a volume cap (partial fills) needs the event path"
    if config.fee_asset is not FeeAsset.QUOTE:
        # A base-asset fee leaves dust below one lot in the position (ADR 0024): the
        # compiled kernel trades whole lots and books fees in the quote only.
        return "fees charged in the asset received (fee_asset received) need the event path"
    if config.slippage_model is not SlippageKind.FIXED and config.slippage_bps != 0:
        return f"{config.slippage_model.value} slippage needs the event path"
    for label, v in (
        ("tick size", instrument.tick_size),
        ("lot size", instrument.lot_size),
        ("fee quantum", instrument.fee_quantum),
    ):
        if not _is_power_of_ten(v):
            return f"the {label} {v} is not a power of ten"
    return None


@dataclass(frozen=True, slots=True)
class _Units:
    """Integer scales: money unit ``10**-digits``; one tick times one lot is ``k`` units."""

    digits: int
    k: int
    fee_quantum: int

    @classmethod
    def of(cls, instrument: Instrument, config: BacktestConfig) -> _Units:
        digits = max(
            _decimals(instrument.tick_size * instrument.lot_size),
            _decimals(instrument.fee_quantum),
            _decimals(config.capital),
            _decimals(config.stake),
            _decimals(instrument.min_notional),
        )
        scale = Decimal(10) ** digits
        return cls(
            digits,
            int(instrument.tick_size * instrument.lot_size * scale),
            int(instrument.fee_quantum * scale),
        )

    def to_units(self, x: Decimal) -> int:
        return int(x.scaleb(self.digits))


def _close_before(frame: CandleFrame, open_ms: int) -> int:
    """Close time of the candle before the one that opens at ``open_ms``."""
    i = int(np.searchsorted(frame.ts_ms, open_ms))
    return int(frame.ts_ms[i - 1]) + frame.timeframe_ms


class TradeTable(Sequence[TradeRecord]):
    """Trades as integer columns; a :class:`TradeRecord` is built only when one is read."""

    def __init__(
        self, cols: dict[str, IntArray], frame: CandleFrame, instrument: Instrument, units: _Units
    ) -> None:
        self._c = cols
        self._ts = frame.ts_ms
        self._last_close_ms = int(frame.ts_ms[-1]) + frame.timeframe_ms
        self._inst = instrument
        self._money = Decimal(1).scaleb(-units.digits)
        self._k = units.k

    def __len__(self) -> int:
        return len(self._c["lots"])

    @overload
    def __getitem__(self, i: int) -> TradeRecord: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[TradeRecord]: ...

    def __getitem__(self, i: int | slice) -> TradeRecord | Sequence[TradeRecord]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        c, inst, money = self._c, self._inst, self._money
        if i < 0:
            i += len(self)
        lots = int(c["lots"][i])
        entry_t, exit_t = int(c["entry_t"][i]), int(c["exit_t"][i])
        fees_u = int(c["fee_e"][i]) + int(c["fee_x"][i])
        reason = int(c["reason"][i])
        exit_ms = self._last_close_ms if reason == 3 else int(self._ts[c["exit_bar"][i]])
        return TradeRecord(
            symbol=inst.symbol,
            side="long",
            entry_time_ms=int(self._ts[c["entry_bar"][i]]),
            exit_time_ms=exit_ms,
            entry_price=entry_t * inst.tick_size,
            exit_price=exit_t * inst.tick_size,
            quantity=lots * inst.lot_size,
            fees=fees_u * money,
            pnl=((exit_t - entry_t) * lots * self._k - fees_u) * money,
            exit_reason=_REASONS[reason],
        )

    def __iter__(self) -> Iterator[TradeRecord]:
        for i in range(len(self)):
            yield self[i]


def run_fast_path(
    frame: CandleFrame,
    instrument: Instrument,
    strategy: Strategy[Any],
    config: BacktestConfig,
    series: Mapping[SeriesSpec, CandleFrame] | None = None,
) -> BacktestResult:
    if frame.is_empty:
        raise DataError("no candles to backtest", "widen --from/--to or import data first")
    reason = fast_path_unsupported(config, instrument)
    if reason is not None:
        raise FastPathUnsupportedError(
            f"the fast path cannot run this backtest: {reason}", "use --path event"
        )
    signals = strategy.vector_signals(frame, series or {})
    if signals is None:
        raise FastPathUnsupportedError(
            f"strategy {strategy.name} has no vectorised signals", "use --path event"
        )
    if len(signals.entries) != len(frame):
        raise ConfigError(
            f"strategy {strategy.name} returned {len(signals.entries)} signals "
            f"for {len(frame)} candles",
            "fix the strategy's vector_signals",
        )
    units = _Units.of(instrument, config)
    tick = instrument.tick_size
    cash_u = units.to_units(config.capital)
    bps = Decimal(10_000)
    slip_n, slip_d = _ratio((config.spread_bps / 2 + config.slippage_bps) / bps)
    taker_n, taker_d = _ratio(config.fee_bps / bps)
    maker_n, maker_d = _ratio(config.maker_bps / bps)
    sl_n, sl_d = _ratio(config.stop_loss_pct) if config.stop_loss_pct is not None else (0, 1)
    tp_n, tp_d = _ratio(config.take_profit_pct) if config.take_profit_pct is not None else (0, 1)
    # Largest intermediate products: a fill value times a fee numerator (values can grow with
    # the price, hence the margin), and a price in ticks times a rational's denominator.
    top = max(tick_of(float(frame.high.max()), float(tick)), 1)
    if (
        cash_u * 1000 * max(taker_n, maker_n, 1) >= _INT64_SAFE
        or top * max(slip_d + slip_n, 100 * sl_d + sl_n, 100 * tp_d + tp_n) >= _INT64_SAFE
    ):
        raise FastPathUnsupportedError(
            "amounts too large for the fast path's 64-bit arithmetic", "use --path event"
        )
    min_lots = int(-(-instrument.min_qty // instrument.lot_size))
    max_lots = int(instrument.max_qty // instrument.lot_size) if instrument.max_qty else 2**62
    entries = np.ascontiguousarray(signals.entries, dtype=np.bool_)
    params = np.array(
        [
            cash_u, units.to_units(config.stake), units.k, units.fee_quantum,
            units.to_units(instrument.min_notional), min_lots, max_lots,
            taker_n, taker_d, maker_n, maker_d, slip_n, slip_d, sl_n, sl_d, tp_n, tp_d,
        ],
        dtype=np.int64,
    )  # fmt: skip
    # Capacity: one round trip per entry signal at most (plus one for the end of data).
    cap = int(np.count_nonzero(entries)) + 2
    trade_rows = np.empty((cap, len(_TRADE_COLUMNS)), dtype=np.int64)
    fill_rows = np.empty((2 * cap, 3), dtype=np.int64)
    expired_rows = np.empty((cap, 3), dtype=np.int64)
    nt, nf, nr, end_lots, end_oid, denied, open_fee = simulate_long_only(
        np.ascontiguousarray(frame.open, dtype=np.float64),
        np.ascontiguousarray(frame.high, dtype=np.float64),
        np.ascontiguousarray(frame.low, dtype=np.float64),
        np.ascontiguousarray(frame.close, dtype=np.float64),
        float(tick),
        entries,
        np.ascontiguousarray(signals.exits, dtype=np.bool_),
        params,
        trade_rows,
        fill_rows,
        expired_rows,
    )
    cols = {name: trade_rows[:nt, j] for j, name in enumerate(_TRADE_COLUMNS)}
    entry_t, exit_t, lots = cols["entry_t"], cols["exit_t"], cols["lots"]
    fee_e, fee_x = cols["fee_e"], cols["fee_x"]
    entry_oid, exit_oid = cols["entry_oid"], cols["exit_oid"]
    f_bar, f_cash, f_lots = fill_rows[:nf, 0], fill_rows[:nf, 1], fill_rows[:nf, 2]
    r_bar, r_lots, r_oid = expired_rows[:nr, 0], expired_rows[:nr, 1], expired_rows[:nr, 2]
    scale = 10**units.digits
    lot_scale = 10 ** _decimals(instrument.lot_size)
    # Python's int / int is correctly rounded, like float(Decimal): the curves agree to the bit.
    cash_f = np.array([c / scale for c in f_cash.tolist()], dtype=np.float64)
    qty_f = np.array([q / lot_scale for q in f_lots.tolist()], dtype=np.float64)
    curve = build_equity_curve(frame, f_bar, cash_f, qty_f, float(config.capital))
    # The ledger balance: deposits + realised PnL - fees (an unclosed position counts at cost).
    pnl_u = int(((exit_t - entry_t) * lots * units.k - fee_e - fee_x).sum()) - int(open_fee)
    trades = TradeTable(cols, frame, instrument, units)
    orders = FastPathOrders(
        trades,
        instrument,
        config,
        order_numbers=(entry_oid, exit_oid),
        signal_close_ms=lambda fill_open_ms: _close_before(frame, fill_open_ms),
        rejected=[
            (_close_before(frame, int(frame.ts_ms[b])), int(n) * instrument.lot_size, int(o))
            for b, n, o in zip(r_bar.tolist(), r_lots.tolist(), r_oid.tolist(), strict=True)
        ],
        pending_at_end=None
        if end_lots == 0
        else (
            int(frame.ts_ms[-1]) + frame.timeframe_ms,
            int(end_lots) * instrument.lot_size,
            int(end_oid),
        ),
    )
    return BacktestResult(
        trades=trades,
        curve=curve,
        orders=orders,
        denials=int(denied),
        final_balance=config.capital + Decimal(pnl_u).scaleb(-units.digits),
        path="fast",
    )
