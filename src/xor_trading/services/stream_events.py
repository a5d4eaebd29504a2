"""Live events for WebSocket subscribers: channel names, publishing, who may subscribe.

Channels (dot-separated; ids are the UUID strings of the rows):

=============================================  ==========================================
``bots.<bot_id>.status``                       state changes of a bot (owner only)
``bots.<bot_id>.orders``                       order updates of a bot (owner only)
``bots.<bot_id>.fills``                        fills of a bot (owner only)
``pnl.<user_id>``                              PnL updates of a user (that user only)
``alerts.<user_id>``                           alerts for a user (that user only)
``candles.<exchange>.<BASE-QUOTE>.<timeframe>``  closed candles, e.g.
                                               ``candles.binance.BTC-USDT.1m`` (any
                                               authenticated user; ``/`` in a symbol
                                               becomes ``-``)
=============================================  ==========================================

Who publishes what:

* ``status``: :class:`~xor_trading.services.bot_service.BotService` (users' commands and the
  runtime's moves, recorded by the worker) and the kill switch service; ``alerts``: the
  alert delivery and the kill switch services.
* ``orders``, ``fills``, ``pnl`` (after each closed round trip) and ``candles`` (live
  candles, once per process and market):
  :class:`~xor_trading.services.bot_stream_publisher.BotStreamPublisher`, one per bot,
  wired by the worker (``services/bot_worker.py``) in whichever process runs the bots:
  ``xor worker``, or ``xor platform`` (API and worker in one process).

The hub (``container.stream``) is in process without ``XOR_REDIS_URL``: events then reach
only the WebSockets of the same process (``xor platform``). A separate ``xor worker``
reaches the API processes of ``xor serve`` only through Redis pub/sub (``XOR_REDIS_URL``
set on both).

Publishing is best effort and at most once (live updates, not a record: the database is
the source of truth, R14): call the helpers *after* the transaction that made the change
commits, and a failure of the fan-out (Redis down) is logged, never raised into the
use case. A message that is not JSON is a bug and raises ``TypeError``.

Every message carries ``at_ms`` (epoch ms, from the container's clock). Money and
quantities are decimal strings, never floats; values are written as the REST API writes
them (:func:`to_json_value`), so an order or fill on the stream is the JSON of
``GET /orders/{id}`` or of its fills.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Literal, cast

from xor_trading.core.errors import InputError, NotFoundError
from xor_trading.domain.candles import Candle
from xor_trading.persistence.repositories import stream_channels as channels_repo
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal

logger = logging.getLogger("xor.stream")

AlertLevel = Literal["info", "warning", "critical"]
BotTopic = Literal["status", "orders", "fills"]
BOT_TOPICS: tuple[BotTopic, ...] = ("status", "orders", "fills")

MAX_CHANNEL_LENGTH = 200
_ID = r"[A-Za-z0-9_-]{1,64}"
_BOT_CHANNEL = re.compile(rf"bots\.({_ID})\.(status|orders|fills)", re.ASCII)
_USER_CHANNEL = re.compile(rf"(pnl|alerts)\.({_ID})", re.ASCII)
_CANDLE_CHANNEL = re.compile(
    r"candles\.([a-z0-9][a-z0-9_-]{0,31})\.([A-Za-z0-9]+(?:[-:][A-Za-z0-9]+){1,3})\.([0-9]{1,4}[smhdw])",
    re.ASCII,
)


# -- channel names ------------------------------------------------------------------


def bot_channel(bot_id: str, topic: BotTopic) -> str:
    """``bots.<bot_id>.<topic>``."""
    return f"bots.{bot_id}.{topic}"


def pnl_channel(user_id: str) -> str:
    """``pnl.<user_id>``."""
    return f"pnl.{user_id}"


def alerts_channel(user_id: str) -> str:
    """``alerts.<user_id>``."""
    return f"alerts.{user_id}"


def candle_channel(exchange: str, symbol: str, timeframe: str) -> str:
    """``candles.<exchange>.<symbol with / as ->.<timeframe>``, e.g. for ``("binance",
    "BTC/USDT", "1m")`` ``candles.binance.BTC-USDT.1m``."""
    return f"candles.{exchange}.{symbol.replace('/', '-')}.{timeframe}"


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A parsed channel name: ``kind`` is ``bot``, ``pnl``, ``alerts`` or ``candles``;
    ``subject`` the bot id, user id or ``exchange.symbol.timeframe``."""

    kind: Literal["bot", "pnl", "alerts", "candles"]
    subject: str


def parse_channel(channel: str) -> ChannelRef:
    """Parse a channel name; raises :class:`InputError` if it is not one of the forms above."""
    if isinstance(channel, str) and len(channel) <= MAX_CHANNEL_LENGTH:
        if match := _BOT_CHANNEL.fullmatch(channel):
            return ChannelRef("bot", match.group(1))
        if match := _USER_CHANNEL.fullmatch(channel):
            kind: Literal["pnl", "alerts"] = "pnl" if match.group(1) == "pnl" else "alerts"
            return ChannelRef(kind, match.group(2))
        if _CANDLE_CHANNEL.fullmatch(channel):
            return ChannelRef("candles", channel.removeprefix("candles."))
    shown = channel[:80] if isinstance(channel, str) else type(channel).__name__
    raise InputError(
        f"{shown!r} is not a channel name",
        "use bots.<bot_id>.status|orders|fills, pnl.<your user id>, alerts.<your user id> "
        "or candles.<exchange>.<BASE-QUOTE>.<timeframe>",
    )


def authorize_channel(container: Container, principal: Principal, channel: str) -> None:
    """Allow ``principal`` to subscribe to ``channel`` or raise.

    Raises :class:`InputError` for a malformed name and :class:`NotFoundError` for a bot
    channel of a bot the principal does not own (or that does not exist) and for another
    user's ``pnl``/``alerts``: the same answer either way, so subscriptions reveal
    nothing about other users (S1). Candle channels are open to every authenticated user.
    """
    ref = parse_channel(channel)
    if ref.kind == "candles":
        return
    if ref.kind in ("pnl", "alerts"):
        if ref.subject != principal.user_id:
            raise _not_found(channel)
        return
    with container.database.read_session() as session:
        owned = channels_repo.bot_is_owned_by(session, ref.subject, principal.user_id)
    if not owned:
        raise _not_found(channel)


def _not_found(channel: str) -> NotFoundError:
    return NotFoundError(
        f"channel {channel!r} was not found",
        "subscribe to channels of your own bots, your own pnl and alerts, or candles",
    )


# -- publishing -----------------------------------------------------------------------


def to_json_value(value: object) -> object:
    """``value`` with Decimals as plain decimal strings (``"0.0000001"``, never an
    exponent), datetimes as ISO 8601 (UTC written ``Z``), enums as their values, tuples as
    lists and mappings recursed, exactly as the REST API writes them; raises ``TypeError``
    for anything else that JSON cannot hold."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value  # NaN and infinity are refused by the hub's encoder
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Enum):
        return to_json_value(value.value)
    if isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_value(v) for v in value]
    raise TypeError(f"cannot send a {type(value).__name__} in a stream event")


def publish_event(container: Container, channel: str, data: Mapping[str, object]) -> None:
    """Publish ``data`` plus ``at_ms`` on ``channel``; fan-out failures are logged only."""
    message = cast(dict[str, object], to_json_value({**data, "at_ms": container.clock.now_ms()}))
    try:
        container.stream.publish(channel, message)
    except TypeError:
        raise
    except Exception as exc:  # live updates are best effort; the change itself is committed
        logger.warning("could not publish on %s: %s", channel, exc)


def publish_bot_status(
    container: Container, *, owner_id: str, bot_id: str, state: str, reason: str = ""
) -> None:
    """``bots.<bot_id>.status``: ``{bot_id, state, reason, at_ms}``.

    ``owner_id`` is the bot's owner (who alone may subscribe); it is not sent.
    """
    del owner_id  # authorisation happens at subscribe time, against the database
    publish_event(
        container,
        bot_channel(bot_id, "status"),
        {"bot_id": bot_id, "state": state, "reason": reason},
    )


def publish_order(
    container: Container, *, owner_id: str, bot_id: str, order: Mapping[str, object]
) -> None:
    """``bots.<bot_id>.orders``: ``{bot_id, order: {...}, at_ms}``; ``order`` is the
    public view of the order (ids, symbol, side, type, status, quantities and prices as
    Decimals, which are sent as strings)."""
    del owner_id
    publish_event(container, bot_channel(bot_id, "orders"), {"bot_id": bot_id, "order": order})


def publish_fill(
    container: Container, *, owner_id: str, bot_id: str, fill: Mapping[str, object]
) -> None:
    """``bots.<bot_id>.fills``: ``{bot_id, fill: {...}, at_ms}`` (Decimals as strings)."""
    del owner_id
    publish_event(container, bot_channel(bot_id, "fills"), {"bot_id": bot_id, "fill": fill})


def publish_pnl(
    container: Container,
    *,
    owner_id: str,
    realized: Decimal,
    unrealized: Decimal,
    currency: str,
    bot_id: str | None = None,
) -> None:
    """``pnl.<owner_id>``: ``{bot_id, realized, unrealized, currency, at_ms}``; amounts
    are decimal strings in ``currency``; ``bot_id`` is ``null`` for the user's total."""
    publish_event(
        container,
        pnl_channel(owner_id),
        {"bot_id": bot_id, "realized": realized, "unrealized": unrealized, "currency": currency},
    )


def publish_alert(container: Container, *, owner_id: str, level: AlertLevel, message: str) -> None:
    """``alerts.<owner_id>``: ``{level, message, at_ms}``; ``message`` is one sentence for
    the user (never a secret or a stack trace)."""
    if level not in ("info", "warning", "critical"):
        raise ValueError(f"alert level must be info, warning or critical, got {level!r}")
    publish_event(container, alerts_channel(owner_id), {"level": level, "message": message})


def publish_candle(
    container: Container, *, exchange: str, symbol: str, timeframe: str, candle: Candle
) -> None:
    """``candles.<exchange>.<BASE-QUOTE>.<timeframe>``: ``{exchange, symbol, timeframe,
    ts_ms, open, high, low, close, volume, at_ms}`` (``ts_ms`` is the candle's open time,
    prices as numbers: market data, not money we hold)."""
    publish_event(
        container,
        candle_channel(exchange, symbol, timeframe),
        {
            "exchange": exchange,
            "symbol": symbol,
            "timeframe": timeframe,
            "ts_ms": candle.ts_ms,
            "open": candle.open,
            "high": candle.high,
            "low": candle.low,
            "close": candle.close,
            "volume": candle.volume,
        },
    )
