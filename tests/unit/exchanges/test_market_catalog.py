"""Market catalogs of the simulated venue (exchanges/simulated/catalog.py)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from xor_trading.core.errors import UnknownSymbolError
from xor_trading.core.precision import is_multiple
from xor_trading.exchanges.simulated.catalog import (
    available_exchanges,
    list_instruments,
    load_instrument,
)

D = Decimal
EXCHANGE_INFO = Path(
    "/work/shared/data/exchange_fixtures/binance/spot_rest/GET_api_v3_exchangeInfo.json"
)
SYMBOLS = [
    "ADA/USDT", "BNB/USDT", "BTC/USDT", "DOGE/USDT", "ETH/USDT", "LINK/USDT", "LTC/USDT",
    "SOL/USDT", "XRP/USDT",
]  # fmt: skip


def test_load_instrument_binance_btc_usdt_has_captured_limits() -> None:
    inst = load_instrument("binance", "BTC/USDT")
    assert inst.exchange == "binance"
    assert inst.symbol == "BTC/USDT"
    assert (inst.base, inst.quote) == ("BTC", "USDT")
    assert inst.tick_size == D("0.01")
    assert inst.lot_size == D("0.00001")
    assert inst.min_qty == D("0.00001")
    assert inst.max_qty == D("9000")
    assert inst.min_notional == D("10")
    assert inst.fee_quantum == D("0.00000001")


def test_load_instrument_binance_eth_usdt_has_captured_limits() -> None:
    inst = load_instrument("binance", "ETH/USDT")
    assert (inst.tick_size, inst.lot_size, inst.min_qty) == (D("0.01"), D("0.0001"), D("0.0001"))
    assert inst.min_notional == D("10")


@pytest.mark.parametrize(("symbol", "raw"), [("BTC/USDT", "BTCUSDT"), ("ETH/USDT", "ETHUSDT")])
def test_load_instrument_matches_captured_exchange_info(symbol: str, raw: str) -> None:
    if not EXCHANGE_INFO.exists():
        pytest.skip(f"capture not available: {EXCHANGE_INFO}")
    info = json.loads(EXCHANGE_INFO.read_text(encoding="utf-8"))
    (market,) = [s for s in info["symbols"] if s["symbol"] == raw]
    filters = {f["filterType"]: f for f in market["filters"]}
    inst = load_instrument("binance", symbol)
    assert inst.tick_size == D(filters["PRICE_FILTER"]["tickSize"])
    assert inst.lot_size == D(filters["LOT_SIZE"]["stepSize"])
    assert inst.min_qty == D(filters["LOT_SIZE"]["minQty"])
    assert inst.max_qty == D(filters["LOT_SIZE"]["maxQty"])
    assert inst.min_notional == D(filters["MIN_NOTIONAL"]["minNotional"])
    assert inst.fee_quantum == D(1).scaleb(-market["quoteCommissionPrecision"])
    assert (inst.base, inst.quote) == (market["baseAsset"], market["quoteAsset"])


def test_load_instrument_symbol_is_case_insensitive() -> None:
    assert load_instrument("binance", "btc/usdt") == load_instrument("binance", "BTC/USDT")


def test_load_instrument_btc_usdt_sizes_1000_usdt_stake() -> None:
    inst = load_instrument("binance", "BTC/USDT")
    qty = inst.quantity_for_notional(D("1000"), D("105554.32"))
    assert qty == D("0.00947")
    assert inst.check_order(qty, D("105554.32")) is None


@pytest.mark.parametrize("symbol", ["BTC/EUR", "BTCUSDT", "BTC-USDT", ""])
def test_load_instrument_unknown_symbol_raises_with_known_symbols_in_hint(symbol: str) -> None:
    with pytest.raises(UnknownSymbolError) as info:
        load_instrument("binance", symbol)
    assert info.value.message == f"unknown symbol {symbol!r} on binance"
    assert info.value.hint == f"use one of: {', '.join(SYMBOLS)} (CCXT spelling BASE/QUOTE)"


def test_load_instrument_unknown_exchange_raises_with_known_exchanges_in_hint() -> None:
    with pytest.raises(UnknownSymbolError) as info:
        load_instrument("kraken", "BTC/USDT")
    assert info.value.message == "no market catalog for exchange 'kraken'"
    assert info.value.hint == "use one of: binance"


def test_list_instruments_unknown_exchange_raises() -> None:
    with pytest.raises(UnknownSymbolError, match="no market catalog for exchange 'nowhere'"):
        list_instruments("nowhere")


def test_available_exchanges_is_binance() -> None:
    assert available_exchanges() == ["binance"]


def test_list_instruments_binance_has_the_shipped_symbols() -> None:
    instruments = list_instruments("binance")
    assert sorted(i.symbol for i in instruments) == SYMBOLS


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_list_instruments_binance_each_market_is_consistent(symbol: str) -> None:
    inst = load_instrument("binance", symbol)
    assert inst.symbol == f"{inst.base}/{inst.quote}"
    assert inst.quote == "USDT"
    assert inst.tick_size > 0
    assert inst.lot_size > 0
    assert inst.min_qty >= inst.lot_size
    assert is_multiple(inst.min_qty, inst.lot_size)
    assert inst.max_qty is not None
    assert is_multiple(inst.max_qty, inst.lot_size)
    assert inst.min_notional == D("10")
    assert inst.fee_quantum == D("0.00000001")
