# Two commands for a newcomer: `make demo` and `make test`. Everything else is what they call.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TW := $(BIN)/transferwatch
USWDS := transferwatch/static/vendor/uswds

.PHONY: demo prod test install assets browser lint typecheck contracts pytest clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "TransferWatch needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

# USWDS comes from the npm registry at setup; its built files are copied into static, never committed.
$(USWDS)/.copied: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(USWDS) && mkdir -p $(USWDS)
	cp -r node_modules/@uswds/uswds/dist/css node_modules/@uswds/uswds/dist/js \
	      node_modules/@uswds/uswds/dist/fonts node_modules/@uswds/uswds/dist/img $(USWDS)/
	@touch $@

assets: $(USWDS)/.copied

# A local mail server (127.0.0.1:8025, mail kept in var/mail/) starts first, so the notices the
# demo's casework sends are delivered; the background worker (imports started from the web) runs
# beside the web server. Ctrl-C stops all three. Log lines go to stderr; the demo users and their
# passwords are printed last by `transferwatch demo`, on stdout.
demo: install assets
	$(TW) migrate --no-input
	$(TW) mail_server & mail=$$!; trap 'kill $$mail $$worker 2>/dev/null' EXIT INT TERM; \
	sleep 1; $(TW) demo && \
	{ $(TW) db_worker --no-reload & worker=$$!; $(TW) runserver 127.0.0.1:8000; }

# Production mode on this machine, as on a host (docs/deploy.md): PostgreSQL (PROD_DATABASE_URL,
# default the local server at 127.0.0.1:5432, database transferwatch_prod, created if missing),
# settings from var/prod.env (made once, with new keys; PROD_PORT, default 8000, is the port written
# into it; PROD_ENV=FILE for another file), then migrate, collectstatic and the Procfile's processes
# (gunicorn, the worker, the daily scheduler) under honcho. Ctrl-C stops them.
PROD_ENV ?= var/prod.env
prod: install assets
	$(BIN)/python -m transferwatch.lib.localprod $(PROD_ENV)
	$(BIN)/honcho run -e $(PROD_ENV) $(TW) migrate --no-input
	$(BIN)/honcho run -e $(PROD_ENV) $(TW) collectstatic --no-input -v1
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -e $(PROD_ENV) -f Procfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

contracts: install
	$(BIN)/lint-imports

# Browser tests drive the system Chromium (Debian's package, never a downloaded browser); without
# it they skip, saying why.
browser:
	@command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null) || \
	  echo "could not install chromium: browser tests will be skipped"

# Pages are tested styled when npm is there; without it the assets step is skipped, not fatal.
pytest: install browser
	@$(MAKE) --no-print-directory assets || echo "USWDS assets not installed (npm missing?): pages are tested unstyled"
	$(BIN)/pytest

test: lint typecheck contracts pytest

clean:
	rm -rf $(VENV) node_modules $(USWDS)
