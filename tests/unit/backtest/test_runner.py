"""Choosing and falling back between the backtest paths."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.fast_path import FastPathUnsupportedError
from xor_trading.backtest.runner import run_backtest
from xor_trading.core.errors import ConfigError
from xor_trading.testing.factories import frame_from_closes, make_instrument

CLOSES = [10, 9, 8, 9, 11, 12, 11, 9, 8, 8]


def test_auto_takes_the_fast_path_when_it_applies() -> None:
    result = run_backtest(
        frame_from_closes(CLOSES),
        make_instrument(),
        "sma_cross",
        {"fast": 2, "slow": 3},
        BacktestConfig.build(stake=D(100)),
    )
    assert result.path == "fast"


def test_auto_falls_back_to_event_path_for_a_volume_cap() -> None:
    cfg = BacktestConfig.build(stake=D(100), max_volume_participation=D("0.5"))
    result = run_backtest(
        frame_from_closes(CLOSES), make_instrument(), "sma_cross", {"fast": 2, "slow": 3}, cfg
    )
    assert result.path == "event"
    assert len(result.trades) == 1


def test_auto_falls_back_when_amounts_overflow_64_bits_but_explicit_fast_refuses() -> None:
    cfg = BacktestConfig.build(capital=D("1e13"), stake=D(100))
    frame, inst = frame_from_closes(CLOSES), make_instrument()
    assert run_backtest(frame, inst, "sma_cross", {"fast": 2, "slow": 3}, cfg).path == "event"
    with pytest.raises(FastPathUnsupportedError, match="64-bit"):
        run_backtest(frame, inst, "sma_cross", {"fast": 2, "slow": 3}, cfg, path="fast")


def test_fees_in_the_asset_received_take_the_event_path_and_explicit_fast_refuses() -> None:
    cfg = BacktestConfig.build(stake=D(100), fee_asset="received")
    frame, inst = frame_from_closes(CLOSES), make_instrument()
    assert run_backtest(frame, inst, "sma_cross", {"fast": 2, "slow": 3}, cfg).path == "event"
    with pytest.raises(FastPathUnsupportedError) as refused:
        run_backtest(frame, inst, "sma_cross", {"fast": 2, "slow": 3}, cfg, path="fast")
    assert refused.value.message == (
        "the fast path cannot run this backtest: fees charged in the asset received "
        "(fee_asset received) need the event path"
    )
    assert refused.value.hint == "use --path event"


def test_an_unknown_fee_asset_is_refused_naming_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"^invalid fee_asset: Input should be 'quote' or "):
        BacktestConfig.build(fee_asset="base")


def test_event_orders_are_built_on_first_access() -> None:
    result = run_backtest(
        frame_from_closes(CLOSES),
        make_instrument(),
        "sma_cross",
        {"fast": 2, "slow": 3},
        BacktestConfig.build(stake=D(100)),
        path="event",
    )
    assert len(result.orders) == 2
    assert [o.status for o in result.orders] == ["filled", "filled"]
    assert result.orders[0].order_id == "O-1"
