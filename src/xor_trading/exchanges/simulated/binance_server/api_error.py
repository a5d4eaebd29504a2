"""Binance-style error answers: an HTTP status plus ``{"code": <negative int>, "msg": "..."}``.

Handlers raise :class:`BinanceApiError`; the request pipeline turns it into the JSON body
Binance sends. The constructors below carry Binance's own codes and wording
(binance-spot-api-docs ``errors.md``) because CCXT maps errors by code and by message.
"""

from __future__ import annotations


class BinanceApiError(Exception):
    """An error answer: HTTP ``status``, Binance ``code`` and ``msg`` (+ ``Retry-After``)."""

    def __init__(self, status: int, code: int, msg: str, retry_after_s: int | None = None) -> None:
        super().__init__(f"{status} {code} {msg}")
        self.status = status
        self.code = code
        self.msg = msg
        self.retry_after_s = retry_after_s

    def body(self) -> dict[str, object]:
        return {"code": self.code, "msg": self.msg}


def mandatory_missing(name: str) -> BinanceApiError:
    return BinanceApiError(
        400,
        -1102,
        f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.",
    )


def bad_parameter(name: str, detail: str = "") -> BinanceApiError:
    suffix = f" {detail}" if detail else ""
    return BinanceApiError(400, -1100, f"Illegal characters found in parameter '{name}';{suffix}")


def invalid_symbol() -> BinanceApiError:
    return BinanceApiError(400, -1121, "Invalid symbol.")


def invalid_interval() -> BinanceApiError:
    return BinanceApiError(400, -1120, "Invalid interval.")


def filter_failure(filter_name: str) -> BinanceApiError:
    return BinanceApiError(400, -1013, f"Filter failure: {filter_name}")


def insufficient_balance() -> BinanceApiError:
    return BinanceApiError(400, -2010, "Account has insufficient balance for requested action.")


def duplicate_order() -> BinanceApiError:
    return BinanceApiError(400, -2010, "Duplicate order sent.")


def order_not_found() -> BinanceApiError:
    return BinanceApiError(400, -2013, "Order does not exist.")


def unknown_order_cancel() -> BinanceApiError:
    return BinanceApiError(400, -2011, "Unknown order sent.")


def invalid_key() -> BinanceApiError:
    return BinanceApiError(401, -2015, "Invalid API-key, IP, or permissions for action.")


def bad_signature() -> BinanceApiError:
    return BinanceApiError(400, -1022, "Signature for this request is not valid.")


def timestamp_ahead() -> BinanceApiError:
    return BinanceApiError(
        400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."
    )


def timestamp_outside_window() -> BinanceApiError:
    return BinanceApiError(400, -1021, "Timestamp for this request is outside of the recvWindow.")


def unknown_endpoint(method: str, path: str) -> BinanceApiError:
    # Binance answers an unknown path with a bare 404; the body says which path, to help.
    return BinanceApiError(
        404, -1000, f"The simulated Binance server does not serve {method} {path}."
    )
