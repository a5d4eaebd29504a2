"""Reading Binance request parameters, with Binance's errors for missing or bad ones."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from xor_trading.exchanges.simulated.binance_server import api_error
from xor_trading.exchanges.simulated.binance_server.api_error import BinanceApiError

CLIENT_ORDER_ID = re.compile(r"[.A-Z:/a-z0-9_-]{1,36}")


class Params:
    """The merged query string and form body of one request.

    ``payload`` is what Binance signs (raw query + raw body without ``signature``) and
    ``signature`` the signature sent, if any.
    """

    def __init__(
        self, values: dict[str, str], payload: str = "", signature: str | None = None
    ) -> None:
        self.values = values
        self.payload = payload
        self.signature = signature

    def get(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if value not in (None, "") else None

    def required(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise api_error.mandatory_missing(name)
        return value

    def decimal(self, name: str) -> Decimal | None:
        value = self.get(name)
        if value is None:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise api_error.mandatory_missing(name) from None
        if not number.is_finite():
            raise api_error.mandatory_missing(name)
        return number

    def integer(self, name: str) -> int | None:
        value = self.get(name)
        if value is None:
            return None
        if not value.lstrip("-").isdigit():
            raise api_error.mandatory_missing(name)
        return int(value)

    def limit(self, default: int, maximum: int) -> int:
        value = self.integer("limit")
        if value is None:
            return default
        if value <= 0:
            raise BinanceApiError(400, -1100, "Illegal characters found in parameter 'limit'.")
        return min(value, maximum)

    def client_order_id(self, name: str) -> str | None:
        value = self.get(name)
        if value is not None and not CLIENT_ORDER_ID.fullmatch(value):
            raise BinanceApiError(
                400,
                -1100,
                f"Illegal characters found in parameter '{name}'; legal range is "
                "'^[.A-Z:/a-z0-9_-]{1,36}$'.",
            )
        return value
