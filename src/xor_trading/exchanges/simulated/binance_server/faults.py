"""Seeded fault injection: which request meets which failure.

A :class:`FaultPlan` gives each :class:`FaultKind` a probability, optionally only for some
endpoints (``"POST /api/v3/order"``). For every matching request the injector draws
**one** number from ``random.Random(seed)``, so the same seed and the same request
sequence give the same faults (R17). Scripted faults (:meth:`FaultInjector.script`) are
one-shot and deterministic: the next matching request gets them, before any random draw.

What each kind does (the venue side; the client sees what section 2.4 of the
reliability spec lists):

| kind | order applied? | answer |
|---|---|---|
| drop_request | no | connection closed, no response |
| drop_response | yes | connection closed, no response |
| delay_response | yes | the answer, after ``delay_s`` (past the client's timeout) |
| error_1006 | ``applied`` | 500 ``{-1006}`` execution status unknown |
| error_1007 | ``applied`` | 408 ``{-1007}`` send status unknown |
| error_1000 | ``applied`` | 503 ``{-1000}`` unknown error |
| http_503_text / http_502_html / http_504_html | no | gateway pages |
| rate_limit_429 | no | 429 ``{-1003}`` + Retry-After; 418 ban if the client ignores it |
| timestamp_1021 | no | 400 ``{-1021}`` |
| maintenance_html | no | **200** with an HTML maintenance page |
| truncated_json | yes | 200 with the JSON cut in half |
| partial_fill | yes | the order fills in ``chunks`` parts, ``chunk_interval_ms`` apart |
| hidden_order | yes | the new order is invisible to queries for ``hidden_ms`` (R12) |

For the random plan, ``applied`` of the 5xx kinds is a second draw (a coin flip) from the
same generator. ``partial_fill`` and ``hidden_order`` only act on ``POST /api/v3/order``.

``user_stream_silent`` is not a request fault: its probability is the chance that each
user data event (an ``executionReport`` and the account update that goes with it) is
dropped instead of sent, drawn from a second generator seeded from the same seed (so the
request faults of a seed do not change). At 1 the user data stream is *silent*: its
connections stay open, answer pings and subscriptions, and deliver nothing, while REST
shows every order and trade. Its probability is not part of the request kinds' sum, the
``@endpoint`` filter does not apply to it, and it cannot be scripted;
:meth:`FaultInjector.set_user_stream_loss` switches it without touching the rest.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from enum import StrEnum

from xor_trading.core.errors import ConfigError


class FaultKind(StrEnum):
    DROP_REQUEST = "drop_request"
    DROP_RESPONSE = "drop_response"
    DELAY_RESPONSE = "delay_response"
    ERROR_1006 = "error_1006"
    ERROR_1007 = "error_1007"
    ERROR_1000 = "error_1000"
    HTTP_503_TEXT = "http_503_text"
    HTTP_502_HTML = "http_502_html"
    HTTP_504_HTML = "http_504_html"
    RATE_LIMIT_429 = "rate_limit_429"
    TIMESTAMP_1021 = "timestamp_1021"
    MAINTENANCE_HTML = "maintenance_html"
    TRUNCATED_JSON = "truncated_json"
    PARTIAL_FILL = "partial_fill"
    HIDDEN_ORDER = "hidden_order"
    USER_STREAM_SILENT = "user_stream_silent"  # user data events, not requests (module doc)


# Kinds that act on the user data stream's events; every other kind acts on requests.
STREAM_KINDS = frozenset({FaultKind.USER_STREAM_SILENT})
REQUEST_KINDS = tuple(k for k in FaultKind if k not in STREAM_KINDS)  # enum order: fixed
USER_STREAM = "WS user data"  # the "endpoint" of a dropped user data event in the log


# Kinds whose request reaches the matching engine no matter what (the rest decide below).
APPLIED_KINDS = frozenset(
    {
        FaultKind.DROP_RESPONSE,
        FaultKind.DELAY_RESPONSE,
        FaultKind.TRUNCATED_JSON,
        FaultKind.PARTIAL_FILL,
        FaultKind.HIDDEN_ORDER,
    }
)
# Kinds where "applied or not" is a choice (scripted) or a coin flip (random plan).
EITHER_KINDS = frozenset({FaultKind.ERROR_1006, FaultKind.ERROR_1007, FaultKind.ERROR_1000})
ORDER_ONLY_KINDS = frozenset({FaultKind.PARTIAL_FILL, FaultKind.HIDDEN_ORDER})
ORDER_ENDPOINT = "POST /api/v3/order"


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected fault, as decided for one request."""

    kind: FaultKind
    applied: bool
    delay_s: float = 3.0
    chunks: int = 3
    chunk_interval_ms: int = 200
    hidden_ms: int = 1000
    retry_after_s: int = 1


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """Random faults: ``probabilities`` per kind (their sum at most 1), for ``endpoints``.

    ``endpoints`` holds ``"METHOD /path"`` strings; empty means every endpoint.
    """

    seed: int = 0
    probabilities: dict[FaultKind, float] = field(default_factory=dict)
    endpoints: frozenset[str] = frozenset()
    delay_s: float = 3.0
    chunks: int = 3
    chunk_interval_ms: int = 200
    hidden_ms: int = 1000
    retry_after_s: int = 1

    def __post_init__(self) -> None:
        total = sum(p for k, p in self.probabilities.items() if k not in STREAM_KINDS)
        if any(not 0 <= p <= 1 for p in self.probabilities.values()) or total > 1:
            raise ConfigError(
                f"fault probabilities must be >= 0 and sum to at most 1, got {total}",
                "lower the probabilities, e.g. drop_request=0.1,error_1006=0.05",
            )
        if self.chunks < 1:
            raise ConfigError(f"chunks must be at least 1, got {self.chunks}", "use chunks=2..20")

    @classmethod
    def parse(cls, spec: str, seed: int) -> FaultPlan:
        """Parse the CLI form ``kind=p,kind=p,param=v[@METHOD /path|METHOD /path]``.

        Params: ``delay_s``, ``chunks``, ``chunk_interval_ms``, ``hidden_ms``,
        ``retry_after_s``. Example: ``drop_request=0.1,delay_s=5@POST /api/v3/order``.
        """
        body, _, endpoint_text = spec.partition("@")
        probabilities: dict[FaultKind, float] = {}
        params: dict[str, float] = {}
        for item in filter(None, (part.strip() for part in body.split(","))):
            name, sep, value = item.partition("=")
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if not sep or math.isnan(number):
                raise ConfigError(
                    f"fault spec item {item!r} is not NAME=NUMBER",
                    "write e.g. drop_request=0.1,error_1006=0.05@POST /api/v3/order",
                )
            if name in FaultKind.__members__.values():
                probabilities[FaultKind(name)] = number
            elif name in _PARAMS:
                params[name] = number
            else:
                known = ", ".join([*(k.value for k in FaultKind), *_PARAMS])
                raise ConfigError(f"unknown fault or parameter {name!r}", f"use one of: {known}")
        endpoints = frozenset(e.strip() for e in endpoint_text.split("|") if e.strip())
        return cls(
            seed=seed,
            probabilities=probabilities,
            endpoints=endpoints,
            delay_s=params.get("delay_s", 3.0),
            chunks=int(params.get("chunks", 3)),
            chunk_interval_ms=int(params.get("chunk_interval_ms", 200)),
            hidden_ms=int(params.get("hidden_ms", 1000)),
            retry_after_s=int(params.get("retry_after_s", 1)),
        )


_PARAMS = ("delay_s", "chunks", "chunk_interval_ms", "hidden_ms", "retry_after_s")


@dataclass(frozen=True, slots=True)
class ScriptedFault:
    """A one-shot fault for the next request to ``endpoint`` (None: any endpoint)."""

    kind: FaultKind
    endpoint: str | None = ORDER_ENDPOINT
    applied: bool | None = None  # None: the kind's default (applied for APPLIED_KINDS)
    delay_s: float = 3.0
    chunks: int = 3
    chunk_interval_ms: int = 200
    hidden_ms: int = 1000
    retry_after_s: int = 1


@dataclass(frozen=True, slots=True)
class FaultRecord:
    """What the injector decided for one request (the run's fault log); for a dropped user
    data event ``request_seq`` counts the events and ``endpoint`` is :data:`USER_STREAM`
    plus the event kind."""

    request_seq: int
    endpoint: str
    kind: FaultKind
    applied: bool
    scripted: bool


class FaultInjector:
    """Decides, per request, whether and which fault to inject (see the module docstring)."""

    def __init__(self, plan: FaultPlan) -> None:
        self.set_plan(plan)
        self._scripted: list[ScriptedFault] = []
        self.log: list[FaultRecord] = []

    @property
    def plan(self) -> FaultPlan:
        return self._plan

    def set_plan(self, plan: FaultPlan) -> None:
        self._plan = plan
        self._rng = random.Random(plan.seed)
        self._stream_rng = random.Random(f"{plan.seed}/user_stream")
        self._user_events = 0

    def set_user_stream_loss(self, probability: float) -> None:
        """Drop each user data event with ``probability`` from now on (1: a silent stream,
        0: none); the rest of the plan and both generators carry on."""
        probabilities = dict(self._plan.probabilities)
        probabilities.pop(FaultKind.USER_STREAM_SILENT, None)
        if probability:
            probabilities[FaultKind.USER_STREAM_SILENT] = probability
        self._plan = replace(self._plan, probabilities=probabilities)

    def drop_user_event(self, what: str) -> bool:
        """Whether the user data event ``what`` (e.g. ``"executionReport TRADE"``) is
        dropped (recorded in the log when it is)."""
        probability = self._plan.probabilities.get(FaultKind.USER_STREAM_SILENT, 0.0)
        if probability <= 0:
            return False
        self._user_events += 1
        if probability < 1 and self._stream_rng.random() >= probability:
            return False
        fault = Fault(FaultKind.USER_STREAM_SILENT, applied=True)
        self._record(self._user_events, f"{USER_STREAM} {what}", fault, scripted=False)
        return True

    def script(self, fault: ScriptedFault) -> None:
        if fault.kind in STREAM_KINDS:
            raise ConfigError(
                f"{fault.kind.value} acts on the user data stream, not on one request",
                "use FaultInjector.set_user_stream_loss (the handle's silence_user_stream)",
            )
        self._scripted.append(fault)

    def clear_scripted(self) -> None:
        self._scripted.clear()

    def decide(self, request_seq: int, endpoint: str) -> Fault | None:
        """The fault for this request (``endpoint`` is ``"METHOD /path"``), or None."""
        for i, scripted in enumerate(self._scripted):
            if scripted.endpoint is None or scripted.endpoint == endpoint:
                del self._scripted[i]
                fault = _from_scripted(scripted)
                self._record(request_seq, endpoint, fault, scripted=True)
                return fault
        plan = self._plan
        requests_faulted = any(k not in STREAM_KINDS for k in plan.probabilities)
        if not requests_faulted or (plan.endpoints and endpoint not in plan.endpoints):
            return None
        draw = self._rng.random()
        cumulative = 0.0
        for kind in REQUEST_KINDS:  # enum order: fixed, so a seed always means the same thing
            cumulative += plan.probabilities.get(kind, 0.0)
            if draw < cumulative:
                applied = kind in APPLIED_KINDS or (
                    kind in EITHER_KINDS and self._rng.random() < 0.5
                )
                if kind in ORDER_ONLY_KINDS and endpoint != ORDER_ENDPOINT:
                    return None
                fault = Fault(
                    kind,
                    applied,
                    plan.delay_s,
                    plan.chunks,
                    plan.chunk_interval_ms,
                    plan.hidden_ms,
                    plan.retry_after_s,
                )
                self._record(request_seq, endpoint, fault, scripted=False)
                return fault
        return None

    def _record(self, seq: int, endpoint: str, fault: Fault, *, scripted: bool) -> None:
        self.log.append(FaultRecord(seq, endpoint, fault.kind, fault.applied, scripted))


def _from_scripted(s: ScriptedFault) -> Fault:
    applied = s.applied if s.applied is not None else s.kind in APPLIED_KINDS
    return Fault(
        s.kind, applied, s.delay_s, s.chunks, s.chunk_interval_ms, s.hidden_ms, s.retry_after_s
    )
