"""The port's private stream: fills once per trade id, reconnect reported, REST covers gaps."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import ccxt

import xor_trading.exchanges.ccxt_client as ccxt_client_package
from xor_trading.core.clock import TestClock
from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.orders import Order, OrderSide, OrderType
from xor_trading.domain.values import Price, Quantity
from xor_trading.exchanges.ccxt_client.circuit_breaker import CircuitBreaker
from xor_trading.exchanges.ccxt_client.live_port import LiveExchangePort, LivePortConfig
from xor_trading.exchanges.ccxt_client.request_limiter import RequestLimiter
from xor_trading.execution.reports import OrderCanceledReport, OrderFilledReport


def report(
    trade_id: int, last: str, cumulative: str, status: str, x: str = "TRADE"
) -> dict[str, Any]:
    return {
        "info": {
            "e": "executionReport", "E": 1_700_000_000_000 + trade_id, "s": "BTCUSDT",
            "c": "bot1-O-1", "S": "BUY", "o": "LIMIT", "q": "1", "p": "100", "x": x,
            "X": status, "i": 55, "l": last, "z": cumulative, "L": "100.5", "n": "0.001",
            "N": "BTC", "T": 1_700_000_000_000 + trade_id, "t": trade_id, "m": True, "C": "",
        }
    }  # fmt: skip


class FakeStreamClient:
    """Scripted ``watch_my_trades``: a list is delivered, an exception raised; then silence."""

    id = "binance"
    apiKey = "key-1"  # noqa: N815 - CCXT's attribute name

    def __init__(self, script: list[Any]) -> None:
        self.has = {"watchMyTrades": True, "watchOrders": False}
        self.script = script
        self.options: dict[str, Any] = {}
        self.rest_calls = 0

    def on_rest_response(self, *args: Any) -> Any:
        return args[5]

    def milliseconds(self) -> int:
        return 1_700_000_000_000

    async def public_get_time(self) -> dict[str, str]:
        return {"serverTime": "1700000000000"}

    async def private_get_openorders(self, params: dict[str, str]) -> list[Any]:
        self.rest_calls += 1
        return []

    async def watch_my_trades(self) -> list[Any]:
        if not self.script:
            await asyncio.Event().wait()
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return list(step)

    async def close(self) -> None:
        pass


async def no_wait(seconds: float) -> None:
    await asyncio.sleep(0)


def run_stream(script: list[Any]) -> tuple[list[Any], list[int], FakeStreamClient]:
    client = FakeStreamClient(script)
    reports: list[Any] = []
    reconnects: list[int] = []
    port = LiveExchangePort(
        client,
        clock=TestClock(0),
        client_order_id=lambda o: f"bot1-{o.order_id}",
        limiter=RequestLimiter(),
        breaker=CircuitBreaker("binance"),
        config=LivePortConfig(poll_interval_s=3600, poll_interval_streaming_s=3600),
        on_private_stream_reconnect=lambda: reconnects.append(1),
        sleep=no_wait,
    )
    port.connect(reports.append)
    order = Order(
        order_id=OrderId("O-1"), symbol=Symbol("BTC/USDT"), side=OrderSide.BUY,
        order_type=OrderType.LIMIT, quantity=Quantity(Decimal(1)), created_ms=0,
        limit_price=Price(Decimal(100)),
    )  # fmt: skip

    async def scenario() -> None:
        port.track(order, "bot1-O-1")
        await port.start()
        for _ in range(50):
            await asyncio.sleep(0)
        await port.close()

    asyncio.run(scenario())
    return reports, reconnects, client


def test_stream_trades_are_reported_once_each_across_a_reconnect() -> None:
    reports, reconnects, _ = run_stream(
        [
            [report(1, "0.4", "0.4", "PARTIALLY_FILLED")],
            ccxt.NetworkError("connection closed"),
            [report(1, "0.4", "0.4", "PARTIALLY_FILLED"), report(2, "0.6", "1", "FILLED")],
        ]
    )

    fills = [r.fill for r in reports if isinstance(r, OrderFilledReport)]
    assert [(f.trade_id, f.quantity, f.price) for f in fills] == [
        ("1", Decimal("0.4"), Decimal("100.5")),
        ("2", Decimal("0.6"), Decimal("100.5")),
    ]
    assert reconnects == [1, 1]  # resync needed: at the drop, then at the reconnect


def test_cancel_after_a_missed_execution_waits_for_rest_before_reporting_the_end() -> None:
    reports, _, client = run_stream(
        [[report(-1, "0", "0.4", "CANCELED", x="CANCELED")]],  # trade of 0.4 never streamed
    )

    assert not any(isinstance(r, OrderCanceledReport) for r in reports)
    assert client.rest_calls >= 1  # the poller was woken to fetch what was missed


def test_stream_events_of_other_orders_and_garbage_are_ignored() -> None:
    other = report(9, "1", "1", "FILLED")
    other["info"]["c"] = "manual-order"
    garbage = report(3, "NaN", "1", "FILLED")
    reports, _, _ = run_stream([[other, garbage, {"info": {"e": "balanceUpdate"}}]])

    assert [type(r) for r in reports] == []


def test_package_has_no_withdraw_or_transfer_call() -> None:
    package = Path(ccxt_client_package.__file__).parent
    call = re.compile(r"\.\s*\w*(withdraw|transfer)\w*\s*\(", re.IGNORECASE)
    offenders = [
        f"{path.name}:{n}"
        for path in sorted(package.glob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if call.search(line)
    ]
    assert offenders == []
