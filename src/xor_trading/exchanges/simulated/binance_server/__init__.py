"""A loopback server speaking the Binance spot API subset CCXT uses (ADR 0018, docs/venue.md).

Public surface::

    from xor_trading.exchanges.simulated.binance_server import (
        BinanceServerConfig, running_binance_server,
    )

    with running_binance_server(BinanceServerConfig(speed=60)) as venue:
        venue.url          # http://127.0.0.1:<port>: point CCXT's urls["api"] here
        venue.ws_url       # ws://127.0.0.1:<port>: /ws, /stream, /ws-api/v3
        venue.account("my-key").free("USDT")        # the ledger (exact Decimal)
        venue.signed_request_count("my-key")        # e.g. paper mode must send 0
        venue.script_fault(ScriptedFault(FaultKind.DROP_RESPONSE))
        venue.pause_replay(); venue.advance_replay(60_000)

``serving_binance_server`` is the ``async with`` twin for code already in an event loop.
"""

from xor_trading.exchanges.simulated.binance_server.accounts import (
    Balance,
    OrderStatus,
    VenueOrder,
    VenueTrade,
)
from xor_trading.exchanges.simulated.binance_server.config import BinanceServerConfig, KeySpec
from xor_trading.exchanges.simulated.binance_server.faults import (
    FaultKind,
    FaultPlan,
    FaultRecord,
    ScriptedFault,
)
from xor_trading.exchanges.simulated.binance_server.handle import (
    AccountSnapshot,
    BinanceServerHandle,
    running_binance_server,
    serving_binance_server,
)
from xor_trading.exchanges.simulated.binance_server.keys_file import load_keys_file
from xor_trading.exchanges.simulated.binance_server.simulated_binance import RequestRecord

__all__ = [
    "AccountSnapshot",
    "Balance",
    "BinanceServerConfig",
    "BinanceServerHandle",
    "FaultKind",
    "FaultPlan",
    "FaultRecord",
    "KeySpec",
    "OrderStatus",
    "RequestRecord",
    "ScriptedFault",
    "VenueOrder",
    "VenueTrade",
    "load_keys_file",
    "running_binance_server",
    "serving_binance_server",
]
