"""Bots: configuration (every change a new version; rollback), deletion, lifecycle commands
and state history. Callers see and change only their own bots; another user's bot is 404.

Going live or loosening a risk limit (create, update, rollback) needs a fresh MFA
verification: 403 ``mfa_required`` otherwise.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status

from xor_trading.api.deps import ContainerDep, TraderPrincipal, ViewerPrincipal
from xor_trading.api.schemas.bots import (
    ID_PATTERN,
    BotCommandInput,
    BotCreate,
    BotPublic,
    BotRollbackInput,
    BotStateChangePublic,
    BotUpdate,
    BotVersionDiffPublic,
    BotVersionPublic,
    ConfigChangePublic,
)
from xor_trading.api.schemas.common import MAX_PAGE_SIZE, ErrorBody, Message, Page, page_of
from xor_trading.domain.bot_lifecycle import BotCommand, BotState
from xor_trading.services.bot_config import BotMode
from xor_trading.services.bot_service import BotService, BotSort
from xor_trading.services.principal import Principal

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid access token."},
    403: {"model": ErrorBody, "description": "Role too low, or mfa_required (step-up)."},
    404: {"model": ErrorBody, "description": "No such bot among yours (or not yours)."},
    409: {"model": ErrorBody, "description": "The bot's state or a name forbids it."},
    422: {"model": ErrorBody, "description": "Invalid request or configuration."},
}
router = APIRouter(prefix="/bots", tags=["bots"], responses=_ERRORS)

# Versions are stored as 32-bit integers on PostgreSQL: bound them before the query.
MAX_VERSION = 2_147_483_647

BotId = Annotated[str, Path(pattern=ID_PATTERN, description="The bot's id.")]
Version = Annotated[int, Path(ge=1, le=MAX_VERSION, description="A configuration version.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Rows to skip.")]


@router.get("", name="list", response_model=Page[BotPublic])
def list_bots(
    principal: ViewerPrincipal,
    container: ContainerDep,
    limit: Limit = 50,
    offset: Offset = 0,
    sort: Annotated[BotSort, Query(description="Column to sort by.")] = "created_at",
    direction: Annotated[Literal["asc", "desc"], Query(description="Sort order.")] = "asc",
    state: Annotated[BotState | None, Query(description="Only bots in this state.")] = None,
    mode: Annotated[BotMode | None, Query(description="Only paper or only live bots.")] = None,
    strategy: Annotated[
        str | None, Query(max_length=64, pattern=ID_PATTERN, description="Only this strategy.")
    ] = None,
) -> Page[BotPublic]:
    """Your bots (deleted ones excluded), filtered and sorted (ties broken by id)."""
    items, total = BotService(container).list_bots(
        principal,
        limit=limit,
        offset=offset,
        sort=sort,
        descending=direction == "desc",
        state=state,
        mode=mode,
        strategy=strategy,
    )
    return page_of(BotPublic, items, total=total, limit=limit, offset=offset)


@router.post("", name="create", response_model=BotPublic, status_code=status.HTTP_201_CREATED)
def create_bot(body: BotCreate, principal: TraderPrincipal, container: ContainerDep) -> BotPublic:
    """A new bot, idle, at configuration version 1. 422 names what is wrong (parameter,
    symbol, timeframe, risk limit); 409 for a name you already use; 403 ``mfa_required``
    for a live bot without a fresh MFA verification."""
    view = BotService(container).create(principal, body.model_dump())
    return BotPublic.model_validate(view)


@router.get("/{bot_id}", name="get", response_model=BotPublic)
def get_bot(bot_id: BotId, principal: ViewerPrincipal, container: ContainerDep) -> BotPublic:
    """One of your bots with the configuration in force."""
    return BotPublic.model_validate(BotService(container).get(principal, bot_id))


@router.patch("/{bot_id}", name="update", response_model=BotPublic)
def update_bot(
    bot_id: BotId, body: BotUpdate, principal: TraderPrincipal, container: ContainerDep
) -> BotPublic:
    """Change the configuration: only the fields given change (``params``, ``risk``,
    ``sizing`` and ``exits`` key by key); saved as the next version. Going live or
    loosening a risk limit needs a fresh MFA verification (403 ``mfa_required``)."""
    changes = body.model_dump(exclude_unset=True, exclude={"reason"})
    view = BotService(container).update(principal, bot_id, changes, reason=body.reason)
    return BotPublic.model_validate(view)


@router.delete("/{bot_id}", name="delete", response_model=Message)
def delete_bot(bot_id: BotId, principal: TraderPrincipal, container: ContainerDep) -> Message:
    """Delete an idle or stopped bot (409 otherwise). Its orders and trades stay readable."""
    BotService(container).delete(principal, bot_id)
    return Message(message=f"bot {bot_id} deleted")


def _command(
    container: ContainerDep,
    principal: Principal,
    bot_id: str,
    command: BotCommand,
    body: BotCommandInput | None,
) -> BotPublic:
    view = BotService(container).command(
        principal, bot_id, command, reason=body.reason if body else None
    )
    return BotPublic.model_validate(view)


@router.post("/{bot_id}/start", name="start", response_model=BotPublic)
def start_bot(
    bot_id: BotId,
    principal: TraderPrincipal,
    container: ContainerDep,
    body: BotCommandInput | None = None,
) -> BotPublic:
    """idle or stopped -> starting (409 naming the state otherwise)."""
    return _command(container, principal, bot_id, BotCommand.START, body)


@router.post("/{bot_id}/stop", name="stop", response_model=BotPublic)
def stop_bot(
    bot_id: BotId,
    principal: TraderPrincipal,
    container: ContainerDep,
    body: BotCommandInput | None = None,
) -> BotPublic:
    """Any state but idle and stopped -> stopped."""
    return _command(container, principal, bot_id, BotCommand.STOP, body)


@router.post("/{bot_id}/pause", name="pause", response_model=BotPublic)
def pause_bot(
    bot_id: BotId,
    principal: TraderPrincipal,
    container: ContainerDep,
    body: BotCommandInput | None = None,
) -> BotPublic:
    """A running bot (starting, monitoring, signal_detected, position_open,
    position_closed) -> paused."""
    return _command(container, principal, bot_id, BotCommand.PAUSE, body)


@router.post("/{bot_id}/resume", name="resume", response_model=BotPublic)
def resume_bot(
    bot_id: BotId,
    principal: TraderPrincipal,
    container: ContainerDep,
    body: BotCommandInput | None = None,
) -> BotPublic:
    """paused -> starting (the runtime reconciles again before trading)."""
    return _command(container, principal, bot_id, BotCommand.RESUME, body)


@router.get("/{bot_id}/versions", name="list_versions", response_model=Page[BotVersionPublic])
def list_versions(
    bot_id: BotId,
    principal: ViewerPrincipal,
    container: ContainerDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[BotVersionPublic]:
    """The bot's configuration versions, newest first."""
    items, total = BotService(container).list_versions(
        principal, bot_id, limit=limit, offset=offset
    )
    return page_of(BotVersionPublic, items, total=total, limit=limit, offset=offset)


@router.get("/{bot_id}/versions/{version}", name="get_version", response_model=BotVersionPublic)
def get_version(
    bot_id: BotId, version: Version, principal: ViewerPrincipal, container: ContainerDep
) -> BotVersionPublic:
    """One configuration version of the bot."""
    view = BotService(container).get_version(principal, bot_id, version)
    return BotVersionPublic.model_validate(view)


@router.get(
    "/{bot_id}/versions/{version}/diff", name="diff_version", response_model=BotVersionDiffPublic
)
def diff_version(
    bot_id: BotId,
    version: Version,
    against: Annotated[int, Query(ge=1, le=MAX_VERSION, description="The version to compare to.")],
    principal: ViewerPrincipal,
    container: ContainerDep,
) -> BotVersionDiffPublic:
    """The values that differ between version ``against`` (``old``) and ``version`` (``new``)."""
    changes = BotService(container).diff_versions(principal, bot_id, version, against)
    return BotVersionDiffPublic(
        bot_id=bot_id,
        version=version,
        against=against,
        changes=[ConfigChangePublic.model_validate(c) for c in changes],
    )


@router.post("/{bot_id}/versions/{version}/rollback", name="rollback", response_model=BotPublic)
def rollback(
    bot_id: BotId,
    version: Version,
    principal: TraderPrincipal,
    container: ContainerDep,
    body: BotRollbackInput | None = None,
) -> BotPublic:
    """Put version ``version``'s configuration back in force, saved as the next version.
    It is validated again; going live or loosening a risk limit needs a fresh MFA
    verification (403 ``mfa_required``)."""
    view = BotService(container).rollback(
        principal, bot_id, version, reason=body.reason if body else None
    )
    return BotPublic.model_validate(view)


@router.get(
    "/{bot_id}/state-history", name="state_history", response_model=Page[BotStateChangePublic]
)
def state_history(
    bot_id: BotId,
    principal: ViewerPrincipal,
    container: ContainerDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[BotStateChangePublic]:
    """The bot's lifecycle transitions, newest first."""
    items, total = BotService(container).state_history(
        principal, bot_id, limit=limit, offset=offset
    )
    return page_of(BotStateChangePublic, items, total=total, limit=limit, offset=offset)
