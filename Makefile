# Paper flashcards: `make run` serves the app, `make test` checks everything.
# Both set up what they need first: .venv, Python packages, front-end assets (and axe-core for
# the browser tests), translations.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ASSETS := static/vendor/htmx.min.js
# axe-core stays in node_modules: only the browser tests read it (it checks every page they show).
AXE := node_modules/axe-core/axe.min.js
CATALOGS := $(patsubst %.po,%.mo,$(wildcard studyapp/translations/*/LC_MESSAGES/messages.po))
HOST ?= 127.0.0.1
PORT ?= 5000
# Beside the repository on CI only: the real digests, the samples and the tools that judge the
# extractor (see `make corpus`).
SHARED ?= ../shared

.PHONY: run test setup browser database decks lint typecheck pytest fuzz bench bench-smoke corpus translations clean

# The development server, and beside it the worker that runs background jobs (imports,
# followed series); stopping one (Ctrl-C) stops both.
run: setup database
	$(BIN)/studyapp worker & worker=$$!; \
	trap 'kill -INT $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/studyapp run --host $(HOST) --port $(PORT)

test: setup browser lint typecheck decks pytest bench-smoke

setup: $(INSTALLED) $(ASSETS) $(AXE) $(CATALOGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(AXE): node_modules/.package-lock.json
	test -f $@ && touch $@

$(ASSETS): node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js

%.mo: %.po $(INSTALLED)
	$(BIN)/pybabel compile -i $< -o $@

translations: $(CATALOGS)

# The browser tests drive Debian's Chromium (Playwright's own download cannot work here), with
# Korean fonts so that screenshots show Hangul; the production set-up's tests run Debian's nginx
# in front of gunicorn (deploy/serve.py).
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi nanum || [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && apt-get install -y -qq chromium fonts-nanum nginx; \
	  else \
	    echo "Install Chromium, Korean fonts and nginx first: sudo apt-get install chromium fonts-nanum nginx"; exit 1; \
	  fi; \
	fi

# Creates instance/studyapp.db (or migrates DATABASE_URL) from the Alembic revisions, then
# loads the built-in library from decks/ (idempotent: unchanged decks write nothing).
database: setup
	$(BIN)/studyapp db upgrade
	$(BIN)/studyapp decks load

# Validates the built-in library's deck files.
decks: $(INSTALLED)
	$(BIN)/studyapp decks check

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest

# The fuzz tests with many more examples than `make test` runs (a few minutes).
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -q tests/test_fuzz.py

# Every benchmark at full size (about ten minutes): bench/report.json and bench/report.md.
# PostgreSQL figures need the server on 127.0.0.1:5432 (BENCH_POSTGRES_URL); they are skipped
# when it does not answer.
bench: setup
	cd bench && ../$(BIN)/python run.py

# The same benchmarks at tiny sizes, so that none of them rots (part of `make test`).
bench-smoke: setup
	cd bench && ../$(BIN)/python run.py --smoke

# CI only, not part of `make test` (which needs nothing outside the repository): the extractor
# over every real day in $(SHARED)/corpus, in one process, read there and never copied (its
# licence forbids it). Fails unless every paper heading becomes a paper, card_lint.py finds no
# problem there, in the samples, the labelled days and tests/data, extraction takes ≤ 10 s, the
# import into SQLite ≤ 20 s, and the built-in library agrees with the samples' labels
# (bench/corpus_check.py).
corpus: $(INSTALLED)
	@if [ -d "$(SHARED)/corpus" ]; then \
	  $(BIN)/python bench/corpus_check.py --shared "$(SHARED)"; \
	else \
	  echo "make corpus: skipped, $(SHARED)/corpus is not there (CI keeps ../shared beside the repository)"; \
	fi

clean:
	rm -rf $(VENV) node_modules static/vendor $(CATALOGS) .pytest_cache .mypy_cache .ruff_cache
