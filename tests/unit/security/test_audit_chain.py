"""The audit hash chain: canonical form, hashes, and what the verifier reports (S16)."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from xor_trading.security.audit_chain import (
    GENESIS_HASH,
    AuditEntry,
    ChainVerifier,
    Checkpoint,
    canonical_details,
    canonical_json,
    chain_hash,
    make_entry,
    verify,
)


def _chain(n: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        entry = make_entry(
            prev_hash=prev,
            seq=seq,
            at_ms=1_700_000_000_000 + seq,
            actor_id=f"user-{seq % 3}",
            action="bot.create",
            target_type="bot",
            target_id=f"bot-{seq}",
            ip="127.0.0.1",
            details=canonical_details({"name": f"b{seq}", "live": seq % 2 == 0}),
        )
        entries.append(entry)
        prev = entry.hash
    return entries


def test_canonical_json_sorts_keys_without_whitespace() -> None:
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
    assert canonical_details(None) == "{}"
    assert canonical_details({"z": None, "a": True}) == '{"a":true,"z":null}'


@pytest.mark.parametrize("bad", [{"x": 1.5}, {"x": [1]}, {"x": {"y": 1}}])
def test_details_refuse_floats_and_nesting(bad: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        canonical_details(bad)  # type: ignore[arg-type]


def test_hash_is_sha256_of_previous_raw_hash_and_body() -> None:
    first = _chain(1)[0]
    expected_body = (
        b'{"action":"bot.create","actor_id":"user-1","at_ms":1700000000001,'
        b'"details":"{\\"live\\":false,\\"name\\":\\"b1\\"}","ip":"127.0.0.1",'
        b'"seq":1,"target_id":"bot-1","target_type":"bot"}'
    )
    assert first.body() == expected_body
    assert first.prev_hash == GENESIS_HASH
    assert first.hash == hashlib.sha256(bytes(32) + expected_body).hexdigest()
    assert chain_hash(GENESIS_HASH, expected_body) == first.hash


def test_intact_chain_verifies_with_its_head() -> None:
    entries = _chain(50)
    result = verify(entries)
    assert (result.ok, result.checked, result.first_broken_seq, result.reason) == (
        True,
        50,
        None,
        "ok",
    )
    assert result.head == Checkpoint(50, entries[-1].hash)
    assert verify([]).ok
    assert verify([]).head is None


def test_modified_entry_is_the_first_broken() -> None:
    entries = _chain(10)
    entries[6] = dataclasses.replace(entries[6], details='{"live":true,"name":"x"}')
    result = verify(entries)
    assert (result.ok, result.first_broken_seq, result.checked) == (False, 7, 7)
    assert "altered" in result.reason


def test_deleted_entry_is_reported_missing() -> None:
    entries = _chain(10)
    del entries[3]  # seq 4
    result = verify(entries)
    assert (result.ok, result.first_broken_seq) == (False, 4)
    assert "missing" in result.reason


def test_deleted_first_entry_is_reported() -> None:
    result = verify(_chain(5)[1:])
    assert (result.ok, result.first_broken_seq) == (False, 1)


def test_inserted_entry_with_valid_hash_breaks_the_next_one() -> None:
    entries = _chain(10)
    # A forged entry 5 linked correctly to entry 4; the old 5.. renumbered to 6..
    forged = make_entry(
        prev_hash=entries[3].hash,
        seq=5,
        at_ms=1,
        actor_id=None,
        action="user.promote",
        target_type="user",
        target_id="mallory",
        ip=None,
        details="{}",
    )
    shifted = [dataclasses.replace(e, seq=e.seq + 1) for e in entries[4:]]
    result = verify([*entries[:4], forged, *shifted])
    assert (result.ok, result.first_broken_seq) == (False, 6)


def test_reordered_entries_break_at_the_first_swapped() -> None:
    entries = _chain(10)
    a, b = entries[2], entries[3]
    entries[2] = dataclasses.replace(b, seq=3)
    entries[3] = dataclasses.replace(a, seq=4)
    result = verify(entries)
    assert (result.ok, result.first_broken_seq) == (False, 3)
    assert "does not link" in result.reason


def test_duplicate_seq_is_reported() -> None:
    entries = _chain(5)
    result = verify([*entries[:3], entries[2], *entries[3:]])
    assert (result.ok, result.first_broken_seq) == (False, 4)


def test_rewritten_chain_is_caught_by_a_checkpoint() -> None:
    entries = _chain(10)
    checkpoint = Checkpoint(8, entries[7].hash)
    # The attacker edits entry 3 and recomputes every later hash: the chain is consistent.
    rewritten: list[AuditEntry] = entries[:2]
    for e in entries[2:]:
        details = '{"live":true,"name":"x"}' if e.seq == 3 else e.details
        rewritten.append(
            make_entry(
                prev_hash=rewritten[-1].hash,
                seq=e.seq,
                at_ms=e.at_ms,
                actor_id=e.actor_id,
                action=e.action,
                target_type=e.target_type,
                target_id=e.target_id,
                ip=e.ip,
                details=details,
            )
        )
    assert verify(rewritten).ok
    result = verify(rewritten, [checkpoint])
    assert (result.ok, result.first_broken_seq) == (False, 8)
    assert "rewritten" in result.reason


def test_truncated_tail_is_caught_by_a_checkpoint() -> None:
    entries = _chain(10)
    checkpoint = Checkpoint(10, entries[-1].hash)
    assert verify(entries, [checkpoint]).ok
    result = verify(entries[:7], [checkpoint])
    assert (result.ok, result.checked, result.first_broken_seq) == (False, 7, 8)
    assert "truncated" in result.reason


def test_batched_feeding_equals_one_pass() -> None:
    entries = _chain(100)
    entries[57] = dataclasses.replace(entries[57], ip="10.0.0.1")
    verifier = ChainVerifier()
    for start in range(0, 100, 7):
        verifier.feed(entries[start : start + 7])
    batched = verifier.finish()
    assert batched == verify(entries)
    assert batched.first_broken_seq == 58
    assert batched.checked == 58


@pytest.mark.parametrize(
    "value",
    ["plain", 'quo"te', "back\\slash", "é ü 中文 🙂", "ctl\x00\x1f\n\t", "\u2028", None],
)
def test_body_equals_canonical_json_of_the_fields(value: str | None) -> None:
    entry = AuditEntry(
        7, 1_700_000_000_123, value, "bot.update", "bot", value, value,
        canonical_details({"name": value}), GENESIS_HASH, "",
    )  # fmt: skip
    expected = canonical_json(
        {
            "seq": 7,
            "at_ms": 1_700_000_000_123,
            "actor_id": value,
            "action": "bot.update",
            "target_type": "bot",
            "target_id": value,
            "ip": value,
            "details": entry.details,
        }
    )
    assert entry.body() == expected
