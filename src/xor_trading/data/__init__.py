"""Market data on disk: the Parquet candle store, importers, validation, gaps, resampling.

Candles travel as :class:`~xor_trading.timeseries.candle_frame.CandleFrame` (open times
in UTC epoch ms). The public names are listed in ``__all__``; everything else in this
package is an implementation detail.
"""

from xor_trading.data.candle_store import (
    LoadedCandles,
    ParquetCandleStore,
    StoredSeries,
    read_file,
)
from xor_trading.data.gaps import Gap, GapPolicy, apply_gap_policy, find_gaps
from xor_trading.data.importers import ImportedFile, TimeframeOrigin, load_external
from xor_trading.data.resample import resample
from xor_trading.data.samples import seed_samples
from xor_trading.data.validation import validate_frame

__all__ = [
    "Gap",
    "GapPolicy",
    "ImportedFile",
    "LoadedCandles",
    "ParquetCandleStore",
    "StoredSeries",
    "TimeframeOrigin",
    "apply_gap_policy",
    "find_gaps",
    "load_external",
    "read_file",
    "resample",
    "seed_samples",
    "validate_frame",
]
