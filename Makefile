# Paper flashcards: `make run` serves the app, `make test` checks everything.
# Both set up what they need first: .venv, Python packages, front-end assets, translations.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ASSETS := static/vendor/htmx.min.js
CATALOGS := $(patsubst %.po,%.mo,$(wildcard studyapp/translations/*/LC_MESSAGES/messages.po))
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup database lint typecheck pytest translations clean

run: setup database
	$(BIN)/studyapp run --host $(HOST) --port $(PORT)

test: setup lint typecheck pytest

setup: $(INSTALLED) $(ASSETS) $(CATALOGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(ASSETS): node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js

%.mo: %.po $(INSTALLED)
	$(BIN)/pybabel compile -i $< -o $@

translations: $(CATALOGS)

# Creates instance/studyapp.db (or migrates DATABASE_URL) from the Alembic revisions.
database: setup
	$(BIN)/studyapp db upgrade

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest

clean:
	rm -rf $(VENV) node_modules static/vendor $(CATALOGS) .pytest_cache .mypy_cache .ruff_cache
