"""Request budgets and size limits, applied before any route runs (S4, S7).

A pure ASGI middleware (no ``BaseHTTPMiddleware``: it wraps nothing it does not need, so
an allowed GET costs two dictionary-sized limiter hits and no extra task):

* requests with a valid access token: ``rate_limit_per_user_per_s`` units per user (a
  request costs one unit; a heavy read, :data:`HEAVY_READ_PATHS`, costs
  :data:`HEAVY_READ_COST`, so one tenant's flood of lists cannot starve the others: S7), the user
  taken from the token's ``sub`` without touching the database (verified tokens are
  cached until they expire, so the signature is checked once per token, not per request);
  a new token of the same user shares the budget. The verified claims are handed on in
  the ASGI scope (:func:`verified_claims`), so the route's authentication does not decode
  the token a second time;
* each user's heavy requests run one at a time per process (:class:`HeavyRequestGate`):
  the next waits until none of theirs runs, up to :data:`HEAVY_WAITING_PER_USER` wait in
  arrival order at no CPU cost, one beyond that is answered 429 (through the same
  tarpit, below) without spending budget. So a flooding user occupies one request slot
  per worker whatever their connection count, and the others' requests share the CPU
  with one of theirs at most (S7). A page loading three lists at once loses nothing
  measurable: the lists are CPU-bound Python, which one process runs one at a time
  under the GIL anyway, so in turn the first answer comes sooner and the last as soon;
* every other request (no token, or one that does not verify) and every WebSocket
  handshake: ``rate_limit_per_ip_per_s`` per client IP. Authenticated traffic is not
  also counted per IP, so users behind one NAT do not share a budget; an attacker's
  number of accounts is itself bounded by the register budget below;
* ``POST`` to the login, MFA, register and refresh endpoints: ``rate_limit_auth_per_min``
  per endpoint per IP, and per endpoint per email (login, register), per user (MFA
  token of the second login step, access token of ``/auth/mfa/*``);
* request bodies: at most ``max_request_body_bytes`` (413), JSON nested at most
  :data:`MAX_JSON_DEPTH` levels (422).

A client that keeps sending while refused (more than twenty refusals in two seconds:
many connections ignoring Retry-After) is refused everything for ten seconds, renewed
while it goes on (:mod:`.penalty_box`).

Over a budget the answer is 429 ``rate_limited`` with ``Retry-After`` (whole seconds,
at least 1) and the usual JSON error body, sent after the tarpit
(:func:`tarpit_delay_s`: ``rate_limit_refusal_delay_ms``, default 1 s, the shortest
Retry-After, so a client that honours it loses nothing, plus up to half as much again at
random: a client that ignores Retry-After is slowed by its own connections instead of
spending the CPU other users need, S7); a refused WebSocket handshake is closed with
code 4429. A denied hit does not consume budget, so a client that honours Retry-After
gets through.

The client IP is the socket peer; ``X-Forwarded-For`` is believed only when the peer is
one of ``trusted_proxies`` (then the right-most address not a trusted proxy is used).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import random
import re
from collections import deque
from collections.abc import AsyncIterator, Callable
from itertools import accumulate
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xor_trading.api.penalty_box import PenaltyBox
from xor_trading.api.schemas.common import ErrorBody
from xor_trading.core.clock import Clock
from xor_trading.core.errors import AuthenticationError
from xor_trading.security.tokens import AccessClaims
from xor_trading.services.container import Container
from xor_trading.sharedstate.rate_limiter import RateDecision, RateLimiter

API_PREFIX = "/api/v1"
MAX_JSON_DEPTH = 32
# Reads that scan many rows or compute: each costs HEAVY_READ_COST units of the per-user
# budget (100 units/s buys 100 ordinary requests or 10 of these: ten order lists a
# second is far more than a dashboard or a polling script needs). Priced near their cost:
# measured, listing 50 of 100,000 orders costs ~5 ms of server CPU plus the database's
# count, an ordinary authenticated read 0.15-0.3 ms. At 5 units a flooding tenant still
# got 40 lists/s through two workers and another tenant's p99 rose x3-x5 (S7).
HEAVY_READ_COST = 10
HEAVY_READ_PATHS = frozenset(
    f"{API_PREFIX}{path}"
    for path in (
        "/orders",
        "/fills",
        "/trades",
        "/positions",
        "/risk-events",
        "/analytics/pnl",
        "/analytics/strategies",
        "/market/candles",
        "/market/context",
        "/market/elliott",
        "/backtests",
        "/audit/entries",
        "/audit/verify",
    )
)
HEAVY_COMPUTE_PREFIX = f"{API_PREFIX}/market/indicators/"
# S7: the heavy requests of one user run this many at a time per worker process; up to
# HEAVY_WAITING_PER_USER more wait their turn; beyond, 429.
HEAVY_RUNNING_PER_USER = 1
HEAVY_WAITING_PER_USER = 8
WS_RATE_LIMITED_CLOSE_CODE = 4429
TOKEN_CACHE_SIZE = 10_000
# Key of ``scope["state"]`` holding ``(token, AccessClaims)`` of a request whose access token
# the middleware verified (and found unexpired) before the route runs.
CLAIMS_STATE_KEY = "xor.access_claims"

AUTH_ENDPOINTS = frozenset(
    f"{API_PREFIX}/auth/{name}" for name in ("login", "login/mfa", "register", "refresh")
)
AUTH_MFA_PREFIX = f"{API_PREFIX}/auth/mfa/"

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")

UserOfToken = Callable[[str], AccessClaims | None]
"""Verify an access token: its claims, or None if it is not valid (expiry aside: the
caller compares ``expires_at_s`` with its clock, as the cache outlives the check)."""


class RejectedRequest(Exception):  # noqa: N818 - a control-flow signal, not a failure
    """Answer the request with this error instead of running the route."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        hint: str,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint
        self.retry_after_s = retry_after_s


def json_depth(body: bytes) -> int:
    """How deeply the JSON text ``body`` nests arrays and objects (0 for a scalar);
    brackets inside strings do not count. Assumes well-formed JSON (garbage in: some
    number out, and the route refuses the body anyway)."""
    stripped = _JSON_STRING.sub(b'""', body)
    steps = (1 if b in b"[{" else -1 for b in _BRACKETS.findall(stripped))
    return max(accumulate(steps, initial=0))


def json_too_deep(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """``json_depth(body) > max_depth``, without scanning ordinary bodies: with at most
    ``max_depth`` opening brackets in all, the depth cannot exceed it."""
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return False
    return json_depth(body) > max_depth


def tarpit_delay_s(refusal_delay_s: float) -> float:
    """How long to hold a 429 before answering it: ``refusal_delay_s`` times a random
    factor in [1, 1.5].

    Why the fixed part (S7): the connection waits on a timer, which costs no CPU, so a
    flood that ignores Retry-After sends at most one request per connection per delay
    (measured: 500 ms let 128 connections send 256 refused requests/s, 1 s halves that).
    Why the random part: with a fixed delay, every connection of a flood refused in the
    same instant is answered in the same instant a second later and sends again at
    once; the flood stays one synchronised burst a second (64 requests on one worker in
    a few milliseconds), and another tenant's request that lands in it waits for all of
    them: measured, 45-105 ms instead of 9 ms. Spread over half a second, the same
    refusals cost the same CPU in slices too small to see (p99 11 ms).
    """
    return refusal_delay_s * random.uniform(1.0, 1.5)


def verified_user_of_token(container: Container) -> UserOfToken:
    """A :data:`UserOfToken` over the container's token codec, with a bounded cache of
    verified tokens (a token is cached only after its signature and claims checked out)."""
    cache: dict[str, AccessClaims] = {}

    def user_of_token(token: str) -> AccessClaims | None:
        cached = cache.get(token)
        if cached is not None:
            return cached
        try:
            claims = container.tokens.decode_access(token)
        except AuthenticationError:
            return None
        if len(cache) >= TOKEN_CACHE_SIZE:
            cache.clear()  # crude but bounded; refilled at one verification per token
        cache[token] = claims
        return claims

    return user_of_token


class _Lane:
    """One user's heavy requests: how many run, and the events of those waiting."""

    __slots__ = ("running", "waiting")

    def __init__(self) -> None:
        self.running = 0
        self.waiting: deque[anyio.Event] = deque()


class HeavyRequestGate:
    """Each user's heavy requests in flight: at most ``running`` of a user's run at once,
    up to ``waiting`` more wait in arrival order. Per process and event loop (not
    thread-safe; no lock is needed on one loop): with ``--workers N`` it is per worker.

    Why (S7): each worker serves every user on one event loop and a few threads. A user
    who sends many heavy reads at once (a flood, or the budget's worth of lists in one
    burst) would otherwise run them side by side, stacking up threads, database
    connections and CPU that other users' requests then queue behind. In turn, a user
    holds one slot per worker at most, whatever their connection count; the waiting
    requests cost no CPU (an event each).
    """

    def __init__(
        self, running: int = HEAVY_RUNNING_PER_USER, waiting: int = HEAVY_WAITING_PER_USER
    ) -> None:
        if running < 1 or waiting < 0:
            raise ValueError(f"running must be >= 1 and waiting >= 0, got {running}, {waiting}")
        self.running = running
        self.waiting = waiting
        self._lanes: dict[str, _Lane] = {}

    def admits(self, user: str) -> bool:
        """False when ``user`` already has ``waiting`` requests waiting: refuse the next."""
        lane = self._lanes.get(user)
        return lane is None or len(lane.waiting) < self.waiting

    def load(self, user: str) -> tuple[int, int]:
        """(running, waiting) heavy requests of ``user`` now."""
        lane = self._lanes.get(user)
        return (0, 0) if lane is None else (lane.running, len(lane.waiting))

    @contextlib.asynccontextmanager
    async def turn(self, user: str) -> AsyncIterator[None]:
        """Run the body as one of ``user``'s heavy requests: at once when fewer than
        ``running`` of theirs run, else when their turn comes. Call :meth:`admits` first:
        this never refuses."""
        lane = self._lanes.get(user)
        if lane is None:
            lane = self._lanes[user] = _Lane()
        if lane.running < self.running:
            lane.running += 1
        else:
            event = anyio.Event()
            lane.waiting.append(event)
            try:
                await event.wait()  # set by _release, which counted us as running
            except BaseException:
                if event.is_set():
                    self._release(user, lane)  # given a turn while being cancelled: pass it on
                else:
                    lane.waiting.remove(event)
                raise
        try:
            yield
        finally:
            self._release(user, lane)

    def _release(self, user: str, lane: _Lane) -> None:
        lane.running -= 1
        while lane.waiting and lane.running < self.running:
            lane.running += 1
            lane.waiting.popleft().set()
        if lane.running == 0 and not lane.waiting:
            del self._lanes[user]  # idle users cost no memory


class RateLimitMiddleware:
    """The ASGI middleware; build it with :meth:`for_container`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter,
        clock: Clock,
        user_of_token: UserOfToken,
        per_ip_per_s: int,
        per_user_per_s: int,
        auth_per_min: int,
        max_body_bytes: int,
        trusted_proxies: frozenset[str] = frozenset(),
        refusal_delay_s: float = 0.0,
        heavy_gate: HeavyRequestGate | None = None,
        penalty_box: PenaltyBox | None = None,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.clock = clock
        self.user_of_token = user_of_token
        self.per_ip_per_s = per_ip_per_s
        self.per_user_per_s = per_user_per_s
        self.auth_per_min = auth_per_min
        self.max_body_bytes = max_body_bytes
        self.trusted_proxies = trusted_proxies
        self.refusal_delay_s = refusal_delay_s
        self.heavy_gate = heavy_gate if heavy_gate is not None else HeavyRequestGate()
        self.penalty_box = penalty_box if penalty_box is not None else PenaltyBox()

    @classmethod
    def for_container(cls, app: ASGIApp, container: Container) -> RateLimitMiddleware:
        settings = container.settings
        return cls(
            app,
            limiter=container.rate_limiter,
            clock=container.clock,
            user_of_token=verified_user_of_token(container),
            per_ip_per_s=settings.rate_limit_per_ip_per_s,
            per_user_per_s=settings.rate_limit_per_user_per_s,
            auth_per_min=settings.rate_limit_auth_per_min,
            max_body_bytes=settings.max_request_body_bytes,
            trusted_proxies=frozenset(settings.trusted_proxies),
            refusal_delay_s=settings.rate_limit_refusal_delay_ms / 1000.0,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    # -- HTTP ----------------------------------------------------------------------------

    def _cost(self, heavy: bool) -> int:
        # A cost above the whole budget could never pass: cap it at the budget.
        return min(HEAVY_READ_COST, self.per_user_per_s) if heavy else 1

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        heavy_user: str | None = None  # set: a heavy request, run in its user's turn
        client: str | None = None  # who a refusal counts against (PenaltyBox)
        now_ms = self.clock.now_ms()
        try:
            ip = self._client_ip(scope)
            user = self._user_of(scope, now_ms)
            client = f"user:{user}" if user is not None else f"ip:{ip}"
            boxed_ms = self.penalty_box.remaining_ms(client, now_ms)
            if boxed_ms:
                raise _boxed(boxed_ms, "for your account" if user else "from your address")
            if user is not None:
                heavy = _is_heavy(scope)
                # Before the budget: a request refused here must not spend any of it.
                if heavy and not self.heavy_gate.admits(user):
                    raise self._too_busy()
                self._check(
                    f"user:{user}",
                    self.per_user_per_s,
                    1.0,
                    now_ms,
                    "for your account",
                    self._cost(heavy),
                )
                if heavy:
                    heavy_user = user
            else:
                self._check(f"ip:{ip}", self.per_ip_per_s, 1.0, now_ms, "from your address")
            body: bytes | None = None
            if scope["method"] in _BODY_METHODS and _may_have_body(scope):
                body = await self._read_body(scope, receive)
            path: str = scope["path"]
            if scope["method"] == "POST" and (
                path in AUTH_ENDPOINTS or path.startswith(AUTH_MFA_PREFIX)
            ):
                self._check_auth(path, ip, user, body, now_ms)
        except RejectedRequest as rejection:
            if rejection.status == 429 and client is not None:
                self.penalty_box.strike(client, now_ms)
            if rejection.status == 429 and self.refusal_delay_s > 0:
                await anyio.sleep(tarpit_delay_s(self.refusal_delay_s))
            await _send_error(scope, send, rejection)
            return
        app_receive = receive if body is None else _replay(body, receive)
        if heavy_user is None:
            await self.app(scope, app_receive, send)
            return
        async with self.heavy_gate.turn(heavy_user):
            await self.app(scope, app_receive, send)

    def _too_busy(self) -> RejectedRequest:
        gate = self.heavy_gate
        return RejectedRequest(
            429,
            "rate_limited",
            f"too many heavy requests for your account at once: at most {gate.running} "
            f"running and {gate.waiting} waiting",
            "wait for the answers to your earlier requests before sending more",
            retry_after_s=1.0,
        )

    def _check(
        self, key: str, limit: int, window_s: float, now_ms: int, whose: str, cost: int = 1
    ) -> None:
        decision = self.limiter.hit(key, limit, window_s, now_ms, cost)
        if not decision.allowed:
            raise _too_many(decision, limit, window_s, whose)

    def _check_auth(
        self, path: str, ip: str, user: str | None, body: bytes | None, now_ms: int
    ) -> None:
        endpoint = path.removeprefix(API_PREFIX)
        limit, window = self.auth_per_min, 60.0
        self._check(f"auth:{endpoint}:ip:{ip}", limit, window, now_ms, "from your address")
        identity = user
        fields = _json_object(body)
        email = fields.get("email")
        if isinstance(email, str) and email.strip():
            identity = "email:" + _digest(email.strip().lower())
        mfa_token = fields.get("mfa_token")
        if identity is None and isinstance(mfa_token, str):
            identity = "mfa:" + _digest(mfa_token)
        if identity is not None:
            self._check(f"auth:{endpoint}:{identity}", limit, window, now_ms, "for this account")

    def _user_of(self, scope: Scope, now_ms: int) -> str | None:
        token = _bearer_token(scope)
        if token is None:
            return None
        claims = self.user_of_token(token)
        if claims is None or claims.expires_at_s * 1000 <= now_ms:
            return None  # the route answers 401; the IP budget still applies
        state = scope.get("state")
        if state is None:
            state = scope["state"] = {}
        state[CLAIMS_STATE_KEY] = (token, claims)
        return claims.user_id

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            raise self._too_large()
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                chunks.clear()
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise self._too_large()
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and _is_json(scope) and json_too_deep(body):
            raise RejectedRequest(
                422,
                "invalid_request",
                f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels",
                "send a flatter document",
            )
        return body

    def _too_large(self) -> RejectedRequest:
        return RejectedRequest(
            413,
            "payload_too_large",
            f"the request body is larger than {self.max_body_bytes} bytes",
            "send a smaller body",
        )

    def _client_ip(self, scope: Scope) -> str:
        client = scope.get("client")
        peer = str(client[0]) if client else "unknown"
        if peer not in self.trusted_proxies:
            return peer
        forwarded = _header(scope, b"x-forwarded-for")
        if forwarded is None:
            return peer
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        for hop in reversed(hops):
            if hop not in self.trusted_proxies:
                return hop
        return peer

    # -- WebSocket -----------------------------------------------------------------------

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        ip = self._client_ip(scope)
        decision = self.limiter.hit(f"ip:{ip}", self.per_ip_per_s, 1.0, self.clock.now_ms())
        if not decision.allowed:
            await send(
                {
                    "type": "websocket.close",
                    "code": WS_RATE_LIMITED_CLOSE_CODE,
                    "reason": "rate limited",
                }
            )
            return
        await self.app(scope, receive, send)


def _is_heavy(scope: Scope) -> bool:
    """A read that scans many rows, or a computation: :data:`HEAVY_READ_PATHS`, and POSTs
    under :data:`HEAVY_COMPUTE_PREFIX`."""
    path: str = scope["path"]
    method: str = scope["method"]
    return (method == "GET" and path in HEAVY_READ_PATHS) or (
        method == "POST" and path.startswith(HEAVY_COMPUTE_PREFIX)
    )


def verified_claims(scope: Scope, token: str) -> AccessClaims | None:
    """The claims of ``token`` if this middleware verified it for this request (signature,
    type, times; unexpired when the request arrived), else ``None``: decode it then."""
    entry = (scope.get("state") or {}).get(CLAIMS_STATE_KEY)
    if entry is None or entry[0] != token:
        return None
    claims: AccessClaims = entry[1]
    return claims


def _boxed(remaining_ms: int, whose: str) -> RejectedRequest:
    seconds = max(1, math.ceil(remaining_ms / 1000))
    return RejectedRequest(
        429,
        "rate_limited",
        f"too many refused requests {whose}: every request is refused for {seconds} more seconds",
        "honour Retry-After: send nothing more until it has passed, then at most one "
        "request at a time per refusal",
        retry_after_s=remaining_ms / 1000,
    )


def _too_many(decision: RateDecision, limit: int, window_s: float, whose: str) -> RejectedRequest:
    per = "second" if window_s == 1.0 else f"{window_s:g} seconds"
    if window_s == 60.0:
        per = "minute"
    return RejectedRequest(
        429,
        "rate_limited",
        f"too many requests {whose}: at most {limit} per {per}",
        "wait for the number of seconds in the Retry-After header, then retry",
        retry_after_s=decision.retry_after_s,
    )


@functools.lru_cache(maxsize=256)
def _error_body_parts(code: str, message: str, hint: str) -> tuple[bytes, bytes]:
    """The JSON error body of (``code``, ``message``, ``hint``) split around its request
    id: ``before + json.dumps(request_id) + after`` is the body :class:`ErrorBody` gives.

    Built through ``ErrorBody`` once per distinct error (the messages come from a handful
    of budgets, so the cache holds a few entries), because under a flood most answers are
    429s: validating and dumping the model for each cost about a third of a rejection.
    """
    marker = "\x00request-id\x00"  # no real request id contains NUL
    body = ErrorBody(code=code, message=message, hint=hint, request_id=marker)
    text = json.dumps(body.model_dump(), separators=(",", ":"))
    before, found, after = text.partition(json.dumps(marker))
    if not found:  # pragma: no cover - json.dumps always writes the marker this way
        raise AssertionError("the request id is missing from the error body")
    return before.encode(), after.encode()


async def _send_error(scope: Scope, send: Send, rejection: RejectedRequest) -> None:
    state = scope.get("state") or {}
    before, after = _error_body_parts(rejection.code, rejection.message, rejection.hint)
    payload = before + json.dumps(str(state.get("request_id", ""))).encode() + after
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    if rejection.retry_after_s is not None:
        seconds = max(1, math.ceil(rejection.retry_after_s))
        headers.append((b"retry-after", str(seconds).encode()))
    if rejection.status == 413:
        # The unread rest of the body would be taken for the next request.
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": rejection.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect, as servers do

    return replay


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _bearer_token(scope: Scope) -> str | None:
    value = _header(scope, b"authorization")
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _may_have_body(scope: Scope) -> bool:
    length = _content_length(scope)
    if length is not None:
        return length > 0
    return _header(scope, b"transfer-encoding") is not None


def _is_json(scope: Scope) -> bool:
    content_type = _header(scope, b"content-type") or ""
    return "json" in content_type.lower()


def _json_object(body: bytes | None) -> dict[str, Any]:
    if not body:
        return {}
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or absurdly deep: the route answers
        return {}
    return value if isinstance(value, dict) else {}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
