"""Sign requests on the venue's clock, not ours (R9).

Binance refuses a signed request whose ``timestamp`` is 1 s or more ahead of its clock,
or more than ``recvWindow`` behind it (``-1021``). CCXT signs with
``nonce() = milliseconds() - options["timeDifference"]``, so :class:`TimeSync` measures
the venue's clock and writes ``timeDifference`` (local minus venue, ms) into the client:

``offset_ms = server_ms - (sent_ms + received_ms) / 2`` (the round trip's midpoint: the
error is at most half the round trip), measured with the client's own millisecond clock
(the one CCXT signs with). CCXT's ``adjustForTimeDifference`` stays off: it only runs
when markets load, while we resync every ``resync_interval_s`` and after any ``-1021``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from xor_trading.core.errors import RetryableError

__all__ = ["DEFAULT_RESYNC_INTERVAL_S", "TimeSync"]

DEFAULT_RESYNC_INTERVAL_S = 300.0


class TimeSync:
    """The venue-clock offset of one CCXT client, kept fresh.

    ``fetch_server_ms`` is how the venue's time is read (default ``client.fetch_time``;
    the live port passes its limited, breaker-guarded call); ``now_s`` is a monotonic
    clock for scheduling resyncs.
    """

    def __init__(
        self,
        client: Any,
        *,
        fetch_server_ms: Callable[[], Awaitable[object]] | None = None,
        resync_interval_s: float = DEFAULT_RESYNC_INTERVAL_S,
        now_s: Callable[[], float] = time.monotonic,
    ) -> None:
        if resync_interval_s <= 0:
            raise ValueError(f"resync_interval_s must be positive, got {resync_interval_s}")
        self._client = client
        self._fetch = fetch_server_ms or client.fetch_time
        self.resync_interval_s = resync_interval_s
        self._now = now_s
        self._synced_at: float | None = None
        self.offset_ms: int | None = None
        """Venue clock minus ours, ms (positive: the venue is ahead); ``None`` before sync."""
        self.round_trip_ms: int | None = None

    @property
    def due(self) -> bool:
        """Never synced, or the last sync is older than the resync interval."""
        return self._synced_at is None or self._now() - self._synced_at >= self.resync_interval_s

    async def sync(self) -> int:
        """Measure the offset, give it to the client, return it (ms).

        Raises :class:`RetryableError` if the venue's answer is not a time; errors of the
        request itself propagate unchanged.
        """
        sent_ms = int(self._client.milliseconds())
        server = await self._fetch()
        received_ms = int(self._client.milliseconds())
        if isinstance(server, bool) or not isinstance(server, int) or server <= 0:
            raise RetryableError(
                f"{self._client.id} server time reply is {server!r}, not a timestamp",
                "the venue may be in maintenance; the clock sync is retried later",
            )
        offset = server - (sent_ms + received_ms) // 2
        self._client.options["timeDifference"] = -offset
        self.offset_ms = offset
        self.round_trip_ms = received_ms - sent_ms
        self._synced_at = self._now()
        return offset
