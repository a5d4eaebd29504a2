"""A bare assembled bot (no database) fed candle by candle fills exactly like the
backtest event path on the same candles; order ids carry the run's prefix."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.event_path import END_OF_DATA_TAG, run_event_path
from xor_trading.core.clock import TestClock
from xor_trading.core.errors import ConfigError
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.samples import SAMPLES_DIR
from xor_trading.exchanges.simulated.catalog import load_instrument
from xor_trading.risk.config import RiskConfig
from xor_trading.runtime.bot_assembly import assemble_bot, paper_venue
from xor_trading.runtime.bot_spec import BotSpec
from xor_trading.strategies.sma_cross import SmaCross, SmaCrossConfig

PARAMS = {"fast": 5, "slow": 20}


def _frame(n: int = 400):  # type: ignore[no-untyped-def]
    frame = ParquetCandleStore(SAMPLES_DIR).read("binance", "ETH/USDT", "1h").frame
    return frame.between(int(frame.ts_ms[0]), int(frame.ts_ms[n]))


def _spec(**changes: object) -> BotSpec:
    fields: dict[str, object] = {
        "bot_id": "b",
        "owner_id": "u",
        "strategy": "sma_cross",
        "symbols": ("ETH/USDT",),
        "timeframe": "1h",
        "params": PARAMS,
        "risk": RiskConfig.disabled(),
        "stake": Decimal(500),
        "balances": {"USDT": Decimal(10_000)},
    }
    fields.update(changes)
    return BotSpec(**fields)  # type: ignore[arg-type]


def test_assembled_bot_fed_candle_by_candle_fills_like_the_event_path() -> None:
    frame = _frame()
    spec = _spec()
    clock = TestClock(int(frame.ts_ms[0]))
    bot = assemble_bot(spec, clock, paper_venue(spec, clock), order_id_prefix="7.")
    bot.start()
    for candle in frame.iter_candles():
        bot.feed_candle(candle)
    assert bot.failure is None

    result = run_event_path(
        frame,
        load_instrument("binance", "ETH/USDT"),
        SmaCross,
        SmaCrossConfig(**PARAMS),
        BacktestConfig(capital=Decimal(10_000), stake=Decimal(500), risk=RiskConfig.disabled()),
    )
    expected = [
        (o.side, o.filled_qty, o.average_price, o.fees, o.created_ms)
        for o in result.orders
        if o.filled_qty > 0 and o.tag != END_OF_DATA_TAG
    ]
    orders = bot.kernel.execution.cache.all()
    got = [
        (o.side.value, o.filled_qty, o.average_fill_price, o.fees, o.created_ms)
        for o in orders
        if o.filled_qty > 0
    ]
    assert len(expected) >= 4
    assert got == expected
    assert all(o.order_id.startswith("7.O-") for o in orders)


def test_bot_spec_with_a_stake_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="the stake must be positive, got 0"):
        _spec(stake=Decimal(0))


def test_assemble_bot_with_unknown_strategy_parameters_names_them() -> None:
    spec = _spec(params={"fast": 5, "slow": 20, "fastest": 1})
    with pytest.raises(ConfigError, match="unknown parameter 'fastest' for strategy sma_cross"):
        assemble_bot(spec, TestClock(0), paper_venue(spec, TestClock(0)))


def test_feed_candle_without_a_symbol_on_a_two_symbol_bot_names_the_problem() -> None:
    spec = _spec(symbols=("ETH/USDT", "BTC/USDT"))
    clock = TestClock(0)
    bot = assemble_bot(spec, clock, paper_venue(spec, clock))
    with pytest.raises(ValueError, match="trades 2 symbols: name the symbol"):
        bot.feed_candle(next(iter(_frame(2).iter_candles())))
