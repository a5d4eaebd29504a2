"""Kill switches: stop trading now for one bot, one account, or everyone; re-arm; read.

Engaging never needs a step-up (stopping must always be easy); re-arming always does
(403 ``mfa_required``). A trader acts on their own bots and account (someone else's is
404); only an administrator engages or re-arms the global switch (403), and only an
administrator re-arms a switch an administrator engaged on a user. Engaging halts every
affected running bot; re-arming restarts nothing (each halted bot is stopped and started
again by its owner). See services/kill_switch_service.py.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from xor_trading.api.deps import ContainerDep, TraderPrincipal, ViewerPrincipal
from xor_trading.api.schemas.bots import ID_PATTERN
from xor_trading.api.schemas.common import MAX_PAGE_SIZE, ErrorBody, Page, page_of
from xor_trading.api.schemas.kill_switch import (
    KillSwitchEngage,
    KillSwitchEngaged,
    KillSwitchPublic,
    KillSwitchRearm,
    TradingStatusPublic,
)
from xor_trading.services.kill_switch_service import KillSwitchScope, KillSwitchService

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid access token."},
    403: {
        "model": ErrorBody,
        "description": "Role too low (global switch: admin), or mfa_required (re-arm).",
    },
    404: {"model": ErrorBody, "description": "No such switch, bot or account among yours."},
    409: {"model": ErrorBody, "description": "The switch is already re-armed."},
    422: {"model": ErrorBody, "description": "Invalid request (reason, scope, target)."},
}
router = APIRouter(prefix="/kill-switch", tags=["kill-switch"], responses=_ERRORS)

SwitchId = Annotated[str, Path(pattern=ID_PATTERN, description="The switch's id.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Rows to skip.")]


@router.post(
    "",
    name="engage",
    response_model=KillSwitchEngaged,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": KillSwitchEngaged, "description": "Was engaged: engaged again."}},
)
def engage(
    body: KillSwitchEngage, principal: TraderPrincipal, container: ContainerDep, response: Response
) -> KillSwitchEngaged:
    """Engage a switch: every affected running bot moves to ``halted`` now, and no bot it
    covers may start until it is re-armed. 201 when newly engaged; 200 when it was engaged
    already (the new reason is kept, a flatten once asked for stays asked for)."""
    result = KillSwitchService(container).engage(
        principal, body.scope, body.target, reason=body.reason, flatten=body.flatten
    )
    if not result.newly_engaged:
        response.status_code = status.HTTP_200_OK
    return KillSwitchEngaged.model_validate(result)


@router.get("", name="list", response_model=Page[KillSwitchPublic])
def list_switches(
    principal: ViewerPrincipal,
    container: ContainerDep,
    limit: Limit = 50,
    offset: Offset = 0,
    engaged: Annotated[
        bool | None,
        Query(description="true: engaged only; false: re-armed only; absent: the whole history."),
    ] = None,
    scope: Annotated[KillSwitchScope | None, Query(description="Only this scope.")] = None,
) -> Page[KillSwitchPublic]:
    """Switches newest first: the global ones and your account's and bots' (admins: all)."""
    items, total = KillSwitchService(container).list_switches(
        principal, engaged=engaged, scope=scope, limit=limit, offset=offset
    )
    return page_of(KillSwitchPublic, items, total=total, limit=limit, offset=offset)


@router.get("/status", name="status", response_model=TradingStatusPublic)
def trading_status(
    principal: ViewerPrincipal,
    container: ContainerDep,
    bot_id: Annotated[
        str | None, Query(pattern=ID_PATTERN, description="One of your bots; absent: your account.")
    ] = None,
) -> TradingStatusPublic:
    """Whether your bot (or your account) may trade, and the engaged switches that say no."""
    view = KillSwitchService(container).status(principal, bot_id)
    return TradingStatusPublic.model_validate(view)


@router.get("/{switch_id}", name="get", response_model=KillSwitchPublic)
def get_switch(
    switch_id: SwitchId, principal: ViewerPrincipal, container: ContainerDep
) -> KillSwitchPublic:
    """One switch you can see (global, your account's or your bots'; admins: any)."""
    return KillSwitchPublic.model_validate(KillSwitchService(container).get(principal, switch_id))


@router.post("/{switch_id}/rearm", name="rearm", response_model=KillSwitchPublic)
def rearm(
    switch_id: SwitchId, body: KillSwitchRearm, principal: TraderPrincipal, container: ContainerDep
) -> KillSwitchPublic:
    """Re-arm a switch (fresh MFA verification required: 403 ``mfa_required``). Halted bots
    stay halted: stop and start each again when it is safe."""
    view = KillSwitchService(container).rearm(principal, switch_id, reason=body.reason)
    return KillSwitchPublic.model_validate(view)
