"""The production live venue factory: what a live bot trades through.

:class:`CcxtLiveVenueFactory` is the worker's ``live_venue_factory``
(``services/bot_worker.py``). For a live bot's spec it:

1. loads the bot's exchange key (``exchange_credentials``, the owner's row) and opens it
   with the envelope cipher under the credential's associated data. This module is one
   of the few allowed to decrypt stored secrets (``ALLOWED_SECRET_OPENERS`` of
   ``tests/integration/api/security/test_inventory.py``): the key is held by the CCXT
   client only, never logged (``ApiCredentials`` prints ``****abcd``), never returned;
2. builds the ``ccxt.pro`` client (:func:`make_async_client`) at the venue's real address
   or at the server's ``exchange_url_overrides`` (the WebSocket address is the same host
   with ``ws://``/``wss://``: the simulated venue serves both);
3. builds the :class:`LiveExchangePort` with one :class:`RequestLimiter` shared by every
   bot of this process on that venue (Binance limits by IP, not by key), its own circuit
   breaker, and client order ids ``client_order_id_for(bot_id, order_id)``
   (deterministic per intent; each bot has its own prefix, ``client_order_id_prefix_for``,
   so bots sharing one key and one symbol tell their orders and trades apart: the
   reconciler ignores the other bots' ones, ``CLIENT_ORDER_ID_PATTERN``);
4. returns a :class:`~xor_trading.runtime.live_session.LiveVenue`: the port, the bot's
   reconciliation marks in the database (trade cursors, holding baseline) and the
   session settings; the worker asks it for the session (the startup gate) once the bot
   is assembled and restored.

Paper bots never reach this factory (the worker builds the simulated venue for them, and
the factory refuses a paper spec): a paper process loads no key and builds no client.

Errors: :class:`NotFoundError` when the bot's key is gone, :class:`ConfigError` for a
paper spec or a key of another exchange, ``SecretTamperedError`` for a sealed key that
does not open. The supervisor logs them and does not start the bot.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

from xor_trading.core.clock import Clock
from xor_trading.core.errors import ConfigError, NotFoundError
from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.orders import Order
from xor_trading.exchanges.ccxt_client.async_client import REQUEST_TIMEOUT_MS, make_async_client
from xor_trading.exchanges.ccxt_client.circuit_breaker import CircuitBreaker
from xor_trading.exchanges.ccxt_client.client import ApiCredentials
from xor_trading.exchanges.ccxt_client.live_port import LiveExchangePort, LivePortConfig
from xor_trading.exchanges.ccxt_client.request_limiter import RequestLimiter
from xor_trading.execution.reconciliation_config import ReconciliationConfig
from xor_trading.execution.unknown_resolution import UnknownResolutionConfig
from xor_trading.persistence.database import Database
from xor_trading.persistence.repositories import exchange_credentials as credentials_repo
from xor_trading.persistence.repositories import trade_cursors as marks_repo
from xor_trading.persistence.repositories.orders import (
    CLIENT_ORDER_ID_PATTERN,
    client_order_id_for,
    client_order_id_prefix_for,
)
from xor_trading.runtime.bot_spec import BotSpec
from xor_trading.runtime.live_session import LiveSessionConfig, LiveVenue, ReconnectSignal
from xor_trading.security.envelope import SealedSecret
from xor_trading.services.container import Container
from xor_trading.services.exchange_key_service import credential_aad

__all__ = ["CcxtLiveVenueFactory", "LiveOptions", "ws_url_of"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class LiveOptions:
    """How this worker trades live. The defaults are production's; tests shorten them."""

    port: LivePortConfig = field(default_factory=LivePortConfig)
    unknown: UnknownResolutionConfig = field(default_factory=UnknownResolutionConfig)
    in_flight_check_interval_ms: int = 1_000
    gate_timeout_s: float = 60.0
    gate_retry_s: float = 1.0
    full_check_every_s: float = 60.0
    cancel_all_timeout_s: float = 5.0
    request_timeout_ms: int = REQUEST_TIMEOUT_MS
    budget_per_minute: int | None = None  # None: the limiter's default (Binance's weight)


def ws_url_of(base_url: str) -> str:
    """The WebSocket address served beside ``base_url`` (same host and port)."""
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, "", "", ""))


class DatabaseReconciliationMarks:
    """:class:`~xor_trading.runtime.live_session.ReconciliationMarks` of one bot."""

    def __init__(self, database: Database, clock: Clock, bot_id: str) -> None:
        self._db = database
        self._clock = clock
        self.bot_id = bot_id

    def _now(self) -> datetime:
        return _EPOCH + timedelta(milliseconds=self._clock.now_ms())

    def load(self) -> tuple[dict[Symbol, int], dict[str, Decimal] | None]:
        with self._db.read_session() as session:
            cursors = marks_repo.trade_cursors(session, self.bot_id)
            baseline = marks_repo.holding_baseline(session, self.bot_id)
        return {Symbol(s): c for s, c in cursors.items()}, baseline

    def save_cursors(
        self, cursors_ms: Mapping[Symbol, int], baseline_shift: Mapping[str, Decimal] | None = None
    ) -> None:
        with self._db.session() as session:  # one transaction: both or neither
            marks_repo.save_trade_cursors(
                session, self.bot_id, {str(s): c for s, c in cursors_ms.items()}, self._now()
            )
            if baseline_shift:
                marks_repo.shift_holding_baseline(session, self.bot_id, baseline_shift, self._now())

    def save_baseline(self, baseline: Mapping[str, Decimal]) -> None:
        with self._db.session() as session:
            marks_repo.save_holding_baseline(session, self.bot_id, baseline, self._now())


class CcxtLiveVenueFactory:
    """Builds the live venue of each live bot of this worker (see the module)."""

    def __init__(self, container: Container, options: LiveOptions | None = None) -> None:
        self._container = container
        self.options = options or LiveOptions()
        self._limiters: dict[str, tuple[asyncio.AbstractEventLoop, RequestLimiter]] = {}

    def __call__(self, spec: BotSpec, clock: Clock) -> LiveVenue:
        if spec.is_paper or spec.credential_id is None:
            raise ConfigError(
                f"bot {spec.bot_id} is a paper bot: it has no live venue",
                "paper bots trade on the simulated venue; report this bug",
            )
        credentials = self._credentials(spec.owner_id, spec.credential_id, spec.exchange)
        base_url = self._container.settings.exchange_url_overrides.get(spec.exchange)
        o = self.options
        client = make_async_client(
            spec.exchange,
            credentials,
            base_url=base_url,
            ws_url=ws_url_of(base_url) if base_url else None,
            timeout_ms=o.request_timeout_ms,
        )
        bot_id = spec.bot_id
        reconnects = ReconnectSignal()

        def client_order_id(order: Order) -> str:
            return client_order_id_for(bot_id, order.order_id)

        port = LiveExchangePort(
            client,
            clock=clock,
            client_order_id=client_order_id,
            limiter=self._limiter_for(spec.exchange),
            breaker=CircuitBreaker(spec.exchange),
            config=o.port,
            on_private_stream_reconnect=reconnects,
        )

        def client_id_of(order_id: OrderId) -> str:
            return client_order_id_for(bot_id, order_id)

        config = LiveSessionConfig(
            reconciliation=ReconciliationConfig(
                client_order_id_prefix=client_order_id_prefix_for(bot_id),
                sibling_client_order_id_pattern=CLIENT_ORDER_ID_PATTERN,
                unknown=o.unknown,
                in_flight_check_interval_ms=o.in_flight_check_interval_ms,
            ),
            gate_timeout_s=o.gate_timeout_s,
            gate_retry_s=o.gate_retry_s,
            full_check_every_s=o.full_check_every_s,
            cancel_all_timeout_s=o.cancel_all_timeout_s,
        )
        marks = DatabaseReconciliationMarks(self._container.database, clock, bot_id)
        return LiveVenue(port, marks, config, client_id_of, reconnects)

    def _credentials(self, owner_id: str, credential_id: str, exchange: str) -> ApiCredentials:
        """The owner's key, opened (never logged)."""
        with self._container.database.read_session() as session:
            row = credentials_repo.get_owned(session, owner_id, credential_id)
            if row is None:
                raise NotFoundError(
                    f"the exchange key {credential_id} of this live bot no longer exists",
                    "give the bot another key (PATCH /api/v1/bots/{id}), then start it again",
                )
            if row.exchange != exchange:
                raise ConfigError(
                    f"the exchange key {credential_id} is for {row.exchange}, the bot trades "
                    f"on {exchange}",
                    "give the bot a key of its exchange",
                )
            sealed = SealedSecret(row.kek_id, row.wrapped_dek, row.nonce, row.ciphertext)
        opened = json.loads(
            self._container.cipher.open(sealed, credential_aad(owner_id, credential_id))
        )
        return ApiCredentials(
            api_key=opened["api_key"], secret=opened["secret"], password=opened.get("password")
        )

    def _limiter_for(self, exchange: str) -> RequestLimiter:
        """One limiter per venue for this process (per event loop: tests run several)."""
        loop = asyncio.get_running_loop()
        held = self._limiters.get(exchange)
        if held is None or held[0] is not loop:
            budget = self.options.budget_per_minute
            limiter = RequestLimiter() if budget is None else RequestLimiter(budget)
            held = self._limiters[exchange] = (loop, limiter)
        return held[1]
