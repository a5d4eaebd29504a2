"""The event path: a backtest driven candle by candle through the live kernel.

For each candle, in order: the clock moves to the candle's open and the simulated venue
matches working orders along the candle's price path; then the clock moves to the close and
``CandleClosed`` is published, so strategies decide on closed candles only and their market
orders fill at the next candle's open. At the end, working orders are canceled and any open
position is closed at the last close (``end_of_data``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import partial
from typing import Any

import numpy as np

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.equity import build_equity_curve
from xor_trading.backtest.recorder import BacktestRecorder
from xor_trading.backtest.results import TradeRecord
from xor_trading.backtest.run_result import BacktestResult, OrderRecords
from xor_trading.backtest.series_feed import SeriesFeed
from xor_trading.bus.endpoints import RISK
from xor_trading.core.clock import TestClock
from xor_trading.core.errors import DataError
from xor_trading.core.ids import OrderId
from xor_trading.domain.accounts import Account
from xor_trading.domain.commands import CancelOrder, SubmitOrder
from xor_trading.domain.events import CandleClosed
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.exchanges.simulated.venue import SimulatedVenue
from xor_trading.runtime.kernel import TradingKernel
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import TradeSettings
from xor_trading.strategy.series import SeriesSpec
from xor_trading.timeseries.candle_frame import CandleFrame
from xor_trading.timeseries.price_grid import tick_of

Progress = Callable[[int], None]
END_OF_DATA_TAG = "end_of_data"


def run_event_path(
    frame: CandleFrame,
    instrument: Instrument,
    strategy_cls: type[Strategy[Any]],
    strategy_config: StrategyConfig,
    config: BacktestConfig,
    progress: Progress | None = None,
    progress_every: int = 10_000,
    series: Mapping[SeriesSpec, CandleFrame] | None = None,
) -> BacktestResult:
    if frame.is_empty:
        raise DataError("no candles to backtest", "widen --from/--to or import data first")
    start = int(frame.ts_ms[0])
    clock = TestClock(start)
    venue = SimulatedVenue(
        clock, [instrument], config.venue_config(), balances={instrument.quote: config.capital}
    )
    account = Account(instrument.quote)
    account.deposit(config.capital, start, "initial capital")
    kernel = TradingKernel(
        clock, venue, [instrument], account, config.risk, config.sizing, config.exits
    )
    recorder = BacktestRecorder(kernel.bus, kernel.portfolio, kernel.execution.cache, instrument)
    settings = TradeSettings(stake=config.stake, bracket=config.bracket)
    runner = kernel.add_strategy(
        strategy_cls, strategy_config, instrument, settings, frame.timeframe_ms
    )
    runner.start()

    symbol = instrument.symbol
    publish = kernel.bus.publish
    on_candle = venue.on_candle
    set_time = clock.set_time
    candle = None
    tf = frame.timeframe_ms
    # tuple.__new__ builds the CandleClosed named tuple at half the cost of its constructor.
    closed = partial(tuple.__new__, CandleClosed)
    feed = SeriesFeed(series, symbol, publish) if series else None
    for i, candle in enumerate(frame.iter_candles()):
        recorder.bar = i
        opened = candle[0]  # ts_ms; by index, this loop runs once per candle
        set_time(opened)
        on_candle(symbol, candle)
        set_time(opened + tf)
        if feed is not None:  # extra series first: they closed at or before this candle
            feed.publish_until(opened + tf)
        publish(closed((symbol, candle)))
        if runner.failure is not None:
            raise runner.failure
        if progress is not None and i % progress_every == 0:
            progress(i)
    assert candle is not None
    if progress is not None:
        progress(len(frame))

    # End of data: nothing keeps working, and an open position is closed at the last close.
    for order in kernel.execution.cache.open_orders(symbol):
        kernel.bus.send(RISK, CancelOrder(order.order_id, clock.now_ms()))
    qty = kernel.portfolio.position_quantity(symbol)
    if qty != 0:
        close = Decimal(tick_of(candle.close, float(instrument.tick_size))) * instrument.tick_size
        kernel.bus.send(
            RISK,
            SubmitOrder(
                order_id=OrderId("O-end"),
                strategy_id=runner.strategy.ctx.strategy_id,
                symbol=symbol,
                side=OrderSide.SELL if qty > 0 else OrderSide.BUY,
                order_type=OrderType.MARKET,
                quantity=abs(qty),
                ts_ms=clock.now_ms(),
                reduce_only=True,
                reference_price=close,
                tag=END_OF_DATA_TAG,
            ),
        )
        venue.fill_market_orders_at_close(symbol, candle, clock.now_ms())

    curve = build_equity_curve(
        frame,
        np.asarray(recorder.fill_bars, dtype=np.int64),
        np.asarray(recorder.cash_after, dtype=np.float64),
        np.asarray(recorder.qty_after, dtype=np.float64),
        float(config.capital),
    )
    trades: list[TradeRecord] = recorder.trades
    orders = OrderRecords(kernel.execution.cache.all())
    return BacktestResult(
        risk_journal=list(kernel.risk.journal),
        trades=trades,
        curve=curve,
        orders=orders,
        denials=len(kernel.risk.denials),
        final_balance=account.balance,
        path="event",
    )
