# XOR developer entry points. `make run` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTHON ?= $(shell command -v python3.11 || command -v python3)
DEMO_DIR ?= var/demo-backtest

# One thread per native library: the machines have 2 cores.
export OMP_NUM_THREADS ?= 1
export NUMBA_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: run test setup services lint typecheck imports unit bench lock clean

$(STAMP): requirements/dev.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

setup: $(STAMP)

## run: seed the shipped sample data and run a demo backtest on it (golden cross, BTC 2017-2024)
run: setup
	$(VENV)/bin/xor data seed
	$(VENV)/bin/xor backtest --strategy sma_cross --symbol BTC/USDT --timeframe 1h \
		--param fast=50 --param slow=200 --stake 400 --stop-loss-pct 8 --take-profit-pct 40 \
		--output $(DEMO_DIR)
	@echo "Open $(DEMO_DIR)/report.html in a browser for the equity and drawdown charts."

## test: lint, format check, strict typing, layer contracts, tests with coverage
test: setup services lint typecheck imports unit

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
	$(VENV)/bin/pytest -n 2 --cov --cov-report=term:skip-covered --cov-report=xml -p no:cacheprovider

## bench: every benchmark; peers (backtesting.py, vectorbt) live only in .venv-bench
bench: setup
	$(PY) bench/indicators_speed.py
	$(PY) bench/risk_check.py
	$(PY) bench/bots_scale.py
	bash bench/setup_env.sh
	.venv-bench/bin/python bench/backtest_speed.py
	$(PY) bench/api_load.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

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
