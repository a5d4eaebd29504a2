"""Alert channels: Telegram, Discord, email and generic webhooks that receive your fills,
bot status changes, risk events and daily summaries.

Secrets are shown masked only. A webhook URL must be https (unless the operator allows
http) and resolve to public addresses only: a URL that reaches this server, a private
network or a cloud metadata address is refused with the reason (422, S11). Another
user's channel is 404 (S1).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request, status
from pydantic import SecretStr

from xor_trading.api.deps import ContainerDep, TraderPrincipal, ViewerPrincipal
from xor_trading.api.schemas.alert_channels import (
    AlertChannelCreate,
    AlertChannelPublic,
    AlertChannelUpdate,
    AlertDeliveryPublic,
    DiscordChannelCreate,
    EmailChannelCreate,
    TelegramChannelCreate,
)
from xor_trading.api.schemas.common import MAX_PAGE_SIZE, ErrorBody, Message, Page, page_of
from xor_trading.services.alert_channels import AlertChannelService, ChannelInput

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid access token."},
    403: {"model": ErrorBody, "description": "Role too low."},
    404: {"model": ErrorBody, "description": "No such channel among yours (or not yours)."},
    409: {"model": ErrorBody, "description": "The request contradicts the channel's state."},
    422: {"model": ErrorBody, "description": "Invalid request, or a refused destination."},
}
router = APIRouter(prefix="/alert-channels", tags=["alert-channels"], responses=_ERRORS)

ChannelId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The channel's id.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Rows to skip.")]


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _plain(value: object) -> object:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def _destination(body: Any) -> ChannelInput:
    if isinstance(body, TelegramChannelCreate):
        return ChannelInput(chat_id=body.chat_id, bot_token=body.bot_token.get_secret_value())
    if isinstance(body, DiscordChannelCreate):
        return ChannelInput(url=body.url.get_secret_value())
    if isinstance(body, EmailChannelCreate):
        return ChannelInput(email=body.email)
    return ChannelInput(
        url=body.url.get_secret_value(),
        signing_secret=body.signing_secret.get_secret_value() if body.signing_secret else None,
    )


@router.get("", name="list", response_model=Page[AlertChannelPublic])
def list_channels(
    principal: ViewerPrincipal, container: ContainerDep, limit: Limit = 50, offset: Offset = 0
) -> Page[AlertChannelPublic]:
    """Your alert channels, oldest first, secrets masked."""
    items, total = AlertChannelService(container).list_channels(
        principal, limit=limit, offset=offset
    )
    return page_of(AlertChannelPublic, items, total=total, limit=limit, offset=offset)


@router.post(
    "", name="create", response_model=AlertChannelPublic, status_code=status.HTTP_201_CREATED
)
def create_channel(
    body: Annotated[AlertChannelCreate, Body()],
    request: Request,
    principal: TraderPrincipal,
    container: ContainerDep,
) -> AlertChannelPublic:
    """A new channel. 422 names what is wrong: a webhook URL that is not https or does not
    resolve to public addresses only, a Discord URL not on discord.com, a token that is
    not a Telegram bot token, email while the server has no SMTP relay configured."""
    view = AlertChannelService(container).create(
        principal,
        kind=body.kind,
        label=body.label,
        events=[e.value for e in body.events],
        destination=_destination(body),
        enabled=body.enabled,
        ip=_ip(request),
    )
    return AlertChannelPublic.model_validate(view)


@router.get("/{channel_id}", name="get", response_model=AlertChannelPublic)
def get_channel(
    channel_id: ChannelId, principal: ViewerPrincipal, container: ContainerDep
) -> AlertChannelPublic:
    """One of your channels, secrets masked."""
    view = AlertChannelService(container).get(principal, channel_id)
    return AlertChannelPublic.model_validate(view)


@router.patch("/{channel_id}", name="update", response_model=AlertChannelPublic)
def update_channel(
    channel_id: ChannelId,
    body: AlertChannelUpdate,
    request: Request,
    principal: TraderPrincipal,
    container: ContainerDep,
) -> AlertChannelPublic:
    """Change the fields given (a new destination is checked like at creation)."""
    changes = {key: _plain(value) for key, value in body.model_dump(exclude_unset=True).items()}
    view = AlertChannelService(container).update(principal, channel_id, changes, ip=_ip(request))
    return AlertChannelPublic.model_validate(view)


@router.delete("/{channel_id}", name="delete", response_model=Message)
def delete_channel(
    channel_id: ChannelId, request: Request, principal: TraderPrincipal, container: ContainerDep
) -> Message:
    """Delete one of your channels and its delivery log."""
    AlertChannelService(container).delete(principal, channel_id, ip=_ip(request))
    return Message(message=f"alert channel {channel_id} deleted")


@router.post("/{channel_id}/test", name="test", response_model=AlertDeliveryPublic)
def test_channel(
    channel_id: ChannelId, principal: TraderPrincipal, container: ContainerDep
) -> AlertDeliveryPublic:
    """Send a test message now and return the result: ``sent``, ``failed`` (the receiver
    or the network failed) or ``refused`` (the destination fails the checks), with the
    reason. The attempt is recorded in the channel's deliveries."""
    result = AlertChannelService(container).send_test(principal, channel_id)
    return AlertDeliveryPublic.model_validate(result)


@router.get("/{channel_id}/deliveries", name="deliveries", response_model=Page[AlertDeliveryPublic])
def list_deliveries(
    channel_id: ChannelId,
    principal: ViewerPrincipal,
    container: ContainerDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AlertDeliveryPublic]:
    """The channel's delivery attempts, newest first."""
    items, total = AlertChannelService(container).deliveries(
        principal, channel_id, limit=limit, offset=offset
    )
    return page_of(AlertDeliveryPublic, items, total=total, limit=limit, offset=offset)
