"""Adding a strategy is one new file: a separate package announces it by entry point only."""

from __future__ import annotations

import sys
import textwrap
from decimal import Decimal as D
from pathlib import Path

import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.runner import run_backtest
from xor_trading.strategy import registry
from xor_trading.testing.factories import frame_from_closes, make_instrument

STRATEGY_FILE = '''
"""A third-party strategy: buys on the second candle, sells on the fourth."""
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig


class BuySecondSellFourth(Strategy[StrategyConfig]):
    name = "third_party_demo"
    config_class = StrategyConfig

    def __init__(self, config, context):
        super().__init__(config, context)
        self.count = 0

    def on_candle(self, candle):
        self.count += 1
        if self.count == 2:
            self.enter_long(candle)
        elif self.count == 4:
            self.exit_long(candle)
'''


@pytest.fixture
def plugin_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A package and its distribution metadata, as `pip install` would leave them."""
    (tmp_path / "acme_strategies").mkdir()
    (tmp_path / "acme_strategies" / "__init__.py").write_text("")
    (tmp_path / "acme_strategies" / "demo.py").write_text(STRATEGY_FILE)
    dist = tmp_path / "acme_strategies-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-strategies\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        textwrap.dedent("""\
        [xor_trading.strategies]
        third_party_demo = acme_strategies.demo:BuySecondSellFourth
        """)
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_registry", dict(registry._registry))
    yield
    sys.modules.pop("acme_strategies.demo", None)
    sys.modules.pop("acme_strategies", None)


@pytest.mark.usefixtures("plugin_on_path")
def test_strategy_from_another_package_backtests_by_name() -> None:
    result = run_backtest(frame_from_closes([10, 11, 12, 13, 14, 15]), make_instrument(),
                          "third_party_demo", {}, BacktestConfig.build(stake=D(100)))  # fmt: skip
    (trade,) = result.trades
    # Decided at closes 11 and 13; filled at the next opens, which equal those closes here.
    assert (trade.entry_price, trade.exit_price) == (D("11.00"), D("13.00"))
    assert "third_party_demo" in [s.name for s in registry.list_strategies()]
