# Quick start: `make demo` (set up and validate the bundled examples), `make test` (every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test lint install dev suites valuesets example docs clean browser screenshot postgres bench java

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

## Lint, then run every test. As root (CI), the browser test must run: a missing Chromium fails it;
## so must the PostgreSQL tests (tests/test_postgres.py), against the server `make postgres` starts,
## and the Spark tests (tests/test_spark.py: pyspark in local mode on the machine's Java).
test: dev lint browser postgres java
	REAL_VALIDATOR_REQUIRE_BROWSER=$$([ "$$(id -u)" = 0 ] && echo 1) \
	REAL_VALIDATOR_REQUIRE_PG=$$([ "$$(id -u)" = 0 ] && echo 1) \
	REAL_VALIDATOR_REQUIRE_SPARK=$$([ "$$(id -u)" = 0 ] && echo 1) \
	REAL_VALIDATOR_TEST_PG=$${REAL_VALIDATOR_TEST_PG:-$$(cat .pgdata/url 2>/dev/null)} \
	$(BIN)/python -m pytest

## A throwaway PostgreSQL server for the database tests: installs Debian's postgresql when root
## and missing, runs a cluster in .pgdata/ on 127.0.0.1:54329 (reused if running).
postgres:
	scripts/test_postgres.sh

## A Java runtime for pyspark (--engine spark, tests/test_spark.py): Debian's headless JRE when
## root and `java` is missing.
java:
	@if command -v java >/dev/null 2>&1; then \
	  echo "java: $$(java -version 2>&1 | head -1)"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "java: missing; installing Debian's default-jre-headless:"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -q --no-install-recommends default-jre-headless; \
	else \
	  echo "java: missing and not root: the Spark tests will be skipped" \
	       "(as root: apt-get install -y --no-install-recommends default-jre-headless)"; \
	fi

## Debian's Chromium for the HTML report's browser test (tests/test_html_browser.py).
browser:
	@if [ -x "$(CHROMIUM)" ]; then \
	  echo "browser: $(CHROMIUM) is installed"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "browser: $(CHROMIUM) missing; installing Debian's chromium:"; \
	  echo "  apt-get update && apt-get install -y --no-install-recommends chromium"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -q --no-install-recommends chromium; \
	else \
	  echo "browser: $(CHROMIUM) missing and not root: the browser test will be skipped" \
	       "(as root: apt-get install -y --no-install-recommends chromium)"; \
	fi

## Benchmark 100k/1M/10M rows (Parquet and CSV) against the pyarrow floor; rewrites the table in docs/benchmarks.md.
bench: install
	$(BIN)/python benchmarks/run.py

## Regenerate docs/img/report-screenshot.png and report-charts.png (the README's pictures of report.html).
screenshot: install browser
	$(BIN)/python scripts/screenshot_report.py

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
	-scripts/test_postgres.sh stop
	rm -rf $(VENV) reports .pytest_cache .ruff_cache build *.egg-info .pgdata
