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
from itertools import repeat
from typing import Any

import numpy as np

from xor_trading.backtest.bar_clock import BarClock, check_candle_times
from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.equity import build_equity_curve
from xor_trading.backtest.recorder import BacktestRecorder
from xor_trading.backtest.results import TradeRecord
from xor_trading.backtest.run_result import BacktestResult, OrderRecords
from xor_trading.backtest.series_feed import SeriesFeed
from xor_trading.bus.endpoints import RISK
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
    check_candle_times(frame.ts_ms, frame.timeframe_ms)
    start = int(frame.ts_ms[0])
    clock = BarClock(start)
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
    on_candle = venue.on_candle
    # The bus's own list: calling its handlers is publish() without a lookup per candle.
    candle_handlers = kernel.bus.handlers(CandleClosed)
    tf = frame.timeframe_ms
    feed = SeriesFeed(series, symbol, kernel.bus.publish) if series else None
    candle = None
    # Each CandleClosed is built in C from the frame's candles (tuple.__new__ on a ready
    # (symbol, candle) pair is half the cost of the named tuple's constructor); ``candle``
    # is read back from it by index.
    events = map(tuple.__new__, repeat(CandleClosed), zip(repeat(symbol), frame.iter_candles()))
    for i, event in enumerate(events):
        candle = event[1]
        recorder.bar = i
        opened = candle[0]  # ts_ms; by index, this loop runs once per candle
        clock.now = opened
        on_candle(symbol, candle)
        clock.now = opened + tf
        if feed is not None:  # extra series first: they closed at or before this candle
            feed.publish_until(opened + tf)
        for handler in candle_handlers:
            handler(event)
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
        np.asarray(recorder.dust_after, dtype=np.float64) if recorder.has_dust else None,
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
