"""Audit log verification speed (S16): 100,000 entries verified in under 5 s.

    .venv/bin/python bench/audit_verify.py [--entries 100000] [--database-url URL]

Runs with the product's own venv. A temporary SQLite database (or a throw-away database
``xor_bench_audit_<hex>`` on the PostgreSQL server of ``--database-url``, dropped at the
end) gets the schema and ``--entries`` hash-chained audit entries, built with the
product's own ``make_entry`` and bulk-inserted (not timed). Then, timed:

* ``verify``: ``services.audit.verify_audit_log`` over the whole chain (reads in
  batches, recomputes every hash, checks every link and the stored checkpoints);
* ``baseline``: SHA-256 over the same entries' stored hashes and links, the floor any
  verifier pays (one hash per entry), timed the same way in the same run, so that the
  ratio means something on another machine.

Target (spec S16, an absolute time on a dedicated core): verify < 5 s. The ratio to the
baseline is printed, no target. It replaces a timed test: the test suite checks that the
100,000 entries verify, this benchmark how fast.

Exit status: 0 the target met, 1 missed, 2 set-up failed. Prints ONE summary line
``SUMMARY audit_verify ... PASS|FAIL``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 5.0
START_MS = 1_748_736_000_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000, help="audit entries to verify")
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    args = parser.parse_args()

    from sqlalchemy import create_engine, insert, text

    from xor_trading.persistence.database import normalise_url
    from xor_trading.persistence.schema import create_schema
    from xor_trading.persistence.tables.audit_log import AuditEntryRow
    from xor_trading.runtime.settings import load_settings
    from xor_trading.security.audit_chain import GENESIS_HASH, make_entry
    from xor_trading.services.audit import datetime_of_ms, verify_audit_log
    from xor_trading.services.container import build_container

    admin_url = database = None
    with tempfile.TemporaryDirectory(prefix="xor-bench-audit-") as tmp:
        os.environ.update(
            {
                "XOR_DATA_DIR": tmp,
                "XOR_CONFIG_FILE": str(Path(tmp) / "none.toml"),
                "XOR_MODE": "development",
                "XOR_JWT_SECRET": secrets.token_urlsafe(48),
                "XOR_KEK": base64.b64encode(os.urandom(32)).decode(),
            }
        )
        if args.database_url:
            admin_url = normalise_url(args.database_url)
            database = f"xor_bench_audit_{secrets.token_hex(4)}"
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{database}"'))
            except Exception as exc:  # any failure to create it is a set-up failure
                print(f"  setup error: cannot create a database ({exc})")
                print("SUMMARY audit_verify: not measured FAIL")
                return 2
            finally:
                admin.dispose()
            os.environ["XOR_DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + f"/{database}"
        container = build_container(load_settings())
        try:
            create_schema(container.database)
            rows, prev = [], GENESIS_HASH
            for seq in range(1, args.entries + 1):
                at_ms, details = START_MS + seq, f'{{"n":{seq}}}'
                entry = make_entry(prev_hash=prev, seq=seq, at_ms=at_ms, actor_id="user-1",
                                   action="order.submit", target_type="order",
                                   target_id=f"o{seq}", ip=None, details=details)  # fmt: skip
                rows.append({"seq": seq, "at": datetime_of_ms(at_ms), "actor_id": "user-1",
                             "ip": None, "action": "order.submit", "target_type": "order",
                             "target_id": f"o{seq}", "details": details, "prev_hash": prev,
                             "hash": entry.hash})  # fmt: skip
                prev = entry.hash
            with container.database.engine.begin() as conn:
                for start in range(0, len(rows), 20_000):
                    conn.execute(insert(AuditEntryRow), rows[start : start + 20_000])

            started = time.perf_counter()
            result = verify_audit_log(container)
            verify_s = time.perf_counter() - started
            started = time.perf_counter()
            for row in rows:
                hashlib.sha256(f"{row['prev_hash']}|{row['seq']}|{row['details']}".encode())
            baseline_s = time.perf_counter() - started
        finally:
            container.close()
            if admin_url is not None and database is not None:
                admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                admin.dispose()

    backend = "postgresql" if args.database_url else "sqlite"
    ok = result.ok and result.checked == args.entries
    passed = ok and verify_s < TARGET_S
    print(
        f"  {backend}: verified {result.checked:,} entries (ok={result.ok}) in {verify_s:.2f} s "
        f"({result.checked / verify_s:,.0f}/s); baseline SHA-256 per entry {baseline_s:.3f} s; "
        f"ratio x{verify_s / baseline_s:.1f}"
    )
    if not ok:
        print("  target missed: the chain did not verify")
    elif not passed:
        print(f"  target missed: {verify_s:.2f} s >= {TARGET_S:g} s")
    print(
        f"SUMMARY audit_verify {backend} {args.entries} entries {verify_s:.2f}s "
        f"(target <{TARGET_S:g}s, x{verify_s / baseline_s:.1f} baseline) "
        f"{'PASS' if passed else 'FAIL'}"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
