"""Protective exits through the kernel: stop, take-profit ladder with break-even, time stop."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.runner import run_backtest
from xor_trading.core.errors import ConfigError
from xor_trading.risk.exit_manager import ExitConfig, StopKind
from xor_trading.testing.factories import MINUTE_MS, T0_MS, frame_from_closes, make_instrument

CLOSES = [10, 9, 8, 9, 11, 12, 11, 9, 8, 8]  # sma_cross(2, 3) buys 9.090 at candle 5's open (11)


def _run(exits: ExitConfig, closes: list[float] | None = None):  # type: ignore[no-untyped-def]
    cfg = BacktestConfig.build(capital=D(1000), stake=D(100), exits=exits)
    return run_backtest(frame_from_closes(closes or CLOSES), make_instrument(), "sma_cross",
                        {"fast": 2, "slow": 3}, cfg, path="event")  # fmt: skip


def test_stop_only_exit_matches_the_simple_bracket_stop() -> None:
    # Stop 5 % below 11.00 = 10.45; candle 7 falls 11 -> 11.5 -> 8.5: the stop fills at 10.45.
    result = _run(ExitConfig(enabled=True, stop_pct=D(5), take_profit=(), break_even=False))
    (trade,) = result.trades
    assert (trade.exit_price, trade.exit_reason) == (D("10.45"), "stop_loss")
    assert trade.exit_time_ms == T0_MS + 7 * MINUTE_MS


def test_ladder_sells_exactly_the_position_and_first_target_fills_at_its_price() -> None:
    result = _run(ExitConfig(enabled=True, stop_pct=D(5)))
    sells = [o for o in result.orders if o.side == "sell" and o.status == "filled"]
    buys = [o for o in result.orders if o.side == "buy" and o.status == "filled"]
    assert sum(o.filled_qty for o in sells) == sum(o.filled_qty for o in buys) == D("9.090")
    first_target = next(o for o in sells if o.tag == "take_profit")
    assert (first_target.limit_price, first_target.filled_qty) == (D("11.11"), D("4.545"))
    assert all(o.status in ("filled", "canceled") for o in result.orders)


def test_time_stop_sells_at_market_after_the_given_candles() -> None:
    # No stop, no ladder: the position is sold at the open after two closed candles.
    result = _run(ExitConfig(enabled=True, stop=StopKind.NONE, take_profit=(), break_even=False,
                             time_stop_candles=2))  # fmt: skip
    (trade,) = result.trades
    assert trade.exit_reason == "time_stop"
    assert trade.exit_time_ms == T0_MS + 7 * MINUTE_MS  # decided at candle 6's close


def test_exits_and_the_simple_bracket_cannot_both_be_set() -> None:
    with pytest.raises(ConfigError, match="use one"):
        BacktestConfig.build(stop_loss_pct=D(2), exits=ExitConfig(enabled=True))


def test_take_profit_shares_must_add_up_to_100() -> None:
    with pytest.raises(ValueError, match="add up to 100"):
        ExitConfig(enabled=True, take_profit=((D(1), D(50)), (D(2), D(30))))


def test_strategy_signal_exit_cancels_the_exit_orders_first() -> None:
    # sma_cross exits on its own cross down (candle 7's close) while the ladder rests: the
    # resting targets and stops are canceled before the market sell, nothing is oversold.
    result = _run(ExitConfig(enabled=True, stop_pct=D(30), take_profit=((D(50), D(100)),),
                             break_even=False))  # fmt: skip
    (trade,) = result.trades
    assert trade.exit_reason == "signal"
    assert all(o.status in ("filled", "canceled") for o in result.orders)
    sold = sum(o.filled_qty for o in result.orders if o.side == "sell")
    assert sold == D("9.090")


def test_emulated_stop_sells_at_market_after_the_candle_that_touched_it() -> None:
    # Without native stops the stop lives in the manager. The stop 3 % below 11.00 is 10.67;
    # candle 5 (open 11, low 10.5, close 12) touched it, which the manager sees at its close,
    # so the market sell fills at candle 6's open (12.00): not at the stop price.
    from xor_trading.backtest import event_path  # noqa: PLC0415 - patched for this test only
    from xor_trading.exchanges.simulated.venue import SimulatedVenue  # noqa: PLC0415
    from xor_trading.execution.ports import VenueCapabilities  # noqa: PLC0415

    class NoStopVenue(SimulatedVenue):
        @property
        def capabilities(self) -> VenueCapabilities:
            return VenueCapabilities(stop_market=False, stop_limit=False, oco=False)

    mp = pytest.MonkeyPatch()
    mp.setattr(event_path, "SimulatedVenue", NoStopVenue)
    try:
        result = _run(ExitConfig(enabled=True, stop_pct=D(3), take_profit=(), break_even=False))
    finally:
        mp.undo()
    (trade,) = result.trades
    assert (trade.exit_price, trade.exit_reason) == (D("12.00"), "stop_loss")
    assert trade.exit_time_ms == T0_MS + 6 * MINUTE_MS
    assert not any(o.order_type == "stop_market" for o in result.orders)
