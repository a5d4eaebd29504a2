"""The live exchange port: orders to a real venue through CCXT (Binance spot).

:class:`LiveExchangePort` implements :class:`~xor_trading.execution.ports.ExchangePort`
(fire-and-report: each call schedules an asyncio task on the running loop and returns at
once; outcomes arrive as execution reports through the sink) and
:class:`~xor_trading.execution.ports.AccountQueryPort` (async reads for reconciliation).

Requests go through Binance's raw spot endpoints (CCXT's implicit API: CCXT signs, routes
and maps errors; XOR builds the parameters from exact ``Decimal`` strings and parses the
raw replies, so no amount ever passes through a float). Every request waits for the
shared :class:`~.request_limiter.RequestLimiter` (orders and cancels ahead of reads) and
holds the key's signing lane until CCXT has signed it and hands it to HTTP (not for the
network wait: Binance authenticates by timestamp + recvWindow, not by a nonce, so only the
order of request starts per key is kept; a cancel starts while a create of the same key
still waits for its reply); the :class:`~.circuit_breaker.CircuitBreaker` refuses orders
and fails reads fast while the venue is down.

Contract of the order path:

* One create per intent. The client order id comes from the injected
  ``client_order_id(order)`` (deterministic per intent) and is never replaced. A create is
  resent, with the SAME id, only when the venue proved it was refused before matching
  (``-1021`` after a clock resync, 429 after ``Retry-After``), at most
  ``create_attempts`` times in all.
* Outcomes (:mod:`.outcome`): accepted -> ``OrderAcceptedReport`` (+ one
  ``OrderFilledReport`` per trade of a FULL reply); definitive refusal ->
  ``OrderRejectedReport``; anything that may have reached the venue, including a reply
  that does not parse -> ``OrderStatusUnknownReport``, then the order is resolved by
  queries: never by a resend. An order still not found after ``not_found_queries``
  queries and ``recvWindow`` + margin after it was sent can no longer be accepted by
  the venue (Binance's timing rule), and is reported rejected.
* Fills are reported once per venue trade id (the engine deduplicates too), from the FULL
  reply, the private stream (``watch_my_trades``/``watch_orders``) or REST polling of
  in-flight orders, whichever comes first. Terminal reports (canceled, expired) come after
  every fill the venue counted for the order.
* Private stream (R7): ``on_private_stream_reconnect`` ("resync needed") is called as soon
  as the port knows the stream **dropped** (the watch raised: connection closed, or CCXT's
  ping/pong keepalive missed ``2 x stream_heartbeat_s``), and again as soon as it is
  **connected** again (CCXT's ``on_connected`` hook; without it, at the first event). The
  runtime refuses new orders from the first call until its REST resync passed. In-flight
  orders are polled at once each time, and every ``poll_interval_s`` while it is down.
  A stream that stays connected and answers pings but sends no data cannot be told from an
  idle account by timing (Binance sends nothing when nothing happens): REST polling of
  in-flight orders (``poll_interval_streaming_s``) reports what it misses, and what REST
  learns first is **evidence** (:mod:`.stream_evidence`): a trade, an order's existence or
  its cancel/expiry that the stream has not delivered ``stream_evidence_grace_s`` after
  REST saw it means the stream **stalled**. A stall is handled as a drop: "resync needed"
  at once, a warning, the private connection closed (CCXT reconnects it), counted in
  :attr:`LiveExchangePort.stream_status`.

Spot only. There is no withdrawal or transfer call in this package.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import ccxt  # type: ignore[import-untyped]  # no stubs; this package wraps it

from xor_trading.core.clock import Clock
from xor_trading.core.crash_points import crash_point
from xor_trading.core.errors import (
    RateLimitedError,
    RejectedError,
    RetryableError,
    XorError,
)
from xor_trading.core.ids import OrderId, Symbol, VenueOrderId
from xor_trading.domain.orders import Order, OrderSide, OrderType, TimeInForce
from xor_trading.exchanges.ccxt_client.async_client import RECV_WINDOW_MS, observe_responses
from xor_trading.exchanges.ccxt_client.circuit_breaker import BreakerState, CircuitBreaker
from xor_trading.exchanges.ccxt_client.outcome import (
    Classification,
    Health,
    Outcome,
    classify_cancel_error,
    classify_create_error,
    classify_read_error,
)
from xor_trading.exchanges.ccxt_client.request_limiter import (
    BINANCE_SPOT_WEIGHTS,
    Priority,
    RequestLimiter,
)
from xor_trading.exchanges.ccxt_client.response_parsing import (
    ResponseParseError,
    fill_of,
    market_id,
    parse_balances,
    parse_execution_report,
    parse_order,
    parse_order_fills,
    parse_orders,
    parse_trades,
    stream_client_order_id,
)
from xor_trading.exchanges.ccxt_client.stream_evidence import (
    FactKind,
    StreamEvidence,
    StreamFact,
)
from xor_trading.exchanges.ccxt_client.time_sync import TimeSync
from xor_trading.execution.ports import ReportSink, VenueCapabilities
from xor_trading.execution.reports import (
    ExecutionReport,
    OrderAcceptedReport,
    OrderCanceledReport,
    OrderExpiredReport,
    OrderFilledReport,
    OrderRejectedReport,
    OrderStatusUnknownReport,
)
from xor_trading.execution.venue_state import (
    VenueBalance,
    VenueOrder,
    VenueOrderStatus,
    VenueTrade,
)

__all__ = ["LiveExchangePort", "LivePortConfig", "PrivateStreamStatus"]

_log = logging.getLogger(__name__)

CLIENT_ORDER_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")  # Binance's newClientOrderId
TRADES_PAGE_LIMIT = 1000  # Binance's maximum for myTrades


@dataclass(frozen=True, slots=True)
class LivePortConfig:
    """Retry and polling settings (seconds unless named otherwise)."""

    create_attempts: int = 3  # sends of one create when the venue proved a refusal
    cancel_attempts: int = 3  # cancels are idempotent: resent on any unclear outcome
    read_attempts: int = 3
    backoff_s: float = 0.5  # doubles per attempt
    poll_interval_s: float = 2.0  # in-flight polling while the private stream is down
    poll_interval_streaming_s: float = 15.0  # ... and while it is up (a safety net)
    not_found_queries: int = 3  # R12: "not found" is final only after this many queries
    clock_margin_ms: int = 1_000  # added to recvWindow before "never arrived" is final
    use_private_stream: bool = True
    stream_backoff_max_s: float = 30.0
    stream_heartbeat_s: float = 20.0  # CCXT pings this often; 2 missed pongs: a drop (<= 60 s)
    # A fact REST learned first and the stream did not deliver within this: a stall. Well
    # above the stream's normal latency (well under 1 s), so a slow event is not a stall.
    stream_evidence_grace_s: float = 10.0
    # Venue events this soon after a (re)connection may predate its subscription: no evidence.
    stream_connect_margin_s: float = 2.0


@dataclass(frozen=True, slots=True)
class PrivateStreamStatus:
    """The private stream as the port sees it: ``connected`` (a connection is open),
    ``drops`` (outages, stalls included), ``stalls`` (outages found by evidence: connected,
    answering pings, not delivering), ``events`` (stream items received)."""

    connected: bool
    drops: int
    stalls: int
    events: int


@dataclass(slots=True)
class _Tracked:
    """What the port knows of one order it sent (or was told to watch)."""

    order_id: OrderId
    symbol: Symbol
    side: OrderSide
    client_order_id: str
    sent_at_s: float | None = None  # monotonic time of the (last) create
    venue_order_id: str | None = None
    accepted: bool = False  # an OrderAcceptedReport was sent
    unknown: bool = False  # the create's outcome is unknown (no venue answer yet)
    finished: bool = False  # a terminal state was reported: no more status reports
    filled: Decimal = Decimal(0)  # sum of the trades reported
    not_found: int = 0  # consecutive "order does not exist" answers
    trade_ids: set[str] = field(default_factory=set)


class _NotFound:
    pass


# Set around the creation of each request's task: CCXT's ``fetch`` (called once the
# request is signed) sets the event, which frees the key's signing lane (see _send).
_REQUEST_SIGNED: ContextVar[asyncio.Event | None] = ContextVar("_REQUEST_SIGNED", default=None)


def _mark_signed_requests(client: Any) -> None:
    """Wrap ``client.fetch`` (CCXT's HTTP call, made after signing) so that it reports
    the start of each request to the :data:`_REQUEST_SIGNED` event of its task."""
    fetch = getattr(client, "fetch", None)
    if fetch is None or getattr(fetch, "_xor_marks_signed", False):
        return

    async def fetch_marking_start(*args: Any, **kwargs: Any) -> Any:
        signed = _REQUEST_SIGNED.get()
        if signed is not None:
            signed.set()
        return await fetch(*args, **kwargs)

    fetch_marking_start._xor_marks_signed = True  # type: ignore[attr-defined]
    client.fetch = fetch_marking_start


_NOT_FOUND = _NotFound()


def _decimal_text(value: Decimal) -> str:
    """A positive decimal as Binance wants it: plain digits, no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return text


_BINANCE_TYPE = {
    OrderType.MARKET: "MARKET",
    OrderType.LIMIT: "LIMIT",
    OrderType.STOP_MARKET: "STOP_LOSS",
    OrderType.STOP_LIMIT: "STOP_LOSS_LIMIT",
}


def order_params(order: Order, client_order_id: str) -> dict[str, str]:
    """The ``POST /api/v3/order`` parameters of ``order``."""
    params = {
        "symbol": market_id(order.symbol),
        "side": "BUY" if order.side is OrderSide.BUY else "SELL",
        "type": _BINANCE_TYPE[order.order_type],
        "quantity": _decimal_text(order.quantity),
        "newClientOrderId": client_order_id,
        "newOrderRespType": "FULL",
    }
    if order.limit_price is not None:
        params["price"] = _decimal_text(order.limit_price)
        params["timeInForce"] = "IOC" if order.time_in_force is TimeInForce.IOC else "GTC"
    if order.stop_price is not None:
        params["stopPrice"] = _decimal_text(order.stop_price)
    return params


class LiveExchangePort:
    """Orders and account queries of one API key on one venue (Binance spot)."""

    def __init__(
        self,
        client: Any,
        *,
        clock: Clock,
        client_order_id: Callable[[Order], str],
        limiter: RequestLimiter,
        breaker: CircuitBreaker,
        config: LivePortConfig | None = None,
        on_private_stream_reconnect: Callable[[], None] | None = None,
        now_s: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._clock = clock
        self._client_order_id = client_order_id
        self._limiter = limiter
        self._breaker = breaker
        self._config = config or LivePortConfig()
        self._on_reconnect = on_private_stream_reconnect
        self._now = now_s
        self._sleep = sleep
        self._key_id = str(getattr(client, "apiKey", "") or "public")
        self.time_sync = TimeSync(client, fetch_server_ms=self._fetch_server_time, now_s=now_s)
        self._sink: ReportSink | None = None
        self._orders: dict[OrderId, _Tracked] = {}
        self._by_client_id: dict[str, _Tracked] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stream_up = False
        self._stream_down = False  # dropped and not connected again yet (resync signalled)
        self._poll_now = asyncio.Event()
        self._closed = False
        self._evidence = StreamEvidence(
            self._config.stream_evidence_grace_s,
            int(self._config.stream_connect_margin_s * 1000),
        )
        self._evidence_added = asyncio.Event()
        self._drops = 0
        self._stalls = 0
        self._stream_events = 0
        observe_responses(client, limiter.note_response)
        _mark_signed_requests(client)
        self._hook_stream_connections(client)

    # -- ExchangePort -----------------------------------------------------------------------

    @property
    def name(self) -> str:
        return str(self._client.id)

    @property
    def capabilities(self) -> VenueCapabilities:
        return VenueCapabilities(stop_market=True, stop_limit=True, oco=False)

    def connect(self, sink: ReportSink) -> None:
        self._sink = sink

    def submit_order(self, order: Order) -> None:
        """Schedule the create of ``order``; raises :class:`RejectedError` (nothing sent)
        when the circuit breaker is open or the order cannot be expressed."""
        if order.order_id in self._orders:
            _log.warning("order %s was already sent; not sending it again", order.order_id)
            return
        refusal = self._breaker.order_refusal()
        if refusal is not None:
            raise refusal
        client_order_id = self._client_order_id(order)
        if not CLIENT_ORDER_ID.match(client_order_id):
            raise RejectedError(
                f"order not sent: client order id {client_order_id!r} is not valid on {self.name}",
                "client order ids are 1-36 characters of letters, digits and .:/_-",
            )
        try:
            market_id(order.symbol)
        except ValueError as exc:
            raise RejectedError(
                f"order not sent: {exc}", "the live port trades spot only"
            ) from None
        asyncio.get_running_loop()  # fire-and-report needs the loop: fail before tracking
        tracked = _Tracked(order.order_id, order.symbol, order.side, client_order_id)
        self._track(tracked)
        self._spawn(self._create(tracked, order_params(order, client_order_id)))

    def submit_oco(self, first: Order, second: Order) -> None:
        raise RejectedError(
            f"order not sent: one-cancels-the-other orders are not supported on {self.name} "
            "by the live port yet",
            "place the stop and the take-profit as separate orders",
        )

    def cancel_order(self, order_id: OrderId) -> None:
        tracked = self._orders.get(order_id)
        if tracked is None:
            _log.warning("cancel of order %s, which this port never sent", order_id)
            return
        self._spawn(self._cancel(tracked))

    def track(self, order: Order, client_order_id: str, *, unknown: bool = False) -> None:
        """Watch an order sent by an earlier run (restart) so its fills and end are
        reported; ``unknown``: its create was never acknowledged."""
        tracked = _Tracked(order.order_id, order.symbol, order.side, client_order_id)
        tracked.venue_order_id = order.venue_order_id
        tracked.accepted = order.venue_order_id is not None
        tracked.unknown = unknown
        tracked.filled = order.filled_qty
        self._track(tracked)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Sync the clock, then start the private stream (if any) and the in-flight poller."""
        try:
            await self.time_sync.sync()
        except XorError as exc:
            _log.warning("%s clock sync failed at start: %s", self.name, exc.message)
        self._spawn(self._poll_loop())
        self._spawn(self._resync_loop())
        has = getattr(self._client, "has", {}) or {}
        if self._config.use_private_stream and has.get("watchMyTrades"):
            # watch_my_trades carries trades only; watch_orders every event of an order.
            kinds = {FactKind.TRADE}
            self._spawn(self._stream_loop("watch_my_trades"))
            if has.get("watchOrders"):
                kinds |= {FactKind.ORDER, FactKind.END}
                self._spawn(self._stream_loop("watch_orders"))
            self._evidence.expect(frozenset(kinds))
            self._spawn(self._evidence_loop())

    @property
    def stream_status(self) -> PrivateStreamStatus:
        return PrivateStreamStatus(
            connected=self._evidence.connected_at_ms is not None,
            drops=self._drops,
            stalls=self._stalls,
            events=self._stream_events,
        )

    async def close(self) -> None:
        """Stop every task of the port and close the client's connections."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._client.close()

    async def drain(self) -> None:
        """Wait until every order and cancel task scheduled so far has finished (tests)."""
        while True:
            pending = [t for t in self._tasks if t.get_name().startswith("xor-request")]
            if not pending:
                return
            await asyncio.gather(*pending, return_exceptions=True)

    # -- AccountQueryPort ------------------------------------------------------------------

    async def fetch_order(self, symbol: str, client_order_id: str) -> VenueOrder | None:
        params = {"symbol": market_id(symbol), "origClientOrderId": client_order_id}
        reply = await self._read(
            "GET /api/v3/order",
            lambda: self._client.private_get_order(params),
            lambda raw: parse_order(raw, symbol=symbol),
            not_found_is_answer=True,
        )
        return None if isinstance(reply, _NotFound) else reply

    async def fetch_order_by_venue_id(self, symbol: str, venue_order_id: str) -> VenueOrder | None:
        params = {"symbol": market_id(symbol), "orderId": venue_order_id}
        reply = await self._read(
            "GET /api/v3/order",
            lambda: self._client.private_get_order(params),
            lambda raw: parse_order(raw, symbol=symbol),
            not_found_is_answer=True,
        )
        return None if isinstance(reply, _NotFound) else reply

    async def fetch_open_orders(self, symbols: Sequence[str]) -> list[VenueOrder]:
        orders: list[VenueOrder] = []
        for symbol in symbols:
            params = {"symbol": market_id(symbol)}
            orders.extend(
                await self._read(
                    "GET /api/v3/openOrders",
                    lambda p=params: self._client.private_get_openorders(p),  # type: ignore[misc]
                    lambda raw, s=symbol: parse_orders(raw, symbol=s),  # type: ignore[misc]
                )
            )
        return orders

    async def fetch_trades_since(self, symbol: str, since_ms: int) -> list[VenueTrade]:
        params: dict[str, Any] = {
            "symbol": market_id(symbol),
            "startTime": since_ms,
            "limit": TRADES_PAGE_LIMIT,
        }
        return await self._trade_pages(symbol, params, since_ms)

    async def fetch_balances(self) -> list[VenueBalance]:
        balances: list[VenueBalance] = await self._read(
            "GET /api/v3/account",
            lambda: self._client.private_get_account({"omitZeroBalances": "true"}),
            parse_balances,
        )
        return balances

    async def _trade_pages(
        self, symbol: str, params: dict[str, Any], since_ms: int
    ) -> list[VenueTrade]:
        trades: list[VenueTrade] = []
        while True:
            page: list[VenueTrade] = await self._read(
                "GET /api/v3/myTrades",
                lambda p=dict(params): self._client.private_get_mytrades(p),  # type: ignore[misc]
                lambda raw: parse_trades(raw, symbol=symbol),
            )
            trades.extend(t for t in page if t.ts_ms >= since_ms)
            if len(page) < TRADES_PAGE_LIMIT:
                return trades
            # Next page by trade id (Binance ids are increasing integers per symbol).
            params = {k: v for k, v in params.items() if k not in ("startTime", "fromId")}
            params["fromId"] = str(int(page[-1].trade_id) + 1)

    # -- requests ----------------------------------------------------------------------------

    async def _send(self, priority: Priority, endpoint: str, call: Callable[[], Any]) -> Any:
        """Send one request: limiter first, then the key's signing lane, held only until
        the request is signed and on its way (or answered, with a client that does not
        report the start); the reply is awaited outside the lane."""
        await self._limiter.acquire(BINANCE_SPOT_WEIGHTS[endpoint], priority)
        signed = asyncio.Event()
        async with self._limiter.signing_lane(self._key_id):
            token = _REQUEST_SIGNED.set(signed)
            try:
                request = asyncio.ensure_future(call())  # the task copies the context
            finally:
                _REQUEST_SIGNED.reset(token)
            started = asyncio.ensure_future(signed.wait())
            try:
                await asyncio.wait({request, started}, return_when=asyncio.FIRST_COMPLETED)
            except asyncio.CancelledError:
                request.cancel()
                raise
            finally:
                started.cancel()
        try:
            return await request
        except asyncio.CancelledError:
            request.cancel()
            raise

    def _note_rate_limit(self, verdict: Classification) -> None:
        """A 429 whose Retry-After the limiter did not see (no header): pause anyway."""
        if verdict.outcome is Outcome.RATE_LIMITED and self._limiter.retry_after_s() is None:
            self._limiter.pause(verdict.retry_after_s or 0.0)

    def _record(self, health: Health) -> None:
        if health is Health.FAULT:
            self._breaker.record_failure()
        else:
            self._breaker.record_success()

    async def _read(
        self,
        endpoint: str,
        call: Callable[[], Any],
        parse: Callable[[Any], Any],
        *,
        not_found_is_answer: bool = False,
    ) -> Any:
        """A read with at most ``read_attempts`` tries; raises when it gets no answer."""
        attempts = self._config.read_attempts
        for attempt in range(1, attempts + 1):
            self._breaker.before_read()
            try:
                raw = await self._send(Priority.READ, endpoint, call)
                result = parse(raw)
            except asyncio.CancelledError:
                self._breaker.record_abandoned()
                raise
            except ResponseParseError as exc:
                self._breaker.record_failure()
                failure: Classification | ResponseParseError = exc
            except Exception as exc:  # every CCXT/aiohttp failure is classified
                verdict = classify_read_error(exc, self._limiter.retry_after_s())
                self._record(verdict.health)
                if verdict.outcome is Outcome.NOT_FOUND and not_found_is_answer:
                    return _NOT_FOUND
                if verdict.outcome in (Outcome.REJECTED, Outcome.NOT_FOUND):
                    raise RejectedError(
                        f"{self.name} refused the query {endpoint}: {verdict.reason}",
                        "check the API key's permissions and the symbol",
                    ) from None
                self._note_rate_limit(verdict)
                if verdict.resync_clock:
                    await self._resync_time()
                failure = verdict
            else:
                self._breaker.record_success()
                return result
            if attempt < attempts:
                await self._sleep(self._config.backoff_s * 2 ** (attempt - 1))
        if isinstance(failure, ResponseParseError):
            raise RetryableError(
                f"{self.name} answered {endpoint} {attempts} times with an {failure.message}",
                "the venue may be in maintenance; try again later",
            )
        if failure.outcome is Outcome.RATE_LIMITED:
            raise RateLimitedError(
                f"{self.name} is rate limiting this server ({endpoint})",
                failure.retry_after_s or 0.0,
                "the request limiter waits before the next request",
            )
        raise RetryableError(
            f"{self.name} did not answer {endpoint} after {attempts} tries: {failure.reason}",
            "the venue may be down or in maintenance; try again later",
        )

    async def _fetch_server_time(self) -> object:
        raw = await self._read("GET /api/v3/time", self._client.public_get_time, lambda raw: raw)
        server = raw.get("serverTime") if isinstance(raw, dict) else raw
        # CCXT keeps JSON numbers of raw replies as strings (quoteJsonNumbers).
        return int(server) if isinstance(server, str) and server.isdigit() else server

    async def _resync_time(self) -> None:
        try:
            offset = await self.time_sync.sync()
        except XorError as exc:
            _log.warning("%s clock resync failed: %s", self.name, exc.message)
            return
        _log.info("%s clock resynced: venue is %+d ms from us", self.name, offset)

    # -- create ------------------------------------------------------------------------------

    async def _create(self, tracked: _Tracked, params: dict[str, str]) -> None:
        attempts = self._config.create_attempts
        for attempt in range(1, attempts + 1):
            tracked.sent_at_s = self._now()
            try:
                raw = await self._send(
                    Priority.ORDER,
                    "POST /api/v3/order",
                    lambda: self._client.private_post_order(dict(params)),
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # every failure is classified
                verdict = classify_create_error(exc, self._limiter.retry_after_s())
                self._record(verdict.health)
                self._note_rate_limit(verdict)
                if verdict.outcome in (Outcome.RETRY_SAFE, Outcome.RATE_LIMITED):
                    if attempt < attempts:
                        _log.info(
                            "%s create %s refused before matching (%s); resending the same id",
                            self.name, tracked.client_order_id, verdict.reason,
                        )  # fmt: skip
                        if verdict.outcome is Outcome.RETRY_SAFE:
                            if verdict.resync_clock:
                                await self._resync_time()
                            await self._sleep(self._config.backoff_s * 2 ** (attempt - 1))
                        continue  # a rate limit: the limiter holds the resend back
                    self._reject(tracked, f"{verdict.reason} ({attempts} attempts)")
                elif verdict.outcome is Outcome.REJECTED:
                    self._reject(tracked, f"{verdict.reason}: {exc}")
                else:
                    self._unknown(tracked, verdict.reason)
                return
            crash_point("after_send_before_ack")  # R4 tests only; a no-op otherwise
            self._on_create_reply(tracked, raw)
            return

    def _on_create_reply(self, tracked: _Tracked, raw: Any) -> None:
        try:
            order = parse_order(raw, symbol=tracked.symbol)
            trades = parse_order_fills(raw, symbol=tracked.symbol)
            if order.client_order_id != tracked.client_order_id:
                raise ResponseParseError(
                    f"reply is for client order id {order.client_order_id!r}, "
                    f"not {tracked.client_order_id!r}"
                )
        except ResponseParseError as exc:
            self._breaker.record_failure()
            self._unknown(tracked, exc.message)
            return
        self._breaker.record_success()
        self._apply(tracked, order, trades)

    # -- cancel ------------------------------------------------------------------------------

    async def _cancel(self, tracked: _Tracked) -> None:
        params = {"symbol": market_id(tracked.symbol), "origClientOrderId": tracked.client_order_id}
        attempts = self._config.cancel_attempts
        reason = ""
        for attempt in range(1, attempts + 1):
            try:
                raw = await self._send(
                    Priority.ORDER,
                    "DELETE /api/v3/order",
                    lambda: self._client.private_delete_order(dict(params)),
                )
                order = parse_order(raw, symbol=tracked.symbol)
            except asyncio.CancelledError:
                raise
            except ResponseParseError as exc:
                self._breaker.record_failure()
                reason = exc.message
            except Exception as exc:  # every failure is classified
                verdict = classify_cancel_error(exc, self._limiter.retry_after_s())
                self._record(verdict.health)
                if verdict.outcome is Outcome.REJECTED:
                    await self._cancel_refused(tracked, verdict.reason)
                    return
                self._note_rate_limit(verdict)
                if verdict.resync_clock:
                    await self._resync_time()
                reason = verdict.reason
            else:
                self._breaker.record_success()
                await self._settle(tracked, order)
                return
            if attempt < attempts:
                await self._sleep(self._config.backoff_s * 2 ** (attempt - 1))
        self._emit_status_unknown(tracked, f"cancel outcome unknown: {reason}")

    async def _cancel_refused(self, tracked: _Tracked, reason: str) -> None:
        """The venue refused the cancel: say what the order really is, then (if it still
        works) that the cancel was refused."""
        try:
            order = await self.fetch_order(tracked.symbol, tracked.client_order_id)
        except XorError as exc:
            self._emit_status_unknown(tracked, f"cancel refused ({reason}); {exc.message}")
            return
        if order is None:
            self._emit_status_unknown(tracked, f"cancel refused ({reason}); order not found")
            return
        await self._settle(tracked, order)
        if order.status.is_open:
            self._emit(
                OrderRejectedReport(tracked.order_id, f"cancel refused: {reason}", self._ms())
            )

    # -- applying venue facts ----------------------------------------------------------------

    async def _settle(self, tracked: _Tracked, order: VenueOrder) -> None:
        """Report ``order`` as the venue states it, fetching its trades first when the venue
        counts more filled than the trades reported so far."""
        trades: list[VenueTrade] = []
        if order.filled_quantity > tracked.filled:
            try:
                trades = await self._order_trades(tracked, order.venue_order_id)
            except XorError as exc:
                _log.warning("%s trades of %s: %s", self.name, tracked.client_order_id, exc)
                self._apply(tracked, order, [], complete=False)
                return
        self._apply(tracked, order, trades)

    async def _order_trades(self, tracked: _Tracked, venue_order_id: str) -> list[VenueTrade]:
        params: dict[str, Any] = {
            "symbol": market_id(tracked.symbol),
            "orderId": venue_order_id,
            "limit": TRADES_PAGE_LIMIT,
        }
        return await self._trade_pages(tracked.symbol, params, 0)

    def _apply(
        self,
        tracked: _Tracked,
        order: VenueOrder,
        trades: Sequence[VenueTrade],
        *,
        complete: bool = True,
        streamed: bool = False,
    ) -> None:
        """Report what the venue says of ``order``: acceptance, new fills, then its end
        (only when every fill it counts has been reported, unless it never filled).
        What REST (not ``streamed``) learns first is stream evidence."""
        tracked.unknown = False
        tracked.not_found = 0
        tracked.venue_order_id = order.venue_order_id
        cid = tracked.client_order_id
        if not tracked.accepted and order.status is not VenueOrderStatus.REJECTED:
            tracked.accepted = True
            self._emit(
                OrderAcceptedReport(
                    tracked.order_id, VenueOrderId(order.venue_order_id), self._ms()
                )
            )
            if not streamed:
                self._rest_saw(StreamFact(FactKind.ORDER, cid), order.ts_ms)
        for trade in trades:
            if trade.venue_order_id != order.venue_order_id:
                continue
            if self._report_trade(tracked, trade) and not streamed:
                self._rest_saw(StreamFact(FactKind.TRADE, trade.trade_id), trade.ts_ms)
        if not complete or tracked.finished or tracked.filled < order.filled_quantity:
            return
        if order.status is VenueOrderStatus.FILLED:
            tracked.finished = True
        elif order.status is VenueOrderStatus.CANCELED:
            self._finish(tracked, OrderCanceledReport(tracked.order_id, "canceled", self._ms()))
        elif order.status is VenueOrderStatus.EXPIRED:
            self._finish(tracked, OrderExpiredReport(tracked.order_id, "expired", self._ms()))
        elif order.status is VenueOrderStatus.REJECTED:
            self._finish(tracked, OrderRejectedReport(tracked.order_id, "rejected", self._ms()))
        if not streamed and order.status in (VenueOrderStatus.CANCELED, VenueOrderStatus.EXPIRED):
            self._rest_saw(StreamFact(FactKind.END, cid), order.ts_ms)

    def _report_trade(self, tracked: _Tracked, trade: VenueTrade) -> bool:
        """Report ``trade`` unless it was reported before; whether it was new."""
        if trade.trade_id in tracked.trade_ids:
            return False
        tracked.trade_ids.add(trade.trade_id)
        tracked.filled += trade.quantity
        self._emit(OrderFilledReport(fill_of(trade, tracked.order_id)))
        return True

    def _finish(self, tracked: _Tracked, report: ExecutionReport) -> None:
        tracked.finished = True
        self._emit(report)

    def _reject(self, tracked: _Tracked, reason: str) -> None:
        self._finish(tracked, OrderRejectedReport(tracked.order_id, reason, self._ms()))

    def _unknown(self, tracked: _Tracked, reason: str) -> None:
        tracked.unknown = True
        self._emit_status_unknown(tracked, reason)
        self._poll_now.set()

    def _emit_status_unknown(self, tracked: _Tracked, reason: str) -> None:
        self._emit(OrderStatusUnknownReport(tracked.order_id, reason, self._ms()))

    def _emit(self, report: ExecutionReport) -> None:
        if self._sink is None:
            _log.error("%s report dropped: the port is not connected: %r", self.name, report)
            return
        try:
            self._sink(report)
        except Exception:  # a bad report must not kill the port's tasks (R10)
            _log.exception("%s execution report was not accepted: %r", self.name, report)

    def _ms(self) -> int:
        return self._clock.now_ms()

    def _track(self, tracked: _Tracked) -> None:
        self._orders[tracked.order_id] = tracked
        self._by_client_id[tracked.client_order_id] = tracked

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        kind = getattr(work, "__name__", "")
        name = "xor-request" if kind in ("_create", "_cancel") else f"xor-{kind}"
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log.error("%s task failed", self.name, exc_info=task.exception())

    # -- in-flight polling -------------------------------------------------------------------

    def _in_flight(self) -> list[_Tracked]:
        return [t for t in self._orders.values() if not t.finished]

    async def poll_once(self) -> None:
        """Ask the venue about every order not yet finished (open orders per symbol, then
        each missing one by client order id)."""
        pending = self._in_flight()
        for symbol in sorted({t.symbol for t in pending}):
            try:
                open_orders = {o.client_order_id: o for o in await self.fetch_open_orders([symbol])}
            except XorError as exc:
                _log.info("%s poll of %s skipped: %s", self.name, symbol, exc.message)
                continue
            for tracked in [t for t in pending if t.symbol == symbol]:
                order = open_orders.get(tracked.client_order_id)
                if order is None:
                    await self._poll_one(tracked)
                elif order.filled_quantity > tracked.filled or not tracked.accepted:
                    await self._settle(tracked, order)

    async def _poll_one(self, tracked: _Tracked) -> None:
        try:
            order = await self.fetch_order(tracked.symbol, tracked.client_order_id)
        except XorError as exc:
            _log.info("%s query of %s: %s", self.name, tracked.client_order_id, exc.message)
            return
        if order is not None:
            await self._settle(tracked, order)
            return
        if not tracked.unknown or tracked.accepted:
            return
        tracked.not_found += 1
        # Binance refuses a request older than recvWindow; past that (plus a clock margin)
        # an order it has not shown can no longer be accepted (spec 3.1, "timing security").
        deadline_s = (RECV_WINDOW_MS + self._config.clock_margin_ms) / 1000
        sent_at = tracked.sent_at_s if tracked.sent_at_s is not None else self._now()
        if (
            tracked.not_found >= self._config.not_found_queries
            and self._now() - sent_at >= deadline_s
        ):
            self._reject(
                tracked,
                f"never reached {self.name}: not found after {tracked.not_found} queries "
                f"and {self._now() - sent_at:.1f} s",
            )

    async def _poll_loop(self) -> None:
        while not self._closed:
            interval = (
                self._config.poll_interval_streaming_s
                if self._stream_up
                else self._config.poll_interval_s
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poll_now.wait(), interval)
            self._poll_now.clear()
            if self._breaker.state is BreakerState.HALF_OPEN:
                await self._resync_time()  # the probe: one cheap read (weight 1)
            if self._in_flight():
                await self.poll_once()

    async def _resync_loop(self) -> None:
        while not self._closed:
            await self._sleep(self.time_sync.resync_interval_s)
            await self._resync_time()  # also the half-open probe of the breaker

    # -- private stream ----------------------------------------------------------------------

    def _hook_stream_connections(self, client: Any) -> None:
        """Learn of every WebSocket connection of ``client`` as it opens (CCXT's
        ``on_connected`` hook), and ping every ``stream_heartbeat_s``."""
        streaming = getattr(client, "streaming", None)
        if isinstance(streaming, dict):
            client.streaming = {
                **streaming,
                "keepAlive": int(self._config.stream_heartbeat_s * 1000),
            }
        on_connected = getattr(client, "on_connected", None)
        if on_connected is None:
            return

        def on_connected_then_resync(ws_client: Any, message: Any = None) -> Any:
            self._on_stream_connected()
            return on_connected(ws_client, message)

        client.on_connected = on_connected_then_resync

    async def _stream_loop(self, method: str) -> None:
        watch = getattr(self._client, method)
        failures = 0
        while not self._closed:
            try:
                items = await watch()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any stream failure: back off, reconnect
                failures += 1
                self._on_stream_dropped()
                backoff = min(self._config.stream_backoff_max_s, 2.0 ** min(failures, 5))
                _log.warning(
                    "%s %s failed (%s); retrying in %.1f s", self.name, method, exc, backoff
                )
                await self._sleep(backoff * (1 + random.random() / 4))  # jitter
                continue
            failures = 0
            self._on_stream_connected()  # without the hook: the first event says so
            self._stream_up = True
            for item in items if isinstance(items, list) else []:
                self._stream_events += 1
                self._on_stream_item(item)

    def _on_stream_dropped(self, what: str = "dropped") -> None:
        """The stream failed: REST covers the gap, and the runtime resyncs before new
        orders (signalled once per outage, at once: not at the next event)."""
        self._stream_up = False
        self._evidence.disconnected()
        self._poll_now.set()
        if not self._stream_down:
            self._stream_down = True
            self._drops += 1
            self._signal_resync(what)

    def _on_stream_connected(self) -> None:
        """A WebSocket connection opened (or an event arrived) after a drop: resync again,
        since events between the drop and now were never streamed."""
        if self._closed:
            return
        self._evidence.connected(self._venue_now_ms())
        if not self._stream_down:
            return
        self._stream_down = False
        self._poll_now.set()
        self._signal_resync("reconnected")

    def _signal_resync(self, what: str) -> None:
        _log.info("%s private stream %s: resync needed", self.name, what)
        if self._on_reconnect is not None:
            try:
                self._on_reconnect()
            except Exception:
                _log.exception("%s private stream reconnect callback failed", self.name)

    def _on_stream_item(self, item: object) -> None:
        client_order_id = stream_client_order_id(item)
        tracked = self._by_client_id.get(client_order_id or "")
        if tracked is None:
            return  # not an order of ours (or not an execution report)
        self._evidence.seen_by_stream(StreamFact(FactKind.ORDER, tracked.client_order_id))
        try:
            update = parse_execution_report(item, symbol=tracked.symbol)
        except ResponseParseError as exc:
            _log.warning("%s stream event ignored: %s", self.name, exc.message)
            self._poll_now.set()
            return
        if update.trade is not None:
            self._evidence.seen_by_stream(StreamFact(FactKind.TRADE, update.trade.trade_id))
        if update.status in (VenueOrderStatus.CANCELED, VenueOrderStatus.EXPIRED):
            self._evidence.seen_by_stream(StreamFact(FactKind.END, tracked.client_order_id))
        trades = [update.trade] if update.trade is not None else []
        snapshot = VenueOrder(
            client_order_id=update.client_order_id,
            venue_order_id=update.venue_order_id,
            symbol=tracked.symbol,
            side=tracked.side,
            order_type=OrderType.MARKET,  # not used by _apply
            status=update.status,
            quantity=max(update.cumulative_quantity, Decimal(1)),  # not used by _apply
            filled_quantity=update.cumulative_quantity,
            limit_price=None,
            ts_ms=update.ts_ms,
        )
        self._apply(tracked, snapshot, trades, streamed=True)
        if tracked.filled < update.cumulative_quantity:
            self._poll_now.set()  # an execution was missed: REST fetches it

    # -- stall detection by evidence (module docstring of .stream_evidence) -------------------

    def _venue_now_ms(self) -> int:
        """The venue's clock now (the client's clock moved by the measured offset)."""
        return int(self._client.milliseconds()) + (self.time_sync.offset_ms or 0)

    def _rest_saw(self, fact: StreamFact, venue_ts_ms: int) -> None:
        if self._evidence.seen_by_rest(fact, venue_ts_ms, self._now()):
            self._evidence_added.set()  # the watch recomputes its deadline

    async def _evidence_loop(self) -> None:
        """Check the evidence the moment the oldest REST-only fact is ``grace`` old."""
        while not self._closed:
            deadline = self._evidence.next_deadline_s()
            timeout = None if deadline is None else max(deadline - self._now(), 0.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._evidence_added.wait(), timeout)
            self._evidence_added.clear()
            self.check_stream_evidence()

    def check_stream_evidence(self) -> bool:
        """Declare the stream stalled if a fact REST saw ``grace`` ago was never streamed;
        whether it was."""
        overdue = self._evidence.overdue(self._now())
        if not overdue or self._closed:
            return False
        self._stalls += 1
        _log.warning(
            "%s private stream stalled: %d venue event(s) seen by REST %.1f s ago or more were "
            "never streamed (first: %s); handled as a drop: resync, reconnect",
            self.name, len(overdue), self._config.stream_evidence_grace_s, overdue[0],
        )  # fmt: skip
        self._on_stream_dropped("stalled")
        self._close_private_connections(f"private stream stalled: {overdue[0]} never streamed")
        return True

    def _close_private_connections(self, reason: str) -> None:
        """Fail every WebSocket connection of the client the way a missed pong does
        (CCXT's ``on_error``): the watches raise, CCXT forgets the connection, and the
        stream loops reconnect with a new one and a new subscription."""
        connections = getattr(self._client, "clients", None)
        if not isinstance(connections, dict):
            return
        for connection in list(connections.values()):
            on_error = getattr(connection, "on_error", None)
            if on_error is None:
                continue
            try:
                on_error(ccxt.NetworkError(reason))
            except Exception:  # the reconnect must not kill the port's task
                _log.exception("%s closing the private stream failed", self.name)
