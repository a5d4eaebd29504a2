"""The port signals "resync needed" the moment its private stream drops and again the moment
it is connected again (R7), not at the next stream event; the key's signing lane is held
until a request is signed, not for its network wait."""

from __future__ import annotations

import asyncio
from typing import Any

import ccxt

from xor_trading.core.clock import TestClock
from xor_trading.exchanges.ccxt_client.circuit_breaker import CircuitBreaker
from xor_trading.exchanges.ccxt_client.live_port import LiveExchangePort, LivePortConfig
from xor_trading.exchanges.ccxt_client.request_limiter import RequestLimiter


class SilentAfterScriptClient:
    """``watch_my_trades`` raises the scripted failures, then waits forever (no event);
    ``on_connected`` is CCXT's hook, called by the test as CCXT would on a connection."""

    id = "binance"
    apiKey = "key-1"  # noqa: N815 - CCXT's attribute name

    def __init__(self, failures: int) -> None:
        self.has = {"watchMyTrades": True, "watchOrders": False}
        self.failures = failures
        self.options: dict[str, Any] = {}
        self.streaming: dict[str, Any] = {"keepAlive": 180_000}
        self.hook_calls = 0

    def on_connected(self, ws_client: Any, message: Any = None) -> None:
        self.hook_calls += 1

    def on_rest_response(self, *args: Any) -> Any:
        return args[5]

    def milliseconds(self) -> int:
        return 1_700_000_000_000

    async def public_get_time(self) -> dict[str, str]:
        return {"serverTime": "1700000000000"}

    async def watch_my_trades(self) -> list[Any]:
        if self.failures:
            self.failures -= 1
            raise ccxt.NetworkError("connection closed")
        await asyncio.Event().wait()
        return []

    async def close(self) -> None:
        pass


async def _no_wait(seconds: float) -> None:
    await asyncio.sleep(0)


def _port(client: Any, signals: list[str]) -> LiveExchangePort:
    port = LiveExchangePort(
        client,
        clock=TestClock(0),
        client_order_id=lambda o: f"bot1-{o.order_id}",
        limiter=RequestLimiter(),
        breaker=CircuitBreaker("binance"),
        config=LivePortConfig(poll_interval_s=3600, poll_interval_streaming_s=3600),
        on_private_stream_reconnect=lambda: signals.append("resync"),
        sleep=_no_wait,
    )
    port.connect(lambda report: None)
    return port


async def _spin(port: LiveExchangePort, turns: int = 30) -> None:
    for _ in range(turns):
        await asyncio.sleep(0)


def test_stream_drop_signals_resync_before_any_stream_event() -> None:
    client = SilentAfterScriptClient(failures=1)
    signals: list[str] = []

    async def scenario() -> None:
        port = _port(client, signals)
        await port.start()
        await _spin(port)
        await port.close()

    asyncio.run(scenario())

    assert signals == ["resync"]  # no event ever arrived after the drop


def test_repeated_failures_of_one_outage_signal_once() -> None:
    client = SilentAfterScriptClient(failures=4)
    signals: list[str] = []

    async def scenario() -> None:
        port = _port(client, signals)
        await port.start()
        await _spin(port, 80)
        await port.close()

    asyncio.run(scenario())

    assert client.failures == 0
    assert signals == ["resync"]


def test_connection_after_a_drop_signals_resync_again_without_any_event() -> None:
    client = SilentAfterScriptClient(failures=1)
    signals: list[str] = []

    async def scenario() -> list[str]:
        port = _port(client, signals)
        client.on_connected(None)  # the first connection: no resync
        at_start = list(signals)
        await port.start()
        await _spin(port)
        client.on_connected(None)  # CCXT reconnected the private stream
        await port.close()
        return at_start

    at_start = asyncio.run(scenario())

    assert at_start == []
    assert signals == ["resync", "resync"]
    assert client.hook_calls == 2  # CCXT's own hook still runs


def test_port_sets_the_stream_heartbeat_to_its_config() -> None:
    client = SilentAfterScriptClient(failures=0)

    _port(client, [])

    assert client.streaming == {"keepAlive": 20_000}
