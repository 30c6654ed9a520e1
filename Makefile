# Quick start: `make demo` (set up and validate the bundled examples), `make test` (every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip

.PHONY: demo test lint install dev suites valuesets example docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(PIP) install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

## Validate the bundled examples (fixtures/example, fixtures/pediatric) and write
## reports/example/ and reports/pediatric/ (report.{json,md} in each).
demo: install
	$(BIN)/real-validator run checkpoints/example.yaml
	$(BIN)/real-validator run checkpoints/pediatric.yaml
	@echo "Open reports/example/report.md and reports/pediatric/report.md (or report.json)."

## Lint, then run every test.
test: dev lint
	$(BIN)/python -m pytest

lint: dev
	$(BIN)/ruff check .
	$(BIN)/python scripts/build_suites.py --check
	$(BIN)/python scripts/gen_docs.py --check
	$(BIN)/python scripts/build_crosswalks.py --check

## Regenerate checked-in data (value sets need ../shared/codesystems).
suites: dev
	$(BIN)/python scripts/build_suites.py

valuesets: dev
	$(BIN)/python scripts/build_valuesets.py

docs: dev
	$(BIN)/python scripts/gen_docs.py

example: dev
	$(BIN)/python scripts/make_example.py
	$(BIN)/python scripts/make_pediatric_example.py

clean:
	rm -rf $(VENV) reports .pytest_cache .ruff_cache build *.egg-info
