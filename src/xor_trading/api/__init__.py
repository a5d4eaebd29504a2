"""The HTTP and WebSocket API under ``/api/v1`` (FastAPI). The only importer of FastAPI.

Routes are thin: they validate input (pydantic schemas with ``extra="forbid"``), call a
use case from :mod:`xor_trading.services` with the caller's :class:`Principal`, and map
the result to a response model. See docs/api.md.
"""
