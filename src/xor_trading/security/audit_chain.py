"""The audit log's hash chain: canonical entries, their hashes, and the verifier (S16).

Each entry's hash covers the previous entry's hash and the entry itself::

    h_0 = 32 zero bytes                      (GENESIS_HASH, hex)
    h_i = SHA-256(h_{i-1} || canonical_json(entry_i))

where ``h_{i-1}`` is the raw 32 bytes and ``canonical_json`` is UTF-8 JSON with sorted
keys and no whitespace over every stored field (``seq``, ``at_ms``, ``actor_id``,
``action``, ``target_type``, ``target_id``, ``ip``, ``details``). ``details`` is hashed as
the stored canonical JSON text, so what is stored is exactly what is hashed.

Sequence numbers start at 1 and have no gaps. A modified, deleted, inserted or reordered
entry breaks the chain at the first affected sequence number, unless the attacker
recomputes every later hash; that (and truncating the tail) is caught by comparing with a
checkpoint (seq, hash) the operator exported earlier (:meth:`ChainVerifier.finish`).

Pure code: no database. The verifier consumes entries in batches so that a long log
is checked in constant memory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from json.encoder import encode_basestring as _encode_string  # C, ensure_ascii=False

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "ChainVerifier",
    "Checkpoint",
    "DetailValue",
    "VerifyResult",
    "canonical_details",
    "canonical_json",
    "chain_hash",
    "make_entry",
    "verify",
]

GENESIS_HASH = "0" * 64
DetailValue = str | int | bool | None
"""What an audit detail may hold: no floats, nothing nested."""


def _text(value: str | None) -> str:
    """A JSON string (or ``null``) exactly as ``canonical_json`` writes it."""
    return "null" if value is None else _encode_string(value)


def canonical_json(value: object) -> bytes:
    """UTF-8 JSON with sorted keys and no whitespace: one byte string per value."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def canonical_details(details: Mapping[str, DetailValue] | None) -> str:
    """The stored text of an entry's details (``{}`` when there are none).

    Values must be strings, integers, booleans or ``None`` (no floats: their text is not
    portable between JSON encoders, and money in details is passed as a string).
    """
    items = dict(details or {})
    for key, value in items.items():
        if not isinstance(key, str):
            raise TypeError(f"audit detail keys must be strings, got {key!r}")
        if value is not None and not isinstance(value, str | int | bool):
            raise TypeError(f"audit detail {key!r} must be str, int, bool or None")
    return canonical_json(items).decode()


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry as stored; ``at_ms`` is UTC epoch milliseconds, hashes are hex."""

    seq: int
    at_ms: int
    actor_id: str | None
    action: str
    target_type: str
    target_id: str | None
    ip: str | None
    details: str
    prev_hash: str
    hash: str

    def body(self) -> bytes:
        """The canonical bytes this entry contributes to its hash: exactly
        ``canonical_json`` of the eight stored fields, built directly because verifying
        a long log spends most of its time here (the unit tests pin the equality)."""
        return (
            f'{{"action":{_text(self.action)},"actor_id":{_text(self.actor_id)},'
            f'"at_ms":{int(self.at_ms)},"details":{_text(self.details)},'
            f'"ip":{_text(self.ip)},"seq":{int(self.seq)},'
            f'"target_id":{_text(self.target_id)},"target_type":{_text(self.target_type)}}}'
        ).encode()


def chain_hash(prev_hash: str, body: bytes) -> str:
    """``SHA-256(bytes.fromhex(prev_hash) || body)`` as 64 hex characters."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + body).hexdigest()


def make_entry(
    *,
    prev_hash: str,
    seq: int,
    at_ms: int,
    actor_id: str | None,
    action: str,
    target_type: str,
    target_id: str | None,
    ip: str | None,
    details: str,
) -> AuditEntry:
    """The entry ``seq`` following an entry whose hash is ``prev_hash``, with its hash."""
    unsealed = AuditEntry(
        seq, at_ms, actor_id, action, target_type, target_id, ip, details, prev_hash, ""
    )
    return replace(unsealed, hash=chain_hash(prev_hash, unsealed.body()))


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The head of the log at some moment, exported by the operator (``xor audit checkpoint``)."""

    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome of a verification.

    ``checked`` counts the entries read (up to and including the first broken one).
    ``first_broken_seq`` is the first sequence number that is missing, altered or out of
    place (``None`` when ``ok``); ``reason`` says what was wrong, or ``"ok"``.
    """

    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str
    head: Checkpoint | None = None


class ChainVerifier:
    """Feed entries in ascending ``seq`` order (any batch size); then :meth:`finish`.

    Stops checking at the first break; later entries are only counted as not checked.
    """

    def __init__(self) -> None:
        self._expected_seq = 1
        self._prev_hash = GENESIS_HASH
        self._checked = 0
        self._broken: tuple[int, str] | None = None
        self._hash_at: dict[int, str] = {}
        self._watch: set[int] = set()

    @property
    def broken(self) -> bool:
        return self._broken is not None

    def watch(self, seqs: Iterable[int]) -> None:
        """Remember the hashes at these sequence numbers (checkpoints to compare)."""
        self._watch.update(seqs)

    def feed(self, entries: Iterable[AuditEntry]) -> None:
        if self._broken is not None:
            return
        for entry in entries:
            self._checked += 1
            problem = self._check(entry)
            if problem is not None:
                self._broken = problem
                return
            self._prev_hash = entry.hash
            self._expected_seq += 1
            if entry.seq in self._watch:
                self._hash_at[entry.seq] = entry.hash

    def _check(self, entry: AuditEntry) -> tuple[int, str] | None:
        expected = self._expected_seq
        if entry.seq > expected:
            return expected, f"entry {expected} is missing (the next entry is {entry.seq})"
        if entry.seq < expected:
            return expected, f"entry {entry.seq} appears again where {expected} was expected"
        if entry.prev_hash != self._prev_hash:
            return expected, f"entry {expected} does not link to the entry before it"
        if chain_hash(self._prev_hash, entry.body()) != entry.hash:
            return expected, f"entry {expected} was altered (its hash does not match)"
        return None

    def finish(self, checkpoints: Iterable[Checkpoint] = ()) -> VerifyResult:
        """The result, also comparing the log with exported ``checkpoints``.

        A checkpoint beyond the end of the log means the tail was truncated; a
        checkpoint whose hash differs means the chain was rewritten up to there.
        Call :meth:`watch` with the checkpoints' seqs before feeding.
        """
        if self._broken is not None:
            seq, reason = self._broken
            return VerifyResult(False, self._checked, seq, reason)
        last_seq = self._expected_seq - 1
        head = Checkpoint(last_seq, self._prev_hash) if last_seq else None
        for point in sorted(checkpoints, key=lambda c: c.seq):
            if point.seq > last_seq:
                return VerifyResult(
                    False,
                    self._checked,
                    last_seq + 1,
                    f"the log ends at entry {last_seq} but checkpoint {point.seq} exists: "
                    "the tail was truncated",
                    head,
                )
            if point.seq >= 1 and self._hash_at.get(point.seq) != point.hash:
                return VerifyResult(
                    False,
                    self._checked,
                    point.seq,
                    f"entry {point.seq} differs from its checkpoint: the log was rewritten",
                    head,
                )
        return VerifyResult(True, self._checked, None, "ok", head)


def verify(entries: Iterable[AuditEntry], checkpoints: Iterable[Checkpoint] = ()) -> VerifyResult:
    """Verify a whole log (entries in ascending ``seq`` order) against ``checkpoints``."""
    points = list(checkpoints)
    verifier = ChainVerifier()
    verifier.watch(p.seq for p in points)
    verifier.feed(entries)
    return verifier.finish(points)
