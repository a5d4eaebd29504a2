"""What happened to a request the venue may or may not have received: CCXT errors classified.

The rule (reliability spec, section 3.2 point 2): only an explicit venue answer whose
meaning proves that the order was **not** accepted is :attr:`Outcome.REJECTED`
(insufficient funds, filter failures, bad symbol, refused key). Everything else that may
have reached the matching engine (timeouts, connection resets, 5xx, ``-1006``/``-1007``,
garbage replies) is :attr:`Outcome.UNKNOWN`: the order is resolved by a query, never by
re-sending it.

Three tables, one per kind of request (create, cancel, read), each an ordered list of
:class:`Rule` rows; the first row that matches an exception decides. A row matches on the
Binance error code found in the exception text (CCXT puts the venue's JSON body there)
and/or the CCXT exception class. Codes come first because CCXT maps the same code to
different classes depending on the URL (``-1021`` is ``InvalidNonce`` generically but
``BadRequest`` for ``api.binance.com``; ``-1006`` is ``OperationFailed`` or
``BadResponse``). An exception no row matches is UNKNOWN for a create or a cancel and
RETRY_SAFE for a read: when in doubt, the safe answer.

``health`` says whether the answer counts against the venue in the circuit breaker: a
clear refusal is a healthy venue, a timeout or a 5xx is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

import ccxt  # type: ignore[import-untyped]  # no stubs; this package wraps it

__all__ = [
    "CANCEL_RULES",
    "CREATE_RULES",
    "DEFAULT_RETRY_AFTER_S",
    "READ_RULES",
    "Classification",
    "Health",
    "Outcome",
    "Rule",
    "classify_cancel_error",
    "classify_create_error",
    "classify_read_error",
    "venue_error_code",
]

DEFAULT_RETRY_AFTER_S = 60.0
"""Pause after a 429/418 whose ``Retry-After`` header was not seen (the limiter usually
has the header value; this is the fallback)."""


class Outcome(Enum):
    ACCEPTED = "accepted"
    """The venue has the order (or did what was asked)."""
    REJECTED = "rejected"
    """The venue definitively refused; it does not have the order. Do not resend unchanged."""
    UNKNOWN = "unknown"
    """The request may have reached the venue: query by client order id, never resend."""
    RETRY_SAFE = "retry_safe"
    """Refused before it could take effect (e.g. ``-1021`` timestamp outside recvWindow):
    safe to resend with the SAME client order id (after a time resync for ``-1021``)."""
    RATE_LIMITED = "rate_limited"
    """Refused by the venue's rate limiter: wait ``retry_after_s``, then resend the same."""
    NOT_FOUND = "not_found"
    """A read: the venue says it has no such order (``-2013``); inconclusive right after
    a submission (queries read "Memory => Database")."""


class Health(Enum):
    OK = "ok"  # the venue answered clearly
    FAULT = "fault"  # timeout, reset, 5xx, garbage: counts toward opening the breaker


@dataclass(frozen=True, slots=True)
class Rule:
    """One row: an exception with ``code`` (when set) that is a ``kind`` (when set)."""

    outcome: Outcome
    health: Health
    why: str
    code: int | None = None
    kind: type[BaseException] | None = None
    message_contains: str | None = None
    resync_clock: bool = False  # the venue refused our timestamp: resync before resending

    def matches(self, exc: BaseException, code: int | None) -> bool:
        if self.code is not None and self.code != code:
            return False
        if self.kind is not None and not isinstance(exc, self.kind):
            return False
        return self.message_contains is None or self.message_contains.lower() in str(exc).lower()


@dataclass(frozen=True, slots=True)
class Classification:
    outcome: Outcome
    health: Health
    reason: str
    code: int | None = None
    retry_after_s: float | None = None
    resync_clock: bool = False


_CODE = re.compile(r'"code"\s*:\s*(-?\d+)')


def venue_error_code(exc: BaseException) -> int | None:
    """The Binance error code in a CCXT exception's text (``{"code":-1021,...}``), if any."""
    match = _CODE.search(str(exc))
    return int(match.group(1)) if match else None


_OK, _FAULT = Health.OK, Health.FAULT
_U, _R, _RS, _RL = Outcome.UNKNOWN, Outcome.REJECTED, Outcome.RETRY_SAFE, Outcome.RATE_LIMITED

# Rows shared by every kind of request: the transport and the rate limiter.
_RATE_LIMIT_ROWS = (
    Rule(_RL, _OK, "rate limited (-1003)", code=-1003),
    Rule(_RL, _OK, "too many new orders (-1015)", code=-1015),
    # 429 and 418 (CCXT raises DDoSProtection for both, RateLimitExceeded for -1003 text).
    Rule(_RL, _OK, "rate limited (429/418)", kind=ccxt.DDoSProtection),
    Rule(_RL, _OK, "rate limited", kind=ccxt.RateLimitExceeded),
)
_TIMESTAMP_ROWS = (
    Rule(_RS, _OK, "timestamp outside recvWindow (-1021)", code=-1021, resync_clock=True),
    Rule(_RS, _OK, "nonce or timestamp refused", kind=ccxt.InvalidNonce, resync_clock=True),
)
_MAY_HAVE_REACHED_ROWS = (
    Rule(_U, _FAULT, "execution status unknown (-1006)", code=-1006),
    Rule(_U, _FAULT, "send and execution status unknown (-1007)", code=-1007),
    Rule(_U, _FAULT, "unknown error (-1000)", code=-1000),
    Rule(_U, _FAULT, "internal error (-1001)", code=-1001),
    Rule(_U, _FAULT, "timed out", kind=ccxt.RequestTimeout),
    Rule(_U, _FAULT, "venue unavailable or connection lost", kind=ccxt.ExchangeNotAvailable),
    Rule(_U, _FAULT, "network error", kind=ccxt.NetworkError),
    Rule(_U, _FAULT, "unreadable reply", kind=ccxt.BadResponse),
    Rule(_U, _FAULT, "venue operation failed (5xx)", kind=ccxt.OperationFailed),
)
_REFUSED_KEY_ROWS = (
    Rule(_R, _OK, "API key refused", kind=ccxt.AuthenticationError),  # incl. PermissionDenied
)

CREATE_RULES: tuple[Rule, ...] = (
    # The client id is already at the venue: our earlier attempt may have been accepted.
    Rule(_U, _OK, "duplicate client order id: query it", code=-2010, message_contains="Duplicate"),
    Rule(_U, _OK, "duplicate client order id: query it", kind=ccxt.DuplicateOrderId),
    *_TIMESTAMP_ROWS,
    *_RATE_LIMIT_ROWS,
    *_MAY_HAVE_REACHED_ROWS,
    *_REFUSED_KEY_ROWS,
    Rule(_R, _OK, "insufficient balance", kind=ccxt.InsufficientFunds),
    Rule(_R, _OK, "unknown symbol", kind=ccxt.BadSymbol),
    Rule(_R, _OK, "order refused by the venue's rules", kind=ccxt.InvalidOrder),
    Rule(_R, _OK, "order refused (-2010)", code=-2010),
    Rule(_R, _OK, "filter failure or malformed order (-1013)", code=-1013),
    Rule(_R, _OK, "invalid parameter", kind=ccxt.BadRequest),
    Rule(_R, _OK, "refused by the venue", kind=ccxt.OperationRejected),
)
"""Create: anything not listed is UNKNOWN (may have reached the matching engine)."""

CANCEL_RULES: tuple[Rule, ...] = (
    Rule(_R, _OK, "the venue has no open order with this id (-2011)", code=-2011),
    Rule(_R, _OK, "the venue has no open order with this id", kind=ccxt.OrderNotFound),
    *_TIMESTAMP_ROWS,
    *_RATE_LIMIT_ROWS,
    *_MAY_HAVE_REACHED_ROWS,
    *_REFUSED_KEY_ROWS,
    Rule(_R, _OK, "cancel refused", kind=ccxt.BadRequest),
    Rule(_R, _OK, "cancel refused", kind=ccxt.OperationRejected),
)
"""Cancel: a refused cancel leaves the order working; anything not listed is UNKNOWN."""

READ_RULES: tuple[Rule, ...] = (
    Rule(Outcome.NOT_FOUND, _OK, "order does not exist (-2013)", code=-2013),
    Rule(Outcome.NOT_FOUND, _OK, "order does not exist", kind=ccxt.OrderNotFound),
    *_TIMESTAMP_ROWS,
    *_RATE_LIMIT_ROWS,
    # A read changes nothing: whatever may have reached the venue is safe to ask again.
    *(Rule(_RS, r.health, r.why, r.code, r.kind) for r in _MAY_HAVE_REACHED_ROWS),
    *_REFUSED_KEY_ROWS,
    Rule(_R, _OK, "unknown symbol", kind=ccxt.BadSymbol),
    Rule(_R, _OK, "invalid parameter", kind=ccxt.BadRequest),
)
"""Read: anything not listed is RETRY_SAFE."""


def _classify(
    exc: BaseException, rules: tuple[Rule, ...], otherwise: Outcome, retry_after_s: float | None
) -> Classification:
    code = venue_error_code(exc)
    for rule in rules:
        if rule.matches(exc, code):
            wait = None
            if rule.outcome is Outcome.RATE_LIMITED:
                wait = retry_after_s if retry_after_s is not None else DEFAULT_RETRY_AFTER_S
            return Classification(
                rule.outcome, rule.health, rule.why, code, wait, rule.resync_clock
            )
    return Classification(otherwise, Health.FAULT, f"unexpected {type(exc).__name__}", code)


def classify_create_error(exc: BaseException, retry_after_s: float | None = None) -> Classification:
    """What a create-order exception means; ``retry_after_s`` is the 429's header if known."""
    return _classify(exc, CREATE_RULES, Outcome.UNKNOWN, retry_after_s)


def classify_cancel_error(exc: BaseException, retry_after_s: float | None = None) -> Classification:
    """What a cancel-order exception means."""
    return _classify(exc, CANCEL_RULES, Outcome.UNKNOWN, retry_after_s)


def classify_read_error(exc: BaseException, retry_after_s: float | None = None) -> Classification:
    """What an exception of a read (query order, open orders, trades, balances) means."""
    return _classify(exc, READ_RULES, Outcome.RETRY_SAFE, retry_after_s)
