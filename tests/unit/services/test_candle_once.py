"""Which closed candles a worker announces: each candle of a market once, never an older
one, markets (exchange, symbol, timeframe) apart."""

from __future__ import annotations

from xor_trading.services.bot_stream_publisher import CandleOnce

HOUR = 3_600_000


def test_a_candle_is_a_first_sighting_once() -> None:
    seen = CandleOnce()
    assert seen.first_sighting("binance", "BTC/USDT", "1h", 10 * HOUR) is True
    assert seen.first_sighting("binance", "BTC/USDT", "1h", 10 * HOUR) is False  # 2nd bot
    assert seen.first_sighting("binance", "BTC/USDT", "1h", 11 * HOUR) is True


def test_a_candle_older_than_the_last_announced_is_not_announced() -> None:
    seen = CandleOnce()
    assert seen.first_sighting("binance", "BTC/USDT", "1h", 11 * HOUR) is True
    assert seen.first_sighting("binance", "BTC/USDT", "1h", 10 * HOUR) is False


def test_markets_are_counted_apart() -> None:
    seen = CandleOnce()
    assert seen.first_sighting("binance", "BTC/USDT", "1h", HOUR) is True
    assert seen.first_sighting("binance", "ETH/USDT", "1h", HOUR) is True
    assert seen.first_sighting("binance", "BTC/USDT", "1m", HOUR) is True
    assert seen.first_sighting("kraken", "BTC/USDT", "1h", HOUR) is True
    assert seen.first_sighting("kraken", "BTC/USDT", "1h", HOUR) is False
