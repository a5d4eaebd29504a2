"""The trading kernel: one assembly of bus, portfolio, risk and execution for every mode.

Backtest, paper and live differ only in the clock and the exchange port handed to the
kernel; the engines, the strategy code and the order path are the same objects.

A bot (paper or live, ``runtime/bot_assembly.py``) adds three things a backtest does not
pass: an ``intent_journal`` (the durable, fenced record of every order before it is sent),
an ``order_id_prefix`` (the lease's fencing token, so that the ids of every engine that
makes orders, and the client order ids derived from them, never repeat across restarts of
the same bot) and a ``command_gate`` (sees every command a strategy sends before the risk
engine does; returning ``False`` drops it: no new entries while paused, warming up...).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from xor_trading.bus.endpoints import RISK
from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import Clock
from xor_trading.core.ids import IdGenerator, OrderId, StrategyId
from xor_trading.domain.accounts import Account
from xor_trading.domain.instruments import Instrument
from xor_trading.execution.engine import ExecutionEngine
from xor_trading.execution.ports import ExchangePort, IntentJournal
from xor_trading.portfolio.engine import PortfolioEngine
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.engine import RiskEngine
from xor_trading.risk.exit_manager import ExitConfig, ExitManager
from xor_trading.risk.position_sizer import SizingConfig
from xor_trading.runtime.strategy_runner import StrategyRunner
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext, TradeSettings

CommandGate = Callable[[object], bool]
"""Sees a strategy's command before the risk engine; ``False``: the command is dropped
(the gate publishes whatever event should record why)."""


class TradingKernel:
    def __init__(
        self,
        clock: Clock,
        venue: ExchangePort,
        instruments: list[Instrument],
        account: Account,
        risk: RiskConfig | None = None,
        sizing: SizingConfig | None = None,
        exits: ExitConfig | None = None,
        *,
        intent_journal: IntentJournal | None = None,
        order_id_prefix: str = "",
        command_gate: CommandGate | None = None,
    ) -> None:
        self.clock = clock
        self.bus = MessageBus()
        self.instruments = {i.symbol: i for i in instruments}
        self._command_gate = command_gate
        self.order_id_prefix = order_id_prefix
        p = order_id_prefix
        # Subscription order matters for handlers of the same event: the portfolio sees a
        # fill before any recorder or strategy does.
        self.portfolio = PortfolioEngine(self.bus, account, self.instruments)
        self.risk = RiskEngine(
            self.bus,
            self.instruments,
            risk,
            clock,
            equity=float(account.balance),
            sizing=sizing,
            order_ids=IdGenerator(f"{p}K") if p else None,
        )
        self.execution = ExecutionEngine(
            self.bus,
            clock,
            venue,
            self.instruments,
            order_ids=IdGenerator(f"{p}X") if p else None,
            intent_journal=intent_journal,
        )
        # After the portfolio, so a fill is booked before the exits react to it.
        self.exits = (
            ExitManager(
                self.bus,
                clock,
                self.instruments,
                exits,
                native_stops=venue.capabilities.oco and venue.capabilities.stop_market,
                order_ids=IdGenerator(f"{p}E") if p else None,
            )
            if exits is not None and exits.enabled
            else None
        )
        self.runners: list[StrategyRunner] = []
        self._order_ids = IdGenerator(f"{p}O")

    def _send_gated(self, command: object) -> None:
        assert self._command_gate is not None
        if self._command_gate(command):
            self.bus.send(RISK, command)

    def _order_is_open(self, order_id: OrderId) -> bool:
        order = self.execution.cache.get(order_id)
        return order is not None and order.status.is_open

    def _sizer_for(
        self, instrument: Instrument, settings: TradeSettings
    ) -> Callable[[Decimal, Decimal | None], Decimal] | None:
        sizer = self.risk.sizer
        if not sizer.needs_market_data:
            return None  # fixed stake: the strategy sizes from settings.stake itself
        return lambda price, stop: sizer.quantity(instrument, price, stop, settings.stake)

    def add_strategy(
        self,
        strategy_cls: type[Strategy[Any]],
        config: StrategyConfig,
        instrument: Instrument,
        settings: TradeSettings,
        timeframe_ms: int,
    ) -> StrategyRunner:
        strategy_id = StrategyId(f"{strategy_cls.name}-{len(self.runners) + 1}")
        context = StrategyContext(
            strategy_id=strategy_id,
            symbol=instrument.symbol,
            timeframe_ms=timeframe_ms,
            instrument=instrument,
            clock=self.clock,
            positions=self.portfolio,
            send=(
                self._send_gated
                if self._command_gate is not None
                else lambda command: self.bus.send(RISK, command)
            ),
            order_ids=self._order_ids,
            settings=settings,
            sizer=self._sizer_for(instrument, settings),
            order_is_open=self._order_is_open,
        )
        runner = StrategyRunner(self.bus, strategy_cls(config, context))
        self.runners.append(runner)
        return runner
