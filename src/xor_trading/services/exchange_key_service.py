"""Users' exchange API keys: add (validated, sealed), list (masked), delete.

Contracts (S6, S9, S10, S15):

* **Add** needs the trader role and a fresh MFA step-up. The key is checked against the
  venue with read-only calls (:mod:`xor_trading.exchanges.ccxt_client.key_check`) before
  anything is stored: a key that can withdraw is refused (422), a key that cannot trade is
  refused (422), a key without an IP restriction is stored with a warning. The venue is
  reached at its real address, or at the server's ``exchange_url_overrides`` (never a
  URL from the user, S11).
* The API key, secret and passphrase are sealed together with the envelope cipher and
  the associated data ``aad_for(owner_id, credential_id)``; only the last four characters
  of the API key are stored in clear, to show it masked (``****abcd``). Nothing returned
  by this service contains the secret parts.
* **Delete**: the owner only (another user's key is *not found*, S1); refused while a
  bot uses the key (409).
* Every change is audited in its transaction (``exchange_key.add``, ``exchange_key.delete``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from xor_trading.core.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from xor_trading.domain.users import Role
from xor_trading.exchanges.ccxt_client.client import ApiCredentials
from xor_trading.exchanges.ccxt_client.key_check import KeyCheck, check_key
from xor_trading.persistence.repositories import exchange_credentials as credentials_repo
from xor_trading.persistence.tables.exchange_credentials import ExchangeCredentialRow
from xor_trading.persistence.types import new_id
from xor_trading.security.envelope import aad_for
from xor_trading.security.masking import mask_tail, visible_tail
from xor_trading.services.audit import datetime_of_ms, record_audit
from xor_trading.services.authentication import require_recent_mfa
from xor_trading.services.container import Container
from xor_trading.services.exchange_catalog import require_supported
from xor_trading.services.principal import Principal

__all__ = [
    "NO_IP_RESTRICTION_WARNING",
    "WITHDRAWALS_REFUSAL",
    "ExchangeKeyService",
    "ExchangeKeyView",
    "KeyPermissions",
    "credential_aad",
]

WITHDRAWALS_REFUSAL = "this key can withdraw funds; create a key with trading only"
NO_TRADING_REFUSAL = "this key cannot trade; enable spot trading on the key"
NO_IP_RESTRICTION_WARNING = (
    "this key is not restricted to IP addresses: anyone who obtains it can use it from "
    "anywhere; restrict it to this server's address on the exchange"
)
TRANSFERS_WARNING = (
    "this key can transfer funds between your accounts on the exchange; XOR never does, "
    "so consider disabling it"
)
UNKNOWN_RESTRICTIONS_WARNING = (
    "XOR cannot read this key's permissions on {exchange}: make sure it cannot withdraw "
    "funds and is restricted to this server's IP address"
)


def credential_aad(owner_id: str, credential_id: str) -> bytes:
    """The associated data sealing a credential: its owner and its row."""
    return aad_for(owner_id, credential_id)


@dataclass(frozen=True, slots=True)
class KeyPermissions:
    """What the venue said the key may do when it was validated (``None``: unknown)."""

    trading: bool
    withdrawals: bool | None
    transfers: bool | None
    ip_restricted: bool | None

    @classmethod
    def from_check(cls, check: KeyCheck) -> KeyPermissions:
        return cls(check.trading, check.withdrawals, check.transfers, check.ip_restricted)


@dataclass(frozen=True, slots=True)
class ExchangeKeyView:
    """A stored key as its owner sees it: never the secret, the key only masked."""

    id: str
    exchange: str
    label: str
    api_key_masked: str
    permissions: KeyPermissions
    warnings: list[str]
    created_at: datetime
    validated_at: datetime


def _view(row: ExchangeCredentialRow) -> ExchangeKeyView:
    perms = json.loads(row.permissions)
    return ExchangeKeyView(
        id=row.id,
        exchange=row.exchange,
        label=row.label,
        api_key_masked=mask_tail(row.api_key_last4),
        permissions=KeyPermissions(
            trading=bool(perms["trading"]),
            withdrawals=perms["withdrawals"],
            transfers=perms["transfers"],
            ip_restricted=perms["ip_restricted"],
        ),
        warnings=list(json.loads(row.warnings)),
        created_at=row.created_at,
        validated_at=row.validated_at,
    )


def _warnings(exchange: str, check: KeyCheck) -> list[str]:
    if not check.restrictions_known:
        return [UNKNOWN_RESTRICTIONS_WARNING.format(exchange=exchange)]
    warnings = []
    if not check.ip_restricted:
        warnings.append(NO_IP_RESTRICTION_WARNING)
    if check.transfers:
        warnings.append(TRANSFERS_WARNING)
    return warnings


class ExchangeKeyService:
    """Add, list and delete the caller's exchange keys."""

    def __init__(self, container: Container) -> None:
        self.container = container

    def _not_found(self) -> NotFoundError:
        return NotFoundError("no such exchange key", "GET /api/v1/exchange-keys lists your keys")

    def add(
        self,
        principal: Principal,
        *,
        exchange: str,
        label: str,
        api_key: str,
        secret: str,
        password: str | None = None,
        ip: str | None = None,
    ) -> ExchangeKeyView:
        """Validate the key with the venue, then store it sealed (see the module doc)."""
        if not principal.allows(Role.TRADER):
            raise PermissionDeniedError(
                "adding an exchange key needs the trader role", "ask an administrator"
            )
        require_recent_mfa(principal, self.container)
        require_supported(exchange)
        credentials = ApiCredentials(api_key=api_key, secret=secret, password=password)
        base_url = self.container.settings.exchange_url_overrides.get(exchange)
        # The venue is asked before the transaction opens: a slow venue must not hold
        # the database's write lock.
        check = check_key(exchange, credentials, base_url=base_url)
        if check.withdrawals:
            raise InputError(
                WITHDRAWALS_REFUSAL,
                "on the exchange, edit the key's restrictions to disable withdrawals (or "
                "create a new key with only reading and spot trading enabled), then add it",
            )
        if not check.trading:
            raise InputError(NO_TRADING_REFUSAL, "edit the key's restrictions on the exchange")
        warnings = _warnings(exchange, check)
        permissions = KeyPermissions.from_check(check)
        credential_id = new_id()
        sealed = self.container.cipher.seal(
            json.dumps(
                {"api_key": api_key, "secret": secret, "password": password},
                separators=(",", ":"),
            ).encode(),
            credential_aad(principal.user_id, credential_id),
        )
        now = datetime_of_ms(self.container.clock.now_ms())
        tail = visible_tail(api_key)
        row = ExchangeCredentialRow(
            id=credential_id,
            owner_id=principal.user_id,
            exchange=exchange,
            label=label,
            created_at=now,
            kek_id=sealed.kek_id,
            wrapped_dek=sealed.wrapped_dek,
            nonce=sealed.nonce,
            ciphertext=sealed.ciphertext,
            api_key_last4=tail,
            permissions=json.dumps(
                {
                    "trading": permissions.trading,
                    "withdrawals": permissions.withdrawals,
                    "transfers": permissions.transfers,
                    "ip_restricted": permissions.ip_restricted,
                },
                sort_keys=True,
                separators=(",", ":"),
            ),
            warnings=json.dumps(warnings),
            validated_at=now,
        )
        with self.container.database.session() as session:
            credentials_repo.add_credential(session, row)
            record_audit(
                session,
                self.container,
                actor_id=principal.user_id,
                action="exchange_key.add",
                target_type="exchange_key",
                target_id=credential_id,
                details={
                    "exchange": exchange,
                    "label": label,
                    "api_key_last4": tail,
                    "ip_restricted": permissions.ip_restricted,
                    "warnings": len(warnings),
                },
                ip=ip,
            )
        return _view(row)

    def list_keys(
        self, principal: Principal, *, limit: int = 50, offset: int = 0
    ) -> tuple[list[ExchangeKeyView], int]:
        """The caller's keys, newest first, and how many there are."""
        with self.container.database.read_session() as session:
            rows, total = credentials_repo.list_owned(
                session, principal.user_id, limit=limit, offset=offset
            )
            return [_view(row) for row in rows], total

    def get(self, principal: Principal, credential_id: str) -> ExchangeKeyView:
        with self.container.database.read_session() as session:
            row = credentials_repo.get_owned(session, principal.user_id, credential_id)
            if row is None:
                raise self._not_found()
            return _view(row)

    def delete(self, principal: Principal, credential_id: str, *, ip: str | None = None) -> None:
        """Delete the caller's key; 404 if it is not theirs, 409 while a bot uses it."""
        if not principal.allows(Role.TRADER):
            raise PermissionDeniedError(
                "deleting an exchange key needs the trader role", "ask an administrator"
            )
        with self.container.database.session() as session:
            row = credentials_repo.get_owned(
                session, principal.user_id, credential_id, for_update=True
            )
            if row is None:
                raise self._not_found()
            bots = credentials_repo.bots_using(session, credential_id)
            if bots:
                names = ", ".join(bots[:5]) + (" ..." if len(bots) > 5 else "")
                raise ConflictError(
                    f"this key is used by {len(bots)} bot(s): {names}",
                    "switch those bots to another key or delete them first",
                )
            record_audit(
                session,
                self.container,
                actor_id=principal.user_id,
                action="exchange_key.delete",
                target_type="exchange_key",
                target_id=credential_id,
                details={"exchange": row.exchange, "label": row.label},
                ip=ip,
            )
            credentials_repo.delete_credential(session, row)
