"""Client funds over HTTP (api/routes/funds.py) and the fee charge, on SQLite and PostgreSQL.

Covers: a deposit with each payment-simulator test card; idempotent replay (also by
racing threads) credits once; bad card numbers and amounts are 422 and record nothing;
fees on profit, none on loss, once per trade, never below a zero balance; the admin-only
fee plan, audited; user B never sees user A's money.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from xor_trading.core.errors import ConflictError
from xor_trading.domain.users import Role
from xor_trading.services.audit import list_audit_entries
from xor_trading.services.client_funds_service import ClientFundsService
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal

# The fixtures' types (tests/integration/api/conftest.py; conftest modules are not imported).
MakeUser = Any
UserHandle = Any

FUNDS = "/api/v1/funds"
SUCCEEDS = "4242424242424242"
DECLINED = "4000000000000002"
INSUFFICIENT = "4000000000009995"
DELAYED = "4000000000000259"


def deposit(
    client: TestClient,
    user: UserHandle,
    amount: str = "100.00",
    card: str = SUCCEEDS,
    key: str = "key-1",
) -> Any:
    return client.post(
        f"{FUNDS}/deposits",
        json={"amount": amount, "card_number": card},
        headers={**user.headers, "Idempotency-Key": key},
    )


def balance(client: TestClient, user: UserHandle) -> dict[str, Any]:
    response = client.get(f"{FUNDS}/balance", headers=user.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def deposits(client: TestClient, user: UserHandle, **params: Any) -> dict[str, Any]:
    response = client.get(f"{FUNDS}/deposits", params=params, headers=user.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def fund(container: Container, user: UserHandle, amount: str) -> None:
    outcome = ClientFundsService(container).deposit(
        Principal(user.id, Role.TRADER),
        amount=amount,
        card_number=SUCCEEDS,
        idempotency_key=f"fund-{amount}",
    )
    assert outcome.deposit.status == "succeeded"


def charge(container: Container, owner_id: str, trade_id: str, profit: str) -> Any:
    with container.database.session() as session:
        return ClientFundsService(container).charge_fee(
            session, owner_id, trade_id, Decimal(profit)
        )


def test_a_new_account_is_empty_with_the_default_plan_and_may_not_open_positions(
    client: TestClient, make_user: MakeUser
) -> None:
    user = make_user(role="viewer")
    body = balance(client, user)
    assert {k: body[k] for k in ("owner_id", "currency", "balance", "fee_kind", "fee_rate")} == {
        "owner_id": user.id,
        "currency": "USDT",
        "balance": "0",
        "fee_kind": "profit_share",
        "fee_rate": "0.1",
    }
    assert body["can_open_positions"] is False
    assert balance(client, user)["created_at"] == body["created_at"]  # created once


def test_the_succeeding_card_credits_the_balance(client: TestClient, make_user: MakeUser) -> None:
    user = make_user()
    response = deposit(client, user, amount="100.25", card="4242 4242 4242 4242")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["amount"] == "100.25"
    assert body["payment_method"] == "card ****4242"
    assert body["failure_reason"] is None
    assert body["settled_at"] is not None
    assert body["provider_reference"].startswith("simpay_")
    assert balance(client, user)["balance"] == "100.25"
    assert balance(client, user)["can_open_positions"] is True


@pytest.mark.parametrize(
    ("card", "reason"), [(DECLINED, "card declined"), (INSUFFICIENT, "insufficient funds")]
)
def test_declined_cards_record_a_failed_deposit_and_credit_nothing(
    client: TestClient, make_user: MakeUser, card: str, reason: str
) -> None:
    user = make_user()
    response = deposit(client, user, card=card)
    assert response.status_code == 201, response.text
    assert (response.json()["status"], response.json()["failure_reason"]) == ("failed", reason)
    assert balance(client, user)["balance"] == "0"
    listed = deposits(client, user)
    assert listed["total"] == 1
    assert listed["items"][0]["status"] == "failed"


def test_the_delayed_card_is_pending_until_the_next_settle_call(
    client: TestClient, make_user: MakeUser
) -> None:
    user = make_user()
    response = deposit(client, user, amount="50", card=DELAYED)
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert response.json()["settled_at"] is None
    assert balance(client, user)["balance"] == "0"
    assert deposits(client, user, status="pending")["total"] == 1

    settled = client.post(f"{FUNDS}/deposits/settle", headers=user.headers)
    assert settled.status_code == 200
    assert [(d["id"], d["status"]) for d in settled.json()] == [
        (response.json()["id"], "succeeded")
    ]
    assert balance(client, user)["balance"] == "50"
    assert deposits(client, user, status="pending")["total"] == 0

    again = client.post(f"{FUNDS}/deposits/settle", headers=user.headers)
    assert again.json() == []
    assert balance(client, user)["balance"] == "50"  # settled once


def test_an_idempotent_replay_returns_the_same_deposit_and_credits_once(
    client: TestClient, make_user: MakeUser
) -> None:
    user = make_user()
    first = deposit(client, user, amount="100", key="retry-me")
    replay = deposit(client, user, amount="100", key="retry-me")
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json() == first.json()
    assert balance(client, user)["balance"] == "100"
    assert deposits(client, user)["total"] == 1

    other = deposit(client, user, amount="200", key="retry-me")
    assert other.status_code == 409
    assert other.json()["code"] == "conflict"
    assert balance(client, user)["balance"] == "100"


def test_concurrent_requests_with_the_same_key_credit_once(
    client: TestClient, make_user: MakeUser
) -> None:
    user = make_user()
    statuses: list[int] = []
    ids: list[str] = []
    barrier = threading.Barrier(6)
    lock = threading.Lock()

    def send() -> None:
        barrier.wait()
        response = deposit(client, user, amount="40", key="raced")
        with lock:
            statuses.append(response.status_code)
            ids.append(response.json().get("id", ""))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 200, 200, 200, 200, 201]
    assert len(set(ids)) == 1
    assert balance(client, user)["balance"] == "40"
    assert deposits(client, user)["total"] == 1


# (amount, card number, the rejected field or the start of the service's sentence)
INVALID_DEPOSITS = [
    ("100.00", "4242424242424241", "the card number is invalid (it fails the Luhn check)"),
    ("100.00", "4242-4242-abcd-4242", "the card number must contain digits only"),
    ("9.99", SUCCEEDS, "the amount 9.99 is outside the provider's limits"),
    ("100000.01", SUCCEEDS, "the amount 100000.01 is outside the provider's limits"),
    ("100.125", SUCCEEDS, "amount"),  # 3 decimals: refused by the request schema
    ("-5", SUCCEEDS, "amount"),
    ("1e3", SUCCEEDS, "amount"),
    ("NaN", SUCCEEDS, "amount"),
]


def test_invalid_deposits_are_422_and_record_nothing(
    client: TestClient, make_user: MakeUser
) -> None:
    user = make_user()
    for index, (amount, card, expected) in enumerate(INVALID_DEPOSITS):
        response = deposit(client, user, amount=amount, card=card, key=f"bad-{index}")
        assert response.status_code == 422, (amount, card, response.text)
        body = response.json()
        if expected == "amount":
            assert body["code"] == "invalid_request"
            assert [d["field"] for d in body["details"]] == ["amount"]
        else:
            assert body["code"] == "invalid_input"
            assert body["message"].startswith(expected), body["message"]
            assert body["hint"]
    assert deposits(client, user)["total"] == 0
    assert balance(client, user)["balance"] == "0"


def test_a_deposit_needs_an_idempotency_key_and_no_unknown_fields(
    client: TestClient, make_user: MakeUser
) -> None:
    user = make_user()
    missing = client.post(
        f"{FUNDS}/deposits", json={"amount": "100", "card_number": SUCCEEDS}, headers=user.headers
    )
    assert missing.status_code == 422
    assert missing.json()["details"][0]["field"] == "header.Idempotency-Key"
    extra = client.post(
        f"{FUNDS}/deposits",
        json={"amount": "100", "card_number": SUCCEEDS, "status": "succeeded"},
        headers={**user.headers, "Idempotency-Key": "k"},
    )
    assert extra.status_code == 422
    assert deposits(client, user)["total"] == 0


def test_a_viewer_cannot_deposit(client: TestClient, make_user: MakeUser) -> None:
    viewer = make_user(role="viewer")
    assert deposit(client, viewer).status_code == 403
    assert deposits(client, viewer)["total"] == 0


def test_fees_are_charged_on_profit_once_per_trade_and_never_on_a_loss(
    client: TestClient, container: Container, clock: Any, make_user: MakeUser
) -> None:
    user = make_user()
    fund(container, user, "100")
    first = charge(container, user.id, "trade-1", "250")
    assert first is not None
    assert (first.rate, first.amount_due, first.amount, first.balance_after) == (
        Decimal("0.1"),
        Decimal("25"),
        Decimal("25"),
        Decimal("75"),
    )
    assert charge(container, user.id, "trade-2", "-40") is None
    assert charge(container, user.id, "trade-3", "0") is None
    clock.advance(1000)
    replay = charge(container, user.id, "trade-1", "250")
    assert replay is not None
    assert replay == first
    # Fees round down to the cent: 10 % of 0.129 is 0.0129 -> 0.01.
    small = charge(container, user.id, "trade-4", "0.129")
    assert small is not None
    assert small.amount == Decimal("0.01")

    assert balance(client, user)["balance"] == "74.99"
    ledger = client.get(f"{FUNDS}/fee-charges", headers=user.headers).json()
    assert ledger["total"] == 2
    assert [(c["trade_id"], c["amount_due"], c["amount"]) for c in ledger["items"]] == [
        ("trade-4", "0.01", "0.01"),  # newest first
        ("trade-1", "25", "25"),
    ]


def test_a_trade_charged_again_with_another_profit_is_a_conflict(
    container: Container, make_user: MakeUser
) -> None:
    user = make_user()
    fund(container, user, "100")
    assert charge(container, user.id, "trade-9", "10") is not None
    with pytest.raises(ConflictError, match="already charged"):
        charge(container, user.id, "trade-9", "11")
    other = make_user()
    with pytest.raises(ConflictError, match="already charged"):
        charge(container, other.id, "trade-9", "10")


def test_the_balance_floors_at_zero_and_then_bots_may_not_open_positions(
    client: TestClient, container: Container, make_user: MakeUser
) -> None:
    user = make_user()
    fund(container, user, "30")
    service = ClientFundsService(container)
    assert service.can_open_positions(user.id).allowed is True
    floored = charge(container, user.id, "big-win", "1000")  # 100 due, 30 available
    assert floored is not None
    assert (floored.amount_due, floored.amount, floored.balance_after) == (
        Decimal("100"),
        Decimal("30"),
        Decimal("0"),
    )
    after = charge(container, user.id, "next-win", "50")  # 5 due, nothing left
    assert after is not None
    assert (after.amount, after.balance_after) == (Decimal(0), Decimal(0))

    permission = service.can_open_positions(user.id)
    assert not permission
    assert "exhausted" in permission.reason
    assert "topped up" in permission.reason
    body = balance(client, user)
    assert (body["balance"], body["can_open_positions"]) == ("0", False)

    fund(container, user, "20")
    assert service.can_open_positions(user.id).allowed is True


def test_only_an_admin_sets_a_fee_plan_and_it_is_audited(
    client: TestClient, container: Container, make_user: MakeUser
) -> None:
    admin = make_user(role="admin")
    trader = make_user()
    url = f"{FUNDS}/accounts/{trader.id}/fee-plan"

    denied = client.put(url, json={"rate": "0.25"}, headers=trader.headers)
    assert denied.status_code == 403
    assert balance(client, trader)["fee_rate"] == "0.1"

    for bad in ("0.51", "0.12345", "-0.1"):
        assert client.put(url, json={"rate": bad}, headers=admin.headers).status_code == 422
    unknown = client.put(
        f"{FUNDS}/accounts/00000000-0000-4000-8000-000000000000/fee-plan",
        json={"rate": "0.2"},
        headers=admin.headers,
    )
    assert unknown.status_code == 404

    response = client.put(url, json={"kind": "profit_share", "rate": "0.25"}, headers=admin.headers)
    assert response.status_code == 200, response.text
    assert (response.json()["owner_id"], response.json()["fee_rate"]) == (trader.id, "0.25")
    assert balance(client, trader)["fee_rate"] == "0.25"

    fund(container, trader, "100")
    charged = charge(container, trader.id, "after-plan", "100")
    assert charged is not None
    assert charged.amount == Decimal("25")

    entries, total = list_audit_entries(
        Principal(admin.id, Role.ADMIN), container, action="funds.fee_plan.set"
    )
    assert total == 1
    assert entries[0].actor_id == admin.id
    assert entries[0].details == {
        "user_id": trader.id,
        "kind": "profit_share",
        "previous_rate": "0.1",
        "rate": "0.25",
    }


def test_a_zero_fee_plan_lets_bots_trade_without_a_balance(
    client: TestClient, container: Container, make_user: MakeUser
) -> None:
    admin = make_user(role="admin")
    trader = make_user()
    url = f"{FUNDS}/accounts/{trader.id}/fee-plan"
    assert client.put(url, json={"rate": "0"}, headers=admin.headers).status_code == 200
    assert ClientFundsService(container).can_open_positions(trader.id).allowed is True
    assert charge(container, trader.id, "free", "500") is not None
    assert balance(client, trader)["balance"] == "0"


def test_user_b_never_sees_user_a_money(
    client: TestClient, container: Container, make_user: MakeUser
) -> None:
    alice = make_user()
    bob = make_user()
    assert deposit(client, alice, amount="300", key="shared-key").status_code == 201
    charge(container, alice.id, "alice-trade", "100")

    assert deposits(client, bob) == {
        "items": [],
        "total": 0,
        "total_exact": True,
        "limit": 50,
        "offset": 0,
    }
    fees = client.get(f"{FUNDS}/fee-charges", headers=bob.headers).json()
    assert fees["total"] == 0
    assert balance(client, bob)["balance"] == "0"
    # Keys are per user: Bob's "shared-key" is a new deposit of his own, not Alice's.
    bobs = deposit(client, bob, amount="20", key="shared-key")
    assert bobs.status_code == 201
    assert balance(client, bob)["balance"] == "20"
    assert balance(client, alice)["balance"] == "290"
    assert alice.id not in bobs.text


def test_deposits_page_newest_first(client: TestClient, clock: Any, make_user: MakeUser) -> None:
    user = make_user()
    for index in range(3):
        assert deposit(client, user, amount=f"{10 + index}", key=f"k{index}").status_code == 201
        clock.advance(1000)
    page = deposits(client, user, limit=2, offset=0)
    assert (page["total"], page["limit"], [d["amount"] for d in page["items"]]) == (
        3,
        2,
        ["12", "11"],
    )
    assert [d["amount"] for d in deposits(client, user, limit=2, offset=2)["items"]] == ["10"]
    assert client.get(f"{FUNDS}/deposits?limit=501", headers=user.headers).status_code == 422
