"""exit_long sends one exit while one is working, however often a strategy calls it."""

from __future__ import annotations

from decimal import Decimal as D

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.runner import run_backtest
from xor_trading.domain.candles import Candle
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.registry import register_strategy
from xor_trading.testing.factories import frame_from_rows, make_instrument


@register_strategy
class EagerExit(Strategy[StrategyConfig]):
    """Buys on the first candle, then asks to exit on every candle."""

    name = "test_eager_exit"
    config_class = StrategyConfig

    def on_candle(self, candle: Candle) -> None:
        if self.position_quantity == 0 and candle.ts_ms == self._first():
            self.enter_long(candle)
        else:
            self.exit_long(candle)

    def _first(self) -> int:
        if not hasattr(self, "_t0"):
            self._t0 = self.ctx.clock.now_ms() - 60_000
        return self._t0


def test_exit_long_every_candle_sends_one_exit_while_it_works() -> None:
    # The buy of 1.0 fills at once (volume 1000); afterwards volume 1 with a 20 % cap lets
    # 0.2 fill per candle, so the sell works for five candles while exit_long is called.
    rows = [(100.0, 101.0, 99.0, 100.0, 1000.0)] * 2 + [(100.0, 101.0, 99.0, 100.0, 1.0)] * 10
    cfg = BacktestConfig.build(capital=D(10_000), stake=D(100), max_volume_participation=D("0.2"))
    result = run_backtest(frame_from_rows(rows), make_instrument(), "test_eager_exit", {}, cfg)
    sells = [o for o in result.orders if o.side == "sell"]
    assert len(sells) == 1
    assert sells[0].filled_qty == D(1)
