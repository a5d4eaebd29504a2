"""Exchanges and their capabilities (what CCXT supports)."""

from __future__ import annotations

from pydantic import Field

from xor_trading.api.schemas.common import PublicModel

EXCHANGE_ID_PATTERN = r"^[a-z0-9_]{1,32}$"


class ExchangePublic(PublicModel):
    """One exchange and what XOR can do on it through CCXT."""

    id: str = Field(description="CCXT id, e.g. binance.")
    name: str = Field(description="Display name.")
    spot: bool = Field(description="Spot markets.")
    futures: bool = Field(description="Perpetual swaps or dated futures.")
    sandbox: bool = Field(description="The venue offers a test network.")
    fetch_ohlcv: bool = Field(description="Historical candles over REST.")
    watch_ohlcv: bool = Field(description="Streaming candles over WebSocket.")
    create_order: bool = Field(description="Orders can be placed.")
    cancel_order: bool = Field(description="Orders can be cancelled.")
    fetch_my_trades: bool = Field(description="The account's own trades can be read.")
    timeframes: list[str] = Field(description="Candle timeframes, e.g. 1m, 1h, 1d.")
    url: str | None = Field(description="The venue's web site.")
