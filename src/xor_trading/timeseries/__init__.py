"""Columnar time series over numpy arrays (candles as arrays, price grids)."""

from xor_trading.timeseries.candle_frame import CandleFrame

__all__ = ["CandleFrame"]
