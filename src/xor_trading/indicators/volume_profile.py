"""Volume profile: traded volume by price over a window of candles, its POC and value area.

**Distribution.** A candle's volume (base asset) is spread uniformly over its high-low
range: a price bin receives ``volume * overlap / (high - low)``, where ``overlap`` is the
length of the bin's price range inside the candle's. A candle with no range
(``high == low``) puts all its volume in the bin holding its close. Bins are ``bins``
equal slices of ``[lowest low, highest high]`` of the window (a window with one single
price gets ``±0.1 %`` around it); a price on an inner edge belongs to the upper bin.

**Point of control (POC).** The centre price of the bin with the most volume. Ties go to
the bin nearest the middle of the range, then to the lower one.

**Value area** (CBOT method). Start from the POC bin; repeatedly compare the next bin
above with the next bin below and add the larger, both on a tie, until the bins hold at
least ``value_area`` of the volume. ``value_area_high`` / ``value_area_low`` are the upper
edge of the highest and the lower edge of the lowest bin added (prices, quote currency).
With no volume at all, POC and value area are NaN.

The profile describes the candles of the window, closes included: it is known once the
window's last candle has closed. :class:`VolumeProfileAccumulator` builds it candle by
candle on fixed bin edges; it equals the batch form (to 1e-9) on the same edges.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.donchian import as_prices
from xor_trading.timeseries.candle_frame import FloatArray

__all__ = ["VolumeProfile", "VolumeProfileAccumulator", "price_bins", "summarise", "volume_profile"]

_CHUNK = 4_096  # candles per block of the batch distribution: bounds memory to CHUNK x bins
_NAN = float("nan")


class VolumeProfile(NamedTuple):
    """``bins + 1`` edges and ``bins`` volumes, ascending prices; POC and value area bounds."""

    bin_edges: FloatArray
    volumes: FloatArray
    poc: float
    value_area_high: float
    value_area_low: float


def _check_bins(bins: int) -> None:
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ConfigError(f"bins must be a whole number, at least 1; got {bins!r}", "pass bins=50")


def _check_value_area(value_area: float) -> None:
    number = isinstance(value_area, int | float) and not isinstance(value_area, bool)
    if not (number and 0.0 < value_area <= 1.0):
        raise ConfigError(
            f"value_area must be a fraction above 0 and at most 1; got {value_area!r}",
            "pass value_area=0.7 for 70 %",
        )


def price_bins(low: float, high: float, bins: int) -> FloatArray:
    """``bins + 1`` evenly spaced edges from ``low`` to ``high`` (``±0.1 %`` if equal)."""
    _check_bins(bins)
    if high == low:
        pad = abs(low) * 1e-3 or 1.0
        low, high = low - pad, high + pad
    edges: FloatArray = np.linspace(low, high, bins + 1)
    return edges


def volume_profile(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume: FloatArray,
    start: int = 0,
    stop: int | None = None,
    bins: int = 50,
    value_area: float = 0.70,
) -> VolumeProfile:
    """Profile of candles ``start`` to ``stop`` (exclusive; Python slice rules, so
    ``start=-500`` is the last 500 candles)."""
    _check_bins(bins)
    _check_value_area(value_area)
    hi, lo, cl, vol = as_prices(high, low, close, volume)
    first, last, _ = slice(start, stop).indices(hi.shape[0])
    if last <= first:
        raise ConfigError(
            f"the window start={start}, stop={stop} holds none of the {hi.shape[0]} candles",
            "pick a start before the stop, inside the data",
        )
    hi, lo, cl, vol = hi[first:last], lo[first:last], cl[first:last], vol[first:last]
    edges = price_bins(float(lo.min()), float(hi.max()), bins)
    volumes: FloatArray = np.zeros(bins)
    for a in range(0, hi.shape[0], _CHUNK):
        b = a + _CHUNK
        volumes += _spread(edges, hi[a:b, None], lo[a:b, None], vol[a:b, None]).sum(axis=0)
    flat = hi == lo
    np.add.at(volumes, _bin_of(edges, cl[flat]), vol[flat])
    return summarise(edges, volumes, value_area)


def _spread(edges: FloatArray, high: FloatArray, low: FloatArray, volume: FloatArray) -> FloatArray:
    """Each ranged candle's volume by bin (broadcast over leading axes); 0 for flat candles."""
    overlap = np.minimum(high, edges[1:]) - np.maximum(low, edges[:-1])
    np.maximum(overlap, 0.0, out=overlap)
    ranged = high > low
    share = np.where(ranged, volume / np.where(ranged, high - low, 1.0), 0.0)
    spread: FloatArray = overlap * share
    return spread


def _bin_of(edges: FloatArray, prices: FloatArray) -> npt.NDArray[np.intp]:
    """Bin of each price: an inner edge belongs to the upper bin, the top edge to the last."""
    index = np.searchsorted(edges, prices, side="right") - 1
    return np.clip(index, 0, edges.shape[0] - 2)


def summarise(edges: FloatArray, volumes: FloatArray, value_area: float = 0.70) -> VolumeProfile:
    """POC and value area of ``volumes`` on ``edges`` (see the module doc)."""
    _check_value_area(value_area)
    amounts = volumes.tolist()
    total = math.fsum(amounts)
    if total <= 0.0:
        return VolumeProfile(edges, volumes, _NAN, _NAN, _NAN)
    top = max(amounts)
    middle = (len(amounts) - 1) / 2.0
    poc = min((k for k, v in enumerate(amounts) if v == top), key=lambda k: (abs(k - middle), k))
    lo_bin = hi_bin = poc
    held = amounts[poc]
    target = value_area * total
    last = len(amounts) - 1
    while held < target and (lo_bin > 0 or hi_bin < last):
        below = amounts[lo_bin - 1] if lo_bin > 0 else -1.0
        above = amounts[hi_bin + 1] if hi_bin < last else -1.0
        if above >= below:
            hi_bin += 1
            held += above
        if below >= above:
            lo_bin -= 1
            held += below
    centre = (float(edges[poc]) + float(edges[poc + 1])) / 2.0
    return VolumeProfile(edges, volumes, centre, float(edges[hi_bin + 1]), float(edges[lo_bin]))


class VolumeProfileAccumulator:
    """Volume profile built one candle at a time on fixed ``bin_edges``.

    The part of a candle's range outside the edges is not binned; it is counted in
    :attr:`outside_volume`. ``update`` returns nothing: the profile is a summary of the
    whole window, computed on demand by :meth:`profile` (O(bins)).
    """

    __slots__ = ("_edges", "_volumes", "outside_volume", "value_area")

    def __init__(self, bin_edges: FloatArray, value_area: float = 0.70) -> None:
        edges = np.array(bin_edges, dtype=np.float64)
        if edges.ndim != 1 or edges.shape[0] < 2 or not np.all(np.diff(edges) > 0):
            raise ConfigError(
                "bin_edges must be at least 2 increasing prices",
                "build them with price_bins(low, high, bins)",
            )
        if not np.all(np.isfinite(edges)):
            raise ConfigError("bin_edges must be finite prices", "build them with price_bins")
        _check_value_area(value_area)
        self._edges: FloatArray = edges
        self._volumes: FloatArray = np.zeros(edges.shape[0] - 1)
        self.value_area = value_area
        self.outside_volume = 0.0

    @property
    def warmup(self) -> int:
        """Candles needed before the first profile."""
        return 1

    def update(self, high: float, low: float, close: float, volume: float) -> None:
        edges = self._edges
        if high > low:
            spread = _spread(edges, np.array(high), np.array(low), np.array(volume))
            self._volumes += spread
            self.outside_volume += volume - math.fsum(spread.tolist())
        elif edges[0] <= close <= edges[-1]:
            self._volumes[_bin_of(edges, np.array([close]))[0]] += volume
        else:
            self.outside_volume += volume

    def profile(self) -> VolumeProfile:
        """The profile of every candle so far (copies: later updates leave it unchanged)."""
        return summarise(self._edges.copy(), self._volumes.copy(), self.value_area)
