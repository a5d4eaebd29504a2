"""The real candles shipped inside the package, and seeding a store with them.

The files live in ``xor_trading/data/samples/`` in the store layout (see its README for
what they are and where they come from). The package must be installed from a
directory or an unpacked wheel, not imported from a zip file, because the files are
read in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xor_trading.core.ids import Symbol
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_store import ParquetCandleStore, StoredSeries
from xor_trading.data.parquet_file import read_candle_parquet

SAMPLES_DIR = Path(__file__).with_name("samples")


@dataclass(frozen=True, slots=True)
class SampleSeries:
    """One shipped sample file."""

    exchange: str
    symbol: Symbol
    timeframe: Timeframe
    path: Path


def sample_series() -> list[SampleSeries]:
    """Every shipped sample, read from the samples directory's store layout."""
    store = ParquetCandleStore(SAMPLES_DIR)
    return [
        SampleSeries(series.exchange, series.symbol, series.timeframe, series.path)
        for series in store.list()
    ]


def seed_samples(store: ParquetCandleStore) -> list[StoredSeries]:
    """Copy each sample into ``store`` unless that market and timeframe is already stored.

    Idempotent, and never overwrites: data the user imported wins over the samples.
    Returns the series it wrote (empty when everything was present already).
    """
    seeded = []
    for sample in sample_series():
        if store.has(sample.exchange, sample.symbol, sample.timeframe):
            continue
        frame = read_candle_parquet(sample.path, sample.timeframe.ms)
        seeded.append(
            store.write(sample.exchange, sample.symbol, sample.timeframe, frame, merge=False)
        )
    return seeded
