"""A strategy reading another symbol gets that symbol's candles from the store, closed ones only."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

from xor_trading.backtest.config import BacktestConfig
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.samples import seed_samples
from xor_trading.domain.candles import Candle
from xor_trading.services.backtest_service import BacktestRequest, parse_time, run_backtest_job
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.registry import register_strategy
from xor_trading.strategy.series import SeriesSpec

ETH = SeriesSpec("1m", "ETH/USDT")
LAGS: list[int] = []  # BTC close minus the close of the last ETH candle seen, per BTC candle


@register_strategy
class EthWatcher(Strategy[StrategyConfig]):
    name = "test_eth_watcher"
    config_class = StrategyConfig

    def extra_series(self) -> list[SeriesSpec]:
        return [ETH]

    def on_candle(self, candle: Candle) -> None:
        last = self.window(ETH).last
        assert last is not None
        LAGS.append(candle.close_ms - last.close_ms)


def test_backtest_service_loads_other_symbol_and_delivers_it_without_lookahead(
    tmp_path: Path,
) -> None:
    store = ParquetCandleStore(tmp_path / "candles")
    seed_samples(store)
    LAGS.clear()
    request = BacktestRequest(
        strategy="test_eth_watcher", symbol="BTC/USDT", timeframe="1m",
        config=BacktestConfig.build(stake=D(100)), output=tmp_path / "out",
        start_ms=parse_time("2025-08-10", "--from"), end_ms=parse_time("2025-08-11", "--to"),
        path="event",
    )  # fmt: skip
    outcome = run_backtest_job(request, tmp_path / "candles")
    assert outcome.candles == 1_440
    # The ETH candle that closes with each BTC candle is delivered first: the lag is zero,
    # and never negative (a candle from the future).
    assert LAGS == [0] * 1_440
