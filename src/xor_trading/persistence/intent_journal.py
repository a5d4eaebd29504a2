"""The fenced intent journal: an order's intent on record before the venue hears of it.

:class:`FencedIntentJournal` implements :class:`~xor_trading.execution.ports.IntentJournal`
for one bot run by one worker under one lease. For each new order, in ONE committed
transaction: lock the bot's lease row and check that it still carries this worker's id
and fencing token, then insert the order's ``pending_submit`` row (the recorder's row,
:func:`~xor_trading.persistence.recorder.order_intent_row`). Otherwise nothing is
written and :class:`~xor_trading.core.errors.SubmissionRefusedError` is raised: the
execution engine marks the order DENIED and never sends it.

With ``audit_intent`` (live bots, ADR 0020) the same transaction also appends the intent's
entry to the hash-chained audit log: the intent, its row and its audit entry commit
together or not at all, so the log shows every live order the platform decided to send
before the venue heard of it. The callable comes from the services layer (the chain's
hashing lives in ``security``, which this layer may not import).

A database that refuses the write (down, locked too long, a client order id already on
record) refuses the submission the same way: no order is ever sent without its intent.
Attach the :class:`~xor_trading.persistence.recorder.BusRecorder` with
``intents_journaled=True`` so that the ``initialized`` event does not insert a second row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from xor_trading.core.clock import Clock
from xor_trading.core.crash_points import crash_point
from xor_trading.core.errors import SubmissionRefusedError
from xor_trading.domain.orders import Order
from xor_trading.persistence.database import Database, DbSession
from xor_trading.persistence.recorder import order_intent_row, to_datetime
from xor_trading.persistence.repositories.bot_leases import holds_lease
from xor_trading.persistence.repositories.orders import client_order_id_for, get_order_by_client_id

logger = logging.getLogger("xor.persistence")

IntentAudit = Callable[[DbSession, Order, str], None]
"""Appends the audit entry of ``order`` (its client order id given) in the session's
transaction."""


class FencedIntentJournal:
    """Records the intents of ``bot_id`` while ``worker_id`` holds its lease with
    ``fencing_token`` (see the module)."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        owner_id: str,
        bot_id: str,
        worker_id: str,
        fencing_token: int,
        audit_intent: IntentAudit | None = None,
    ) -> None:
        self._db = database
        self._audit_intent = audit_intent
        self._clock = clock
        self.owner_id = owner_id
        self.bot_id = bot_id
        self.worker_id = worker_id
        self.fencing_token = fencing_token

    def record_intent(self, order: Order) -> None:
        try:
            with self._db.session() as session:
                if not holds_lease(session, self.bot_id, self.worker_id, self.fencing_token):
                    raise SubmissionRefusedError(
                        f"this worker no longer owns bot {self.bot_id} (its lease no longer "
                        f"carries fencing token {self.fencing_token}); order {order.order_id} "
                        "was not sent",
                        "nothing to do: the worker that holds the lease now runs the bot",
                    )
                client_id = client_order_id_for(self.bot_id, order.order_id)
                if get_order_by_client_id(session, client_id) is not None:
                    raise SubmissionRefusedError(
                        f"order {order.order_id} of bot {self.bot_id} has a client order id "
                        "already on record; it was not sent",
                        "order ids must carry the lease's fencing token; report this bug",
                    )
                session.add(
                    order_intent_row(
                        self.owner_id, self.bot_id, order, to_datetime(self._clock.now_ms())
                    )
                )
                if self._audit_intent is not None:
                    self._audit_intent(session, order, client_id)
                crash_point("before_intent_commit")  # R4 tests only; a no-op otherwise
        except SQLAlchemyError as exc:
            logger.error("intent of order %s not recorded: %s", order.order_id, type(exc).__name__)
            raise SubmissionRefusedError(
                f"the intent of order {order.order_id} could not be recorded "
                f"({type(exc).__name__}); it was not sent",
                "check the database; the bot sends nothing it cannot record first",
            ) from exc
        crash_point("after_commit_before_send")
