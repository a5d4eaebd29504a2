"""Where the server's candles come from: the user's candle store, else the shipped samples."""

from __future__ import annotations

from pathlib import Path

from xor_trading.core.errors import ConfigError
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.samples import SAMPLES_DIR


def choose_candles_root(store_root: Path, symbols: tuple[str, ...], timeframe: str) -> Path:
    """``store_root`` if it holds every symbol at ``timeframe``, else the samples if they do.

    Raises :class:`ConfigError` naming the missing markets otherwise.
    """
    for root in (store_root, SAMPLES_DIR):
        store = ParquetCandleStore(root)
        if all(store.has("binance", symbol, timeframe) for symbol in symbols):
            return root
    missing = [
        s for s in symbols if not ParquetCandleStore(store_root).has("binance", s, timeframe)
    ]
    raise ConfigError(
        f"no binance {timeframe} candles for {', '.join(missing)} in {store_root}",
        "import them with `xor data import` (or `xor data seed` for the samples), "
        "or pick symbols from `xor data list`",
    )
