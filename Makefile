# metric_ledger: every set-up step a fresh machine needs is here. The README's two commands are
# `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin

export DBT_PROFILES_DIR := $(CURDIR)/profiles
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

DEMO_TICKETS ?= 200000
DEMO_WEEKS ?= 12
DEMO_SEED ?= 42
DEMO_SCENARIOS ?= --scenario coverage_gap --scenario branch_simpson --scenario macro_gaming --scenario response_rate_collapse --scenario severity_downgrade
DEMO_DB := warehouse/metric_ledger.duckdb
# The pages `make demo` writes beside the warehouse: drift check, memos, Data Docs.
DEMO_OUT := warehouse/reports
# The demo's own context log and decision records (seeds/demo/), not the user's seeds.
DEMO_VARS := '{use_demo_configuration: true}'

TEST_DIR := target/ci
TEST_TICKETS ?= 20000
TEST_DB := $(TEST_DIR)/test.duckdb

.PHONY: help venv demo test test-fast test-dbt test-python test-postgres test-spark postgres-server-bin chromium-bin lint bench bench-gate lock clean

help:  ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(VENV)/.installed: requirements.lock python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e python
	touch $@

venv: $(VENV)/.installed  ## Create .venv from the lock file (dbt, the package, the tools).

demo: venv  ## Generate the demo export, build the warehouse, print what it found, write the drift check, memos and Data Docs.
	$(BIN)/metric-ledger generate data/raw --tickets $(DEMO_TICKETS) --weeks $(DEMO_WEEKS) --seed $(DEMO_SEED) $(DEMO_SCENARIOS)
	mkdir -p warehouse
	rm -f $(DEMO_DB)
	METRIC_LEDGER_DB=$(DEMO_DB) $(BIN)/dbt build --quiet --warn-error-options '{"error": []}' --vars $(DEMO_VARS) || \
		(echo "dbt build failed: see logs/dbt.log" >&2; exit 1)
	$(BIN)/metric-ledger summary --db $(DEMO_DB)
	@# Great Expectations over the raw export and the marts: exit 1 (an expectation failed) is
	@# expected on the demo's injected scenarios and listed; exit 2 (unreadable input) stops.
	rc=0; $(BIN)/metric-ledger check --db $(DEMO_DB) --raw data/raw --docs $(DEMO_OUT)/data_docs || rc=$$?; [ $$rc -le 1 ]
	$(BIN)/metric-ledger report --db $(DEMO_DB) --out $(DEMO_OUT)/drift_check --data-docs $(DEMO_OUT)/data_docs/index.html
	$(BIN)/metric-ledger memo --all --db $(DEMO_DB) --format html --out $(DEMO_OUT)/memos > /dev/null
	@echo "weekly drift check: $(DEMO_OUT)/drift_check/index.html"
	@echo "one-page memos:     $(DEMO_OUT)/memos/<metric>.html"
	@echo "data docs:          $(DEMO_OUT)/data_docs/index.html"

test: venv test-dbt test-python lint  ## Every test: dbt build (data + unit tests) on a generated export, pytest, lint.

# A plain export with the shipped (empty) configuration, as a user's first build: no demo vars.
test-dbt: venv  ## dbt build (data and unit tests) on a small generated export, then the metric gate.
	rm -rf $(TEST_DIR) && mkdir -p $(TEST_DIR)
	$(BIN)/metric-ledger generate $(TEST_DIR)/raw --tickets $(TEST_TICKETS) --weeks 8 --seed 11
	METRIC_LEDGER_DB=$(TEST_DB) $(BIN)/dbt build --target-path $(TEST_DIR)/target \
		--vars '{raw_data_path: $(TEST_DIR)/raw}'
	$(BIN)/metric-ledger gate --target $(TEST_DIR)/target/manifest.json

# --durations: the slowest tests are printed at the end of every run (the test-time budget).
# --dist loadscope: a module's tests run on one worker, so its module-scoped builds are made once
# (with the default distribution each worker that draws a test of the module builds them again).
# --no-loadscope-reorder: modules in collection order, which conftest.py sorts longest first
# (xdist would put the modules with the most tests first: the one-test Spark module ran last).
test-python: venv postgres-server-bin chromium-bin  ## pytest (builds temporary copies of the warehouse with real dbt runs).
	cd python && $(BIN)/pytest -q -n 2 --dist loadscope --no-loadscope-reorder --durations=15

test-fast: venv  ## The inner loop: pytest without the engine comparisons (PostgreSQL, Spark) and lint; CI runs `make test`.
	cd python && $(BIN)/pytest -q -n 2 --dist loadscope --no-loadscope-reorder --durations=10 -m "not engine"

postgres-server-bin:  ## Install the PostgreSQL server (Debian package) when missing: test_postgres.py needs it.
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing the PostgreSQL server (apt-get install postgresql)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
		else \
			echo "PostgreSQL server binaries missing and apt-get unavailable: test_postgres.py will skip" >&2; \
		fi; \
	fi

chromium-bin:  ## Install Chromium (Debian package) when missing: test_report_browser.py needs it.
	@if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing Chromium (apt-get install chromium)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "Chromium missing and apt-get unavailable: test_report_browser.py will fail" >&2; \
		fi; \
	fi

test-postgres: venv postgres-server-bin  ## Only the postgres-target tests: PostgreSQL builds (helpdesk and Zendesk exports) vs DuckDB builds, row for row.
	cd python && $(BIN)/pytest -q tests/test_postgres.py tests/test_zendesk_postgres.py

test-spark: venv  ## Only the spark-target test: Spark build vs DuckDB build, row for row.
	cd python && $(BIN)/pytest -q tests/test_spark.py

lint: venv  ## sqlfluff on models/ and macros/, ruff and mypy on python/.
	$(BIN)/ruff check python bench
	$(BIN)/ruff format --check python bench
	cd python && $(BIN)/mypy metric_ledger
	mkdir -p $(TEST_DIR)
	METRIC_LEDGER_DB=$(TEST_DIR)/lint.duckdb $(BIN)/sqlfluff lint models macros --processes 2

bench: venv  ## The performance benchmark (1M tickets on DuckDB by default: BENCH_TICKETS=..., BENCH_ENGINE=spark, BENCH_SOURCE=zendesk).
	$(BIN)/python bench/bench.py --tickets $${BENCH_TICKETS:-1000000} --engine $${BENCH_ENGINE:-duckdb} --source $${BENCH_SOURCE:-helpdesk}

bench-gate: venv  ## The gate benchmark: this project and a generated 5,000-model project vs dbt state:modified.
	$(BIN)/python bench/gate_bench.py --models 5000

lock:  ## Re-resolve requirements.in into requirements.lock.
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip && .lock-venv/bin/pip install --quiet -r requirements.in
	.lock-venv/bin/pip freeze --exclude-editable > requirements.lock && rm -rf .lock-venv

clean:  ## Remove build outputs (not the venv).
	rm -rf target logs data/raw bench/results
	find warehouse -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
