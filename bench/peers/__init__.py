"""Peer implementations of the benchmark strategy (run inside .venv-bench only)."""
