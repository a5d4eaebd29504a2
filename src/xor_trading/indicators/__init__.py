"""Technical indicators: pure functions over numpy arrays, plus incremental twins for live use.

Conventions (every module follows them; see docs/indicators.md):

* **Batch form**: a function ``name(inputs..., params...) -> FloatArray`` (or a NamedTuple of
  arrays for several lines) over float64 numpy arrays, same length as the input, NaN during
  the warm-up. Where TA-Lib has the indicator, the batch form calls it through
  :mod:`xor_trading.indicators.talib_backend` (the only module that imports ``talib``).
* **Incremental form**: a class named in CamelCase (``EMA``, ``RSI``...) built with the same
  parameters, whose ``update(...)`` takes one candle's values and returns the newest value
  (NaN during the warm-up). Fed the same data, it equals the batch form (to 1e-9, and to
  the bit where the operations can be kept in the same order). ``warmup`` tells how many
  inputs it needs before its first value.
* Prices are float64 (indicators are analysis, not money); volumes in the base asset.
"""
