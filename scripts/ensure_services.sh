#!/usr/bin/env bash
# Make sure the servers the test suite talks to are up on this machine, starting them if not:
#   PostgreSQL on 127.0.0.1:5432 (the persistence and API tests run on it as well as SQLite)
#   Redis on 127.0.0.1:6379 (shared rate limits and stream fan-out tests)
# Idempotent: does nothing when both already answer. Exits 1 with a sentence saying what
# to do when a server cannot be started within XOR_SERVICES_TIMEOUT_S seconds (default 30).
# Called by .ci/run and by `make test`.
set -euo pipefail

HOST=127.0.0.1
PG_PORT=5432
REDIS_PORT=6379
TIMEOUT_S="${XOR_SERVICES_TIMEOUT_S:-30}"

fail() {
    echo "ensure_services: $*" >&2
    exit 1
}

# wait_until NAME COMMAND...: poll COMMAND every 0.5 s until it succeeds or TIMEOUT_S passes.
wait_until() {
    local name="$1"
    shift
    local deadline=$((SECONDS + TIMEOUT_S))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            return 1
        fi
        sleep 0.5
    done
    echo "ensure_services: $name is ready"
}

postgres_ready() { pg_isready -q -h "$HOST" -p "$PG_PORT"; }
redis_ready() { [[ "$(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]; }

ensure_postgres() {
    if [[ -n "${XOR_TEST_POSTGRES_URL:-}" ]]; then
        echo "ensure_services: XOR_TEST_POSTGRES_URL is set; not managing the local PostgreSQL"
        return
    fi
    command -v pg_isready >/dev/null || fail "pg_isready not found: install PostgreSQL (apt-get install postgresql)"
    if postgres_ready; then
        echo "ensure_services: PostgreSQL is up on $HOST:$PG_PORT"
        return
    fi
    [[ -d /etc/postgresql ]] || fail "PostgreSQL is not installed (no /etc/postgresql)"
    # The newest installed major version, should several be present.
    local version
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    [[ -n "$version" ]] || fail "no PostgreSQL cluster is configured in /etc/postgresql"
    echo "ensure_services: starting PostgreSQL $version (cluster main)..."
    # A cluster that is already starting makes this fail; readiness below is what counts.
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_until "PostgreSQL" postgres_ready ||
        fail "PostgreSQL did not accept connections on $HOST:$PG_PORT within ${TIMEOUT_S} s; see /var/log/postgresql/postgresql-$version-main.log"
}

ensure_redis() {
    command -v redis-cli >/dev/null || fail "redis-cli not found: install Redis (apt-get install redis-server)"
    if redis_ready; then
        echo "ensure_services: Redis is up on $HOST:$REDIS_PORT"
        return
    fi
    echo "ensure_services: starting Redis (no persistence, loopback only)..."
    mkdir -p /var/lib/redis /var/log/redis
    # --bind "-::1": the leading dash makes the IPv6 loopback optional.
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" \
        --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_until "Redis" redis_ready ||
        fail "Redis did not answer PING on $HOST:$REDIS_PORT within ${TIMEOUT_S} s; see /var/log/redis/ci.log"
}

ensure_postgres
ensure_redis
