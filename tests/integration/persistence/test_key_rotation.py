"""KEK rotation (S15): every sealed secret is re-wrapped, the old KEK then opens nothing,
and a secret that does not open aborts the rotation without changing anything."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from xor_trading.core.clock import TestClock
from xor_trading.domain.users import Role
from xor_trading.persistence.database import Database
from xor_trading.persistence.repositories import audit_log as audit_repo
from xor_trading.persistence.repositories import users as users_repo
from xor_trading.persistence.tables.alert_channels import AlertChannelRow
from xor_trading.persistence.tables.bot_webhook_secrets import BotWebhookSecretRow
from xor_trading.persistence.tables.exchange_credentials import ExchangeCredentialRow
from xor_trading.persistence.tables.users import UserRow
from xor_trading.persistence.types import new_id
from xor_trading.runtime.settings import Settings
from xor_trading.security.envelope import (
    EnvelopeCipher,
    KeyRing,
    SealedSecret,
    SecretTamperedError,
    aad_for,
)
from xor_trading.services.alert_delivery import channel_aad
from xor_trading.services.audit import datetime_of_ms, verify_audit_log
from xor_trading.services.auth_service import create_user_record, install_totp_seed
from xor_trading.services.container import Container, build_container
from xor_trading.services.exchange_key_service import credential_aad
from xor_trading.services.key_rotation import rewrap_all
from xor_trading.services.signal_webhooks import webhook_aad
from xor_trading.testing.seed_records import seed_bot

START_MS = 1_748_736_000_000
NEW_KEK = os.urandom(32)
TOTP_SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def container(database: Database, tmp_path: Path) -> Container:
    settings = Settings(data_dir=tmp_path / "data", password_hash_profile="test")
    return build_container(settings, clock=TestClock(START_MS), database=database)


def _user_with_secrets(container: Container, email: str) -> tuple[str, str]:
    """A user with a TOTP seed, an exchange credential, an alert channel and a bot webhook
    secret, all sealed; the user's and the credential's ids."""
    user_id = create_user_record(
        container, email=email, password="rotation test passphrase 7Qx", role=Role.TRADER
    )
    credential_id = new_id()
    sealed = container.cipher.seal(
        json.dumps({"api_key": "k", "secret": f"secret of {email}"}).encode(),
        credential_aad(user_id, credential_id),
    )
    now = datetime_of_ms(START_MS)
    with container.database.session() as session:
        row = users_repo.get_user_for_update(session, user_id)
        assert row is not None
        install_totp_seed(container, session, row, TOTP_SEED, active=True)
        session.add(
            ExchangeCredentialRow(
                id=credential_id, owner_id=user_id, exchange="binance", label="main",
                created_at=now, kek_id=sealed.kek_id, wrapped_dek=sealed.wrapped_dek,
                nonce=sealed.nonce, ciphertext=sealed.ciphertext, api_key_last4="",
                permissions="{}", warnings="[]", validated_at=now,
            )
        )  # fmt: skip
    channel_id = new_id()
    channel = container.cipher.seal(b"123:telegram-token", channel_aad(user_id, channel_id))
    bot_id = seed_bot(container.database, owner_id=user_id, name="b", now=now)
    hook = container.cipher.seal(b"webhook secret", webhook_aad(user_id, bot_id))
    with container.database.session() as session:
        session.add(
            AlertChannelRow(
                id=channel_id, owner_id=user_id, kind="telegram", label="phone", enabled=True,
                events="[]", target="42", kek_id=channel.kek_id, wrapped_dek=channel.wrapped_dek,
                nonce=channel.nonce, ciphertext=channel.ciphertext, created_at=now,
                updated_at=now,
            )
        )  # fmt: skip
        session.add(
            BotWebhookSecretRow(
                bot_id=bot_id, owner_id=user_id, kek_id=hook.kek_id, wrapped_dek=hook.wrapped_dek,
                nonce=hook.nonce, ciphertext=hook.ciphertext, created_at=now,
            )
        )  # fmt: skip
    return user_id, credential_id


def _sealed(container: Container) -> dict[str, tuple[SealedSecret, bytes]]:
    """Every sealed secret with its AAD, keyed ``cred:<id>`` / ``totp:<user id>``."""
    out: dict[str, tuple[SealedSecret, bytes]] = {}
    with container.database.read_session() as session:
        for c in session.scalars(select(ExchangeCredentialRow)):
            sealed = SealedSecret(c.kek_id, c.wrapped_dek, c.nonce, c.ciphertext)
            out[f"cred:{c.id}"] = (sealed, credential_aad(c.owner_id, c.id))
        for u in session.scalars(select(UserRow).where(UserRow.totp_ciphertext.is_not(None))):
            parts = (u.totp_kek_id, u.totp_wrapped_dek, u.totp_nonce, u.totp_ciphertext)
            assert None not in parts
            sealed = SealedSecret(*parts)  # type: ignore[arg-type]  # checked just above
            out[f"totp:{u.id}"] = (sealed, aad_for(u.id, "totp"))
        for ch in session.scalars(select(AlertChannelRow)):
            sealed = SealedSecret(ch.kek_id, ch.wrapped_dek, ch.nonce, ch.ciphertext)
            out[f"channel:{ch.id}"] = (sealed, channel_aad(ch.owner_id, ch.id))
        for wh in session.scalars(select(BotWebhookSecretRow)):
            sealed = SealedSecret(wh.kek_id, wh.wrapped_dek, wh.nonce, wh.ciphertext)
            out[f"webhook:{wh.bot_id}"] = (sealed, webhook_aad(wh.owner_id, wh.bot_id))
    return out


def test_rotation_rewraps_everything_and_the_old_kek_then_fails(container: Container) -> None:
    _user_with_secrets(container, "a@example.test")
    _user_with_secrets(container, "b@example.test")
    before = _sealed(container)
    old_id, old_kek = container.secrets.kek_id, container.secrets.kek
    ring = KeyRing({old_id: old_kek, "kek-new": NEW_KEK}, current="kek-new")

    report = rewrap_all(container, ring, actor_id="operator")
    counts = (report.credentials, report.totp_seeds, report.alert_channels, report.webhook_secrets)
    assert (report.kek_id, counts, report.already_current) == ("kek-new", (2, 2, 2, 2), 0)
    after = _sealed(container)
    assert after.keys() == before.keys()
    new_only = EnvelopeCipher(KeyRing({"kek-new": NEW_KEK}, current="kek-new"))
    old_only = EnvelopeCipher(KeyRing({old_id: old_kek}, current=old_id))
    for key, (sealed, aad) in after.items():
        old_sealed, _ = before[key]
        assert sealed.kek_id == "kek-new"
        assert sealed.ciphertext == old_sealed.ciphertext
        assert sealed.nonce == old_sealed.nonce
        assert new_only.open(sealed, aad) == old_only.open(old_sealed, aad)
        with pytest.raises(SecretTamperedError):
            old_only.open(sealed, aad)
        with pytest.raises(SecretTamperedError):
            old_only.open(dataclasses.replace(sealed, kek_id=old_id), aad)

    again = rewrap_all(container, ring)
    assert (again.credentials, again.totp_seeds, again.already_current) == (0, 0, 8)
    with container.database.read_session() as session:
        rotations, total = audit_repo.list_entries(session, action="keys.rotate")
    assert total == 2
    assert json.loads(rotations[-1].details) == {
        "credentials": 2,
        "mfa_seeds": 2,
        "alert_channels": 2,
        "webhooks": 2,
        "unchanged": 0,
    }
    assert verify_audit_log(container).ok


def test_a_secret_that_does_not_open_aborts_the_whole_rotation(container: Container) -> None:
    _, credential_id = _user_with_secrets(container, "a@example.test")
    _user_with_secrets(container, "b@example.test")
    with container.database.session() as session:
        row = session.get(ExchangeCredentialRow, credential_id)
        assert row is not None
        row.wrapped_dek = bytes([row.wrapped_dek[0] ^ 1]) + row.wrapped_dek[1:]
    before = _sealed(container)
    ring = KeyRing(
        {container.secrets.kek_id: container.secrets.kek, "kek-new": NEW_KEK}, current="kek-new"
    )
    with pytest.raises(SecretTamperedError):
        rewrap_all(container, ring)
    assert _sealed(container) == before  # nothing re-wrapped, nothing audited
    with container.database.read_session() as session:
        assert audit_repo.list_entries(session, action="keys.rotate")[1] == 0
