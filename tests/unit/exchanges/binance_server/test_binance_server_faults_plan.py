"""Fault plans: parsing the CLI form, seeded determinism, scripted one-shots."""

from __future__ import annotations

import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.exchanges.simulated.binance_server import FaultKind, FaultPlan, ScriptedFault
from xor_trading.exchanges.simulated.binance_server.faults import FaultInjector

ORDER = "POST /api/v3/order"


def decisions(plan: FaultPlan, endpoints: list[str]) -> list[tuple[str, bool] | None]:
    injector = FaultInjector(plan)
    out = []
    for seq, endpoint in enumerate(endpoints):
        fault = injector.decide(seq, endpoint)
        out.append(None if fault is None else (fault.kind.value, fault.applied))
    return out


def test_parse_reads_kinds_params_and_endpoints():
    plan = FaultPlan.parse("drop_request=0.1,error_1006=0.05,delay_s=5@POST /api/v3/order", 7)
    assert plan.seed == 7
    assert plan.probabilities == {FaultKind.DROP_REQUEST: 0.1, FaultKind.ERROR_1006: 0.05}
    assert plan.delay_s == 5.0
    assert plan.endpoints == frozenset({ORDER})


@pytest.mark.parametrize(
    "spec", ["drop=0.1", "drop_request", "drop_request=x", "drop_request=0.7,error_1006=0.5"]
)
def test_parse_bad_spec_is_config_error(spec: str):
    with pytest.raises(ConfigError):
        FaultPlan.parse(spec, 1)


def test_same_seed_same_requests_give_same_faults():
    plan = FaultPlan(
        seed=42, probabilities={FaultKind.DROP_REQUEST: 0.3, FaultKind.ERROR_1006: 0.3}
    )
    endpoints = [ORDER] * 200
    first = decisions(plan, endpoints)
    assert first == decisions(plan, endpoints)
    assert first != decisions(FaultPlan(seed=43, probabilities=plan.probabilities), endpoints)
    assert {d[0] for d in first if d} == {"drop_request", "error_1006"}
    assert {d[1] for d in first if d and d[0] == "error_1006"} == {True, False}


def test_endpoint_filter_spares_other_endpoints():
    plan = FaultPlan(
        seed=1, probabilities={FaultKind.DROP_REQUEST: 1.0}, endpoints=frozenset({ORDER})
    )
    assert decisions(plan, ["GET /api/v3/time", ORDER]) == [None, ("drop_request", False)]


def test_scripted_fault_is_one_shot_and_wins_over_the_plan():
    injector = FaultInjector(FaultPlan())
    injector.script(ScriptedFault(FaultKind.DROP_RESPONSE))
    assert injector.decide(1, "GET /api/v3/time") is None  # not its endpoint
    fault = injector.decide(2, ORDER)
    assert fault is not None
    assert (fault.kind, fault.applied) == (FaultKind.DROP_RESPONSE, True)
    assert injector.decide(3, ORDER) is None
    assert [(r.request_seq, r.scripted) for r in injector.log] == [(2, True)]
