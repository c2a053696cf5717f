# Two commands: `make run` (chat UI on the embedded model) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 7860
STAMP  := $(VENV)/.installed

.PHONY: install browser postgres run test check lint clean

install: $(STAMP)

# torch==2.13.0 is pinned in requirements.txt: pip takes the local CPU build.
$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Debian's chromium for the browser tests (Playwright drives it; no browser download).
# Idempotent: does nothing when chromium is already on PATH.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null || ($(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium)

# Debian's PostgreSQL server for the tests that need a real one (tests/pg_server.py starts
# a throwaway cluster on loopback; nothing runs as a service). Idempotent.
postgres:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || ($(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql)

run: install
	$(PY) app.py --host 127.0.0.1 --port $(PORT)

test: install browser postgres
	$(PY) -m pytest $(PYTEST_ARGS)

# The drift checks (CI runs them before `make test`): lint, format, types, fast tests.
FAST := not model and not browser and not postgres and not server
check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -q -m "$(FAST)" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
