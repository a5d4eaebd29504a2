"""Liveness and readiness, for process supervisors and load balancers (public)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from xor_trading.api.deps import ContainerDep
from xor_trading.persistence.health import database_is_reachable

router = APIRouter(tags=["health"])


class HealthPublic(BaseModel):
    status: Literal["ok"]


class ReadinessPublic(BaseModel):
    status: Literal["ready", "not_ready"]
    database: Literal["ok", "unreachable"]


@router.get("/health", name="live", response_model=HealthPublic)
def live() -> HealthPublic:
    """The process answers (it may still be unable to serve: see ``/ready``)."""
    return HealthPublic(status="ok")


@router.get(
    "/ready",
    name="ready",
    response_model=ReadinessPublic,
    responses={503: {"model": ReadinessPublic}},
)
def ready(container: ContainerDep) -> ReadinessPublic | JSONResponse:
    """Ready when the database answers; 503 otherwise."""
    ok = database_is_reachable(container.database)
    body = ReadinessPublic(
        status="ready" if ok else "not_ready", database="ok" if ok else "unreachable"
    )
    if ok:
        return body
    return JSONResponse(body.model_dump(), status_code=503)
