"""How markets are named in paths: store directories and external file names.

Symbols are CCXT unified symbols, ``BASE/QUOTE`` or ``BASE/QUOTE:SETTLE`` in upper
case. In the candle store a symbol is the directory ``BASE-QUOTE`` (``BASE-QUOTE_SETTLE``
for a settled derivative), so a name never contains ``/`` or ``..``. File names of other
tools are read to guess the market of an imported file:

* Freqtrade: ``BTC_USDT-1m.feather``, ``BTC_USDT-1h.json(.gz)``,
  ``BTC_USDT_USDT-1h-futures.feather``;
* XOR's shared data: ``binance_BTC-USDT_1m.parquet``;
* the store itself: ``<exchange>/BTC-USDT/1m.parquet``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from xor_trading.core.errors import ConfigError, XorError
from xor_trading.core.ids import Symbol
from xor_trading.core.timeframes import Timeframe

_CODE = r"[A-Za-z0-9]+"
_SYMBOL_TEXT = re.compile(rf"^({_CODE})[/_-]({_CODE})(?:[:_-]({_CODE}))?$")
_SYMBOL_DIR = re.compile(rf"^({_CODE})-({_CODE})(?:_({_CODE}))?$")
_EXCHANGE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_FREQTRADE_NAME = re.compile(rf"^({_CODE})_({_CODE})(?:_({_CODE}))?-(\d+[smhdw])(?:-[a-z_]+)?$")
_XOR_NAME = re.compile(rf"^([a-z0-9][a-z0-9.-]*)_({_CODE})-({_CODE})_(\d+[smhdw])$")


@dataclass(frozen=True, slots=True)
class NameHints:
    """What a file's name and location say about its market (None where they say nothing)."""

    exchange: str | None = None
    symbol: Symbol | None = None
    timeframe: Timeframe | None = None


def normalize_symbol(text: str) -> Symbol:
    """``"btc-usdt"``, ``"BTC_USDT"`` or ``"BTC/USDT"`` -> ``"BTC/USDT"``; else ``ConfigError``."""
    match = _SYMBOL_TEXT.match(text.strip())
    if match is None:
        raise ConfigError(
            f"unknown symbol format {text!r}",
            "write the market as BASE/QUOTE, for example BTC/USDT",
        )
    return _symbol(*match.groups())


def normalize_exchange(text: str) -> str:
    """Exchange id in lower case (``"Binance" -> "binance"``); raises ``ConfigError``."""
    exchange = text.strip().lower()
    if not _EXCHANGE.match(exchange) or ".." in exchange:
        raise ConfigError(
            f"invalid exchange name {text!r}",
            "use the CCXT exchange id, for example binance or kraken",
        )
    return exchange


def symbol_dirname(symbol: Symbol) -> str:
    """Store directory of a normalized symbol: ``"BTC/USDT" -> "BTC-USDT"``."""
    pair, _, settle = symbol.partition(":")
    dirname = pair.replace("/", "-")
    return f"{dirname}_{settle}" if settle else dirname


def symbol_from_dirname(dirname: str) -> Symbol | None:
    """Inverse of :func:`symbol_dirname`; None if ``dirname`` is not a symbol directory."""
    match = _SYMBOL_DIR.match(dirname)
    return None if match is None else _symbol(*match.groups())


def timeframe_from_name(text: str) -> Timeframe | None:
    """``"1m"`` -> the 1m timeframe; None if ``text`` is not a timeframe."""
    try:
        return Timeframe.parse(text)
    except XorError:
        return None


def hints_from_path(path: Path) -> NameHints:
    """Market hints from a file's name (or its place in a store tree)."""
    stem = path.name.split(".", 1)[0]
    freqtrade = _FREQTRADE_NAME.match(stem)
    if freqtrade is not None:
        base, quote, settle, timeframe = freqtrade.groups()
        return NameHints(None, _symbol(base, quote, settle), timeframe_from_name(timeframe))
    xor = _XOR_NAME.match(stem)
    if xor is not None:
        exchange, base, quote, timeframe = xor.groups()
        return NameHints(exchange, _symbol(base, quote, None), timeframe_from_name(timeframe))
    timeframe = timeframe_from_name(stem)
    symbol = symbol_from_dirname(path.parent.name)
    if timeframe is not None and symbol is not None:
        exchange = path.parent.parent.name.lower()
        return NameHints(exchange if _EXCHANGE.match(exchange) else None, symbol, timeframe)
    return NameHints()


def _symbol(base: str, quote: str, settle: str | None) -> Symbol:
    pair = f"{base.upper()}/{quote.upper()}"
    return Symbol(f"{pair}:{settle.upper()}" if settle else pair)
