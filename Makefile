# The two commands a newcomer needs are `make demo` and `make test`; both create
# the virtualenv and install the project when needed, and are safe to repeat.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test dev bench docs clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## Load the embedded demo export, build everything, print the scorecard.
demo: install
	$(BIN)/crm-impact demo

## Run the whole test suite (builds real warehouses under a temporary folder).
test: install
	$(BIN)/python -m pytest

## Start the Dagster UI on http://127.0.0.1:3000 with the whole asset graph.
dev: install
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/dagster dev

## Benchmarks (docs/benchmarks.md).
bench: install
	$(BIN)/python bench/run.py

## dbt documentation site in target/.
docs: install
	$(BIN)/dbt docs generate

clean:
	rm -rf target logs warehouse reports .pytest_cache
