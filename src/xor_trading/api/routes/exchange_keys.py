"""Your exchange API keys: add (validated with the exchange, needs a fresh MFA step-up),
list and read (masked), delete. Another user's key is 404 (S1).

Adding refuses a key that can withdraw funds or cannot trade (422, with the reason) and
stores a key without an IP restriction with a warning (S10).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status

from xor_trading.api.deps import ContainerDep, TraderPrincipal, ViewerPrincipal
from xor_trading.api.schemas.common import MAX_PAGE_SIZE, Message, Page, page_of
from xor_trading.api.schemas.exchange_keys import ExchangeKeyCreate, ExchangeKeyPublic
from xor_trading.services.exchange_key_service import ExchangeKeyService

router = APIRouter(prefix="/exchange-keys", tags=["exchange-keys"])

KeyId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The key's id.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Rows to skip.")]


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.post("", name="add", response_model=ExchangeKeyPublic, status_code=status.HTTP_201_CREATED)
def add_key(
    body: ExchangeKeyCreate, request: Request, principal: TraderPrincipal, container: ContainerDep
) -> ExchangeKeyPublic:
    """Validate the key with the exchange (read-only calls) and store it encrypted.

    403 ``mfa_required`` without a fresh MFA step-up; 422 when the key can withdraw, cannot
    trade or is refused by the exchange; 503 when the exchange cannot be reached.
    """
    view = ExchangeKeyService(container).add(
        principal,
        exchange=body.exchange,
        label=body.label,
        api_key=body.api_key,
        secret=body.secret.get_secret_value(),
        password=body.password.get_secret_value() if body.password else None,
        ip=_ip(request),
    )
    return ExchangeKeyPublic.model_validate(view)


@router.get("", name="list", response_model=Page[ExchangeKeyPublic])
def list_keys(
    principal: ViewerPrincipal, container: ContainerDep, limit: Limit = 50, offset: Offset = 0
) -> Page[ExchangeKeyPublic]:
    """Your keys, newest first, masked."""
    items, total = ExchangeKeyService(container).list_keys(principal, limit=limit, offset=offset)
    return page_of(ExchangeKeyPublic, items, total=total, limit=limit, offset=offset)


@router.get("/{key_id}", name="get", response_model=ExchangeKeyPublic)
def get_key(
    key_id: KeyId, principal: ViewerPrincipal, container: ContainerDep
) -> ExchangeKeyPublic:
    """One of your keys, masked."""
    return ExchangeKeyPublic.model_validate(ExchangeKeyService(container).get(principal, key_id))


@router.delete("/{key_id}", name="delete", response_model=Message)
def delete_key(
    key_id: KeyId, request: Request, principal: TraderPrincipal, container: ContainerDep
) -> Message:
    """Delete one of your keys; 409 while a bot uses it."""
    ExchangeKeyService(container).delete(principal, key_id, ip=_ip(request))
    return Message(message=f"exchange key {key_id} deleted")
