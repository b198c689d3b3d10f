# Two commands for a newcomer: `make run` and `make test` (see README.md).
# With DATABASE_URL / REDIS_URL unset, an embedded PostgreSQL and Redis start under .data/.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV := .tools/bin/uv
PY := $(UV) run --frozen
WITH_SERVICES := $(PY) python scripts/devservices.py --
export DJANGO_SETTINGS_MODULE ?= mavis.settings

.PHONY: help install assets browser run manage test check bench lint format clean

help:
	@echo "make run     install, migrate, load demo data and serve on http://127.0.0.1:8000"
	@echo "             (WEB_PORT=8123 NOTIFY_PORT=6123 make run to use other ports)"
	@echo "make test    install and run every check and test"
	@echo "make manage ARGS=\"invitation_sweep --dry-run\"   a manage.py command, on make run's servers"
	@echo "make bench   run the benchmarks and print their figures"

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

.venv/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

static/dist/main.css: node_modules/.installed $(wildcard static/scss/*.scss)
	npm run --silent build

install: .venv/.installed static/dist/main.css

assets: node_modules/.installed
	npm run --silent build

# Browser tests use Debian's Chromium headless shell (tests/conftest.py): browser downloads do not
# work on every machine.
browser:
	@if [ -x /usr/bin/chromium-headless-shell ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null; \
	elif [ -x /usr/bin/chromium ]; then :; \
	else \
		echo "No /usr/bin/chromium: using Playwright's own browser"; $(PY) playwright install chromium; \
	fi

run: install
	$(WITH_SERVICES) bash scripts/run.sh

# A manage.py command, e.g. make manage ARGS="invitation_sweep --dry-run". With the embedded
# servers it shares those of a running `make run` (the same data under .data/).
manage: install
	$(WITH_SERVICES) python manage.py $(ARGS)

test: install browser
	$(WITH_SERVICES) bash scripts/test.sh

lint: install
	$(PY) ruff check .
	$(PY) ruff format --check .
	$(PY) lint-imports

format: install
	$(PY) ruff check --fix .
	$(PY) ruff format .

bench: install
	$(WITH_SERVICES) bash scripts/bench.sh

clean:
	rm -rf .venv .tools node_modules static/dist staticfiles .data
