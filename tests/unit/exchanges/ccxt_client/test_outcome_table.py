"""The outcome tables, row by row: each CCXT error as binance.py raises it, and its meaning."""

from __future__ import annotations

import ccxt
import pytest

from xor_trading.exchanges.ccxt_client.outcome import (
    CANCEL_RULES,
    CREATE_RULES,
    DEFAULT_RETRY_AFTER_S,
    READ_RULES,
    Health,
    Outcome,
    classify_cancel_error,
    classify_create_error,
    classify_read_error,
    venue_error_code,
)


def binance(kind: type[Exception], code: int | None, msg: str) -> Exception:
    """The exception CCXT raises, with its message as binance.handle_errors builds it."""
    if code is None:
        return kind(f"binance {msg}")
    return kind(f'binance {{"code":{code},"msg":"{msg}"}}')


U, R, RS, RL, NF = (
    Outcome.UNKNOWN,
    Outcome.REJECTED,
    Outcome.RETRY_SAFE,
    Outcome.RATE_LIMITED,
    Outcome.NOT_FOUND,
)

# (case, exception, create, cancel, read)
CASES = [
    ("429 -1003", binance(ccxt.DDoSProtection, -1003, "Too many requests"), RL, RL, RL),
    ("418 ban", binance(ccxt.DDoSProtection, None, "418 I'm a teapot"), RL, RL, RL),
    ("-1003 as RateLimitExceeded", binance(ccxt.RateLimitExceeded, -1003, "Too much"), RL, RL, RL),
    ("-1015 too many orders", binance(ccxt.InvalidOrder, -1015, "Too many new orders"), RL, RL, RL),
    ("503 -1000", binance(ccxt.OperationFailed, -1000, "Unknown error"), U, U, RS),
    ("500 -1006 generic", binance(ccxt.OperationFailed, -1006, "status unknown"), U, U, RS),
    ("500 -1006 spot url", binance(ccxt.BadResponse, -1006, "status unknown"), U, U, RS),
    ("500 -1006 as ExchangeError", binance(ccxt.ExchangeError, -1006, "unknown"), U, U, RS),
    ("408 -1007", binance(ccxt.RequestTimeout, -1007, "Timeout waiting"), U, U, RS),
    ("-1001 internal", binance(ccxt.ExchangeError, -1001, "Internal error"), U, U, RS),
    ("503 text", binance(ccxt.ExchangeNotAvailable, None, "503 Service Unavailable."), U, U, RS),
    ("maintenance", binance(ccxt.OnMaintenance, None, "System is under maintenance."), U, U, RS),
    ("504 html", binance(ccxt.RequestTimeout, None, "504 Gateway Timeout"), U, U, RS),
    ("connection reset", ccxt.ExchangeNotAvailable("binance POST http://x/api/v3/order"), U, U, RS),
    ("client timeout", ccxt.RequestTimeout("binance POST http://x/api/v3/order"), U, U, RS),
    ("network error", ccxt.NetworkError("binance socket closed"), U, U, RS),
    ("null response", ccxt.NullResponse("binance empty"), U, U, RS),
    ("cancel pending", ccxt.CancelPending("binance cancel pending"), U, U, RS),
    ("unmapped exchange error", binance(ccxt.ExchangeError, -9999, "new code"), U, U, RS),
    ("not a ccxt error", ValueError("could not convert"), U, U, RS),
    ("nonce refused", ccxt.InvalidNonce("binance nonce too small"), RS, RS, RS),
    ("rate limit text", ccxt.RateLimitExceeded("binance Too many requests."), RL, RL, RL),
    ("-1021 generic url", binance(ccxt.InvalidNonce, -1021, "Timestamp ahead"), RS, RS, RS),
    ("-1021 spot url", binance(ccxt.BadRequest, -1021, "Timestamp ahead"), RS, RS, RS),
    ("-2010 duplicate", binance(ccxt.InvalidOrder, -2010, "Duplicate order sent."), U, U, RS),
    ("duplicate id class", binance(ccxt.DuplicateOrderId, None, "duplicate"), U, U, RS),
    (
        "insufficient balance",
        binance(
            ccxt.InsufficientFunds, None, "Account has insufficient balance for requested action."
        ),
        R,
        U,
        RS,
    ),
    (
        "LOT_SIZE body check",
        binance(ccxt.InvalidOrder, None, "order amount should be evenly divisible by lot size"),
        R,
        U,
        RS,
    ),
    ("-1013 spot url", binance(ccxt.ExchangeError, -1013, "Filter failure: NOTIONAL"), R, U, RS),
    ("-1013 generic url", binance(ccxt.BadRequest, -1013, "Filter failure: NOTIONAL"), R, R, R),
    ("-2010 other refusal", binance(ccxt.ExchangeError, -2010, "Market is closed."), R, U, RS),
    ("market closed", binance(ccxt.MarketClosed, None, "Market is closed."), R, R, RS),
    ("-1121 bad symbol", binance(ccxt.BadSymbol, -1121, "Invalid symbol."), R, R, R),
    ("-1100 bad param", binance(ccxt.BadRequest, -1100, "Illegal characters"), R, R, R),
    ("-2015 key", binance(ccxt.AuthenticationError, -2015, "Invalid API-key"), R, R, R),
    ("-2015 spot url", binance(ccxt.OperationRejected, -2015, "Invalid API-key"), R, R, RS),
    (
        "permission",
        binance(ccxt.PermissionDenied, None, "This account may not place or cancel orders."),
        R,
        R,
        R,
    ),
    ("-2011 unknown order", binance(ccxt.OrderNotFound, -2011, "Unknown order sent."), R, R, NF),
    ("-2011 spot url", binance(ccxt.OperationRejected, -2011, "Unknown order sent."), R, R, RS),
    ("-2013 not found", binance(ccxt.OrderNotFound, -2013, "Order does not exist."), R, R, NF),
]


@pytest.mark.parametrize(
    ("case", "exc", "create", "cancel", "read"), CASES, ids=[c[0] for c in CASES]
)
def test_error_classification_table_row_matches_expected_outcome(
    case: str, exc: Exception, create: Outcome, cancel: Outcome, read: Outcome
) -> None:
    assert classify_create_error(exc).outcome is create
    assert classify_cancel_error(exc).outcome is cancel
    assert classify_read_error(exc).outcome is read


def test_every_table_row_is_exercised_by_a_case() -> None:
    def first_match(rules: tuple, exc: Exception) -> object:  # type: ignore[type-arg]
        code = venue_error_code(exc)
        return next((r for r in rules if r.matches(exc, code)), None)

    for rules in (CREATE_RULES, CANCEL_RULES, READ_RULES):
        used = {id(first_match(rules, case[1])) for case in CASES}
        unused = [r.why for r in rules if id(r) not in used]
        assert unused == [], unused


def test_duplicate_order_on_create_is_unknown_never_rejected() -> None:
    verdict = classify_create_error(binance(ccxt.InvalidOrder, -2010, "Duplicate order sent."))

    assert (verdict.outcome, verdict.code, verdict.health) == (U, -2010, Health.OK)


def test_rate_limited_carries_the_retry_after_given_else_the_default() -> None:
    exc = binance(ccxt.DDoSProtection, -1003, "Too many requests")

    assert classify_create_error(exc, retry_after_s=7.0).retry_after_s == 7.0
    assert classify_read_error(exc).retry_after_s == DEFAULT_RETRY_AFTER_S


def test_timestamp_refusal_asks_for_a_clock_resync() -> None:
    verdict = classify_create_error(binance(ccxt.BadRequest, -1021, "Timestamp ahead"))

    assert (verdict.outcome, verdict.resync_clock) == (RS, True)


def test_timeouts_count_against_the_venue_and_refusals_do_not() -> None:
    assert classify_create_error(ccxt.RequestTimeout("t")).health is Health.FAULT
    assert classify_create_error(binance(ccxt.InsufficientFunds, None, "x")).health is Health.OK


def test_venue_error_code_reads_the_json_code_in_the_message() -> None:
    assert venue_error_code(binance(ccxt.InvalidOrder, -2010, "x")) == -2010
    assert venue_error_code(ccxt.RequestTimeout("binance GET url")) is None
