"""Configuration of the simulated Binance server.

Units: prices and balances are exact ``Decimal``; times are milliseconds unless the name
says ``_s``. ``speed`` is replay speed: market-seconds per wall-second (60 replays one 1m
candle per wall second).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from xor_trading.core.clock import Clock, LiveClock
from xor_trading.exchanges.simulated.binance_server.faults import FaultPlan
from xor_trading.exchanges.simulated.fill_models import VenueConfig

DEFAULT_BALANCES: dict[str, Decimal] = {"USDT": Decimal(10_000)}


@dataclass(frozen=True, slots=True)
class KeySpec:
    """What the venue knows about one API key.

    ``secret`` None means the venue cannot verify the HMAC (open mode, see ADR 0018).
    ``balances`` None means :attr:`BinanceServerConfig.default_balances`.
    """

    secret: str | None = None
    can_trade: bool = True
    enable_withdrawals: bool = False
    ip_restrict: bool = False
    balances: dict[str, Decimal] | None = None


@dataclass(frozen=True, slots=True)
class BinanceServerConfig:
    """Everything the server needs; the defaults give an open sandbox replaying BTC/USDT 1m.

    * ``symbols``: markets to replay (CCXT spelling), each must exist in the candle store
      (``candles_root``; None: the shipped samples) at ``timeframe``.
    * ``replay_start_ms``: open time of the first candle loaded (None: the first stored);
      the replay starts ``history_candles`` later, so klines have history from the start.
    * ``keys`` / ``restrict_keys``: with ``restrict_keys`` only listed keys are accepted;
      without it any key is accepted and listed keys get their secret verified.
    * ``weight_limit_per_window`` / ``weight_window_ms``: request weight budget per IP.
    * ``ban_ms``: how long a 418 ban lasts after a client ignores a 429's Retry-After.
    * ``tick_ms``: how often (wall) the server advances the replay and pushes streams.
    * ``order_book_levels`` / ``level_step_bps``: the synthetic book's depth and spacing.
    * ``commission_in_quote``: charge every commission in the quote asset. The default
      (False) is Binance's: in the asset received (base on a buy, quote on a sell).
    """

    host: str = "127.0.0.1"
    port: int = 0
    symbols: tuple[str, ...] = ("BTC/USDT",)
    timeframe: str = "1m"
    candles_root: Path | None = None
    replay_start_ms: int | None = None
    history_candles: int = 1000
    speed: float = 1.0
    clock: Clock = field(default_factory=LiveClock)
    venue: VenueConfig = field(default_factory=VenueConfig)
    default_balances: dict[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_BALANCES))
    keys: dict[str, KeySpec] = field(default_factory=dict)
    restrict_keys: bool = False
    weight_limit_per_window: int = 6000
    weight_window_ms: int = 60_000
    ban_ms: int = 120_000
    faults: FaultPlan = field(default_factory=FaultPlan)
    tick_ms: int = 100
    order_book_levels: int = 20
    level_step_bps: Decimal = Decimal(1)
    ws_heartbeat_s: float = 20.0
    commission_in_quote: bool = False
