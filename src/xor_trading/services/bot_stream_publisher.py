"""A running bot's live events on the stream: its orders, fills, PnL and closed candles.

:class:`BotStreamPublisher` listens to one bot's bus, like the
:class:`~xor_trading.persistence.recorder.BusRecorder` whose records it announces, and
publishes through :mod:`xor_trading.services.stream_events`:

===========================  ===============================================================
bus event                    stream message (after the recorder committed the record)
===========================  ===============================================================
``OrderStatusChanged``       ``bots.<id>.orders``: the order row as ``GET /orders/{id}``
                             returns it. The ``initialized`` event is not announced: the
                             intent journal writes that row right after it, and the
                             ``submitted`` update follows at once.
``OrderDenied``              ``bots.<id>.orders``: the ``denied`` order row.
``OrderFilled``              ``bots.<id>.fills``: the fill row (as ``GET /orders/{id}/fills``
                             returns it); then, when this fill closed a round trip,
                             ``pnl.<owner>`` (see below).
``CandleClosed``             ``candles.<exchange>.<BASE-QUOTE>.<tf>``: live candles only (not
                             the warm-up's history), each once per process whatever the
                             number of bots on that market (:class:`CandleOnce`).
===========================  ===============================================================

PnL message: ``bot_id``, ``realized`` = the bot's net realised PnL (the sum of its closed
trades' ``net_pnl``, after fees: what ``GET /analytics/pnl?group_by=bot`` shows without a
range), ``unrealized`` = its open positions at the last close
(``mark * quantity - cost basis``), ``currency`` = the bot's quote currency.

Order: handlers run after the recorder's because :meth:`BotStreamPublisher.attach` is
called after the recorder subscribed (the bus calls handlers in subscription order), so
each message is sent after its record is committed; a record that failed is never
announced (the recorder raised, the later handlers did not run). The recorder tells the
publisher about each closed round trip through its ``on_trade_closed`` hook
(:meth:`BotStreamPublisher.trade_closed`, inside the transaction); the PnL is published
by the ``OrderFilled`` handler, after that transaction committed.

State changes (``bots.<id>.status``, published by the bot service when the worker records
a move) come after the fills and order updates that caused them: the lifecycle tracker
moves *inside* the bus event that causes the move (a fill publishes the position change
that opens or closes a position, and can trip the drawdown breaker: ``halted``), before
the recorder and this publisher handle that event; the worker records the move at the
event loop's next turn (``PersistedLifecycle`` in ``services/bot_worker.py``), once the
whole event was handled, so a subscriber sees ``fill``, the order's ``filled``, then
``position_open``.

Candles while paused: still published. A paused bot still consumes its candles (its
exits, stops and targets are managed on them) and its page keeps its live chart; a
candle is market data, published once per worker and market whichever bot saw it first
(:class:`CandleOnce`), not an action of the bot. Skipping it when every bot of the market
is paused would leave those charts still for nothing (one message a candle per market).

Best effort, never raised into the bot: a failure of the hub (``publish_event`` logs it)
or of the reads behind a message is logged and the bot carries on; its records are
already committed. The database stays the source of truth (a subscriber that reconnects
reads it over REST).

Nothing of this is in the engines: the runtime never imports services.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from xor_trading.domain.events import CandleClosed, OrderDenied, OrderFilled, OrderStatusChanged
from xor_trading.domain.orders import OrderStatus
from xor_trading.persistence.database import DbSession
from xor_trading.persistence.recorder import to_ms
from xor_trading.persistence.repositories import bot_stream_records as records_repo
from xor_trading.persistence.repositories.orders import (
    client_order_id_for,
    get_order_by_client_id,
)
from xor_trading.persistence.tables.trades import TradeRow
from xor_trading.runtime.bot_assembly import AssembledBot, quote_of
from xor_trading.services.container import Container
from xor_trading.services.stream_events import (
    publish_candle,
    publish_fill,
    publish_order,
    publish_pnl,
)
from xor_trading.services.trading_records import FillView, OrderView

__all__ = ["BotStreamPublisher", "CandleOnce"]

logger = logging.getLogger("xor.stream")


class CandleOnce:
    """Which closed candles were published already, per (exchange, symbol, timeframe).

    One per process (the worker's): several bots on one market each see every candle;
    only the first sighting of a candle newer than the last one published is published.
    Holds one open time per market. Thread-safe.
    """

    def __init__(self) -> None:
        self._last: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()

    def first_sighting(self, exchange: str, symbol: str, timeframe: str, ts_ms: int) -> bool:
        """True once per candle (by open time ``ts_ms``) of a market, and never for a
        candle older than one already seen there."""
        key = (exchange, symbol, timeframe)
        with self._lock:
            last = self._last.get(key)
            if last is not None and ts_ms <= last:
                return False
            self._last[key] = ts_ms
            return True


@dataclass(frozen=True, slots=True)
class _ClosedTrade:
    symbol: str
    exit_ms: int
    net_pnl: Decimal


class BotStreamPublisher:
    """Publishes one bot's orders, fills, PnL and candles (see the module).

    Build it, give :meth:`trade_closed` to the bot's recorder as (part of) its
    ``on_trade_closed`` hook, then :meth:`attach` it once the recorder is attached.
    """

    def __init__(
        self,
        container: Container,
        bot: AssembledBot,
        *,
        candles: CandleOnce,
        live: Callable[[], bool] = lambda: True,
    ) -> None:
        """``candles``: the process's :class:`CandleOnce`; ``live``: whether the candles
        the bot sees now are live (false during the warm-up: history is not announced).
        Reads the bot's realised PnL so far (a restart continues it)."""
        spec = bot.spec
        self._container = container
        self._bot = bot
        self.owner_id = spec.owner_id
        self.bot_id = spec.bot_id
        self._exchange = spec.exchange
        self._timeframe = spec.timeframe
        self._currency = quote_of(spec, list(bot.instruments.values()))
        self._candles = candles
        self._live = live
        self._marks: dict[str, Decimal] = {}
        self._closed: list[_ClosedTrade] = []
        with container.database.read_session() as session:
            self.realized = records_repo.net_pnl_of_closed_trades(
                session, self.owner_id, self.bot_id
            )

    def attach(self) -> None:
        """Subscribe to the bot's bus; call after the recorder subscribed (see the module)."""
        bus = self._bot.kernel.bus
        bus.subscribe(OrderStatusChanged, self._on_status)
        bus.subscribe(OrderDenied, self._on_denied)
        bus.subscribe(OrderFilled, self._on_fill)
        bus.subscribe(CandleClosed, self._on_candle)

    def trade_closed(self, session: DbSession, trade: TradeRow) -> None:
        """The recorder's hook: ``trade`` is being recorded (not committed yet)."""
        del session
        self._closed.append(_ClosedTrade(trade.symbol, to_ms(trade.exit_at), trade.net_pnl))

    # -- handlers (after the recorder's) --------------------------------------------------

    def _on_status(self, event: OrderStatusChanged) -> None:
        if event.status is OrderStatus.INITIALIZED:
            return  # its row is written by the intent journal after this event
        self._safely("an order update", lambda: self._publish_order(event.order_id))

    def _on_denied(self, event: OrderDenied) -> None:
        self._safely("a denied order", lambda: self._publish_order(event.command.order_id))

    def _on_fill(self, event: OrderFilled) -> None:
        fill = event.fill
        # Round trips this fill closed; any other note is of a transaction that failed.
        closed = [t for t in self._closed if t.symbol == fill.symbol and t.exit_ms == fill.ts_ms]
        self._closed.clear()
        self._safely("a fill", lambda: self._publish_fill(fill.trade_id))
        if closed:
            self.realized += sum((t.net_pnl for t in closed), Decimal(0))
            self._safely("the PnL", self._publish_pnl)

    def _on_candle(self, event: CandleClosed) -> None:
        symbol, candle = event
        self._marks[symbol] = Decimal(str(candle.close))
        if not self._live():
            return
        if not self._candles.first_sighting(self._exchange, symbol, self._timeframe, candle.ts_ms):
            return
        self._safely(
            "a candle",
            lambda: publish_candle(
                self._container,
                exchange=self._exchange,
                symbol=symbol,
                timeframe=self._timeframe,
                candle=candle,
            ),
        )

    # -- messages -------------------------------------------------------------------------

    def _publish_order(self, order_id: str) -> None:
        client_id = client_order_id_for(self.bot_id, order_id)
        with self._container.database.read_session() as session:
            row = get_order_by_client_id(session, client_id)
            view = None if row is None else OrderView.of(row)
        if view is None:
            logger.warning(
                "bot %s: order %s is not on record: not published", self.bot_id, order_id
            )
            return
        publish_order(
            self._container, owner_id=self.owner_id, bot_id=self.bot_id, order=_data(view)
        )

    def _publish_fill(self, venue_trade_id: str) -> None:
        with self._container.database.read_session() as session:
            row = records_repo.fill_by_venue_trade(session, self.bot_id, venue_trade_id)
            view = None if row is None else FillView.of(row)
        if view is None:
            logger.warning(
                "bot %s: fill %s is not on record: not published", self.bot_id, venue_trade_id
            )
            return
        publish_fill(self._container, owner_id=self.owner_id, bot_id=self.bot_id, fill=_data(view))

    def _publish_pnl(self) -> None:
        unrealized = Decimal(0)
        for symbol, position in self._bot.kernel.portfolio.positions.items():
            mark = self._marks.get(symbol)
            if position.quantity and mark is not None:
                unrealized += position.unrealized_pnl(mark)
        publish_pnl(
            self._container,
            owner_id=self.owner_id,
            bot_id=self.bot_id,
            realized=_canonical(self.realized),
            unrealized=_canonical(unrealized),
            currency=self._currency,
        )

    def _safely(self, what: str, publish: Callable[[], None]) -> None:
        try:
            publish()
        except Exception:  # live updates must never stop the bot; its records are committed
            logger.exception("bot %s: could not publish %s", self.bot_id, what)


def _data(view: OrderView | FillView) -> dict[str, Any]:
    return asdict(view)


def _canonical(amount: Decimal) -> Decimal:
    """``amount`` without trailing zeros, as the database returns amounts (so the stream
    writes ``"-12.1314479"`` where the REST API does, not ``"-12.13144790"``)."""
    return amount.normalize() if amount else Decimal(0)
