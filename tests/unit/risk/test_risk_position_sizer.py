"""Sizing modes through the kernel: what enter_long buys, and the caps of the risk limits."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.runner import run_backtest
from xor_trading.core.errors import ConfigError
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.position_sizer import SizingConfig
from xor_trading.risk.sizing import SizingMode
from xor_trading.testing.factories import frame_from_closes, make_instrument

CLOSES = [10, 9, 8, 9, 11, 12, 11, 9, 8, 8]  # sma_cross(2, 3) buys at the close of 11


def _qty(sizing: SizingConfig, risk: RiskConfig, stop_pct: str | None = "5") -> D:
    cfg = BacktestConfig.build(
        capital=D(1000), stake=D(100), sizing=sizing, risk=risk,
        stop_loss_pct=None if stop_pct is None else D(stop_pct),
    )  # fmt: skip
    result = run_backtest(frame_from_closes(CLOSES), make_instrument(), "sma_cross",
                          {"fast": 2, "slow": 3}, cfg, path="event")  # fmt: skip
    return result.orders[0].quantity


def test_fixed_fractional_risks_the_share_of_equity_down_to_the_stop() -> None:
    # 1 % of 1000 = 10 USDT at risk; the stop is 5 % below 11 -> 0.55 per unit -> 18.181 units.
    qty = _qty(SizingConfig(mode=SizingMode.FIXED_FRACTIONAL, risk_pct=D(1)),
               RiskConfig.disabled())  # fmt: skip
    assert qty == D("18.181")


def test_fixed_fractional_is_capped_by_the_position_limit_when_risk_is_on() -> None:
    # 18.181 units are worth 200 USDT = 20 % of equity; max_position_pct 5 % allows 50 USDT.
    risk = RiskConfig.from_pairs(["max_position_pct=5", "max_risk_per_trade_pct=2"])
    qty = _qty(SizingConfig(mode=SizingMode.FIXED_FRACTIONAL, risk_pct=D(1)), risk)
    assert qty == D("4.545")  # floor(50 / 11 / 0.001) lots


def test_fixed_stake_buys_the_stake() -> None:
    assert _qty(SizingConfig(), RiskConfig.disabled(), stop_pct=None) == D("9.090")


def test_fixed_fractional_without_a_stop_is_refused_at_configuration() -> None:
    with pytest.raises(ConfigError, match="set stop_loss_pct"):
        BacktestConfig.build(sizing=SizingConfig(mode=SizingMode.FIXED_FRACTIONAL))


def test_sizing_risk_above_the_risk_limit_is_refused_at_configuration() -> None:
    with pytest.raises(ConfigError, match=r"risk_pct \(3\) exceeds the risk limit"):
        BacktestConfig.build(
            sizing=SizingConfig(mode=SizingMode.VOLATILITY, risk_pct=D(3)), risk=RiskConfig()
        )


def test_non_fixed_sizing_takes_the_event_path() -> None:
    cfg = BacktestConfig.build(stake=D(100), stop_loss_pct=D(5),
                               sizing=SizingConfig(mode=SizingMode.FIXED_FRACTIONAL))  # fmt: skip
    result = run_backtest(frame_from_closes(CLOSES), make_instrument(), "sma_cross",
                          {"fast": 2, "slow": 3}, cfg)  # fmt: skip
    assert result.path == "event"
