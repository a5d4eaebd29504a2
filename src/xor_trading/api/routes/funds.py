"""Client funds: the caller's prepaid fee balance, deposits, fee ledger; fee plans (admin).

Deposits go through the built-in payment simulator (see
:mod:`xor_trading.services.payment_simulator` for its test cards) and need an
``Idempotency-Key`` header: retrying with the same key returns the first deposit (200)
instead of charging again (201 for a new one).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response, status

from xor_trading.api.deps import AdminPrincipal, ContainerDep, TraderPrincipal, ViewerPrincipal
from xor_trading.api.schemas.common import MAX_PAGE_SIZE, Page, page_of
from xor_trading.api.schemas.funds import (
    AccountPublic,
    DepositCreate,
    DepositPublic,
    FeeChargePublic,
    FeePlanUpdate,
)
from xor_trading.services.client_funds_service import ClientFundsService

router = APIRouter(prefix="/funds", tags=["funds"])

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")]
Offset = Annotated[int, Query(ge=0, description="Rows to skip.")]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="A fresh random key per deposit (e.g. a UUID); reuse it only to retry.",
    ),
]


@router.get("/balance", name="balance", response_model=AccountPublic)
def balance(principal: ViewerPrincipal, container: ContainerDep) -> AccountPublic:
    """The caller's prepaid fee balance and fee plan (the account is created on first use)."""
    view = ClientFundsService(container).get_balance(principal)
    return AccountPublic.model_validate(view)


@router.post(
    "/deposits",
    name="deposit",
    response_model=DepositPublic,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": DepositPublic, "description": "Replay of an earlier deposit."}},
)
def deposit(
    body: DepositCreate,
    idempotency_key: IdempotencyKey,
    response: Response,
    principal: TraderPrincipal,
    container: ContainerDep,
) -> DepositPublic:
    """Top up the balance with a card through the payment simulator.

    A declined card gives a ``failed`` deposit (201); an invalid card number or amount is
    422 and records nothing; the same key with a different request is 409.
    """
    outcome = ClientFundsService(container).deposit(
        principal,
        amount=body.amount,
        card_number=body.card_number,
        idempotency_key=idempotency_key,
    )
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    return DepositPublic.model_validate(outcome.deposit)


@router.get("/deposits", name="list-deposits", response_model=Page[DepositPublic])
def list_deposits(
    principal: ViewerPrincipal,
    container: ContainerDep,
    limit: Limit = 50,
    offset: Offset = 0,
    deposit_status: Annotated[
        Literal["pending", "succeeded", "failed"] | None,
        Query(alias="status", description="Only deposits in this status."),
    ] = None,
) -> Page[DepositPublic]:
    """The caller's deposits, newest first."""
    items, total = ClientFundsService(container).list_deposits(
        principal, limit=limit, offset=offset, status=deposit_status
    )
    return page_of(DepositPublic, items, total=total, limit=limit, offset=offset)


@router.post("/deposits/settle", name="settle-deposits", response_model=list[DepositPublic])
def settle_deposits(principal: TraderPrincipal, container: ContainerDep) -> list[DepositPublic]:
    """Ask the provider about the caller's pending deposits; returns those it settled."""
    settled = ClientFundsService(container).settle_pending(principal)
    return [DepositPublic.model_validate(item) for item in settled]


@router.get("/fee-charges", name="list-fee-charges", response_model=Page[FeeChargePublic])
def list_fee_charges(
    principal: ViewerPrincipal,
    container: ContainerDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[FeeChargePublic]:
    """The fee ledger: fees charged to the caller for closed trades, newest first."""
    items, total = ClientFundsService(container).list_fee_charges(
        principal, limit=limit, offset=offset
    )
    return page_of(FeeChargePublic, items, total=total, limit=limit, offset=offset)


@router.put("/accounts/{user_id}/fee-plan", name="set-fee-plan", response_model=AccountPublic)
def set_fee_plan(
    user_id: str, body: FeePlanUpdate, principal: AdminPrincipal, container: ContainerDep
) -> AccountPublic:
    """Admin: set a user's fee plan (rate 0 to 0.5 of realised profit); audited."""
    view = ClientFundsService(container).set_fee_plan(
        principal, user_id, kind=body.kind, rate=body.rate
    )
    return AccountPublic.model_validate(view)
