"""The exception tree (core/errors.py): classification by what the caller should do."""

from __future__ import annotations

import pytest

from xor_trading.core.errors import (
    ConfigError,
    DataError,
    FatalError,
    InputError,
    InvalidOrderTransition,
    RateLimitedError,
    RejectedError,
    RetryableError,
    StrategyError,
    UnknownOutcomeError,
    UnknownSymbolError,
    XorError,
)


@pytest.mark.parametrize(
    ("cls", "parent"),
    [
        (InputError, XorError),
        (ConfigError, InputError),
        (DataError, InputError),
        (UnknownSymbolError, DataError),
        (InvalidOrderTransition, XorError),
        (RetryableError, XorError),
        (RateLimitedError, RetryableError),
        (RejectedError, XorError),
        (UnknownOutcomeError, XorError),
        (FatalError, XorError),
        (StrategyError, XorError),
        (XorError, Exception),
    ],
)
def test_error_class_parent_is_as_documented(cls: type[Exception], parent: type) -> None:
    assert cls.__bases__ == (parent,)


@pytest.mark.parametrize(
    "cls",
    [InvalidOrderTransition, RetryableError, RejectedError, UnknownOutcomeError, FatalError],
)
def test_error_not_caused_by_input_is_not_an_input_error(cls: type[XorError]) -> None:
    assert not issubclass(cls, InputError)


@pytest.mark.parametrize("cls", [RejectedError, UnknownOutcomeError, FatalError])
def test_error_that_must_not_be_retried_blindly_is_not_retryable(cls: type[XorError]) -> None:
    assert not issubclass(cls, RetryableError)


def test_xor_error_keeps_message_and_hint() -> None:
    err = ConfigError("bad period", "use a period of at least 1")
    assert err.message == "bad period"
    assert err.hint == "use a period of at least 1"
    assert str(err) == "bad period"
    assert err.args == ("bad period",)


def test_xor_error_hint_defaults_to_empty() -> None:
    assert XorError("boom").hint == ""


def test_one_line_with_hint_appends_hint_in_parentheses() -> None:
    assert ConfigError("bad period", "use 1 or more").one_line() == "bad period (use 1 or more)"


def test_one_line_without_hint_is_the_message() -> None:
    assert FatalError("disk full").one_line() == "disk full"


def test_rate_limited_error_carries_retry_after_and_hint() -> None:
    err = RateLimitedError("slow down", retry_after_s=2.5, hint="wait")
    assert err.retry_after_s == 2.5
    assert err.message == "slow down"
    assert err.hint == "wait"
    assert isinstance(err, RetryableError)


def test_rate_limited_error_hint_defaults_to_empty() -> None:
    assert RateLimitedError("slow down", 1.0).one_line() == "slow down"


def test_unknown_symbol_error_is_caught_as_input_error() -> None:
    with pytest.raises(InputError):
        raise UnknownSymbolError("no BTC/EUR", "use BTC/USDT")
