"""A create whose reply hangs does not hold up a cancel on the same key (issue 6, R9).

Binance authenticates by timestamp + recvWindow, not by a nonce: the key's signing lane
orders request *starts* and is released once a request is signed, so the cancel of another
order starts (and completes) while the create still waits for its reply.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

from xor_trading.core.clock import TestClock
from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.orders import Order, OrderSide, OrderType
from xor_trading.domain.values import Price, Quantity
from xor_trading.exchanges.ccxt_client.async_client import make_async_client
from xor_trading.exchanges.ccxt_client.circuit_breaker import CircuitBreaker
from xor_trading.exchanges.ccxt_client.client import ApiCredentials
from xor_trading.exchanges.ccxt_client.live_port import LiveExchangePort, LivePortConfig
from xor_trading.exchanges.ccxt_client.request_limiter import RequestLimiter
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    FaultKind,
    ScriptedFault,
    serving_binance_server,
)
from xor_trading.execution.reports import OrderAcceptedReport, OrderCanceledReport

KEY = "lane-key-1"
CREATE_DELAY_S = 4.0


def _resting_buy(name: str, price: Decimal) -> Order:
    return Order(
        order_id=OrderId(name),
        symbol=Symbol("BTC/USDT"),
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        quantity=Quantity(Decimal("0.001")),
        created_ms=0,
        limit_price=Price((price / 2).quantize(Decimal("0.01"))),
    )


def test_cancel_completes_while_a_create_on_the_same_key_waits_for_its_reply() -> None:
    async def scenario() -> tuple[float, bool, list[Any]]:
        async with serving_binance_server(BinanceServerConfig()) as venue:
            client = make_async_client(
                "binance", ApiCredentials(KEY, "secret"), base_url=venue.url, ws_url=venue.ws_url
            )
            client.timeout_on_exit = 0
            reports: list[Any] = []
            port = LiveExchangePort(
                client,
                clock=TestClock(0),
                client_order_id=lambda o: f"lane-{o.order_id}",
                limiter=RequestLimiter(),
                breaker=CircuitBreaker("binance"),
                config=LivePortConfig(use_private_stream=False, poll_interval_s=60),
            )
            port.connect(reports.append)
            try:
                port.submit_order(_resting_buy("O-1", venue.price()))
                await port.drain()
                venue.script_fault(ScriptedFault(FaultKind.DELAY_RESPONSE, delay_s=CREATE_DELAY_S))
                port.submit_order(_resting_buy("O-2", venue.price()))
                await asyncio.sleep(0.2)  # the create of O-2 is at the venue, its reply held
                started = time.monotonic()
                port.cancel_order(OrderId("O-1"))
                while not any(isinstance(r, OrderCanceledReport) for r in reports):
                    await asyncio.sleep(0.01)
                took = time.monotonic() - started
                create_pending = not any(
                    isinstance(r, OrderAcceptedReport) and r.order_id == "O-2" for r in reports
                )
                await port.drain()
                return took, create_pending, reports
            finally:
                await port.close()

    took, create_pending, reports = asyncio.run(scenario())

    assert create_pending  # the cancel finished first
    assert took < 1.0  # well before the create's reply (4 s) and its timeout (10 s)
    accepted = [r.order_id for r in reports if isinstance(r, OrderAcceptedReport)]
    canceled = [r.order_id for r in reports if isinstance(r, OrderCanceledReport)]
    assert (accepted, canceled) == (["O-1", "O-2"], ["O-1"])
