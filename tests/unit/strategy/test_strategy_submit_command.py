"""Strategy.submit (strategy/base.py) sends exactly the SubmitOrder its arguments describe."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xor_trading.core.clock import TestClock
from xor_trading.core.ids import IdGenerator, OrderId, StrategyId, Symbol
from xor_trading.domain.candles import Candle
from xor_trading.domain.commands import Bracket, SubmitOrder
from xor_trading.domain.orders import OrderSide, OrderType, TimeInForce
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext, TradeSettings
from xor_trading.testing.factories import make_instrument

BRACKET = Bracket(D("1.5"), D("3"))


class _Idle(Strategy[StrategyConfig]):
    name = "test_idle_submitter"
    config_class = StrategyConfig

    def on_candle(self, candle: Candle) -> None:
        pass


def _strategy(sent: list[object]) -> _Idle:
    ctx = StrategyContext(
        strategy_id=StrategyId("idle-1"),
        symbol=Symbol("TST/USDT"),
        timeframe_ms=60_000,
        instrument=make_instrument(),
        clock=TestClock(7_000),
        positions=None,  # type: ignore[arg-type]  # submit never reads positions
        send=sent.append,
        order_ids=IdGenerator("O"),
        settings=TradeSettings(stake=D(100), bracket=BRACKET),
    )
    return _Idle(StrategyConfig(), ctx)


@pytest.mark.parametrize("with_bracket", [True, False])
def test_submit_sends_every_field_it_was_given(with_bracket: bool) -> None:
    sent: list[object] = []
    order_id = _strategy(sent).submit(
        OrderSide.SELL, D("0.5"), D("101.25"), order_type=OrderType.STOP_LIMIT,
        limit_price=D("100.10"), stop_price=D("100.20"), reduce_only=True,
        bracket=with_bracket, tag="my_tag",
    )  # fmt: skip
    assert sent == [
        SubmitOrder(
            order_id=OrderId("O-1"),
            strategy_id=StrategyId("idle-1"),
            symbol=Symbol("TST/USDT"),
            side=OrderSide.SELL,
            order_type=OrderType.STOP_LIMIT,
            quantity=D("0.5"),
            ts_ms=7_000,
            limit_price=D("100.10"),
            stop_price=D("100.20"),
            time_in_force=TimeInForce.GTC,
            reduce_only=True,
            bracket=BRACKET if with_bracket else None,
            reference_price=D("101.25"),
            tag="my_tag",
        )
    ]
    assert order_id == "O-1"


def test_submit_defaults_to_a_plain_market_order() -> None:
    sent: list[object] = []
    _strategy(sent).submit(OrderSide.BUY, D(1), D(100))
    (cmd,) = sent
    assert isinstance(cmd, SubmitOrder)
    assert (cmd.order_type, cmd.limit_price, cmd.stop_price, cmd.reduce_only) == (
        OrderType.MARKET, None, None, False,
    )  # fmt: skip
    assert (cmd.time_in_force, cmd.bracket, cmd.tag) == (TimeInForce.GTC, None, "")
