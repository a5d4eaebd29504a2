"""The client-funds ledger invariant under random sequences of operations (Hypothesis).

After every operation, on SQLite and PostgreSQL:

* ``balance == sum(succeeded deposits) - sum(fee charges)`` read back from the database;
* ``balance >= 0``;
* the balance equals an independent model of the rules (test cards, idempotency keys,
  settle, fee = profit x rate rounded down to the cent and capped by the balance, one
  charge per trade, no fee on a loss, fee-plan changes).

Rejected operations (bad card, amount, reused key) must change nothing.
"""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xor_trading.core.clock import TestClock
from xor_trading.core.errors import ConflictError, InputError
from xor_trading.domain.users import Role
from xor_trading.persistence.database import Database
from xor_trading.persistence.repositories import client_funds as repo
from xor_trading.runtime.settings import Settings
from xor_trading.services.auth_service import create_user_record
from xor_trading.services.client_funds_service import ClientFundsService
from xor_trading.services.container import Container, build_container
from xor_trading.services.principal import Principal

CARDS = {
    "4242424242424242": "succeeded",
    "4000000000000002": "failed",
    "4000000000009995": "failed",
    "4000000000000259": "pending",
    "4242424242424241": "luhn",  # fails the Luhn check: refused, nothing recorded
}
CENT = Decimal("0.01")

deposits = st.tuples(
    st.just("deposit"),
    st.sampled_from(sorted(CARDS)),
    st.one_of(
        st.integers(min_value=100, max_value=12_000_000).map(lambda c: Decimal(c) / 100),
        st.sampled_from([Decimal("12.345"), Decimal("9.99"), Decimal("100000.01")]),
    ),
    st.sampled_from(["a", "b", "c", "d"]),  # few keys: replays happen often
)
charges = st.tuples(
    st.just("charge"),
    st.sampled_from(["t1", "t2", "t3", "t4", "t5"]),
    st.integers(min_value=-100_000, max_value=5_000_000).map(lambda c: Decimal(c) / 100),
)
rates = st.tuples(
    st.just("rate"), st.integers(min_value=0, max_value=5000).map(lambda r: Decimal(r) / 10_000)
)
operations = st.lists(
    st.one_of(deposits, charges, rates, st.just(("settle",))), min_size=1, max_size=12
)


@dataclass
class Model:
    """The rules, written independently of the service."""

    balance: Decimal = Decimal(0)
    rate: Decimal = Decimal("0.1")
    keys: dict[str, tuple[Decimal, str]] = field(default_factory=dict)
    pending: list[Decimal] = field(default_factory=list)
    charged: dict[str, Decimal] = field(default_factory=dict)

    def deposit(self, card: str, amount: Decimal, key: str) -> None:
        if key in self.keys or CARDS[card] == "luhn":
            return
        if amount != amount.quantize(CENT) or not Decimal(10) <= amount <= Decimal(100_000):
            return
        self.keys[key] = (amount, card)
        if CARDS[card] == "succeeded":
            self.balance += amount
        elif CARDS[card] == "pending":
            self.pending.append(amount)

    def settle(self) -> None:
        self.balance += sum(self.pending, Decimal(0))
        self.pending.clear()

    def charge(self, trade: str, profit: Decimal) -> None:
        if profit <= 0 or trade in self.charged:
            return
        due = (profit * self.rate).quantize(CENT, rounding=ROUND_DOWN)
        self.charged[trade] = profit
        self.balance -= min(due, self.balance)


@pytest.fixture
def container(database: Database, tmp_path: Path) -> Container:
    settings_ = Settings(data_dir=tmp_path / "data", password_hash_profile="test")
    return build_container(settings_, clock=TestClock(1_748_736_000_000), database=database)


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_the_ledger_invariant_holds_after_every_operation(
    container: Container, ops: list[tuple[object, ...]]
) -> None:
    # The database fixture lives across examples: each example is a new client.
    number = next(_users)
    admin_id = create_user_record(
        container,
        email=f"admin{number}@example.test",
        password=f"correct horse battery admin {number}",
        role=Role.ADMIN,
    )
    user_id = create_user_record(
        container,
        email=f"user{number}@example.test",
        password=f"correct horse battery user {number}",
        role=Role.TRADER,
    )
    client = Principal(user_id, Role.TRADER)
    admin = Principal(admin_id, Role.ADMIN)
    service = ClientFundsService(container)
    model = Model()
    for op in ops:
        match op:
            case ("deposit", str(card), Decimal() as amount, str(key)):
                with contextlib.suppress(InputError, ConflictError):
                    service.deposit(
                        client, amount=format(amount, "f"), card_number=card, idempotency_key=key
                    )
                model.deposit(card, amount, key)
            case ("charge", str(trade), Decimal() as drawn):
                # A trade closes once, with one profit: a repeat charge repeats it.
                profit = model.charged.get(trade, drawn)
                with container.database.session() as session:
                    service.charge_fee(session, user_id, f"{user_id}:{trade}", profit)
                model.charge(trade, profit)
            case ("rate", Decimal() as rate):
                service.set_fee_plan(admin, user_id, kind="profit_share", rate=rate)
                model.rate = rate
            case ("settle",):
                service.settle_pending(client)
                model.settle()
            case _:
                raise AssertionError(f"unknown operation {op}")
        with container.database.read_session() as session:
            deposited, fees = repo.ledger_totals(session, user_id)
            account = repo.find_account(session, user_id)
            balance = account.balance if account is not None else Decimal(0)
        assert balance == deposited - fees, op
        assert balance >= 0, op
        assert balance == model.balance, op


_users = itertools.count(1)
