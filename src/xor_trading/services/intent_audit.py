"""The audit entry of a live order intent (ADR 0020), written by the intent journal.

:func:`live_intent_audit` gives the :data:`~xor_trading.persistence.intent_journal.IntentAudit`
of one live bot run: each intent appends ``order.intent`` to the hash-chained audit log in
the journal's transaction (actor: none, the bot acts for its owner; target: the client
order id). Details: the bot, its owner, the lease's fencing token (``lease_fence``),
symbol, side, type, quantity and prices as exact decimal strings, reduce-only. Paper
intents get none.
"""

from __future__ import annotations

from xor_trading.domain.orders import Order
from xor_trading.persistence.database import DbSession
from xor_trading.persistence.intent_journal import IntentAudit
from xor_trading.security.audit_chain import DetailValue
from xor_trading.services.audit import record_audit
from xor_trading.services.container import Container

__all__ = ["INTENT_ACTION", "live_intent_audit"]

INTENT_ACTION = "order.intent"


def live_intent_audit(
    container: Container, *, owner_id: str, bot_id: str, fencing_token: int
) -> IntentAudit:
    """The intent auditor of one run of a live bot."""

    def audit(session: DbSession, order: Order, client_order_id: str) -> None:
        details: dict[str, DetailValue] = {
            "bot_id": bot_id,
            "owner_id": owner_id,
            "lease_fence": fencing_token,  # "token" is refused in audit detail keys
            "engine_order_id": str(order.order_id),
            "symbol": str(order.symbol),
            "side": order.side.value,
            "type": order.order_type.value,
            "quantity": str(order.quantity),
            "reduce_only": order.reduce_only,
        }
        if order.limit_price is not None:
            details["limit_price"] = str(order.limit_price)
        if order.stop_price is not None:
            details["stop_price"] = str(order.stop_price)
        record_audit(
            session,
            container,
            actor_id=None,
            action=INTENT_ACTION,
            target_type="order",
            target_id=client_order_id,
            details=details,
        )

    return audit
