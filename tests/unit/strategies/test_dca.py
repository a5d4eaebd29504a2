"""dca: exact base, safety and take-profit orders and fills on crafted candles; a real-data run.

The crafted series come from ``frame_from_closes`` (each candle opens at the previous close,
0.5 wicks; falling candles go open -> high -> low -> close, rising ones open -> low -> high
-> close). Times are candle indices: a fill inside candle ``i`` carries ``i``'s open time; an
order placed at candle ``i``'s close is created at ``i + 1``, one placed from a fill at ``i``.
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING
from decimal import Decimal as D
from pathlib import Path

import numpy as np
import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.metrics import compute_metrics
from xor_trading.backtest.run_result import BacktestResult
from xor_trading.backtest.runner import run_backtest
from xor_trading.core.errors import ConfigError, StrategyError
from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.domain.fills import Fill
from xor_trading.exchanges.simulated.markets import load_instrument
from xor_trading.indicators.rsi import rsi
from xor_trading.strategies.dca import Dca, DcaConfig
from xor_trading.strategy.registry import register_strategy
from xor_trading.testing.factories import (
    MINUTE_MS,
    T0_MS,
    frame_from_closes,
    frame_from_rows,
    make_instrument,
)

SAMPLES = Path(__file__).resolve().parents[3] / "src" / "xor_trading" / "data" / "samples"
recorded: list[tuple[int, str, D, D]] = []  # (candle, side, price, quantity)
# 100 quote base and first safety; safety k at 1 %, 1 + 2 = 3 %, 3 + 4 = 7 % below the base
# price, amounts 100, 200, 400; take profit 1 % above the average.
DEAL = {
    "base_order": 100,
    "safety_order": 100,
    "max_safety_orders": 3,
    "step_pct": 1,
    "step_scale": 2,
    "volume_scale": 2,
    "take_profit_pct": 1,
}
CLOSES = [100, 100, 98.5, 97, 98, 99.5, 101, 100]


@register_strategy
class RecordingDca(Dca):
    """The DCA bot, recording its fills in order (test only)."""

    name = "test_recording_dca"

    def on_fill(self, fill: Fill) -> None:
        recorded.append(
            ((fill.ts_ms - T0_MS) // MINUTE_MS, fill.side.value, fill.price, fill.quantity)
        )
        super().on_fill(fill)


def _run(
    closes: list[float], config: BacktestConfig | None = None, **params: object
) -> BacktestResult:
    recorded.clear()
    return run_backtest(
        frame_from_closes(closes),
        make_instrument(),
        "test_recording_dca",
        params,
        config or BacktestConfig.build(capital=D(2000), stake=D(1000), fee_bps=D(10)),
        path="event",
    )


def _orders(result: BacktestResult) -> list[tuple[int, str, str, D | None, D, str, str]]:
    """(created candle, side, type, limit, quantity, status, tag) of each order, in order."""
    return [
        (
            (o.created_ms - T0_MS) // MINUTE_MS,
            o.side,
            o.order_type,
            o.limit_price,
            o.quantity,
            o.status,
            o.tag,
        )
        for o in result.orders
    ]


def _target(value: D, quantity: D, tp_pct: int = 1) -> D:
    """avg x (1 + tp), rounded up to the 0.01 tick, as the bot places it."""
    avg = value / quantity
    return (avg * (1 + D(tp_pct) / 100) / D("0.01")).to_integral_value(ROUND_CEILING) * D("0.01")


def test_dca_base_two_safety_fills_and_take_profit_on_the_new_average() -> None:
    result = _run(CLOSES, **DEAL)
    # Base at candle 1's open (100): safeties at 100 x (1 - 1 %), (1 - 3 %), (1 - 7 %).
    # Candle 2 (low 98) fills 99; candle 3 (low 96.5) fills 97; candle 5 (high 100) fills the
    # take profit at the average after both safeties.
    avg2_value = D(100) + D(99) * D("1.010")
    avg3_value = avg2_value + D(97) * D("2.061")
    assert _target(avg2_value, D("2.010")) == D("100.50")
    assert _target(avg3_value, D("4.071")) == D("99.22")
    assert recorded[:4] == [
        (1, "buy", D("100.00"), D("1.000")),
        (2, "buy", D("99.00"), D("1.010")),
        (3, "buy", D("97.00"), D("2.061")),
        (5, "sell", D("99.22"), D("4.071")),
    ]
    assert _orders(result)[:7] == [
        (1, "buy", "market", None, D("1.000"), "filled", "base"),
        (1, "buy", "limit", D("99.00"), D("1.010"), "filled", "safety"),  # 100 / 99
        (1, "buy", "limit", D("97.00"), D("2.061"), "filled", "safety"),  # 200 / 97
        (1, "buy", "limit", D("93.00"), D("4.301"), "canceled", "safety"),  # 400 / 93
        (1, "sell", "limit", D("101.00"), D("1.000"), "canceled", "take_profit"),
        (2, "sell", "limit", D("100.50"), D("2.010"), "canceled", "take_profit"),
        (3, "sell", "limit", D("99.22"), D("4.071"), "filled", "take_profit"),
    ]
    first = result.trades[0]
    assert (first.exit_price, first.quantity, first.exit_reason) == (
        D("99.22"),
        D("4.071"),
        "take_profit",
    )
    assert first.pnl == D("99.22") * D("4.071") - avg3_value - first.fees


def test_dca_new_deal_starts_at_the_close_of_the_candle_that_ended_the_last() -> None:
    result = _run(CLOSES, **DEAL)
    # The take profit filled inside candle 5: the next base order goes at its close (99.5,
    # 100 / 99.5 -> 1.005) and fills at candle 6's open.
    assert _orders(result)[7] == (6, "buy", "market", None, D("1.005"), "filled", "base")
    assert recorded[4] == (6, "buy", D("99.50"), D("1.005"))


def test_dca_cooldown_delays_the_next_deal_by_whole_candles() -> None:
    # The deal ends inside candle 5; two candles of cooldown: the next base order goes at
    # candle 7's close (100 -> 1.000) and fills at candle 8's open.
    result = _run([*CLOSES, 100], cooldown=2, **DEAL)
    assert _orders(result)[7] == (8, "buy", "market", None, D("1.000"), "filled", "base")


def test_dca_rsi_below_starts_the_deal_at_the_first_close_under_the_level() -> None:
    closes = [100, 101, 102, 103, 100, 97, 97, 97]
    values = rsi(np.asarray(closes, dtype=np.float64), 2)
    first = int(np.flatnonzero(values < 30)[0])
    assert first == 4  # RSI(2) 100, 100, then 25 at the close of 100
    result = _run(closes, start="rsi_below", rsi_period=2, rsi_level=30, **DEAL)
    assert _orders(result)[0] == (first + 1, "buy", "market", None, D("1.000"), "filled", "base")
    assert recorded[0] == (first + 1, "buy", D("100.00"), D("1.000"))


def test_dca_stop_loss_below_the_average_sells_everything_at_market() -> None:
    # Base 1.000 at 100, one safety at 99 (1.010). Candle 2 (100 -> 94, low 93.5) fills it:
    # average 199.99 / 2.01 = 99.4975, stop 5 % below = 94.52; close 94 is below, so the take
    # profit is canceled and 2.010 are sold at candle 3's open (94).
    result = _run([100, 100, 94, 93, 93], stop_loss_pct=5, **(DEAL | {"max_safety_orders": 1}))
    assert recorded[:3] == [
        (1, "buy", D("100.00"), D("1.000")),
        (2, "buy", D("99.00"), D("1.010")),
        (3, "sell", D("94.00"), D("2.010")),
    ]
    assert _orders(result)[2:5] == [
        (1, "sell", "limit", D("101.00"), D("1.000"), "canceled", "take_profit"),
        (2, "sell", "limit", D("100.50"), D("2.010"), "canceled", "take_profit"),
        (3, "sell", "market", None, D("2.010"), "filled", "stop_loss"),
    ]
    assert result.trades[0].exit_reason == "stop_loss"


def test_dca_partial_base_fill_waits_for_completion_before_safeties() -> None:
    # Volume cap 50 %: the base of 1.000 fills 0.500 at candle 1's open (volume 1) and 0.500
    # at candle 2's open; only then are the safety and the take profit placed, from the
    # average base price (100 and 102 -> 101).
    rows = [
        (100, 100.5, 99.5, 100, 10),
        (100, 102.5, 99.5, 102, 1),
        (102, 102.0, 101.5, 101.8, 10),
        (101.8, 102.0, 101.5, 101.8, 10),
    ]
    recorded.clear()
    result = run_backtest(
        frame_from_rows(rows),
        make_instrument(),
        "test_recording_dca",
        DEAL | {"max_safety_orders": 1},
        BacktestConfig.build(capital=D(2000), stake=D(1000), max_volume_participation=D("0.5")),
        path="event",
    )
    assert recorded[:2] == [
        (1, "buy", D("100.00"), D("0.500")),
        (2, "buy", D("102.00"), D("0.500")),
    ]
    assert _orders(result)[1:3] == [
        (2, "buy", "limit", D("99.99"), D("1.000"), "canceled", "safety"),  # 101 x 0.99
        (2, "sell", "limit", D("102.01"), D("1.000"), "canceled", "take_profit"),
    ]


def test_dca_default_amounts_spend_at_most_the_stake_per_deal() -> None:
    config = DcaConfig(max_safety_orders=3, volume_scale=2)
    base, safeties = config.amounts(D(1000))
    assert (base, safeties) == (D(125), [D(125), D(250), D(500)])  # 1000 / (1 + 1 + 2 + 4)
    step = DcaConfig(max_safety_orders=3, step_pct=1, step_scale=2)
    assert step.deviations_pct() == [D(1), D(3), D(7)]


@pytest.mark.parametrize(
    "params",
    [
        {"step_pct": 50, "max_safety_orders": 3, "step_scale": 1.2},  # 50 + 60 + 72 >= 100 %
        {"start": "macd_above"},
        {"rsi_level": 0},
        {"take_profit_pct": 0},
        {"cooldown": -1},
        {"volume_scale": 0},
    ],
)
def test_dca_bad_parameters_raise_config_error(params: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        _run(CLOSES, **params)


def test_dca_base_order_below_the_venue_minimum_stops_the_strategy() -> None:
    with pytest.raises(StrategyError, match="base order"):
        _run(CLOSES, base_order=0.5)


@pytest.mark.parametrize("params", [{}, {"start": "rsi_below", "stop_loss_pct": 8, "cooldown": 24}])
def test_dca_on_btc_1h_trades_with_finite_metrics_and_never_oversells(
    params: dict[str, object],
) -> None:
    frame = read_candle_parquet(SAMPLES / "binance" / "BTC-USDT" / "1h.parquet", 3_600_000)
    frame = frame.slice(0, 3_000)
    result = run_backtest(
        frame,
        load_instrument("binance", "BTC/USDT"),
        "dca",
        params,
        BacktestConfig.build(),
        path="event",
    )
    assert len(result.trades) > 0
    # The venue expires a sell of coins not held: none may end that way (nor be refused).
    assert {o.status for o in result.orders} <= {"filled", "canceled"}
    filled = {o.tag for o in result.orders if o.status == "filled"}
    assert {"base", "safety", "take_profit"} <= filled
    metrics = compute_metrics(result.trades, result.curve, D(10_000), frame.timeframe_ms)
    for value in (metrics.total_return_pct, metrics.max_drawdown_pct, metrics.sharpe):
        assert value is not None
        assert math.isfinite(value)
