#!/usr/bin/env bash
# Create or update the benchmark environment .venv-bench (git-ignored) at the repository root.
#
# .venv-bench holds the product's own pinned dependencies AND the peers (backtesting.py,
# vectorbt) from the single hashed lock bench/requirements.txt, then the product itself
# with `--no-deps -e .`. The peers are never product dependencies: they exist only here.
#
# Idempotent: a stamp file inside the venv records the SHA-256 of bench/requirements.txt,
# pyproject.toml and this script; when it matches, nothing is done. Use --force to rebuild.
#
# Usage:  bash bench/setup_env.sh [--force]
# Env:    PYTHON (interpreter to create the venv with, default python3.11)
#         BENCH_VENV (default <repo>/.venv-bench)
#         BENCH_INSTALLER=pip to force pip even when uv is available
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BENCH_VENV:-$ROOT/.venv-bench}"
PYTHON="${PYTHON:-python3.11}"
LOCK="$ROOT/bench/requirements.txt"
STAMP="$VENV/.xor-bench-stamp"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

wanted_hash() {
    cat "$LOCK" "$ROOT/pyproject.toml" "$ROOT/bench/setup_env.sh" | sha256sum | cut -d' ' -f1
}
WANT="$(wanted_hash)"

if [[ $FORCE -eq 0 && -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
    echo "setup_env: $VENV is up to date (stamp $WANT)"
    exit 0
fi

start=$(date +%s)

# uv is much faster than pip for the ~90 packages of the lock; use it when available,
# otherwise fall back to pip (same lock, same hashes).
UV=""
if [[ "${BENCH_INSTALLER:-}" == "pip" ]]; then
    UV=""
elif command -v uv >/dev/null 2>&1; then
    UV="$(command -v uv)"
elif [[ -x "$ROOT/.venv/bin/uv" ]]; then
    UV="$ROOT/.venv/bin/uv"
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "setup_env: creating $VENV with $PYTHON"
    "$PYTHON" -m venv "$VENV"
fi
rm -f "$STAMP"

if [[ -n "$UV" ]]; then
    echo "setup_env: installing the lock with $UV"
    # sync: exactly the lock, nothing else left over from an older lock (hash-checked).
    "$UV" pip sync --python "$VENV/bin/python" --require-hashes "$LOCK"
    "$UV" pip install --python "$VENV/bin/python" --no-deps -e "$ROOT"
else
    echo "setup_env: installing the lock with pip"
    "$VENV/bin/python" -m pip install --quiet --require-hashes --no-deps -r "$LOCK"
    "$VENV/bin/python" -m pip install --quiet --no-deps -e "$ROOT"
fi

# Smoke check: the product and both peers import side by side.
"$VENV/bin/python" - <<'EOF'
import backtesting, vectorbt, numpy, numba, pandas, pyarrow
import xor_trading
from backtesting.lib import FractionalBacktest  # noqa: F401
print(
    f"setup_env: backtesting {backtesting.__version__}, vectorbt {vectorbt.__version__}, "
    f"numpy {numpy.__version__}, numba {numba.__version__}, pandas {pandas.__version__}, "
    f"pyarrow {pyarrow.__version__}"
)
EOF

echo "$WANT" > "$STAMP"
echo "setup_env: done in $(( $(date +%s) - start )) s"
