# Two commands matter: `make run` and `make test` (see README). Both work on a fresh
# machine: they create .venv and install the pinned requirements first.
VENV    := .venv
PY      := $(VENV)/bin/python
FLASK   := $(VENV)/bin/flask --app wsgi
HOST    ?= 127.0.0.1
PORT    ?= 5000
# Exported so that the app's config sees them too: PUBLIC_BASE_URL (the links in SMS)
# follows where `flask run` serves unless it is set.
export HOST PORT
PYTEST_ARGS ?=

.PHONY: run test deps lint lint-imports test-sqlite test-postgres install install-dev upgrade seed bench worker clean vendor-scanner scanner-screenshots scanner-icons vendor-carrier carrier-screenshots counter-screenshots

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

upgrade: install
	$(FLASK) db upgrade

seed: upgrade
	$(FLASK) seed-demo

## Serve the app with the embedded defaults (SQLite, inline jobs, SMS outbox, sandbox payments).
run: seed
	@$(FLASK) urls
	$(FLASK) run --host $(HOST) --port $(PORT)

## ruff (ruff.toml) and the import contracts (.importlinter), then the whole suite on SQLite,
## then on PostgreSQL when TEST_DATABASE_URL is set. A function-level import or a wrong-way
## import fails the build before any test runs.
test: install-dev lint lint-imports
	TEST_DATABASE_URL= $(PY) -m pytest $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL =="; \
		$(PY) -m pytest $(PYTEST_ARGS); \
	fi

## Lint (ruff.toml: pyflakes, syntax, imports at the top of the module). No formatter.
lint: install-dev
	$(VENV)/bin/ruff check .

## Check that dependencies point down (contracts in .importlinter; no exceptions listed).
lint-imports: install-dev
	$(VENV)/bin/lint-imports --no-cache

## Print which area imports which, the two-way imports and the cycles (scripts/deps_graph.py).
deps: install-dev
	$(PY) scripts/deps_graph.py

## Re-vendor the scanner page's two third-party files from app/scanner/package-lock.json
## (needs npm; the output in app/scanner/static/vendor/ is committed, nothing runs at run time).
vendor-scanner:
	cd app/scanner && npm ci --ignore-scripts --no-audit --no-fund && node vendor.mjs

## Re-vendor uPlot for /carrier from app/carrier_page/package-lock.json (committed output).
vendor-carrier:
	cd app/carrier_page && npm ci --ignore-scripts --no-audit --no-fund && node vendor.mjs

carrier-screenshots: install-dev
	CARRIER_SCREENSHOTS=1 $(PY) -m pytest -q tests/carrier_page/test_dashboard_page.py

## Redraw docs/counter/*.png from the /counter browser test.
counter-screenshots: install-dev
	COUNTER_SCREENSHOTS=1 $(PY) -m pytest -q tests/counter/test_counter_browser.py

## Redraw the scanner's PNG home-screen icons from icon.svg's design (committed files).
scanner-icons: install
	$(PY) -m app.scanner.icons

## Refresh docs/scanner/*.png from the browser tests.
scanner-screenshots: install-dev
	SCANNER_SCREENSHOTS=1 $(PY) -m pytest -q tests/scanner/test_scanner_page.py

worker: install
	$(FLASK) worker

bench: install-dev
	@echo "See bench/README.md: each benchmark is run by hand."

clean:
	rm -rf $(VENV) .pytest_cache
