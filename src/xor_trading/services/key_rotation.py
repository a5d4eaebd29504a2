"""KEK rotation: re-wrap every sealed secret's DEK under a new key-encryption key (S15).

The operator generates a new KEK, runs :func:`rewrap_all` with a ring holding the old
KEK(s) and the new one as ``current``, then sets ``XOR_KEK`` to the new KEK and drops the
old one: from then on the old KEK opens nothing. Only the wrapped DEKs change; the
secrets are never decrypted, and the ciphertexts stay as they are.

Sealed secrets today: exchange credentials (AAD ``aad_for(owner_id, credential_id)``),
users' TOTP seeds (AAD ``aad_for(user_id, "totp")``), alert channels' tokens and URLs
(``aad_for(owner_id, channel_id)``) and bots' webhook secrets
(``aad_for(owner_id, bot_id, "webhook")``). Everything happens in one
transaction: a secret that does not open (tampered, or sealed under a KEK missing from
the ring) aborts the rotation and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from xor_trading.persistence.repositories import alert_channels as channels_repo
from xor_trading.persistence.repositories import bot_webhook_secrets as webhook_secrets_repo
from xor_trading.persistence.repositories import exchange_credentials as credentials_repo
from xor_trading.persistence.repositories import key_rotation as rotation_repo
from xor_trading.security.envelope import (
    EnvelopeCipher,
    KeyRing,
    SealedSecret,
    SecretTamperedError,
    aad_for,
)
from xor_trading.services.alert_delivery import channel_aad
from xor_trading.services.audit import record_audit
from xor_trading.services.container import Container
from xor_trading.services.exchange_key_service import credential_aad
from xor_trading.services.signal_webhooks import webhook_aad

__all__ = ["TOTP_AAD_PURPOSE", "RotationReport", "rewrap_all"]

TOTP_AAD_PURPOSE = "totp"  # the second AAD part of a TOTP seed (services/auth_service.py)


@dataclass(frozen=True, slots=True)
class RotationReport:
    """How many secrets were re-wrapped, and how many already were under the new KEK."""

    kek_id: str
    credentials: int
    totp_seeds: int
    already_current: int
    alert_channels: int = 0
    webhook_secrets: int = 0


class _SealedRow(Protocol):
    """A row holding one sealed secret in the four envelope columns."""

    kek_id: str
    wrapped_dek: bytes
    nonce: bytes
    ciphertext: bytes


R = TypeVar("R", bound=_SealedRow)


def _rewrap_rows(
    cipher: EnvelopeCipher, current: str, rows: Iterable[R], aad: Callable[[R], bytes]
) -> tuple[int, int]:
    """Re-wrap each row's DEK in place; (re-wrapped, already current)."""
    rewrapped = already = 0
    for row in rows:
        if row.kek_id == current:
            already += 1
            continue
        sealed = SealedSecret(row.kek_id, row.wrapped_dek, row.nonce, row.ciphertext)
        new = cipher.rewrap(sealed, aad(row))
        row.kek_id, row.wrapped_dek = new.kek_id, new.wrapped_dek
        rewrapped += 1
    return rewrapped, already


def rewrap_all(
    container: Container, ring: KeyRing, *, actor_id: str | None = None
) -> RotationReport:
    """Re-wrap every sealed secret under ``ring.current``; audited as ``keys.rotate``.

    Raises :class:`~xor_trading.security.envelope.SecretTamperedError` (nothing changed)
    when a secret does not open with ``ring``.
    """
    cipher = EnvelopeCipher(ring)
    current = ring.current
    credentials = totp_seeds = already = 0
    with container.database.session() as session:
        for row in credentials_repo.all_for_update(session):
            if row.kek_id == current:
                already += 1
                continue
            sealed = SealedSecret(row.kek_id, row.wrapped_dek, row.nonce, row.ciphertext)
            rewrapped = cipher.rewrap(sealed, credential_aad(row.owner_id, row.id))
            credentials_repo.set_wrapped_dek(
                session, row, kek_id=rewrapped.kek_id, wrapped_dek=rewrapped.wrapped_dek
            )
            credentials += 1
        for user in rotation_repo.users_with_totp_for_update(session):
            if user.totp_kek_id == current:
                already += 1
                continue
            kek_id, wrapped, nonce = user.totp_kek_id, user.totp_wrapped_dek, user.totp_nonce
            if kek_id is None or wrapped is None or nonce is None or user.totp_ciphertext is None:
                raise SecretTamperedError(
                    f"user {user.id}'s TOTP seed is incomplete (a sealed column is empty)",
                    "reset that user's MFA, then rotate again",
                )
            sealed = SealedSecret(kek_id, wrapped, nonce, user.totp_ciphertext)
            rewrapped = cipher.rewrap(sealed, aad_for(user.id, TOTP_AAD_PURPOSE))
            rotation_repo.set_totp_wrapped_dek(
                session, user, kek_id=rewrapped.kek_id, wrapped_dek=rewrapped.wrapped_dek
            )
            totp_seeds += 1
        channels, unchanged = _rewrap_rows(
            cipher,
            current,
            channels_repo.all_for_update(session),
            lambda row: channel_aad(row.owner_id, row.id),
        )
        already += unchanged
        webhooks, unchanged = _rewrap_rows(
            cipher,
            current,
            webhook_secrets_repo.all_for_update(session),
            lambda row: webhook_aad(row.owner_id, row.bot_id),
        )
        already += unchanged
        record_audit(
            session,
            container,
            actor_id=actor_id,
            action="keys.rotate",
            target_type="kek",
            target_id=current,
            # "mfa_seeds", not "totp_seeds": the audit guard refuses keys that name a secret.
            details={
                "credentials": credentials,
                "mfa_seeds": totp_seeds,
                "alert_channels": channels,
                "webhooks": webhooks,
                "unchanged": already,
            },
        )
    return RotationReport(current, credentials, totp_seeds, already, channels, webhooks)
