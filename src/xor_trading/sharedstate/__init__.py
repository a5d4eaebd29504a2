"""State shared between processes: rate-limit counters and stream fan-out.

In process memory by default; in Redis when ``XOR_REDIS_URL`` is set, so that several
API processes share budgets and bot runners reach every WebSocket subscriber. This
package is the only importer of ``redis``.
"""
