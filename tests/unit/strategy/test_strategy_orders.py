"""A strategy places limit orders, hears its fills, and cancels what it no longer wants."""

from __future__ import annotations

from decimal import Decimal as D

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.runner import run_backtest
from xor_trading.core.ids import OrderId
from xor_trading.domain.candles import Candle
from xor_trading.domain.fills import Fill
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.registry import register_strategy
from xor_trading.testing.factories import frame_from_rows, make_instrument

FILLS: list[tuple[str, D, D]] = []


@register_strategy
class LadderTester(Strategy[StrategyConfig]):
    """First candle: a buy at 95 and a buy at 90. On the 95 fill: sell at 99. Then cancel 90."""

    name = "test_ladder"
    config_class = StrategyConfig

    def __init__(self, config: StrategyConfig, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(config, context)
        self.low_buy: OrderId | None = None

    def on_candle(self, candle: Candle) -> None:
        if self.low_buy is None:
            self.buy_limit(D(1), D("95.004"))  # rounds down to 95.00
            self.low_buy = self.buy_limit(D(1), D(90))

    def on_fill(self, fill: Fill) -> None:
        FILLS.append((fill.side.value, fill.price, fill.quantity))
        if fill.side.value == "buy":
            self.sell_limit(fill.quantity, D("98.996"))  # rounds up to 99.00
            assert self.low_buy is not None
            self.cancel(self.low_buy)


def test_strategy_limit_orders_fills_and_cancel() -> None:
    FILLS.clear()
    frame = frame_from_rows([
        (100, 101, 99, 100, 1000),   # orders placed at the close
        (100, 100, 94, 96, 1000),    # trades through 95: the buy fills (maker, at 95)
        (96, 99.5, 96, 99.2, 1000),  # trades through 99: the sell fills at 99
        (99, 99, 85, 86, 1000),      # 90 would fill now, but it was canceled
    ])  # fmt: skip
    result = run_backtest(frame, make_instrument(), "test_ladder", {},
                          BacktestConfig.build(stake=D(100)), path="event")  # fmt: skip
    assert [("buy", D("95.00"), D("1")), ("sell", D("99.00"), D("1"))] == FILLS
    statuses = [(o.side, o.order_type, o.limit_price, o.status) for o in result.orders]
    assert statuses == [
        ("buy", "limit", D("95.00"), "filled"),
        ("buy", "limit", D("90.00"), "canceled"),
        ("sell", "limit", D("99.00"), "filled"),
    ]
    (trade,) = result.trades
    assert trade.pnl == D("4.00") - trade.fees
