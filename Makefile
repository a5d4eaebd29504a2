# XOR developer entry points. `make run` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTHON ?= $(shell command -v python3.11 || command -v python3)
DEMO_DIR ?= var/demo-backtest
API_PORT ?= 8000
VENUE_PORT ?= 9100
SPEED ?= 60

# One thread per native library: the machines have 2 cores.
export OMP_NUM_THREADS ?= 1
export NUMBA_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: run demo-backtest test setup services lint typecheck imports unit coverage chaos bench lock clean web web-test \
	e2e e2e-deps

$(STAMP): requirements/dev.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

setup: $(STAMP)

## run: the whole platform in one process until Ctrl-C: API, simulated venue replaying the
## shipped BTC/USDT candles 60x faster, a demo paper bot trading on it (prints URL and login)
run: setup web
	$(VENV)/bin/xor platform --port $(API_PORT) --venue-port $(VENUE_PORT) --speed $(SPEED)

## demo-backtest: seed the shipped sample data and run a demo backtest on it (golden cross, BTC 2017-2024)
demo-backtest: setup
	$(VENV)/bin/xor data seed
	$(VENV)/bin/xor backtest --strategy sma_cross --symbol BTC/USDT --timeframe 1h \
		--param fast=50 --param slow=200 --stake 400 --stop-loss-pct 8 --take-profit-pct 40 \
		--output $(DEMO_DIR)
	@echo "Open $(DEMO_DIR)/report.html in a browser for the equity and drawdown charts."

## test: lint, format check, strict typing, layer contracts, tests, dashboard checks
test: setup services lint typecheck imports unit web-test e2e

## services: PostgreSQL and Redis on 127.0.0.1, started if they are down (the tests use both)
services:
	bash scripts/ensure_services.sh

lint:
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts

typecheck:
	$(VENV)/bin/mypy src

imports:
	$(VENV)/bin/lint-imports

unit:
	$(VENV)/bin/pytest -n 2 --dist worksteal -p no:cacheprovider

## coverage: the same tests under coverage (line + branch), with a report and a 90 % floor;
## outside `make test` because tracing adds about 70 % to the suite's time (ADR 0022)
coverage: setup services
	$(VENV)/bin/pytest -n 2 --dist worksteal --cov --cov-report=term:skip-covered --cov-report=xml -p no:cacheprovider

## chaos: the reliability scenarios (docs/reliability.md) at full scale; a failing run prints
## its seed: XOR_CHAOS_SEED=<seed> reruns only that one
chaos: setup
	XOR_CHAOS_SCALE=full $(VENV)/bin/pytest tests/integration/reliability -p no:cacheprovider

## web: the dashboard built into web/dist (served by `xor serve` at /); npm ci and the build
## run only when their inputs changed (stamp files). The lockfile names no registry host.
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/index.html web/vite.config.ts \
	web/tsconfig.json
WEB_DEPS := web/node_modules/.installed-stamp
WEB_BUILD := web/.build-stamp

$(WEB_DEPS): web/package.json web/package-lock.json web/.npmrc
	cd web && npm ci --no-audit --no-fund
	@touch $(WEB_DEPS)

$(WEB_BUILD): $(WEB_DEPS) $(WEB_SOURCES)
	cd web && npm run build
	@touch $(WEB_BUILD)

web: $(WEB_BUILD)

## web-test: dashboard type check, Prettier check, Vitest, generated client == docs/openapi.json,
## lockfile names no registry
web-test: $(WEB_DEPS)
	cd web && npm run check

## e2e-deps: Debian's Chromium for the browser tests, installed with apt-get when missing
e2e-deps:
	bash scripts/ensure_chromium.sh

## e2e: browser tests (web/e2e/): playwright-core drives Debian's Chromium (never a browser
## download) against `xor serve` with the built dashboard and a seeded temporary data dir;
## axe-core on every page; screenshots in var/e2e-artifacts/
e2e: setup web e2e-deps
	cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 XOR_CHROMIUM=/usr/bin/chromium npm run e2e

## bench: every benchmark; peers (backtesting.py, vectorbt) live only in .venv-bench
bench: setup
	$(PY) bench/indicators_speed.py
	$(PY) bench/risk_check.py
	$(PY) bench/audit_verify.py
	$(PY) bench/bots_scale.py
	bash bench/setup_env.sh
	.venv-bench/bin/python bench/backtest_speed.py
	$(PY) bench/api_load.py --database-url postgresql://postgres@127.0.0.1:5432/postgres \
		--redis-url redis://127.0.0.1:6379/0

## lock: recompile the hash-pinned requirements (names no registry host)
lock:
	$(VENV)/bin/uv pip compile pyproject.toml --generate-hashes --no-emit-index-url \
		--no-emit-find-links --python-version 3.11 -o requirements/main.txt
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --no-emit-index-url \
		--no-emit-find-links --python-version 3.11 -o requirements/dev.txt
	$(VENV)/bin/uv pip compile pyproject.toml bench/requirements.in --generate-hashes \
		--no-emit-index-url --no-emit-find-links --python-version 3.11 -o bench/requirements.txt

clean:
	rm -rf $(VENV) .venv-bench var .pytest_cache .mypy_cache .ruff_cache .coverage coverage.xml
