"""Golden backtests: a hand-built series, sma_cross(2, 3), exact trades on both paths.

Closes: 10 9 8 9 11 12 11 9 8 8; each candle opens at the previous close, wicks 0.5.
SMA2 / SMA3 at closes 3..9: 8.5/8.667, 10/9.333, 11.5/10.667, 11.5/11.333, 10/10.667,
8.5/9.333, 8/8.333. The fast SMA crosses above at candle 4 (close 11) and below at candle 7.
Stake 100 at the signal close 11 -> floor(100 / 11 / 0.001) lots = 9.090.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.results import TradeRecord
from xor_trading.backtest.runner import run_backtest
from xor_trading.testing.factories import MINUTE_MS, T0_MS, frame_from_closes, make_instrument
from xor_trading.timeseries.candle_frame import CandleFrame

CLOSES = [10, 9, 8, 9, 11, 12, 11, 9, 8, 8]
PATHS = ["fast", "event"]


def _run(path: str, **config: object):  # type: ignore[no-untyped-def]
    cfg = BacktestConfig.build(capital=D(1000), stake=D(100), fee_bps=D(10), **config)
    return run_backtest(
        frame_from_closes(CLOSES),
        make_instrument(),
        "sma_cross",
        {"fast": 2, "slow": 3},
        cfg,
        path=path,
    )  # type: ignore[arg-type]


@pytest.mark.parametrize("path", PATHS)
def test_golden_sma_cross_signal_exit_exact_trade(path: str) -> None:
    result = _run(path)
    # Buy 9.090 at candle 5's open (11.00): 99.99, fee 0.09999.
    # Sell at candle 8's open (9.00): 81.81, fee 0.08181. PnL (9 - 11) x 9.09 - fees.
    assert list(result.trades) == [
        TradeRecord(
            "TST/USDT",
            "long",
            T0_MS + 5 * MINUTE_MS,
            T0_MS + 8 * MINUTE_MS,
            D("11.00"),
            D("9.00"),
            D("9.090"),
            D("0.18180000"),
            D("-18.36180000"),
            "signal",
        ),
    ]
    assert result.final_balance == D("981.63820000")
    # Equity at each close: flat 1000, then cash 899.91001 + 9.09 x close while long.
    assert result.curve.equity[4] == 1000.0
    assert result.curve.equity[5] == pytest.approx(899.91001 + 9.09 * 12, abs=1e-9)
    assert result.curve.equity[-1] == pytest.approx(981.6382, abs=1e-9)
    assert result.curve.in_position.tolist() == [False] * 5 + [True] * 3 + [False] * 2


def test_golden_sma_cross_with_fees_in_the_asset_received_event_path() -> None:
    # Fees in the asset received (Binance): the buy of 9.090 at 11.00 pays 99.99 USDT and
    # 0.1 % of its quantity in TST, 0.00909; the account holds 9.08091 TST, the position
    # its whole lots, 9.080 (cost 99.88), and the dust 0.00091 (cost 0.01001) stays held.
    # The exit sells 9.080 at 9.00: 81.72 USDT, fee 0.08172 USDT. Realised 81.72 - 99.88 =
    # -18.16; fees at their USDT value 0.00909 x 11 + 0.08172 = 0.18171.
    result = _run("event", fee_asset="received")
    assert [(o.side, o.quantity, o.average_price, o.fees) for o in result.orders] == [
        ("buy", D("9.090"), D("11.00"), D("0.00909")),  # in TST
        ("sell", D("9.080"), D("9.00"), D("0.08172")),  # in USDT
    ]
    assert list(result.trades) == [
        TradeRecord(
            "TST/USDT",
            "long",
            T0_MS + 5 * MINUTE_MS,
            T0_MS + 8 * MINUTE_MS,
            D("11.00"),
            D("9.00"),
            D("9.080"),
            D("0.18171"),
            D("-18.34171"),
            "signal",
        ),
    ]
    # The ledger: 1000 - 18.16 - 0.18171 (the dust's cost is still in it, as a holding).
    assert result.final_balance == D("981.65829")
    # USDT held: 1000 - 99.99 + 81.72 - 0.08172 = 981.64828, plus the dust at the close.
    assert result.curve.equity[5] == pytest.approx(900.01 + 9.08091 * 12, abs=1e-9)
    assert result.curve.equity[-1] == pytest.approx(981.64828 + 0.00091 * 8, abs=1e-9)
    assert result.curve.in_position.tolist() == [False] * 5 + [True] * 3 + [False] * 2


@pytest.mark.parametrize("path", PATHS)
def test_golden_sma_cross_stop_loss_inside_falling_candle(path: str) -> None:
    result = _run(path, stop_loss_pct=D(5))
    # Stop = floor(11 x 0.95 = 10.45). Candle 7 falls 11 -> 11.5 -> 8.5 -> 9: stop fills at 10.45.
    # PnL (10.45 - 11) x 9.09 = -4.9995; fees 0.09999 + 0.0949905.
    assert list(result.trades) == [
        TradeRecord(
            "TST/USDT",
            "long",
            T0_MS + 5 * MINUTE_MS,
            T0_MS + 7 * MINUTE_MS,
            D("11.00"),
            D("10.45"),
            D("9.090"),
            D("0.19498050"),
            D("-5.19448050"),
            "stop_loss",
        ),
    ]


@pytest.mark.parametrize("path", PATHS)
def test_golden_sma_cross_take_profit_fills_at_limit_as_maker(path: str) -> None:
    result = _run(path, take_profit_pct=D(5), maker_fee_bps=D(2))
    # Target = ceil(11 x 1.05 = 11.55). Candle 5 rises 11 -> 10.5 -> 12.5: through 11.55.
    # Maker fee 2 bps on 9.09 x 11.55 = 104.9895 -> 0.0209979.
    assert list(result.trades) == [
        TradeRecord(
            "TST/USDT",
            "long",
            T0_MS + 5 * MINUTE_MS,
            T0_MS + 5 * MINUTE_MS,
            D("11.00"),
            D("11.55"),
            D("9.090"),
            D("0.12098790"),
            D("4.87851210"),
            "take_profit",
        ),
    ]


@pytest.mark.parametrize("path", PATHS)
def test_golden_open_position_closes_at_last_close(path: str) -> None:
    result = run_backtest(
        frame_from_closes(CLOSES[:6]),
        make_instrument(),
        "sma_cross",
        {"fast": 2, "slow": 3},
        BacktestConfig.build(capital=D(1000), stake=D(100)),
        path=path,
    )  # type: ignore[arg-type]
    (trade,) = result.trades
    # Bought at 11.00 at candle 5's open; the data ends at candle 5's close (12).
    assert trade.exit_reason == "end_of_data"
    assert trade.exit_time_ms == T0_MS + 6 * MINUTE_MS
    assert trade.exit_price == D("12.00")
    assert trade.pnl == D("9.09") - D("0.09999") - D("0.10908")


@pytest.mark.parametrize("path", PATHS)
def test_golden_entry_below_min_notional_is_denied(path: str) -> None:
    cfg = BacktestConfig.build(capital=D(1000), stake=D("0.5"))
    result = run_backtest(
        frame_from_closes(CLOSES),
        make_instrument(),
        "sma_cross",
        {"fast": 2, "slow": 3},
        cfg,
        path=path,
    )  # type: ignore[arg-type]
    assert list(result.trades) == []
    assert result.denials == 1
    assert result.final_balance == D(1000)


def test_golden_orders_are_dated_at_the_signal_close_across_a_gap() -> None:
    # Candle 5 (where the entry fills) comes one minute late: a gap after the signal candle.
    frame = frame_from_closes(CLOSES)
    ts = frame.ts_ms.copy()
    ts[5:] += MINUTE_MS
    gapped = CandleFrame(ts, frame.open, frame.high, frame.low, frame.close, frame.volume,
                         frame.timeframe_ms)  # fmt: skip
    cfg = BacktestConfig.build(capital=D(1000), stake=D(100))
    orders = {
        path: [(o.order_id, o.created_ms, o.status) for o in run_backtest(
            gapped, make_instrument(), "sma_cross", {"fast": 2, "slow": 3}, cfg, path=path
        ).orders]
        for path in PATHS
    }  # fmt: skip
    # Sent when candle 4 closed (T0 + 5 min), filled at candle 5's open (T0 + 6 min).
    assert orders["event"][0] == ("O-1", T0_MS + 5 * MINUTE_MS, "filled")
    assert orders["fast"] == orders["event"]
