# The two commands a newcomer needs are `make demo` and `make test`; both create
# the virtualenv and install the project when needed, and are safe to repeat.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

SPARK_STAMP := $(VENV)/.spark-installed-stamp

.PHONY: install install-spark demo test test-slow test-all test-spark dev bench docs docs-md holidays clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,spark]"
	@touch $(SPARK_STAMP)

install-spark: $(SPARK_STAMP)

## Load the embedded demo export, build everything, print the scorecard.
demo: install
	$(BIN)/crm-impact demo

## Run the everyday test suite (under 5 minutes on 2 cores): every test but the slow ones; it builds two real
## warehouses (the AOV fixture and the demo). `pytest tests/test_x.py` runs that file whole, slow tests too.
test: install
	$(BIN)/python -m pytest

## The slow tests that `make test` leaves out (each fixture export's own build, generated exports, calibration,
## Dagster runs, the web server, the API extractions, every file format); CI runs both.
test-slow: install
	$(BIN)/python -m pytest -m "slow and not spark"

## make test and make test-slow in one run (every test but Spark's).
test-all: install
	$(BIN)/python -m pytest -m "not spark"

## Build the demo on the Spark target (PySpark, local) and compare its marts with DuckDB's.
test-spark: install-spark
	SPARK_LOCAL_IP=127.0.0.1 $(BIN)/python -m pytest -m spark tests/spark

## Start the Dagster UI on http://127.0.0.1:3000 with the whole asset graph.
dev: install
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/dagster dev

## Benchmarks (docs/benchmarks.md).
bench: install
	$(BIN)/python bench/run.py --scales 0.1 1 5 $(BENCH_ARGS)

## dbt documentation site in target/.
docs: install
	$(BIN)/dbt docs generate

## Rewrite the generated tables of docs/kpis.md and docs/export_format.md from the seeds and the contract.
docs-md: install
	$(BIN)/python -m orchestration.docs_gen

## Regenerate the public holidays of the business calendar (seeds/business_calendar/) for business_holiday_country.
holidays: install
	$(BIN)/python -m orchestration.business_calendar $(HOLIDAYS_ARGS)

clean:
	rm -rf target logs warehouse reports .pytest_cache
