"""The bus recorder with commissions paid in the base asset (Binance's default for a
buy): fee totals and trade PnL in the quote currency, exact, equal to the ledger's; the
fill rows keep the fee as charged. The venue's buys are rewritten into base-fee fills."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from typing import Any

from sqlalchemy import select

from xor_trading.core.clock import TestClock
from xor_trading.core.ids import Symbol
from xor_trading.domain.accounts import Account
from xor_trading.domain.candles import Candle
from xor_trading.domain.events import CandleClosed, OrderFilled
from xor_trading.domain.orders import OrderSide
from xor_trading.exchanges.simulated.fill_models import FeeSchedule, VenueConfig
from xor_trading.exchanges.simulated.venue import SimulatedVenue
from xor_trading.execution.reports import OrderFilledReport
from xor_trading.persistence.database import Database
from xor_trading.persistence.recorder import BusRecorder, to_datetime
from xor_trading.persistence.tables.orders import FillRow
from xor_trading.persistence.tables.pnl import PnlSnapshotRow
from xor_trading.persistence.tables.positions import PositionRow
from xor_trading.persistence.tables.trades import TradeRow
from xor_trading.runtime.kernel import TradingKernel
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import TradeSettings
from xor_trading.testing.factories import T0_MS, make_candle, make_instrument
from xor_trading.testing.seed_records import seed_bot, seed_user

SYM = Symbol("TST/USDT")
BASE_FEE = D("0.0005")  # of a buy's quantity, in TST: leaves dust below the 0.001 lot


class EnterThenExit(Strategy[StrategyConfig]):
    name = "enter_exit"
    config_class = StrategyConfig

    def __init__(self, config: StrategyConfig, context: Any) -> None:
        super().__init__(config, context)
        self.seen = 0

    def on_candle(self, candle: Candle) -> None:
        n, self.seen = self.seen, self.seen + 1
        if n == 0:
            self.enter_long(candle)
        elif n == 2:
            self.exit_long(candle)


def _base_fee_buys(venue: SimulatedVenue) -> None:
    """Buys are charged in TST (``BASE_FEE`` of the quantity), sells in USDT, as Binance does."""
    connect = venue.connect

    def connect_rewriting(sink: Any) -> None:
        def rewrite(report: object) -> None:
            if isinstance(report, OrderFilledReport) and report.fill.side is OrderSide.BUY:
                fill = report.fill
                report = OrderFilledReport(
                    replace(fill, fee=fill.quantity * BASE_FEE, fee_currency="TST")
                )
            sink(report)

        connect(rewrite)

    venue.connect = connect_rewriting  # type: ignore[method-assign]


def test_recorder_base_fee_round_trip_fees_and_pnl_exact_in_quote(database: Database) -> None:
    clock = TestClock(T0_MS)
    inst = make_instrument()
    venue = SimulatedVenue(
        clock, [inst], VenueConfig(fees=FeeSchedule(D(10), D(10))), {"USDT": D(10_000)}
    )
    _base_fee_buys(venue)
    account = Account("USDT")
    account.deposit(D(10_000), T0_MS)
    kernel = TradingKernel(clock, venue, [inst], account)
    kernel.add_strategy(EnterThenExit, StrategyConfig(), inst, TradeSettings(D(100)), 60_000)
    owner = seed_user(database, email="t@example.test", now=to_datetime(T0_MS))
    bot = seed_bot(
        database, owner_id=owner, name="b", strategy="enter_exit", now=to_datetime(T0_MS)
    )
    BusRecorder(
        database, kernel.bus, clock, owner_id=owner, bot_id=bot, strategy="enter_exit",
        orders=kernel.execution.cache, starting_equity=D(10_000),
    )  # fmt: skip
    fills: list[Any] = []
    kernel.bus.subscribe(OrderFilled, lambda e: fills.append(e.fill))
    for i, (o, h, low, c) in enumerate([(100, 101, 99, 100), (100, 101, 99, 100),
                                        (102, 103, 101, 102), (104, 105, 103, 104)]):  # fmt: skip
        candle = make_candle(o, h, low, c, i=i)
        clock.set_time(candle.ts_ms)
        venue.on_candle(SYM, candle)
        clock.set_time(candle.close_ms)
        kernel.bus.publish(CandleClosed(SYM, candle))

    buy, sell = fills
    assert (buy.fee_currency, sell.fee_currency) == ("TST", "USDT")
    # The exit sold what the account holds in whole lots: the buy less its fee, rounded down.
    assert sell.quantity == inst.round_quantity_down(buy.quantity - buy.fee)
    pos = kernel.portfolio.position(SYM)
    assert (pos.quantity, pos.dust) == (0, buy.quantity - buy.fee - sell.quantity)

    with database.read_session() as session:
        (trade,) = session.scalars(select(TradeRow)).all()
        rows = {r.venue_trade_id: r for r in session.scalars(select(FillRow)).all()}
        (position,) = session.scalars(select(PositionRow)).all()
        snapshots = session.scalars(select(PnlSnapshotRow)).all()
        last = max(snapshots, key=lambda s: (s.at, s.fees))
        buy_fee_quote = buy.fee * buy.price
        assert (rows[buy.trade_id].fee, rows[buy.trade_id].fee_currency) == (buy.fee, "TST")
        assert trade.fees == buy_fee_quote + sell.fee == account.fees
        assert trade.quantity == sell.quantity  # the lots the round trip held
        assert trade.gross_pnl == account.realized_pnl == sell.quantity * (sell.price - buy.price)
        assert trade.net_pnl == account.realized_pnl - account.fees
        assert (last.fees, last.realised_pnl) == (account.fees, account.realized_pnl)
        assert position.quantity == 0
