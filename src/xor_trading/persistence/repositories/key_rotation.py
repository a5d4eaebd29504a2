"""Every sealed secret of every table, for KEK rotation (services/key_rotation.py).

Two kinds today: exchange credentials (``exchange_credentials.kek_id/wrapped_dek``, see
repositories/exchange_credentials.py) and users' TOTP seeds (``users.totp_kek_id`` /
``totp_wrapped_dek``, here). A new sealed column must be added to the rotation too.
"""

from __future__ import annotations

from sqlalchemy import select

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.users import UserRow


def users_with_totp_for_update(session: DbSession) -> list[UserRow]:
    """Users holding a sealed TOTP seed, locked until the transaction ends."""
    return list(
        session.scalars(
            select(UserRow)
            .where(UserRow.totp_ciphertext.is_not(None))
            .order_by(UserRow.id)
            .with_for_update()
        )
    )


def set_totp_wrapped_dek(
    session: DbSession, row: UserRow, *, kek_id: str, wrapped_dek: bytes
) -> None:
    """Store a re-wrapped TOTP DEK; the seed's ciphertext does not change."""
    row.totp_kek_id = kek_id
    row.totp_wrapped_dek = wrapped_dek
    session.flush()
