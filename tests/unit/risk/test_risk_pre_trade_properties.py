"""Property: no command the rule set allows leaves the RiskState beyond a limit (hypothesis).

Random streams of entries (market or limit buys, with or without a bracket stop), exits
(reduce-only or plain sells no larger than the position), partial and full fills, cancels,
new UTC days and, in the second test, price moves. Each command goes through
``check_pre_trade``; an allowed one is recorded with ``on_entry_accepted`` and may fill later,
in pieces, at its own price, as a venue would. Fees are zero, so a fill at the price that was
checked moves nothing but the quantities (fees and slippage between the check and the fill
are outside the rules' reach).

Limits checked: the value of each symbol's position plus its pending entries (position %),
the number of open or pending symbols, the entries of the UTC day, and all positions plus
all pending entries against equity (leverage). The test keeps its own book of orders and
positions and checks that the state's running totals agree with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xor_trading.core.ids import OrderId, StrategyId, Symbol, TradeId
from xor_trading.domain.candles import Candle
from xor_trading.domain.commands import Bracket, SubmitOrder
from xor_trading.domain.fills import Fill, Liquidity
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.rules import check_pre_trade
from xor_trading.risk.rules.base import TOLERANCE
from xor_trading.risk.state import DAY_MS, RiskState
from xor_trading.testing.factories import make_instrument

LOT = Decimal("0.001")
PRICES = {"A/USDT": 100, "B/USDT": 40, "C/USDT": 250, "D/USDT": 8, "E/USDT": 1_000}
SYMBOLS = list(PRICES)
INSTRUMENTS = {s: make_instrument(s) for s in SYMBOLS}
# Two sets of limits, so that each limit is often the one that binds: tight counts with a
# loose leverage, then a tight leverage with loose counts.
TIGHT_COUNTS = RiskConfig(
    max_position_pct=Decimal(30),
    max_risk_per_trade_pct=Decimal(10),
    max_open_positions=2,
    max_entries_per_day=3,
    max_leverage=Decimal(2),
)
TIGHT_VALUES = RiskConfig(
    max_position_pct=Decimal(30),
    max_risk_per_trade_pct=Decimal(10),
    max_open_positions=4,
    max_entries_per_day=8,
    max_leverage=Decimal("0.5"),
)
CONFIGS = [TIGHT_COUNTS, TIGHT_VALUES]
EQUITY = 10_000.0
T0 = 1_700_006_400_000
MIN = 60_000

entry = st.tuples(
    st.just("entry"),
    st.sampled_from(SYMBOLS),
    # Value in USDT, sized down to the lot as a strategy does; often right at a limit.
    st.one_of(st.integers(0, 1_500), st.sampled_from([20, 300, 999, 1_000, 1_001, 2_900, 3_000])),
    st.booleans(),  # limit order
    st.sampled_from([None, Decimal(1), Decimal(5), Decimal(50)]),  # bracket stop %
)
exit_ = st.tuples(st.just("exit"), st.sampled_from(SYMBOLS), st.integers(1, 100), st.booleans())
fill = st.tuples(st.just("fill"), st.integers(0, 50), st.integers(1, 100))
cancel = st.tuples(st.just("cancel"), st.integers(0, 50))
new_day = st.tuples(st.just("day"))
move = st.tuples(st.just("move"), st.sampled_from(SYMBOLS), st.floats(0.5, 2.0))


@dataclass
class _Order:
    cmd: SubmitOrder
    remaining: Decimal
    is_exit: bool


class _World:
    def __init__(self, config: RiskConfig) -> None:
        self.config = config
        self.state = RiskState(EQUITY, correlation_window=config.correlation_window)
        self.prices = {s: Decimal(p) for s, p in PRICES.items()}
        self.orders: list[_Order] = []
        self.held = {s: Decimal(0) for s in SYMBOLS}
        self.ts = T0
        self.n = 0
        self.candle = 0

    def command(self, step: tuple[object, ...]) -> bool:
        """Apply one step; True when it was an entry the rules allowed."""
        kind = step[0]
        self.ts += 1
        if kind == "entry":
            _, symbol, value, limit, stop = step
            return self._entry(str(symbol), int(str(value)), bool(limit), stop)  # type: ignore[arg-type]
        if kind == "exit":
            _, symbol, pct, reduce_only = step
            self._exit(str(symbol), int(str(pct)), bool(reduce_only))
        elif kind == "fill" and self.orders:
            _, pick, pct = step
            self._fill(self.orders[int(str(pick)) % len(self.orders)], int(str(pct)))
        elif kind == "cancel" and self.orders:
            _, pick = step
            order = self.orders.pop(int(str(pick)) % len(self.orders))
            self.state.on_order_closed(order.cmd.order_id)
        elif kind == "day":
            self.ts += DAY_MS
        elif kind == "move":
            _, symbol, factor = step
            self._move(str(symbol), float(str(factor)))
        return False

    def _entry(self, symbol: str, value: int, limit: bool, stop: Decimal | None) -> bool:
        price = self.prices[symbol]
        qty = INSTRUMENTS[symbol].quantity_for_notional(Decimal(value), price)
        cmd = self._cmd(symbol, OrderSide.BUY, qty, price, limit, stop, False)
        if check_pre_trade(cmd, self.state, self.config, INSTRUMENTS[symbol]) is not None:
            return False
        assert self.state.entry_quantity(cmd) == cmd.quantity
        risk_share = min(stop, Decimal(100)) / 100 if stop is not None else Decimal(1)
        risk_cap = self.state.equity * float(self.config.max_risk_per_trade_pct) / 100
        assert float(qty * price * risk_share) <= risk_cap * (1 + TOLERANCE)
        self.state.on_entry_accepted(cmd)
        self.orders.append(_Order(cmd, cmd.quantity, is_exit=False))
        return True

    def _exit(self, symbol: str, pct: int, reduce_only: bool) -> None:
        held = self.held[symbol]
        qty = (held * pct / 100 // LOT) * LOT
        if qty <= 0:
            return
        cmd = self._cmd(symbol, OrderSide.SELL, qty, self.prices[symbol], False, None, reduce_only)
        denial = check_pre_trade(cmd, self.state, self.config, INSTRUMENTS[symbol])
        assert denial is None or denial.rule == "min_notional", denial  # exits always pass
        if denial is None:
            self.state.on_entry_accepted(cmd)  # records nothing for an exit
            self.orders.append(_Order(cmd, qty, is_exit=True))

    def _fill(self, order: _Order, pct: int) -> None:
        cmd = order.cmd
        qty = max(LOT, (order.remaining * pct / 100 // LOT) * LOT)
        if order.is_exit:  # a spot venue never sells more than is held
            qty = min(qty, self.held[cmd.symbol])
        if qty > 0:
            price = cmd.limit_price or cmd.reference_price
            assert price is not None
            self.state.on_fill(
                Fill(
                    TradeId(f"T-{self.n}"), cmd.order_id, cmd.symbol, cmd.side, price, qty,
                    Decimal(0), "USDT", Liquidity.TAKER, self.ts,
                )
            )  # fmt: skip
            self.held[cmd.symbol] += qty if cmd.side is OrderSide.BUY else -qty
            order.remaining -= qty
        if order.remaining <= 0 or qty <= 0:
            self.orders.remove(order)
            self.state.on_order_closed(cmd.order_id)

    def _move(self, symbol: str, factor: float) -> None:
        close = float(self.prices[symbol]) * factor
        self.prices[symbol] = Decimal(f"{close:.2f}")
        self.candle += 1
        candle_ts = self.ts - self.ts % MIN + MIN * self.candle
        self.ts = candle_ts + MIN
        close = float(self.prices[symbol])
        self.state.on_candle(Symbol(symbol), Candle(candle_ts, close, close, close, close, 1, MIN))

    def _cmd(
        self, symbol: str, side: OrderSide, qty: Decimal, price: Decimal, limit: bool,
        stop: Decimal | None, reduce_only: bool,
    ) -> SubmitOrder:  # fmt: skip
        self.n += 1
        return SubmitOrder(
            OrderId(f"O-{self.n}"), StrategyId("p"), Symbol(symbol), side,
            OrderType.LIMIT if limit else OrderType.MARKET, qty, self.ts,
            limit_price=price if limit else None, reduce_only=reduce_only,
            bracket=Bracket(stop) if stop is not None else None, reference_price=price,
        )  # fmt: skip

    # -- the limits ---------------------------------------------------------------------------

    def assert_counts_within_limits(self) -> None:
        s = self.state
        assert len(s.open_symbols()) <= self.config.max_open_positions
        assert s.entries_on(self.ts) <= self.config.max_entries_per_day
        assert s.entries_today <= self.config.max_entries_per_day

    def assert_values_within_limits(self, only: str | None = None) -> None:
        """Position % of every symbol (or of ``only``), leverage, and the state's totals."""
        s = self.state
        pending: dict[str, float] = {}
        for order in self.orders:
            if not order.is_exit:
                value = float(order.remaining) * float(order.cmd.reference_price or 0)
                pending[order.cmd.symbol] = pending.get(order.cmd.symbol, 0.0) + value
        position_cap = s.equity * float(self.config.max_position_pct) / 100
        gross = 0.0
        for symbol in SYMBOLS:
            pos = s.positions.get(symbol)
            assert (pos.quantity if pos else Decimal(0)) == self.held[symbol]
            held = float(abs(pos.quantity)) * pos.mark_price if pos else 0.0
            gross += held
            if only in (None, symbol):
                assert held + pending.get(symbol, 0.0) <= position_cap * (1 + TOLERANCE) + 1e-6
        assert abs(s.gross_notional - gross) < 1e-6
        assert abs(s.pending_notional - sum(pending.values())) < 1e-6
        total = gross + sum(pending.values())
        assert total <= s.equity * float(self.config.max_leverage) * (1 + TOLERANCE) + 1e-6


@pytest.mark.parametrize("config", CONFIGS, ids=["tight_counts", "tight_values"])
@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(entry, entry, entry, exit_, fill, fill, cancel, new_day), min_size=20, max_size=80
    )
)
def test_risk_no_allowed_command_leaves_the_state_beyond_a_limit(
    config: RiskConfig, steps: list[tuple[object, ...]]
) -> None:
    world = _World(config)
    for step in steps:
        world.command(step)
        world.assert_counts_within_limits()
        world.assert_values_within_limits()
        assert world.state.equity == EQUITY  # zero fees, fills at the checked prices


@pytest.mark.parametrize("config", CONFIGS, ids=["tight_counts", "tight_values"])
@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(entry, entry, entry, exit_, fill, cancel, new_day, move), min_size=20, max_size=80
    )
)
def test_risk_with_moving_prices_every_accepted_entry_is_within_the_limits(
    config: RiskConfig, steps: list[tuple[object, ...]]
) -> None:
    world = _World(config)
    for step in steps:
        if world.command(step):
            # Right after acceptance, at the current marks: what the rules promised. Other
            # symbols may have grown past the position cap by rallying, which no rule prevents.
            world.assert_values_within_limits(only=world.orders[-1].cmd.symbol)
        world.assert_counts_within_limits()
