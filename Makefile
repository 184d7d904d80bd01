# The two commands: `make build` (everything a new user needs) and `make test` (what CI checks).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SCALE ?= 0.1
# more options of bench/run.py, e.g. BENCH_ARGS='--engines duckdb postgres'
BENCH_ARGS ?=
SEED ?= 42
# duckdb (a file, nothing to start) or postgres (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE)
TARGET ?= duckdb
# port of `make docs`
PORT ?= 8080
# port of `make airflow` (default: the first free one from 8081)
AIRFLOW_PORT ?=
# logical date of `make orchestrate`, YYYY-MM-DD (the demo's live days: 1998-06-01..07-31)
DATE ?=
# processes of `make test` and `make test-slow` (pytest-xdist); each built test warehouse is
# built once, by the process that runs the tests reading it (tests/python/parallel.py)
TEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(TEST_WORKERS) --dist loadscope --durations=25
# What `make ci-slim` builds: new nodes and nodes whose code, config, docs, macros or contract
# changed, and their children. Not state:modified.relation: a source's relation holds the
# database, which is production's in BASE and the CI database here, so every source (and
# everything) would count as modified.
SLIM_SELECT := state:new+ state:modified.body+ state:modified.configs+ \
  state:modified.persisted_descriptions+ state:modified.macros+ state:modified.contract+
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export SCARF_NO_ANALYTICS := true

.PHONY: help build venv airflow-deps airflow orchestrate deps demo docs coverage ci-slim report monitor full-checks sla test postgres chromium lint fix test-all test-fast test-slow bench lock clean clean-data

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

build: venv deps $(if $(filter postgres,$(TARGET)),postgres) demo ## venv, packages, demo data, dbt build per batch, docs

$(BIN)/warehouse: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11 build'"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

venv: $(BIN)/warehouse ## create .venv with the pinned dependencies

# Airflow and Cosmos (the `airflow` extra), for the DAGs and their tests only
$(VENV)/.airflow-installed: $(BIN)/warehouse
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,airflow]'
	touch $@

airflow-deps: $(VENV)/.airflow-installed ## install Airflow 3.3 and Cosmos 1.15 into .venv (pinned)

airflow: venv deps airflow-deps ## Airflow standalone on 127.0.0.1 with the DAGs, on the built demo; prints its address and login
	$(BIN)/python -m warehouse.orchestration.local standalone $(if $(AIRFLOW_PORT),--port $(AIRFLOW_PORT))

orchestrate: venv deps airflow-deps ## one warehouse_daily run of DATE=YYYY-MM-DD (airflow dags test) on the built demo
	@test -n "$(DATE)" || { echo "error: set DATE to the logical date of the run, e.g. make orchestrate DATE=1998-06-01 (the demo's live days are 1998-06-01 to 1998-07-31)"; exit 2; }
	$(BIN)/python -m warehouse.orchestration.local run --date $(DATE)

deps: venv ## install the locked dbt packages (local mirror, else dbt hub), also edr's
	$(BIN)/warehouse deps
	$(BIN)/warehouse deps --project-dir observability/edr --mode mirror

demo: venv deps ## generate SCALE (0.1), land in batches, dbt build after each (TARGET), docs
	$(BIN)/warehouse demo --scale $(SCALE) --seed $(SEED) --target $(TARGET)

docs: venv deps ## generate the docs site of the built warehouse and serve it on http://127.0.0.1:PORT (8080)
	$(BIN)/dbt docs generate --target $(TARGET)
	@echo "docs site: http://127.0.0.1:$(PORT)/  (Ctrl-C stops the server; PORT=... picks another port)"
	$(BIN)/dbt docs serve --host 127.0.0.1 --port $(PORT) --no-browser

coverage: venv deps ## docs and test coverage of the built warehouse against the levels recorded in coverage/
	$(BIN)/dbt docs generate --target $(TARGET)
	$(BIN)/warehouse coverage

ci-slim: venv deps ## a pull request's CI: build modified models and their children, deferring to BASE's manifest
	@test -n "$(BASE)" || { echo "error: set BASE to the folder holding the production manifest.json (make ci-slim BASE=path/to/prod-artifacts)"; exit 2; }
	@test -f "$(BASE)/manifest.json" || { echo "error: no manifest.json in BASE=$(BASE): copy production's target/manifest.json there"; exit 2; }
	@mkdir -p target/ci
	$(BIN)/dbt build --target ci --defer --state $(BASE) --select $(SLIM_SELECT) \
	  --vars '{elementary_enabled: false}' --exclude tag:elementary-tests

report: venv deps ## Elementary's HTML report of the last runs (target/edr/elementary_report.html)
	$(BIN)/warehouse report --target $(TARGET)

monitor: venv deps ## alerts for new failures to the webhook in WAREHOUSE_ALERT_WEBHOOK
	$(BIN)/warehouse monitor --target $(TARGET)

full-checks: venv deps ## every data test over whole tables (a build tests only its new batches): weekly and in CI
	$(BIN)/warehouse dbt test --selector full_checks --target $(TARGET)

sla: venv deps ## source freshness and model SLAs; fails naming each breach
	$(BIN)/warehouse sla --target $(TARGET)

test: venv deps airflow-deps postgres chromium lint test-all ## everything CI checks

chromium: ## make sure headless Chromium is installed for the browser tests (apt-get if not)
	scripts/ensure-chromium

postgres: ## make sure PostgreSQL answers on PGHOST:PGPORT (starts the local cluster if not)
	scripts/ensure-postgres

lint: venv deps ## every pre-commit hook on every file: whitespace, YAML, secrets, ruff, mypy, sqlfluff, dbt parse, dbt-bouncer
	$(BIN)/pre-commit run --all-files --show-diff-on-failure

fix: venv deps ## safe fixes: ruff (lint and format), sqlfluff fix, whitespace
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench
	$(BIN)/sqlfluff fix
	-$(BIN)/pre-commit run --all-files trailing-whitespace >/dev/null
	-$(BIN)/pre-commit run --all-files end-of-file-fixer >/dev/null

test-all: venv deps ## every pytest test, fast and slow, on TEST_WORKERS (2) processes
	$(BIN)/pytest $(PYTEST_PARALLEL) -q

test-fast: venv ## Python unit tests (no dbt build)
	$(BIN)/pytest -m 'not slow' -q

test-slow: venv deps ## dbt builds on fresh SF 0.01 data: TPC-H oracle, equivalence, reconciliation
	$(BIN)/pytest -m slow $(PYTEST_PARALLEL) -q

bench: venv deps ## timings at SCALE (0.1): whole history, one day, nothing new, dbt's floor and overhead; BENCH_ARGS=... more options
	$(BIN)/python bench/run.py --scale $(SCALE) $(BENCH_ARGS)

lock: venv airflow-deps ## re-pin every installed package (the airflow extra included) into constraints.txt
	{ echo '# Every installed package pinned (pip freeze of a fresh `make venv`); regenerate with `make lock`.'; \
	  $(BIN)/pip freeze --exclude-editable | grep -v '^-e'; } > constraints.txt

clean-data: ## remove generated data and the warehouse file (keeps .venv)
	rm -rf data target logs

clean: clean-data ## remove everything make build created
	rm -rf $(VENV) dbt_packages
