"""The service container: the process-wide collaborators every use case receives.

Built once by :func:`build_container` from :class:`~xor_trading.runtime.settings.Settings`
(the API app factory and the CLI both call it); tests build one over a temporary
database. Use cases are plain classes constructed per call from these parts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xor_trading.core.clock import Clock, LiveClock
from xor_trading.persistence.database import Database
from xor_trading.runtime.settings import Settings
from xor_trading.security.envelope import EnvelopeCipher, KeyRing
from xor_trading.security.passwords import Passwords
from xor_trading.security.server_secrets import ServerSecrets, load_server_secrets
from xor_trading.security.tokens import TokenCodec
from xor_trading.services.backtest_jobs import BacktestJobs
from xor_trading.sharedstate.factory import (
    build_nonce_store,
    build_rate_limiter,
    build_stream_hub,
)
from xor_trading.sharedstate.nonce_store import NonceStore
from xor_trading.sharedstate.rate_limiter import RateLimiter
from xor_trading.sharedstate.stream_hub import StreamHub


@dataclass
class Container:
    """What a request or a command needs besides its input."""

    settings: Settings
    database: Database
    clock: Clock
    secrets: ServerSecrets
    cipher: EnvelopeCipher  # seals exchange secrets and TOTP seeds
    passwords: Passwords
    tokens: TokenCodec
    rate_limiter: RateLimiter  # API request budgets (memory, or Redis across processes)
    stream: StreamHub  # live events for WebSocket subscribers (services.stream_events)
    nonces: NonceStore  # signal-webhook nonces seen recently (services.signal_webhooks)
    jobs: BacktestJobs = field(default_factory=BacktestJobs)  # API backtests; started by the app

    def close(self) -> None:
        """Release connections (end of process or of a test)."""
        self.jobs.shutdown()
        self.database.dispose()
        self.rate_limiter.close()
        self.stream.close()
        self.nonces.close()


def build_container(
    settings: Settings, *, clock: Clock | None = None, database: Database | None = None
) -> Container:
    """Wire the container for ``settings`` (database from XOR_DATABASE_URL or SQLite,
    unless ``database`` is given, as tests do).

    Raises ``ConfigError`` when the server secrets are missing or weak in production mode
    (S12), or when production mode is asked for the cheap test password hashing.
    """
    clock = clock or LiveClock()
    server_secrets = load_server_secrets(
        jwt_secret=settings.jwt_secret.get_secret_value() if settings.jwt_secret else None,
        kek=settings.kek.get_secret_value() if settings.kek else None,
        production=settings.is_production,
        data_dir=settings.data_dir,
    )
    passwords = Passwords.for_profile(
        settings.password_hash_profile, production=settings.is_production
    )
    ring = KeyRing({server_secrets.kek_id: server_secrets.kek}, current=server_secrets.kek_id)
    return Container(
        settings=settings,
        database=database or Database(settings.effective_database_url),
        clock=clock,
        secrets=server_secrets,
        cipher=EnvelopeCipher(ring),
        passwords=passwords,
        tokens=TokenCodec(server_secrets.jwt_key, clock, access_ttl_s=settings.access_token_ttl_s),
        rate_limiter=build_rate_limiter(settings.redis_url),
        stream=build_stream_hub(settings.redis_url),
        nonces=build_nonce_store(settings.redis_url),
    )
