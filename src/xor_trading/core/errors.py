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
    """Base of every error raised by XOR on purpose.

    ``code`` is a stable machine name (``snake_case``) that the API returns with the
    sentence; subclasses set their own.
    """

    code: str = "error"

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """The message and the hint as one line, for a CLI or an API error body."""
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InputError(XorError):
    """Bad input from a user, a file or a configuration."""

    code = "invalid_input"


class ConfigError(InputError):
    """A setting or parameter is missing, unknown or out of range."""

    code = "invalid_config"


class DataError(InputError):
    """Market data is missing, corrupt or inconsistent."""


class UnknownSymbolError(DataError):
    """No instrument or no data for the requested symbol."""


class InvalidOrderTransition(XorError):  # noqa: N818 - named for the event it reports
    """An order event arrived that its current state does not allow (a bug or a venue anomaly)."""


class RetryableError(XorError):
    """A transient failure; the same call may succeed later."""

    code = "temporarily_unavailable"


class RateLimitedError(RetryableError):
    """The venue (or our own API) asked the caller to slow down."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: float, hint: str = "") -> None:
        super().__init__(message, hint)
        self.retry_after_s = retry_after_s


class RejectedError(XorError):
    """The venue definitively refused a request (insufficient funds, bad price, ...)."""


class UnknownOutcomeError(XorError):
    """The request may or may not have reached the venue: reconcile before acting again."""


class SubmissionRefusedError(XorError):
    """An order was stopped before it reached the venue (its intent could not be recorded,
    or this process no longer owns the bot: a stale fencing token). Nothing was sent."""


class FatalError(XorError):
    """The component cannot continue."""


class StrategyError(XorError):
    """User strategy code raised; the strategy is stopped, the process is not."""


class NotFoundError(InputError):
    """The object does not exist, or belongs to someone else (never say which: S1)."""

    code = "not_found"


class ConflictError(InputError):
    """The request contradicts the current state (duplicate name, wrong lifecycle state)."""

    code = "conflict"


class AuthenticationError(XorError):
    """Missing, expired or invalid credentials or token."""

    code = "unauthenticated"


class PermissionDeniedError(XorError):
    """Authenticated, but the role does not allow this action."""

    code = "forbidden"


class StepUpRequiredError(PermissionDeniedError):
    """A sensitive action needs a fresh MFA verification first."""

    code = "mfa_required"
