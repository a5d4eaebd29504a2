"""``user_stream_silent``: user data events dropped with a seeded probability (1: a silent
stream), apart from the request faults, whose draws it never changes."""

from __future__ import annotations

import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.exchanges.simulated.binance_server import FaultKind, FaultPlan, ScriptedFault
from xor_trading.exchanges.simulated.binance_server.faults import FaultInjector, FaultRecord

ORDER = "POST /api/v3/order"
SILENT = FaultKind.USER_STREAM_SILENT


def request_faults(injector: FaultInjector, n: int) -> list[str | None]:
    out = []
    for seq in range(n):
        fault = injector.decide(seq, ORDER)
        out.append(None if fault is None else fault.kind.value)
    return out


def test_parse_accepts_it_beside_request_kinds_outside_their_sum() -> None:
    plan = FaultPlan.parse("user_stream_silent=1,drop_request=0.5", 3)

    assert plan.probabilities == {SILENT: 1.0, FaultKind.DROP_REQUEST: 0.5}


def test_a_probability_above_one_is_refused() -> None:
    with pytest.raises(ConfigError, match="probabilities"):
        FaultPlan.parse("user_stream_silent=1.5", 3)


def test_silent_stream_drops_every_event_and_logs_each() -> None:
    injector = FaultInjector(FaultPlan(seed=1, probabilities={SILENT: 1.0}))

    dropped = [injector.drop_user_event(f"executionReport {k}") for k in ("NEW", "TRADE")]

    assert dropped == [True, True]
    assert injector.log == [
        FaultRecord(1, "WS user data executionReport NEW", SILENT, True, False),
        FaultRecord(2, "WS user data executionReport TRADE", SILENT, True, False),
    ]


def test_it_never_faults_a_request() -> None:
    injector = FaultInjector(FaultPlan(seed=1, probabilities={SILENT: 1.0}))

    assert request_faults(injector, 20) == [None] * 20


def test_partial_loss_is_seeded_and_leaves_request_draws_unchanged() -> None:
    requests_only = FaultPlan(seed=42, probabilities={FaultKind.DROP_REQUEST: 0.3})
    both = FaultPlan(seed=42, probabilities={FaultKind.DROP_REQUEST: 0.3, SILENT: 0.5})
    first, second = FaultInjector(both), FaultInjector(both)

    losses = [first.drop_user_event("executionReport TRADE") for _ in range(100)]

    assert losses == [second.drop_user_event("executionReport TRADE") for _ in range(100)]
    assert set(losses) == {True, False}
    assert request_faults(first, 200) == request_faults(FaultInjector(requests_only), 200)


def test_switching_it_keeps_the_request_generator_going() -> None:
    plan = FaultPlan(seed=7, probabilities={FaultKind.DROP_REQUEST: 0.5})
    switched, plain = FaultInjector(plan), FaultInjector(plan)

    head = request_faults(switched, 10)
    switched.set_user_stream_loss(1.0)
    on = switched.drop_user_event("executionReport NEW")
    switched.set_user_stream_loss(0.0)
    off = switched.drop_user_event("executionReport NEW")

    assert (on, off) == (True, False)
    assert head + request_faults(switched, 10) == request_faults(plain, 20)
    assert switched.plan.probabilities == {FaultKind.DROP_REQUEST: 0.5}


def test_it_cannot_be_scripted_on_a_request() -> None:
    with pytest.raises(ConfigError, match="user data stream"):
        FaultInjector(FaultPlan()).script(ScriptedFault(SILENT))
