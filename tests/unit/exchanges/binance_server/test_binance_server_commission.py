"""Commissions of the simulated Binance server (matching.py, payloads.py): in the asset
received by default, as Binance charges an account that does not pay with BNB; in the
quote with ``commission_in_quote``. Seen the same in balances, FULL responses,
``executionReport`` (``n``/``N``) and myTrades."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xor_trading.core.clock import TestClock
from xor_trading.exchanges.simulated.binance_server import payloads
from xor_trading.exchanges.simulated.binance_server.accounts import Account
from xor_trading.exchanges.simulated.binance_server.config import BinanceServerConfig
from xor_trading.exchanges.simulated.binance_server.matching import OrderRequest
from xor_trading.exchanges.simulated.binance_server.simulated_binance import SimulatedBinance
from xor_trading.exchanges.simulated.fill_models import FeeSchedule, VenueConfig

D = Decimal
TEN_BPS = VenueConfig(fees=FeeSchedule(maker_bps=D(10), taker_bps=D(10)))


def _venue(commission_in_quote: bool = False) -> tuple[SimulatedBinance, Account, list[Any]]:
    config = BinanceServerConfig(
        clock=TestClock(1_700_000_000_000),
        venue=TEN_BPS,
        history_candles=5,
        commission_in_quote=commission_in_quote,
    )
    venue = SimulatedBinance(config)
    account = venue.account("key-1")
    account.balance("USDT").free = D(100_000)
    reports: list[Any] = []
    venue.add_user_listener("key-1", reports.append)
    return venue, account, reports


def _market(venue: SimulatedBinance, account: Account, side: str, qty: str) -> Any:
    request = OrderRequest("BTCUSDT", side, "MARKET", D(qty), None, None, None, "GTC", f"c-{side}")
    return venue.matching.place(account, request, None)


def test_server_buy_commission_is_in_base_and_the_account_receives_quantity_less_it() -> None:
    venue, account, reports = _venue()
    order = _market(venue, account, "BUY", "0.01000")
    trade = account.trades[-1]
    assert (trade.commission, trade.commission_asset) == (D("0.00001000"), "BTC")
    assert account.balance("BTC").free == D("0.00999000")
    assert account.balance("USDT").free == D(100_000) - trade.quote_qty
    fill = payloads.order_result(order, [trade])["fills"][0]
    assert (fill["commission"], fill["commissionAsset"]) == ("0.00001000", "BTC")
    executed = [r for r in reports if r.get("e") == "executionReport" and r["x"] == "TRADE"]
    assert (executed[-1]["n"], executed[-1]["N"]) == ("0.00001000", "BTC")
    row = payloads.my_trade(trade)
    assert (row["commission"], row["commissionAsset"]) == ("0.00001000", "BTC")


def test_server_sell_commission_is_in_quote() -> None:
    venue, account, _ = _venue()
    account.balance("BTC").free = D("0.01")
    _market(venue, account, "SELL", "0.01000")
    trade = account.trades[-1]
    assert trade.commission_asset == "USDT"
    assert trade.commission == (trade.quote_qty * D("0.001")).quantize(D("0.00000001"))
    assert account.balance("BTC").free == 0
    assert account.balance("USDT").free == D(100_000) + trade.quote_qty - trade.commission


def test_server_commission_in_quote_switch_charges_a_buy_in_quote() -> None:
    venue, account, _ = _venue(commission_in_quote=True)
    _market(venue, account, "BUY", "0.01000")
    trade = account.trades[-1]
    assert trade.commission_asset == "USDT"
    assert account.balance("BTC").free == D("0.01000")
    assert account.balance("USDT").free == D(100_000) - trade.quote_qty - trade.commission
