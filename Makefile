# Ehrenamtsportal. Two commands set everything up: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := portal:create_app

.PHONY: run test lint format translations extract-messages update-translations bench bench-tools \
	browser fonts nginx prod-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when a requirements file changes (a second `make run` starts in seconds).
$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

# Compiled message catalogs (.mo) are build output, not committed.
CATALOGS := $(wildcard translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(VENV)/.runtime-installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ -l $*

translations: $(COMPILED)

run: $(VENV)/.runtime-installed translations fonts
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Browser tests drive Debian's Chromium; install it once when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The PDFs (certificate, data exports) embed DejaVu Sans, as PDF/UA requires embedded fonts;
# install Debian's package once when missing.
fonts:
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || { \
	  echo "Installing Debian's fonts-dejavu-core for the PDFs"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null; }

# Lint, types, then the whole suite on both cores (with TEST_DATABASE_URL each worker gets a
# PostgreSQL database of its own). COVERAGE=1 adds a coverage summary of portal/ (.ci/run asks
# for it): tracing every line makes the suite about 60 % slower, so a plain `make test` leaves it.
COVERAGE ?=
COVERAGE_ARGS := $(if $(COVERAGE),--cov=portal --cov-report=term:skip-covered)
test: lint $(VENV)/.dev-installed translations browser fonts
	$(BIN)/pytest -n 2 $(COVERAGE_ARGS) $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Both go through scripts/merge_translations.py (same keywords and options as the merge).
extract-messages: $(VENV)/.runtime-installed
	$(BIN)/python scripts/merge_translations.py --extract-only

# Extract, update translations/en from the .pot, fill it from translations/fragments/*.po and
# report untranslated msgids and conflicting fragments; `make translations` then compiles.
update-translations: $(VENV)/.runtime-installed
	$(BIN)/python scripts/merge_translations.py

# Load generator and reverse proxy from Debian, installed once when missing.
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing Debian's wrk for the benchmark"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  echo "Installing Debian's nginx-light for make prod-check"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; }

# The benchmark (bench/run.py --help): gunicorn on `flask seed-scale` data against a bare
# Flask + psycopg page; BENCH_ARGS="--sizes 1000,20000 --quick" for a short run.
bench: $(VENV)/.dev-installed translations bench-tools
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# compose.yaml's topology from Debian's packages: nginx, two gunicorn instances, PostgreSQL,
# Redis and the outbox worker (scripts/prod_check.py; 1.5–2.5 minutes).
prod-check: $(VENV)/.dev-installed translations nginx
	$(BIN)/python scripts/prod_check.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
