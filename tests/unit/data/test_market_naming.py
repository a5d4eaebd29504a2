"""Market names: symbol normalization, store directories and hints from file names."""

from __future__ import annotations

from pathlib import Path

import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.market_naming import (
    NameHints,
    hints_from_path,
    normalize_symbol,
    symbol_dirname,
    symbol_from_dirname,
)


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("BTC/USDT", "BTC/USDT"),
        ("btc-usdt", "BTC/USDT"),
        ("BTC_USDT", "BTC/USDT"),
        ("BTC/USDT:USDT", "BTC/USDT:USDT"),
    ],
)
def test_normalize_symbol_spellings_give_ccxt_symbol(text: str, symbol: str) -> None:
    assert normalize_symbol(text) == symbol


@pytest.mark.parametrize("text", ["BTC", "BTC/../USDT", "", "BTC/USDT/EUR"])
def test_normalize_symbol_unsafe_or_malformed_raises(text: str) -> None:
    with pytest.raises(ConfigError):
        normalize_symbol(text)


@pytest.mark.parametrize("symbol", ["BTC/USDT", "ETH/USDT:USDT"])
def test_symbol_dirname_round_trips(symbol: str) -> None:
    assert symbol_from_dirname(symbol_dirname(normalize_symbol(symbol))) == symbol


@pytest.mark.parametrize(
    ("path", "exchange", "symbol", "timeframe"),
    [
        ("user_data/data/binance/BTC_USDT-1m.feather", None, "BTC/USDT", "1m"),
        ("ETH_USDT-1h.json.gz", None, "ETH/USDT", "1h"),
        ("BTC_USDT_USDT-4h-futures.feather", None, "BTC/USDT:USDT", "4h"),
        ("binance_BTC-USDT_1m.parquet", "binance", "BTC/USDT", "1m"),
        ("binance-futures_BTC-USDT_5m.parquet", "binance-futures", "BTC/USDT", "5m"),
        ("candles/kraken/XRP-EUR/1d.parquet", "kraken", "XRP/EUR", "1d"),
        ("prices.csv", None, None, None),
        ("BTC_USDT-1M.json", None, None, None),  # months are not a supported timeframe
    ],
)
def test_hints_from_path_known_names_give_market(
    path: str, exchange: str | None, symbol: str | None, timeframe: str | None
) -> None:
    expected = NameHints(
        exchange,
        None if symbol is None else normalize_symbol(symbol),
        None if timeframe is None else Timeframe.parse(timeframe),
    )
    assert hints_from_path(Path(path)) == expected
