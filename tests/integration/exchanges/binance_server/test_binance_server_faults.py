"""Each injected fault reaches CCXT as section 2.4 of the reliability spec says, and the
ledger shows whether the order was applied."""

from __future__ import annotations

import asyncio
from typing import Any

import ccxt  # type: ignore[import-untyped]
import pytest

from conftest import fresh_key, make_ccxt
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerHandle,
    FaultKind,
    OrderStatus,
    ScriptedFault,
)

ORDER = "POST /api/v3/order"


def create_market_buy(venue: BinanceServerHandle, key: str) -> Any:
    """Place a 0.001 BTC market buy; returns CCXT's answer or the exception it raised."""

    async def main() -> Any:
        client = make_ccxt(venue, key)
        try:
            await client.load_markets()
            try:
                return await client.create_order(
                    "BTC/USDT", "market", "buy", 0.001, params={"clientOrderId": "f-1"}
                )
            except ccxt.BaseError as error:
                return error
        finally:
            await client.close()

    return asyncio.run(main())


CASES = [
    # kind, applied, CCXT exception
    (ScriptedFault(FaultKind.DROP_REQUEST), False, ccxt.NetworkError),
    (ScriptedFault(FaultKind.DROP_RESPONSE), True, ccxt.NetworkError),
    (ScriptedFault(FaultKind.DELAY_RESPONSE, delay_s=2.0), True, ccxt.RequestTimeout),
    (ScriptedFault(FaultKind.ERROR_1006, applied=False), False, ccxt.OperationFailed),
    (ScriptedFault(FaultKind.ERROR_1006, applied=True), True, ccxt.OperationFailed),
    (ScriptedFault(FaultKind.ERROR_1007, applied=True), True, ccxt.RequestTimeout),
    (ScriptedFault(FaultKind.ERROR_1000, applied=False), False, ccxt.OperationFailed),
    (ScriptedFault(FaultKind.HTTP_503_TEXT), False, ccxt.ExchangeNotAvailable),
    (ScriptedFault(FaultKind.HTTP_502_HTML), False, ccxt.ExchangeNotAvailable),
    (ScriptedFault(FaultKind.HTTP_504_HTML), False, ccxt.RequestTimeout),
    (ScriptedFault(FaultKind.TIMESTAMP_1021), False, ccxt.InvalidNonce),
]


@pytest.mark.parametrize(("fault", "applied", "raised"), CASES, ids=lambda v: str(v)[:40])
def test_order_fault_raises_mapped_ccxt_error_and_applies_as_documented(
    venue: BinanceServerHandle, fault: ScriptedFault, applied: bool, raised: type[Exception]
):
    key = fresh_key()
    venue.script_fault(fault)
    outcome = create_market_buy(venue, key)
    assert isinstance(outcome, raised), repr(outcome)
    orders = venue.account(key).orders
    assert len(orders) == (1 if applied else 0)
    assert venue.fault_log()[-1].kind is fault.kind


def test_maintenance_page_with_200_returns_none_and_applies_nothing(venue: BinanceServerHandle):
    key = fresh_key()
    venue.script_fault(ScriptedFault(FaultKind.MAINTENANCE_HTML))
    outcome = create_market_buy(venue, key)
    assert outcome is None or outcome.get("id") is None
    assert venue.account(key).orders == []


def test_truncated_json_is_no_exception_but_an_order_without_id(venue: BinanceServerHandle):
    # A finding for the adapter (R10): CCXT parses nothing and raises nothing; the raw text
    # lands in "info". The order was applied, so the adapter must treat this as UNKNOWN.
    key = fresh_key()
    venue.script_fault(ScriptedFault(FaultKind.TRUNCATED_JSON))
    outcome = create_market_buy(venue, key)
    assert outcome["id"] is None
    assert isinstance(outcome["info"], str)
    assert outcome["info"].startswith('{"symbol":"BTCUSDT"')
    assert len(venue.account(key).orders) == 1


def test_partial_fill_delivers_chunks_later_and_sums_to_the_order(venue: BinanceServerHandle):
    key = fresh_key()
    venue.script_fault(ScriptedFault(FaultKind.PARTIAL_FILL, chunks=3, chunk_interval_ms=600))
    answer = create_market_buy(venue, key)
    assert answer["status"] == "open"
    assert answer["filled"] == pytest.approx(0.00034)
    first = venue.account(key).orders[0]
    assert first.status is OrderStatus.PARTIALLY_FILLED
    asyncio.run(asyncio.sleep(1.3))
    ledger = venue.account(key)
    assert ledger.orders[0].status is OrderStatus.FILLED
    assert [str(t.qty) for t in ledger.trades] == ["0.00034", "0.00033", "0.00033"]
    assert len({t.trade_id for t in ledger.trades}) == 3


def test_hidden_order_is_not_found_until_visible(venue: BinanceServerHandle):
    key = fresh_key()
    venue.script_fault(ScriptedFault(FaultKind.HIDDEN_ORDER, hidden_ms=400))

    async def main() -> tuple[Any, Any]:
        client = make_ccxt(venue, key)
        try:
            await client.load_markets()
            await client.create_order(
                "BTC/USDT", "market", "buy", 0.001, params={"clientOrderId": "h-1"}
            )
            params = {"origClientOrderId": "h-1"}
            with pytest.raises(ccxt.OrderNotFound):
                await client.fetch_order(None, "BTC/USDT", params=params)
            await asyncio.sleep(0.45)
            return await client.fetch_order(None, "BTC/USDT", params=params), None
        finally:
            await client.close()

    found, _ = asyncio.run(main())
    assert found["clientOrderId"] == "h-1"
    assert found["status"] == "closed"


def test_drop_request_then_query_by_client_id_shows_no_order(venue: BinanceServerHandle):
    key = fresh_key()
    venue.script_fault(ScriptedFault(FaultKind.DROP_REQUEST))
    create_market_buy(venue, key)

    async def main() -> None:
        client = make_ccxt(venue, key)
        try:
            await client.load_markets()
            with pytest.raises(ccxt.OrderNotFound):
                await client.fetch_order(None, "BTC/USDT", params={"origClientOrderId": "f-1"})
        finally:
            await client.close()

    asyncio.run(main())
    assert venue.signed_request_count(key, ORDER) == 1
