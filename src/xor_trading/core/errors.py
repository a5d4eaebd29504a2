"""The one exception tree of XOR.

Every error a user can cause carries a ``hint``: one sentence saying what to do.
Errors are classified by what the caller should do about them (see ADR 0003):

* :class:`InputError` and subclasses: the request was wrong; fix it and retry.
* :class:`RetryableError`: transient; the same call may succeed later.
* :class:`RateLimitedError`: back off for ``retry_after_s`` seconds.
* :class:`RejectedError`: a venue definitively refused; do not retry unchanged.
* :class:`UnknownOutcomeError`: the request may have reached the venue; reconcile before acting.
* :class:`FatalError`: stop the component.
"""

from __future__ import annotations


class XorError(Exception):
    """Base of every error raised by XOR on purpose."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """The message and the hint as one line, for a CLI or an API error body."""
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InputError(XorError):
    """Bad input from a user, a file or a configuration."""


class ConfigError(InputError):
    """A setting or parameter is missing, unknown or out of range."""


class DataError(InputError):
    """Market data is missing, corrupt or inconsistent."""


class UnknownSymbolError(DataError):
    """No instrument or no data for the requested symbol."""


class InvalidOrderTransition(XorError):  # noqa: N818 - named for the event it reports
    """An order event arrived that its current state does not allow (a bug or a venue anomaly)."""


class RetryableError(XorError):
    """A transient failure; the same call may succeed later."""


class RateLimitedError(RetryableError):
    """The venue asked us to slow down."""

    def __init__(self, message: str, retry_after_s: float, hint: str = "") -> None:
        super().__init__(message, hint)
        self.retry_after_s = retry_after_s


class RejectedError(XorError):
    """The venue definitively refused a request (insufficient funds, bad price, ...)."""


class UnknownOutcomeError(XorError):
    """The request may or may not have reached the venue: reconcile before acting again."""


class FatalError(XorError):
    """The component cannot continue."""


class StrategyError(XorError):
    """User strategy code raised; the strategy is stopped, the process is not."""
