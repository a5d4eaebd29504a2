"""Market catalogs (exchange precision rules) shipped with XOR, one JSON file per exchange."""

from xor_trading.exchanges.simulated.catalog import (
    available_exchanges,
    exchange_fee_asset,
    list_instruments,
    load_instrument,
)

__all__ = ["available_exchanges", "exchange_fee_asset", "list_instruments", "load_instrument"]
