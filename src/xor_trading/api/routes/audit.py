"""The audit log, for administrators: entries (filtered, newest first) and the hash
chain's verification status (S16)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from xor_trading.api.deps import AdminPrincipal, ContainerDep
from xor_trading.api.schemas.audit import AuditEntryPublic, AuditVerificationPublic
from xor_trading.api.schemas.common import MAX_PAGE_SIZE, Page, page_of
from xor_trading.services.audit import list_audit_entries, verify_audit_log

router = APIRouter(prefix="/audit", tags=["audit"])

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Rows to skip.")]
Text = Annotated[str | None, Query(min_length=1, max_length=64)]


@router.get("/entries", name="list", response_model=Page[AuditEntryPublic])
def list_entries(
    principal: AdminPrincipal,
    container: ContainerDep,
    limit: Limit = 50,
    offset: Offset = 0,
    action: Annotated[
        str | None,
        Query(min_length=1, max_length=64, description="Exact action, or a prefix ending in '.'."),
    ] = None,
    actor_id: Text = None,
    target_type: Text = None,
    target_id: Text = None,
) -> Page[AuditEntryPublic]:
    """Audit entries newest first, filtered by action, actor and target."""
    items, total = list_audit_entries(
        principal,
        container,
        action=action,
        actor_id=actor_id,
        target_type=target_type,
        target_id=target_id,
        limit=limit,
        offset=offset,
    )
    return page_of(AuditEntryPublic, items, total=total, limit=limit, offset=offset)


@router.get("/verify", name="verify", response_model=AuditVerificationPublic)
def verify(principal: AdminPrincipal, container: ContainerDep) -> AuditVerificationPublic:
    """Verify the whole hash chain and the stored checkpoints (reads every entry)."""
    result = verify_audit_log(container)
    return AuditVerificationPublic(
        ok=result.ok,
        checked=result.checked,
        first_broken_seq=result.first_broken_seq,
        reason=result.reason,
        head_seq=result.head.seq if result.head else None,
        head_hash=result.head.hash if result.head else None,
    )
