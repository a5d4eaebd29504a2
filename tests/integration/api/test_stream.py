"""The WebSocket stream: authentication, per-channel authorisation (S1), limits (S7),
token expiry, and events published by services reaching subscribers."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from xor_trading.api.app import create_app
from xor_trading.api.routes import stream as stream_route
from xor_trading.core.clock import TestClock
from xor_trading.domain.candles import Candle
from xor_trading.persistence.database import Database
from xor_trading.persistence.tables.bots import BotRow
from xor_trading.runtime.settings import Settings
from xor_trading.services import stream_events
from xor_trading.services.container import Container, build_container
from xor_trading.sharedstate.redis_stream_hub import RedisStreamHub

STREAM = "/api/v1/stream"
REDIS_URL = "redis://127.0.0.1:6379/0"
START_REDIS = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no'
)


def insert_bot(container: Container, owner_id: str, name: str = "bot") -> str:
    """A bot row owned by ``owner_id`` (the bots service is tested elsewhere)."""
    now = datetime.fromtimestamp(container.clock.now_ms() / 1000, UTC)
    with container.database.session() as session:
        row = BotRow(
            owner_id=owner_id,
            name=name,
            strategy="sma_cross",
            mode="paper",
            state="stopped",
            exchange="binance",
            symbols='["BTC/USDT"]',
            timeframe="1h",
            risk_profile="default",
            config_version=1,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        return row.id


def token_of(user: Any) -> str:
    return str(user.headers["Authorization"].split(" ", 1)[1])


@contextmanager
def connected(client: TestClient, user: Any) -> Iterator[WebSocketTestSession]:
    """An authenticated stream session, disconnected at the end of the block."""
    with client.websocket_connect(STREAM) as ws:
        ws.send_json({"type": "auth", "token": token_of(user)})
        frame = ws.receive_json()
        assert frame["type"] == "authenticated", frame
        yield ws


def close_code(ws: WebSocketTestSession) -> int:
    """The close code of the server's next frame, which must be a close."""
    with pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    return int(closed.value.code)


def subscribe(ws: WebSocketTestSession, *channels: str) -> list[dict[str, Any]]:
    """Send a subscribe; every frame up to and including the ``subscribed`` answer."""
    ws.send_json({"type": "subscribe", "channels": list(channels)})
    frames = []
    while True:
        frame = ws.receive_json()
        frames.append(frame)
        if frame["type"] == "subscribed":
            return frames


# -- authentication -----------------------------------------------------------------


def test_the_first_message_must_authenticate(client: TestClient, make_user: Any) -> None:
    user = make_user(role="viewer")
    with client.websocket_connect(STREAM) as ws:
        ws.send_json({"type": "subscribe", "channels": [f"alerts.{user.id}"]})
        assert ws.receive_json() == {
            "type": "error",
            "code": "unauthenticated",
            "message": 'the first message must be {"type": "auth", "token": "..."}',
        }
        assert close_code(ws) == 4401


def test_an_invalid_token_is_refused(client: TestClient, make_user: Any) -> None:
    user = make_user(role="viewer")
    tampered = token_of(user)[:-4] + "AAAA"
    with client.websocket_connect(STREAM) as ws:
        ws.send_json({"type": "auth", "token": tampered})
        frame = ws.receive_json()
        assert (frame["type"], frame["code"]) == ("error", "unauthenticated")
        assert close_code(ws) == 4401


def test_silence_after_connecting_closes_with_4401(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream_route, "AUTH_TIMEOUT_S", 0.2)
    with client.websocket_connect(STREAM) as ws:
        frame = ws.receive_json()
        assert (frame["code"], frame["message"]) == ("unauthenticated", "authenticate within 0.2 s")
        assert close_code(ws) == 4401


def test_a_token_in_the_query_string_is_refused(client: TestClient, make_user: Any) -> None:
    user = make_user(role="viewer")
    with client.websocket_connect(f"{STREAM}?token={token_of(user)}") as ws:
        frame = ws.receive_json()
        assert frame["code"] == "unauthenticated"
        assert "never put a token in the URL" in frame["message"]
        assert close_code(ws) == 4401


# -- channels -------------------------------------------------------------------------


def test_an_owner_receives_the_status_events_of_their_bot(
    client: TestClient, container: Container, make_user: Any
) -> None:
    user = make_user(role="viewer")
    bot_id = insert_bot(container, user.id)
    channel = f"bots.{bot_id}.status"
    with connected(client, user) as ws:
        assert subscribe(ws, channel) == [{"type": "subscribed", "channels": [channel]}]
        stream_events.publish_bot_status(
            container, owner_id=user.id, bot_id=bot_id, state="running", reason="started"
        )
        assert ws.receive_json() == {
            "type": "event",
            "channel": channel,
            "data": {
                "bot_id": bot_id,
                "state": "running",
                "reason": "started",
                "at_ms": container.clock.now_ms(),
            },
        }


def test_another_users_bot_is_not_found_and_sends_nothing(
    client: TestClient, container: Container, make_user: Any
) -> None:
    alice, mallory = make_user(), make_user(role="viewer")
    alice_bot = insert_bot(container, alice.id)
    mallory_bot = insert_bot(container, mallory.id)
    missing_bot = "00000000-0000-4000-8000-000000000000"
    with connected(client, mallory) as ws:
        frames = subscribe(
            ws, f"bots.{alice_bot}.fills", f"bots.{missing_bot}.fills", f"bots.{mallory_bot}.fills"
        )
        assert frames[-1] == {"type": "subscribed", "channels": [f"bots.{mallory_bot}.fills"]}
        refused = frames[:-1]
        assert [(f["code"], f["channel"]) for f in refused] == [
            ("not_found", f"bots.{alice_bot}.fills"),
            ("not_found", f"bots.{missing_bot}.fills"),
        ]
        # Someone else's bot and a bot that does not exist get the same answer (S1).
        assert refused[0]["message"].replace(alice_bot, "X") == refused[1]["message"].replace(
            missing_bot, "X"
        )
        fill = {"trade_id": "t1", "qty": Decimal("0.5"), "price": Decimal("65000.10")}
        stream_events.publish_fill(container, owner_id=alice.id, bot_id=alice_bot, fill=fill)
        stream_events.publish_fill(container, owner_id=mallory.id, bot_id=mallory_bot, fill=fill)
        # The first frame Mallory gets is her own fill: Alice's never arrived.
        event = ws.receive_json()
        assert event["channel"] == f"bots.{mallory_bot}.fills"
        assert event["data"]["fill"] == {"trade_id": "t1", "qty": "0.5", "price": "65000.10"}


def test_pnl_and_alerts_of_another_user_are_refused(
    client: TestClient, container: Container, make_user: Any
) -> None:
    alice, bob = make_user(), make_user()
    with connected(client, bob) as ws:
        frames = subscribe(
            ws,
            f"pnl.{alice.id}",
            f"alerts.{alice.id}",
            f"pnl.{bob.id}",
            f"alerts.{bob.id}",
            "candles.binance.BTC-USDT.1m",
            "bots..status",
        )
        assert [(f.get("code"), f.get("channel")) for f in frames[:-1]] == [
            ("not_found", f"pnl.{alice.id}"),
            ("not_found", f"alerts.{alice.id}"),
            ("invalid_input", "bots..status"),
        ]
        assert frames[-1]["channels"] == [
            f"pnl.{bob.id}",
            f"alerts.{bob.id}",
            "candles.binance.BTC-USDT.1m",
        ]
        stream_events.publish_alert(container, owner_id=alice.id, level="critical", message="a")
        stream_events.publish_pnl(
            container,
            owner_id=bob.id,
            realized=Decimal("12.50"),
            unrealized=Decimal("-3"),
            currency="USDT",
        )
        stream_events.publish_candle(
            container,
            exchange="binance",
            symbol="BTC/USDT",
            timeframe="1m",
            candle=Candle(1_748_736_000_000, 1.0, 2.0, 0.5, 1.5, 10.0, 60_000),
        )
        pnl, candle = ws.receive_json(), ws.receive_json()
        assert pnl["channel"] == f"pnl.{bob.id}"
        assert pnl["data"] == {
            "bot_id": None,
            "realized": "12.50",
            "unrealized": "-3",
            "currency": "USDT",
            "at_ms": container.clock.now_ms(),
        }
        assert candle["channel"] == "candles.binance.BTC-USDT.1m"
        assert (candle["data"]["symbol"], candle["data"]["close"]) == ("BTC/USDT", 1.5)


def test_unsubscribed_channels_stop_delivering(
    client: TestClient, container: Container, make_user: Any
) -> None:
    user = make_user()
    with connected(client, user) as ws:
        subscribe(ws, f"alerts.{user.id}", f"pnl.{user.id}")
        ws.send_json({"type": "unsubscribe", "channels": [f"alerts.{user.id}"]})
        assert ws.receive_json() == {"type": "unsubscribed", "channels": [f"alerts.{user.id}"]}
        stream_events.publish_alert(container, owner_id=user.id, level="info", message="gone")
        stream_events.publish_pnl(
            container, owner_id=user.id, realized=Decimal(1), unrealized=Decimal(0), currency="USDT"
        )
        assert ws.receive_json()["channel"] == f"pnl.{user.id}"


def test_ping_and_malformed_messages(client: TestClient, make_user: Any) -> None:
    with connected(client, make_user(role="viewer")) as ws:
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}
        ws.send_text("not json")
        assert ws.receive_json()["code"] == "invalid_input"
        ws.send_json({"type": "dance"})
        assert ws.receive_json()["code"] == "invalid_input"
        ws.send_json({"type": "subscribe", "channels": "alerts.x"})
        assert ws.receive_json()["code"] == "invalid_input"
        ws.send_json({"type": "ping"})  # still open
        assert ws.receive_json() == {"type": "pong"}


# -- limits ---------------------------------------------------------------------------


def test_at_most_50_channels_per_connection(client: TestClient, make_user: Any) -> None:
    with connected(client, make_user(role="viewer")) as ws:
        channels = [f"candles.binance.C{i}-USDT.1m" for i in range(51)]
        ws.send_json({"type": "subscribe", "channels": channels})  # 51 in one message
        assert ws.receive_json()["code"] == "invalid_input"
        frames = subscribe(ws, *channels[:49])
        assert len(frames[-1]["channels"]) == 49
        frames = subscribe(ws, channels[49], channels[50])
        assert frames[0] == {
            "type": "error",
            "code": "invalid_input",
            "message": "at most 50 channels per connection",
            "channel": channels[50],
        }
        assert frames[1] == {"type": "subscribed", "channels": [channels[49]]}


def test_a_message_over_64_kb_closes_the_connection(client: TestClient, make_user: Any) -> None:
    with connected(client, make_user(role="viewer")) as ws:
        ws.send_text(json.dumps({"type": "ping", "pad": "x" * 65536}))
        assert close_code(ws) == 1009


def test_at_most_10_connections_per_user(client: TestClient, make_user: Any) -> None:
    alice, bob = make_user(role="viewer"), make_user(role="viewer")
    with ExitStack() as sessions:
        first = sessions.enter_context(connected(client, alice))
        for _ in range(9):
            sessions.enter_context(connected(client, alice))
        codes = []
        for _ in range(40):
            with client.websocket_connect(STREAM) as ws:
                ws.send_json({"type": "auth", "token": token_of(alice)})
                frame = ws.receive_json()
                assert (frame["code"], frame["message"]) == (
                    "rate_limited",
                    "at most 10 stream connections per user; close one first",
                )
                codes.append(close_code(ws))
        assert codes == [4429] * 40
        # Bob is not affected.
        with connected(client, bob):
            pass
        # Closing one of Alice's sessions frees a place (once the server has seen it).
        first.close()
        first.__exit__(None, None, None)
        with connected(client, alice) as again:
            again.send_json({"type": "ping"})
            assert again.receive_json() == {"type": "pong"}


# -- token expiry ---------------------------------------------------------------------


def test_an_expired_token_closes_the_connection_on_the_next_message(
    client: TestClient, clock: TestClock, make_user: Any
) -> None:
    with connected(client, make_user(role="viewer")) as ws:
        clock.advance(15 * 60 * 1000)  # the access token lives 15 minutes
        ws.send_json({"type": "ping"})
        assert ws.receive_json()["message"] == "the access token expired"
        assert close_code(ws) == 4401


def test_an_expired_token_closes_a_quiet_connection(
    client: TestClient, clock: TestClock, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream_route, "EXPIRY_CHECK_S", 0.05)
    with connected(client, make_user(role="viewer")) as ws:
        clock.advance(15 * 60 * 1000)
        frame = ws.receive_json()
        assert (frame["code"], frame["message"]) == (
            "unauthenticated",
            "the access token expired",
        )
        assert close_code(ws) == 4401


def test_a_fresh_token_of_the_same_user_extends_the_connection(
    client: TestClient, clock: TestClock, make_user: Any
) -> None:
    user, other = make_user(role="viewer"), make_user(role="viewer")
    with connected(client, user) as ws:
        clock.advance(10 * 60 * 1000)
        ws.send_json({"type": "auth", "token": token_of(other)})
        assert ws.receive_json()["message"] == "the token belongs to another user"
        fresh = user.access_headers()["Authorization"].split(" ", 1)[1]
        ws.send_json({"type": "auth", "token": fresh})
        assert ws.receive_json() == {
            "type": "authenticated",
            "expires_at_ms": clock.now_ms() + 15 * 60 * 1000,
        }
        clock.advance(10 * 60 * 1000)  # past the first token's expiry
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}


# -- across processes ---------------------------------------------------------------


@pytest.fixture
def redis_container(database: Database, tmp_path: Path, clock: TestClock) -> Iterator[Container]:
    """A container whose stream hub is Redis under a per-test prefix."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {REDIS_URL} is not reachable ({exc}); start it with {START_REDIS}")
    prefix = f"xor-test:{secrets.token_hex(6)}:"
    settings = Settings(data_dir=tmp_path / "data", password_hash_profile="test")
    container = build_container(settings, clock=clock, database=database)
    container.stream.close()
    container.stream = RedisStreamHub(REDIS_URL, prefix=prefix)
    yield container
    container.stream.close()
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_events_published_by_another_process_arrive_through_redis(
    redis_container: Container, make_user: Any
) -> None:
    user = make_user(role="viewer")  # make_user writes to the same database
    bot_id = insert_bot(redis_container, user.id)
    assert isinstance(redis_container.stream, RedisStreamHub)
    # A second hub on the same Redis and prefix stands for a bot runner process.
    runner_hub = RedisStreamHub(REDIS_URL, prefix=redis_container.stream.prefix)
    with TestClient(create_app(redis_container)) as client:
        try:
            with connected(client, user) as ws:
                subscribe(ws, f"bots.{bot_id}.orders")
                runner_hub.publish(
                    f"bots.{bot_id}.orders", {"bot_id": bot_id, "order": {"status": "open"}}
                )
                assert ws.receive_json() == {
                    "type": "event",
                    "channel": f"bots.{bot_id}.orders",
                    "data": {"bot_id": bot_id, "order": {"status": "open"}},
                }
        finally:
            runner_hub.close()


def test_binary_frames_close_the_connection(client: TestClient, make_user: Any) -> None:
    with connected(client, make_user(role="viewer")) as ws:
        ws.send_bytes(b'{"type": "ping"}')
        assert close_code(ws) == 1003
