"""Platform risk caps: the ceiling every bot's risk limits must stay under.

Everyone authenticated reads the caps (their bots must respect them); administrators
change them (raising any cap needs a fresh MFA verification, lowering does not) and read
their history. Lowering a cap does not rewrite existing bots: the answer lists those above
the new caps, and the runtime clamps them at start. See services/platform_risk_service.py.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from xor_trading.api.deps import AdminPrincipal, ContainerDep, ViewerPrincipal
from xor_trading.api.schemas.common import MAX_PAGE_SIZE, ErrorBody, Page, page_of
from xor_trading.api.schemas.platform_risk import (
    PlatformRiskLimitsPublic,
    PlatformRiskLimitsUpdate,
    PlatformRiskLimitsUpdated,
)
from xor_trading.services.platform_risk_service import PlatformRiskCaps, PlatformRiskService

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid access token."},
    403: {"model": ErrorBody, "description": "Not an administrator, or mfa_required (raise)."},
    404: {"model": ErrorBody, "description": "Not found."},
    409: {"model": ErrorBody, "description": "Another update saved a version in between."},
    422: {"model": ErrorBody, "description": "A cap out of range, no change, or no reason."},
}
router = APIRouter(prefix="/platform/risk-limits", tags=["platform"], responses=_ERRORS)

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Rows to skip.")]


@router.get("", name="get_risk_limits", response_model=PlatformRiskLimitsPublic)
def get_limits(principal: ViewerPrincipal, container: ContainerDep) -> PlatformRiskLimitsPublic:
    """The caps in force (version 0 with every cap null: none set yet)."""
    view = PlatformRiskService(container).current(principal)
    return PlatformRiskLimitsPublic.model_validate(view)


@router.put("", name="update_risk_limits", response_model=PlatformRiskLimitsUpdated)
def update_limits(
    body: PlatformRiskLimitsUpdate, principal: AdminPrincipal, container: ContainerDep
) -> PlatformRiskLimitsUpdated:
    """Save new caps as the next version. Raising any cap (a larger value, null for a cap
    that was set, allowing disabled limits) needs a fresh MFA verification. The answer
    lists the bots above the new caps; they are not changed."""
    caps = PlatformRiskCaps(**body.model_dump(exclude={"reason"}))
    result = PlatformRiskService(container).update(principal, caps, reason=body.reason)
    return PlatformRiskLimitsUpdated.model_validate(result)


@router.get("/history", name="risk_limits_history", response_model=Page[PlatformRiskLimitsPublic])
def limits_history(
    principal: AdminPrincipal, container: ContainerDep, limit: Limit = 50, offset: Offset = 0
) -> Page[PlatformRiskLimitsPublic]:
    """Every saved version of the caps, newest first."""
    items, total = PlatformRiskService(container).history(principal, limit=limit, offset=offset)
    return page_of(PlatformRiskLimitsPublic, items, total=total, limit=limit, offset=offset)
