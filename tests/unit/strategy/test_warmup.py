"""A backtest shorter than the strategy's warm-up is refused with the numbers in the message."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.runner import run_backtest
from xor_trading.core.errors import DataError
from xor_trading.testing.factories import frame_from_closes, make_instrument


def test_backtest_shorter_than_warmup_raises_data_error() -> None:
    with pytest.raises(DataError) as caught:
        run_backtest(frame_from_closes([10.0] * 30), make_instrument(), "sma_cross",
                     {"fast": 10, "slow": 30}, BacktestConfig.build(stake=D(100)))  # fmt: skip
    assert caught.value.message == (
        "too little history for the warm-up: sma_cross needs more than 30 candles "
        "and the range holds 30"
    )
    assert "widen --from/--to" in caught.value.hint
