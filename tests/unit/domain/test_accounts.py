"""The account ledger (domain/accounts.py): every balance change is an entry."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xor_trading.domain.accounts import Account, EntryKind, LedgerEntry

D = Decimal


def test_account_new_is_empty() -> None:
    acct = Account("USDT")
    assert acct.currency == "USDT"
    assert acct.entries == []
    assert acct.balance == acct.deposits == acct.realized_pnl == acct.fees == 0


def test_account_deposit_posts_positive_entry() -> None:
    acct = Account("USDT")
    acct.deposit(D("10000"), 5, "initial capital")
    assert acct.entries == [LedgerEntry(5, EntryKind.DEPOSIT, D("10000"), "initial capital")]
    assert acct.balance == D("10000")
    assert acct.deposits == D("10000")


@pytest.mark.parametrize("amount", ["0", "-0.01"])
def test_account_deposit_non_positive_raises_value_error_and_posts_nothing(amount: str) -> None:
    acct = Account("USDT")
    with pytest.raises(ValueError, match="a deposit must be positive"):
        acct.deposit(D(amount), 0)
    assert acct.entries == []
    assert acct.balance == 0


@pytest.mark.parametrize("amount", ["12.5", "-7.25"])
def test_account_book_realized_pnl_posts_signed_entry(amount: str) -> None:
    acct = Account("USDT")
    acct.book_realized_pnl(D(amount), 9, "O-1")
    assert acct.entries == [LedgerEntry(9, EntryKind.REALIZED_PNL, D(amount), "O-1")]
    assert acct.balance == D(amount)
    assert acct.realized_pnl == D(amount)


def test_account_book_realized_pnl_zero_adds_no_entry() -> None:
    acct = Account("USDT")
    acct.book_realized_pnl(D("0.000"), 1)
    assert acct.entries == []
    assert acct.realized_pnl == 0


def test_account_charge_fee_posts_negative_entry() -> None:
    acct = Account("USDT")
    acct.deposit(D(100), 0)
    acct.charge_fee(D("0.99959942"), 3, "T-1")
    assert acct.entries[-1] == LedgerEntry(3, EntryKind.FEE, D("-0.99959942"), "T-1")
    assert acct.fees == D("0.99959942")
    assert acct.balance == D("99.00040058")


def test_account_charge_fee_zero_adds_no_entry() -> None:
    acct = Account("USDT")
    acct.charge_fee(D(0), 1)
    assert acct.entries == []
    assert acct.fees == 0


def test_account_charge_fee_negative_raises_value_error_and_posts_nothing() -> None:
    acct = Account("USDT")
    with pytest.raises(ValueError, match="a fee cannot be negative"):
        acct.charge_fee(D("-0.00000001"), 0)
    assert acct.entries == []
    assert acct.fees == 0


def test_account_has_no_withdrawal_method() -> None:
    assert not hasattr(Account, "withdraw")
    assert not any("withdraw" in name.lower() for name in dir(Account))
    assert {k.name for k in EntryKind} == {"DEPOSIT", "REALIZED_PNL", "FEE"}


def test_ledger_entry_reference_defaults_to_empty() -> None:
    assert LedgerEntry(0, EntryKind.FEE, D(-1)).reference == ""


_amount = st.decimals(min_value=D("-1000000"), max_value=D("1000000"), places=8)
_ops = st.lists(
    st.one_of(
        st.tuples(st.just("deposit"), _amount.filter(lambda a: a > 0)),
        st.tuples(st.just("pnl"), _amount | st.just(D(0))),
        st.tuples(st.just("fee"), _amount.map(abs) | st.just(D(0))),
    ),
    max_size=60,
)


@given(_ops)
def test_account_random_entries_balance_equals_deposits_plus_pnl_minus_fees(
    ops: list[tuple[str, D]],
) -> None:
    acct = Account("USDT")
    deposits = pnl = fees = D(0)
    non_zero = 0
    for ts, (kind, amount) in enumerate(ops):
        if kind == "deposit":
            acct.deposit(amount, ts)
            deposits += amount
        elif kind == "pnl":
            acct.book_realized_pnl(amount, ts)
            pnl += amount
        else:
            acct.charge_fee(amount, ts)
            fees += amount
        non_zero += amount != 0
    assert acct.balance == deposits + pnl - fees
    assert acct.balance == acct.deposits + acct.realized_pnl - acct.fees
    assert (acct.deposits, acct.realized_pnl, acct.fees) == (deposits, pnl, fees)
    assert acct.balance == sum((e.amount for e in acct.entries), D(0))
    assert len(acct.entries) == non_zero
    assert [e.ts_ms for e in acct.entries] == sorted(e.ts_ms for e in acct.entries)
