"""Alert channels over the API, and their delivery (S11 SSRF, S6 secrets, S1 tenancy).

S11: a loopback "canary" HTTP server (on 127.0.0.1 and, when the machine has it, ::1)
counts every request it receives. Each test tries to make XOR call it the ways a user
can (numeric host forms, localhost, IPv4-mapped IPv6, a name that resolves to it, a name
that resolves elsewhere first and to it later, a redirect) and also points at the cloud
metadata address and a private network; every attempt must be refused with the reason
and the canary must receive nothing. The server setting ``allow_insecure_alert_urls``
is on in this module so that ``http://`` URLs reach the address check (a test checks
that it is off by default).

No test here sends anything off this machine: names other than numeric forms and
``localhost`` are answered by a fake resolver, successful deliveries go through an
``httpx.MockTransport``, and :func:`only_loopback_traffic` fails any real HTTP request
to an address that is not loopback.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from xor_trading.persistence.tables import load_all
from xor_trading.persistence.tables.alert_channels import AlertChannelRow
from xor_trading.security.outbound_url import CheckedUrl
from xor_trading.services.alert_channels import TEST_MESSAGE
from xor_trading.services.alert_delivery import (
    AlertDeliveryService,
    AlertEvent,
    ChannelTarget,
    DeliveryStatus,
)
from xor_trading.services.container import Container

MakeUser = Any  # tests/integration/api/conftest.py: make_user
UserHandle = Any

CHANNELS = "/api/v1/alert-channels"
PUBLIC_V4 = "93.184.215.14"
TELEGRAM_IP = "149.154.167.220"
DISCORD_IP = "162.159.135.232"
TAIL = "; alerts can only go to public hosts"
BOT_TOKEN = "7012345678:AAHcanaryTelegramToken_0123456789abcXYZ"
DISCORD_URL = "https://discord.com/api/webhooks/123456789012345678/canaryDiscordToken-AbCdEf"
SIGNING_SECRET = "canary-signing-secret-5f1e2d3c4b5a"
HOOK_URL = "https://hooks.example-public.net/in/canaryHookPath9"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"allow_insecure_alert_urls": True}


# -- the canary, the fake resolver and the traffic guard ------------------------------------


@dataclass
class Canary:
    """Loopback servers that must never be called; ``requests`` lists what they got."""

    port: int = 0
    port_v6: int | None = None
    requests: list[str] = field(default_factory=list)


def _serve(canary: Canary, family: int, host: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            canary.requests.append(f"{self.command} {self.path} Host={self.headers.get('Host')}")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_PUT = _record  # noqa: N815 - http.server's naming

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        address_family = family

    server = Server((host, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def canary() -> Iterator[Canary]:
    found = Canary()
    servers = [_serve(found, socket.AF_INET, "127.0.0.1")]
    found.port = servers[0].server_port
    try:
        servers.append(_serve(found, socket.AF_INET6, "::1"))
        found.port_v6 = servers[1].server_port
    except OSError:  # no IPv6 loopback on this machine: the [::1] URL is still refused
        pass
    yield found
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[list[str]]]:
    """Fake DNS: ``dns["name"] = [[first answer], [second answer], ...]`` (the last answer
    repeats). Other names go to the real resolver. ``dns_log`` records lookups."""
    answers: dict[str, list[list[str]]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host in answers:
            queue = answers[host]
            ips = queue.pop(0) if len(queue) > 1 else queue[0]
            return [
                (
                    socket.AF_INET6 if ":" in ip else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (ip, port, 0, 0) if ":" in ip else (ip, port),
                )
                for ip in ips
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.fixture(autouse=True)
def only_loopback_traffic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any real HTTP request to a non-loopback address (a safety net: the checks
    under test are what keeps XOR from sending one)."""
    original = httpx.HTTPTransport.handle_request

    def guarded(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if not ipaddress.ip_address(host).is_loopback:
            pytest.fail(f"a test tried to send a real request to {host}")
        return original(self, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", guarded)


# -- helpers ----------------------------------------------------------------------------------


def webhook_body(url: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "webhook", "label": "hook", "events": ["fills"], "url": url, **extra}


def create(client: TestClient, user: UserHandle, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(CHANNELS, json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@dataclass
class Recorder:
    """An ``httpx.MockTransport`` answering ``status`` (and ``headers``) to every request."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"{}"
    error: Exception | None = None
    requests: list[httpx.Request] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            request.read()
            self.requests.append(request)
            if self.error is not None:
                raise self.error
            return httpx.Response(self.status, headers=self.headers, content=self.body)

        return httpx.MockTransport(handle)


def target_of(container: Container, channel_id: str) -> ChannelTarget:
    with container.database.read_session() as session:
        row = session.get(AlertChannelRow, channel_id)
        assert row is not None
        return ChannelTarget.of(row)


# -- S11: every way to reach this machine is refused ----------------------------------------------


def test_every_way_to_point_a_webhook_at_this_machine_is_refused(
    client: TestClient, make_user: MakeUser, canary: Canary, dns: dict[str, list[list[str]]]
) -> None:
    user = make_user()
    port, port6 = canary.port, canary.port_v6 or canary.port
    dns["canary.example-public.net"] = [["127.0.0.1"]]
    dns["dual.example-public.net"] = [[PUBLIC_V4, "::1"]]
    loopback = f"resolves to 127.0.0.1, a loopback address{TAIL}"
    attempts = {
        f"http://127.0.0.1:{port}/hook": f"the host 127.0.0.1 {loopback}",
        f"http://[::1]:{port6}/hook": f"the host ::1 resolves to ::1, a loopback address{TAIL}",
        f"http://2130706433:{port}/": f"the host 2130706433 {loopback}",
        f"http://0x7f.1:{port}/": f"the host 0x7f.1 {loopback}",
        f"http://0177.0.0.1:{port}/": "the URL is not a valid URL",
        f"http://[::ffff:127.0.0.1]:{port}/": (
            "the host ::ffff:127.0.0.1 resolves to ::ffff:127.0.0.1, a loopback address inside "
            f"an IPv6 address{TAIL}"
        ),
        f"http://canary.example-public.net:{port}/": (
            f"the host canary.example-public.net resolves to 127.0.0.1, a loopback address{TAIL}"
        ),
        f"https://dual.example-public.net:{port}/": (
            f"the host dual.example-public.net resolves to ::1, a loopback address{TAIL}"
        ),
        f"http://user:pw@127.0.0.1:{port}/": (
            "the URL contains a user name or password before the host"
        ),
        "http://169.254.169.254/latest/meta-data/": (
            "the host 169.254.169.254 resolves to 169.254.169.254, the cloud metadata "
            f"address{TAIL}"
        ),
        "http://10.0.0.1/": f"the host 10.0.0.1 resolves to 10.0.0.1, a private address{TAIL}",
        "http://192.168.0.1/": (
            f"the host 192.168.0.1 resolves to 192.168.0.1, a private address{TAIL}"
        ),
        "http://100.64.0.1/": (
            f"the host 100.64.0.1 resolves to 100.64.0.1, a carrier-grade NAT address{TAIL}"
        ),
        f"gopher://127.0.0.1:{port}/": "the URL scheme 'gopher' is not allowed",
    }
    answers = {}
    for url in attempts:
        response = client.post(CHANNELS, json=webhook_body(url), headers=user.headers)
        answers[url] = (response.status_code, response.json()["message"])
    assert answers == {url: (422, message) for url, message in attempts.items()}

    localhost = client.post(
        CHANNELS, json=webhook_body(f"https://localhost:{port}/"), headers=user.headers
    )
    assert localhost.status_code == 422
    assert localhost.json()["message"].startswith("the host localhost resolves to ")
    assert "a loopback address" in localhost.json()["message"]
    assert localhost.json()["hint"] == "use the URL of a service reachable on the internet"

    assert canary.requests == []
    assert client.get(CHANNELS, headers=user.headers).json()["total"] == 0


def test_a_discord_url_must_be_a_discord_webhook(
    client: TestClient, make_user: MakeUser, canary: Canary
) -> None:
    user = make_user()
    urls = [
        f"https://127.0.0.1:{canary.port}/api/webhooks/1/abc",
        "http://discord.com/api/webhooks/1/abc",
        "https://discord.com.evil.example/api/webhooks/1/abc",
        f"https://discord.com@127.0.0.1:{canary.port}/api/webhooks/1/abc",
        f"https://discord.com:{canary.port}/api/webhooks/1/abc",
        "https://discord.com/api/webhooks/1/abc/../../../x",
        "https://discord.com/api/webhooks/1/abc?redirect=http://127.0.0.1",
        "https://cdn.discordapp.com/api/webhooks/1/abc",
    ]
    for url in urls:
        body = {"kind": "discord", "label": "d", "events": ["fills"], "url": url}
        response = client.post(CHANNELS, json=body, headers=user.headers)
        assert response.status_code == 422, url
        assert response.json()["message"] == (
            "the Discord URL must be a webhook URL on discord.com or discordapp.com"
        ), url
    assert canary.requests == []


def test_a_telegram_token_cannot_change_the_api_host_or_path(
    client: TestClient, make_user: MakeUser
) -> None:
    user = make_user()
    for token in (
        "123456:" + "a" * 30 + "@127.0.0.1",
        "123456:" + "a" * 30 + "/../../x",
        "123456:" + "a" * 30 + "?x=1",
        "x" * 40,
    ):
        body = {
            "kind": "telegram",
            "label": "t",
            "events": ["fills"],
            "chat_id": "42",
            "bot_token": token,
        }
        response = client.post(CHANNELS, json=body, headers=user.headers)
        assert response.status_code == 422
        assert response.json()["message"] == (
            "the Telegram bot token is not of the form <digits>:<30-64 letters>"
        )


def test_dns_rebinding_after_creation_is_refused_at_delivery(
    client: TestClient, make_user: MakeUser, canary: Canary, dns: dict[str, list[list[str]]]
) -> None:
    """The name resolves to a public address when the channel is saved and to loopback
    when the message goes out: the delivery is refused, the canary gets nothing."""
    user = make_user()
    dns["rebind.example-public.net"] = [[PUBLIC_V4], ["127.0.0.1"]]
    channel = create(client, user, webhook_body(f"http://rebind.example-public.net:{8080}/hook"))
    assert channel["target"] == "http://rebind.example-public.net:8080"

    response = client.post(f"{CHANNELS}/{channel['id']}/test", headers=user.headers)
    assert response.status_code == 200
    result = response.json()
    assert (result["status"], result["event"]) == ("refused", "test")
    assert result["error"] == (
        f"the host rebind.example-public.net resolves to 127.0.0.1, a loopback address{TAIL}"
    )
    assert canary.requests == []
    log = client.get(f"{CHANNELS}/{channel['id']}/deliveries", headers=user.headers).json()
    assert log["total"] == 1
    assert log["items"][0] == result


def test_http_urls_are_refused_by_default(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    container.settings = container.settings.model_copy(update={"allow_insecure_alert_urls": False})
    response = client.post(
        CHANNELS, json=webhook_body("http://hooks.example-public.net/"), headers=make_user().headers
    )
    assert response.status_code == 422
    assert response.json()["message"] == "the URL uses http; alerts are only sent over https"


# -- delivery: pinned, no redirects, signed, failures recorded ------------------------------------


def test_delivery_connects_to_the_checked_address_with_the_original_host(
    container: Container, make_user: MakeUser, client: TestClient, dns: dict[str, list[list[str]]]
) -> None:
    user = make_user()
    dns["hooks.example-public.net"] = [[PUBLIC_V4]]
    channel = create(client, user, webhook_body(HOOK_URL, signing_secret=SIGNING_SECRET))
    # At send time the first answer is public and any later one loopback: the request
    # must go to the address of the one lookup that was checked.
    dns["hooks.example-public.net"] = [[PUBLIC_V4], ["127.0.0.1"]]
    receiver = Recorder(status=204)
    service = AlertDeliveryService(container, transport=receiver.transport())

    result = service.send(target_of(container, channel["id"]), "fills", "BTC/USDT bought 0.5")

    assert result is not None
    assert result.status is DeliveryStatus.SENT
    assert result.error == ""
    [request] = receiver.requests
    assert str(request.url) == f"https://{PUBLIC_V4}/in/canaryHookPath9"
    assert request.headers["host"] == "hooks.example-public.net"
    assert request.extensions["sni_hostname"] == "hooks.example-public.net"
    body = request.content
    assert json.loads(body) == {
        "event": "fills",
        "level": "info",
        "message": "BTC/USDT bought 0.5",
        "channel_id": channel["id"],
        "at_ms": container.clock.now_ms(),
    }
    timestamp = container.clock.now_ms() // 1000
    mac = hmac.new(SIGNING_SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert request.headers["x-xor-signature"] == f"t={timestamp},v1={mac.hexdigest()}"
    assert request.headers["x-xor-event"] == "fills"


def test_the_real_transport_connects_to_the_pinned_address_not_the_name(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the real network stack: a name that resolves nowhere, pinned to a loopback
    receiver, reaches that receiver with the name as Host and no lookup at all."""
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(str(self.headers.get("Host")))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lookups: list[str] = []
    real = socket.getaddrinfo

    def spy(host: Any, *args: Any, **kwargs: Any) -> Any:
        lookups.append(str(host))
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", spy)
    try:
        pinned = CheckedUrl("http", "pinned.invalid", server.server_port, "/x", "127.0.0.1")
        AlertDeliveryService(container)._post(pinned, b"{}", {}, service=None)
    finally:
        server.shutdown()
        server.server_close()
    assert received == [f"pinned.invalid:{server.server_port}"]
    assert "pinned.invalid" not in lookups


def test_redirects_are_never_followed(
    container: Container,
    make_user: MakeUser,
    client: TestClient,
    canary: Canary,
    dns: dict[str, list[list[str]]],
) -> None:
    user = make_user()
    dns["hooks.example-public.net"] = [[PUBLIC_V4]]
    channel = create(client, user, webhook_body(HOOK_URL))
    receiver = Recorder(status=302, headers={"Location": f"http://127.0.0.1:{canary.port}/"})
    service = AlertDeliveryService(container, transport=receiver.transport())

    result = service.send(target_of(container, channel["id"]), "fills", "hello")

    assert result is not None
    assert result.status is DeliveryStatus.FAILED
    assert result.error == (
        "hooks.example-public.net answered with a redirect (HTTP 302); alerts never follow "
        "redirects"
    )
    assert len(receiver.requests) == 1
    assert canary.requests == []


def test_telegram_and_discord_deliveries_go_to_their_fixed_hosts(
    container: Container,
    make_user: MakeUser,
    client: TestClient,
    dns: dict[str, list[list[str]]],
) -> None:
    user = make_user()
    dns["api.telegram.org"] = [[TELEGRAM_IP]]
    dns["discord.com"] = [[DISCORD_IP]]
    telegram = create(
        client,
        user,
        {
            "kind": "telegram",
            "label": "tg",
            "events": ["fills"],
            "chat_id": "-1001234",
            "bot_token": BOT_TOKEN,
        },
    )
    discord = create(
        client, user, {"kind": "discord", "label": "dc", "events": ["fills"], "url": DISCORD_URL}
    )
    receiver = Recorder(status=200)
    service = AlertDeliveryService(container, transport=receiver.transport())

    for channel in (telegram, discord):
        result = service.send(target_of(container, channel["id"]), "fills", "@everyone filled")
        assert result is not None
        assert result.status is DeliveryStatus.SENT

    to_telegram, to_discord = receiver.requests
    assert str(to_telegram.url) == f"https://{TELEGRAM_IP}/bot{BOT_TOKEN}/sendMessage"
    assert to_telegram.headers["host"] == "api.telegram.org"
    assert to_telegram.extensions["sni_hostname"] == "api.telegram.org"
    assert json.loads(to_telegram.content) == {
        "chat_id": "-1001234",
        "text": "@everyone filled",
        "disable_web_page_preview": True,
    }
    assert str(to_discord.url) == (
        f"https://{DISCORD_IP}/api/webhooks/123456789012345678/canaryDiscordToken-AbCdEf"
    )
    assert to_discord.headers["host"] == "discord.com"
    assert json.loads(to_discord.content) == {
        "content": "@everyone filled",
        "allowed_mentions": {"parse": []},
    }


def test_the_http_client_log_never_shows_a_channels_url(
    container: Container,
    make_user: MakeUser,
    client: TestClient,
    dns: dict[str, list[list[str]]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = make_user()
    dns["api.telegram.org"] = [[TELEGRAM_IP]]
    body = {"kind": "telegram", "label": "tg", "events": ["fills"], "chat_id": "42"}
    channel = create(client, user, {**body, "bot_token": BOT_TOKEN})
    caplog.set_level(logging.DEBUG)
    service = AlertDeliveryService(container, transport=Recorder().transport())

    result = service.send(target_of(container, channel["id"]), "fills", "x")
    with httpx.Client(transport=Recorder().transport()) as other:
        other.get("https://example.test/other-request")

    assert result is not None
    assert result.status is DeliveryStatus.SENT
    assert BOT_TOKEN.split(":")[1] not in caplog.text
    assert "other-request" in caplog.text  # other requests still log


def test_failures_are_recorded_with_a_reason_and_no_secret(
    container: Container,
    make_user: MakeUser,
    client: TestClient,
    dns: dict[str, list[list[str]]],
) -> None:
    user = make_user()
    dns["api.telegram.org"] = [[TELEGRAM_IP]]
    channel = create(
        client,
        user,
        {
            "kind": "telegram",
            "label": "tg",
            "events": ["fills"],
            "chat_id": "42",
            "bot_token": BOT_TOKEN,
        },
    )
    target = target_of(container, channel["id"])
    unauthorized = Recorder(status=401, body=b'{"ok":false,"description":"Unauthorized"}')
    timeout = Recorder(error=httpx.ReadTimeout(f"timed out on /bot{BOT_TOKEN}/sendMessage"))
    refused = Recorder(error=httpx.ConnectError(f"refused /bot{BOT_TOKEN}"))

    results = [
        AlertDeliveryService(container, transport=r.transport()).send(target, "fills", "x")
        for r in (unauthorized, timeout, refused)
    ]

    assert [(r.status, r.error) for r in results if r is not None] == [
        (DeliveryStatus.FAILED, "Telegram answered HTTP 401: Unauthorized"),
        (DeliveryStatus.FAILED, "Telegram did not answer within 5 s"),
        (DeliveryStatus.FAILED, "could not reach Telegram: the connection failed"),
    ]
    log = client.get(f"{CHANNELS}/{channel['id']}/deliveries", headers=user.headers)
    assert log.json()["total"] == 3
    assert BOT_TOKEN not in log.text
    assert BOT_TOKEN.split(":")[1] not in log.text


def test_a_broken_channel_never_raises_into_the_caller(
    container: Container,
    make_user: MakeUser,
    client: TestClient,
    dns: dict[str, list[list[str]]],
) -> None:
    user = make_user()
    dns["hooks.example-public.net"] = [[PUBLIC_V4]]
    channel = create(client, user, webhook_body(HOOK_URL))
    with container.database.session() as session:
        session.execute(
            update(AlertChannelRow)
            .where(AlertChannelRow.id == channel["id"])
            .values(ciphertext=b"\x00" * 40)
        )
    receiver = Recorder()

    results = AlertDeliveryService(container, transport=receiver.transport()).deliver(
        user.id, AlertEvent.FILLS, "filled"
    )

    assert [(r.status, r.error) for r in results] == [
        (DeliveryStatus.FAILED, "the delivery failed inside XOR")
    ]
    assert receiver.requests == []


def test_deliver_publishes_the_alert_and_sends_to_enabled_subscribed_channels_only(
    container: Container,
    make_user: MakeUser,
    client: TestClient,
    dns: dict[str, list[list[str]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user, other = make_user(), make_user()
    dns["hooks.example-public.net"] = [[PUBLIC_V4]]
    fills = create(client, user, webhook_body(HOOK_URL, label="fills"))
    create(client, user, webhook_body(HOOK_URL, label="risk", events=["risk_events"]))
    create(client, user, webhook_body(HOOK_URL, label="off", enabled=False))
    create(client, other, webhook_body(HOOK_URL, label="someone else"))
    published: list[tuple[str, dict[str, object]]] = []
    monkeypatch.setattr(container.stream, "publish", lambda c, m: published.append((c, dict(m))))
    receiver = Recorder()

    results = AlertDeliveryService(container, transport=receiver.transport()).deliver(
        user.id, AlertEvent.FILLS, "ETH/USDT sold", level="warning"
    )

    assert [(r.channel_id, r.status) for r in results] == [(fills["id"], DeliveryStatus.SENT)]
    assert len(receiver.requests) == 1
    assert published == [
        (
            f"alerts.{user.id}",
            {"level": "warning", "message": "ETH/USDT sold", "at_ms": container.clock.now_ms()},
        )
    ]


# -- email -----------------------------------------------------------------------------------------


@dataclass
class FakeSmtp:
    port: int = 0
    messages: list[tuple[str, list[str], str]] = field(default_factory=list)


@pytest.fixture
def smtp_relay() -> Iterator[FakeSmtp]:
    """A minimal SMTP relay on loopback (EHLO, MAIL, RCPT, DATA, QUIT; no STARTTLS)."""
    relay = FakeSmtp()

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            sender, recipients = "", []
            self.wfile.write(b"220 fake ESMTP\r\n")
            while line := self.rfile.readline():
                command = line.decode().strip()
                verb = command[:4].upper()
                if verb in ("EHLO", "HELO"):
                    self.wfile.write(b"250-fake\r\n250 SIZE 100000\r\n")
                elif verb == "MAIL":
                    sender = command.split(":", 1)[1].split()[0]  # without SIZE=...
                    self.wfile.write(b"250 OK\r\n")
                elif verb == "RCPT":
                    recipients.append(command.split(":", 1)[1].strip())
                    self.wfile.write(b"250 OK\r\n")
                elif verb == "DATA":
                    self.wfile.write(b"354 go on\r\n")
                    data = []
                    while (part := self.rfile.readline()) not in (b".\r\n", b""):
                        data.append(part.decode())
                    relay.messages.append((sender, recipients, "".join(data)))
                    self.wfile.write(b"250 queued\r\n")
                elif verb == "QUIT":
                    self.wfile.write(b"221 bye\r\n")
                    return
                else:
                    self.wfile.write(b"250 OK\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    relay.port = server.server_address[1]
    yield relay
    server.shutdown()
    server.server_close()


def test_email_channels_need_the_servers_smtp_settings(
    client: TestClient, make_user: MakeUser
) -> None:
    body = {
        "kind": "email",
        "label": "mail",
        "events": ["daily_summary"],
        "email": "me@example.com",
    }
    response = client.post(CHANNELS, json=body, headers=make_user().headers)
    assert response.status_code == 422
    assert response.json()["message"] == "email alerts are not configured on this server"
    assert response.json()["hint"] == (
        "ask the operator to set XOR_SMTP_HOST and XOR_SMTP_FROM (and XOR_SMTP_PORT when the "
        "relay does not listen on 587)"
    )


def test_email_goes_through_the_operators_relay(
    client: TestClient, make_user: MakeUser, container: Container, smtp_relay: FakeSmtp
) -> None:
    container.settings = container.settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_relay.port,
            "smtp_from": "xor@example.com",
        }
    )
    user = make_user()
    body = {
        "kind": "email",
        "label": "mail",
        "events": ["daily_summary"],
        "email": "me@example.com",
    }
    channel = create(client, user, body)
    assert (channel["target"], channel["secret_masked"]) == ("me@example.com", None)
    bad = client.post(
        CHANNELS,
        json={**body, "email": "me@example.com\r\nBcc: x@evil.example"},
        headers=user.headers,
    )
    assert bad.status_code == 422

    response = client.post(f"{CHANNELS}/{channel['id']}/test", headers=user.headers)

    assert response.json()["status"] == "sent", response.text
    [(sender, recipients, data)] = smtp_relay.messages
    assert (sender, recipients) == ("<xor@example.com>", ["<me@example.com>"])
    assert "Subject: XOR alert: test" in data
    assert TEST_MESSAGE in data


# -- secrets, tenancy, changes ---------------------------------------------------------------------


def _database_text(container: Container) -> str:
    """Every value of every table, as text (bytes decoded leniently) for canary scans."""
    parts: list[str] = []
    with container.database.engine.connect() as connection:
        for table in load_all().sorted_tables:
            for row in connection.execute(select(table)):
                for value in row:
                    parts.append(
                        value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    )
    return "\n".join(parts)


def test_secrets_are_shown_masked_and_never_stored_in_clear(
    client: TestClient,
    make_user: MakeUser,
    container: Container,
    dns: dict[str, list[list[str]]],
) -> None:
    user = make_user()
    dns["hooks.example-public.net"] = [[PUBLIC_V4]]
    telegram = create(
        client,
        user,
        {
            "kind": "telegram",
            "label": "tg",
            "events": ["fills", "bot_status"],
            "chat_id": "42",
            "bot_token": BOT_TOKEN,
        },
    )
    discord = create(
        client, user, {"kind": "discord", "label": "dc", "events": ["fills"], "url": DISCORD_URL}
    )
    hook = create(client, user, webhook_body(HOOK_URL, signing_secret=SIGNING_SECRET))

    assert {k: telegram[k] for k in ("kind", "target", "secret_masked", "signed", "events")} == {
        "kind": "telegram",
        "target": "42",
        "secret_masked": "****" + BOT_TOKEN[-4:],
        "signed": False,
        "events": ["fills", "bot_status"],
    }
    assert (discord["target"], discord["secret_masked"]) == (
        "discord.com",
        "****" + DISCORD_URL[-4:],
    )
    assert (hook["target"], hook["secret_masked"], hook["signed"]) == (
        "https://hooks.example-public.net",
        "****" + HOOK_URL[-4:],
        True,
    )
    canaries = [
        BOT_TOKEN,
        BOT_TOKEN.split(":")[1],
        "canaryDiscordToken",
        "canaryHookPath9",
        SIGNING_SECRET,
    ]
    responses = [
        client.get(CHANNELS, headers=user.headers).text,
        *(
            client.get(f"{CHANNELS}/{c['id']}", headers=user.headers).text
            for c in (telegram, discord, hook)
        ),
        json.dumps([telegram, discord, hook]),
    ]
    stored = _database_text(container)
    for canary_text in canaries:
        assert all(canary_text not in text for text in responses), canary_text
        assert canary_text not in stored, canary_text


def test_another_users_channel_is_not_found(
    client: TestClient, make_user: MakeUser, dns: dict[str, list[list[str]]]
) -> None:
    owner, other = make_user(), make_user()
    dns["hooks.example-public.net"] = [[PUBLIC_V4]]
    channel = create(client, owner, webhook_body(HOOK_URL))
    missing = "00000000-0000-4000-8000-000000000000"
    for channel_id in (channel["id"], missing):
        calls = [
            client.get(f"{CHANNELS}/{channel_id}", headers=other.headers),
            client.patch(f"{CHANNELS}/{channel_id}", json={"label": "mine"}, headers=other.headers),
            client.post(f"{CHANNELS}/{channel_id}/test", headers=other.headers),
            client.get(f"{CHANNELS}/{channel_id}/deliveries", headers=other.headers),
            client.delete(f"{CHANNELS}/{channel_id}", headers=other.headers),
        ]
        assert [(r.status_code, r.json()["message"]) for r in calls] == [
            (404, "no such alert channel")
        ] * 5
    assert client.get(CHANNELS, headers=other.headers).json()["total"] == 0
    assert (
        client.get(f"{CHANNELS}/{channel['id']}", headers=owner.headers).json()["label"] == "hook"
    )


def test_updates_check_the_destination_like_creation(
    client: TestClient, make_user: MakeUser, canary: Canary, dns: dict[str, list[list[str]]]
) -> None:
    user = make_user()
    dns["hooks.example-public.net"] = [[PUBLIC_V4]]
    channel = create(client, user, webhook_body(HOOK_URL, signing_secret=SIGNING_SECRET))
    path = f"{CHANNELS}/{channel['id']}"

    to_canary = client.patch(
        path, json={"url": f"http://127.0.0.1:{canary.port}/"}, headers=user.headers
    )
    wrong_field = client.patch(path, json={"chat_id": "42"}, headers=user.headers)
    unknown = client.patch(path, json={"owner_id": user.id}, headers=user.headers)
    renamed = client.patch(
        path,
        json={"label": "renamed", "events": ["risk_events", "fills"], "enabled": False},
        headers=user.headers,
    )
    unsigned = client.patch(path, json={"signing_secret": None}, headers=user.headers)

    assert (to_canary.status_code, to_canary.json()["message"]) == (
        422,
        f"the host 127.0.0.1 resolves to 127.0.0.1, a loopback address{TAIL}",
    )
    assert (wrong_field.status_code, wrong_field.json()["message"]) == (
        422,
        "chat_id does not apply to a webhook channel",
    )
    assert unknown.status_code == 422
    assert {k: renamed.json()[k] for k in ("label", "events", "enabled", "signed")} == {
        "label": "renamed",
        "events": ["fills", "risk_events"],
        "enabled": False,
        "signed": True,
    }
    assert (unsigned.json()["signed"], unsigned.json()["secret_masked"]) == (
        False,
        channel["secret_masked"],
    )
    assert canary.requests == []
    deleted = client.delete(path, headers=user.headers)
    assert deleted.status_code == 200
    assert client.get(path, headers=user.headers).status_code == 404


def test_viewers_read_but_cannot_create(client: TestClient, make_user: MakeUser) -> None:
    viewer = make_user(role="viewer")
    assert client.get(CHANNELS, headers=viewer.headers).json()["total"] == 0
    response = client.post(CHANNELS, json=webhook_body(HOOK_URL), headers=viewer.headers)
    assert response.status_code == 403


def test_a_user_has_at_most_20_channels(
    client: TestClient, make_user: MakeUser, dns: dict[str, list[list[str]]]
) -> None:
    user = make_user()
    dns["hooks.example-public.net"] = [[PUBLIC_V4]]
    for number in range(20):
        create(client, user, webhook_body(HOOK_URL, label=f"hook {number}"))
    response = client.post(CHANNELS, json=webhook_body(HOOK_URL), headers=user.headers)
    assert (response.status_code, response.json()["message"]) == (
        409,
        "you already have 20 alert channels, the most allowed",
    )
    assert client.get(CHANNELS, headers=user.headers).json()["total"] == 20
    assert (
        client.post(CHANNELS, json=webhook_body(HOOK_URL), headers=make_user().headers).status_code
        == 201
    )
