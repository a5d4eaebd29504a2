"""The product's backtest engine as the benchmarks see it (fast path and event path).

A thin adapter over ``xor_trading.backtest.runner.run_backtest`` with the peer-comparison
settings (10,000 USDT capital unless told otherwise, 1,000 USDT per trade, 10 bps fee, no
slippage). When the
runner is not importable yet, :func:`load` returns ``None`` and the reason, and the
benchmarks skip the product engines instead of failing on import.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from peers.common import CASH, FAST, SLOW, TIMEFRAME_MS, Candles

STRATEGY = "sma_cross"
PARAMS = {"fast": FAST, "slow": SLOW}
NOT_AVAILABLE = "product engine not available yet"


@dataclass(frozen=True)
class XorEngine:
    run_backtest: Any
    config: Any
    instrument: Any
    candle_frame: Any  # the CandleFrame class

    def frame(self, candles: Candles) -> Any:
        return self.candle_frame(
            candles.ts_ms, candles.open, candles.high, candles.low, candles.close,
            candles.volume, timeframe_ms=TIMEFRAME_MS,
        )  # fmt: skip

    def run(self, frame: Any, path: str) -> Any:
        """The whole backtest on ``path`` ("fast" or "event"); the result has ``.trades``."""
        return self.run_backtest(frame, self.instrument, STRATEGY, PARAMS, self.config, path=path)


def load(capital: float = CASH) -> tuple[XorEngine | None, str]:
    """The engine (``capital`` USDT), or ``None`` and why it is not available."""
    try:
        from xor_trading.backtest.runner import BacktestConfig, run_backtest
        from xor_trading.exchanges.simulated.markets import load_instrument
        from xor_trading.timeseries.candle_frame import CandleFrame
    except ImportError as exc:
        return None, f"{NOT_AVAILABLE} ({exc})"
    try:
        from xor_trading.strategy.registry import get_strategy

        try:
            get_strategy(STRATEGY)
        except Exception:
            # The entry point is only seen after (re)installing the product's metadata
            # (bench/setup_env.sh does that); importing the module registers it as well.
            import xor_trading.strategies.sma_cross  # noqa: F401

            get_strategy(STRATEGY)
        config = BacktestConfig(
            capital=Decimal(str(capital)), stake=Decimal("1000"),
            fee_bps=Decimal("10"), slippage_bps=Decimal("0"),
        )  # fmt: skip
        instrument = load_instrument("binance", "BTC/USDT")
    except Exception as exc:
        return None, f"{NOT_AVAILABLE} ({type(exc).__name__}: {exc})"
    return XorEngine(run_backtest, config, instrument, CandleFrame), ""
