# The two commands the README promises on a fresh machine:
#   make run    install, migrate, seed the sandbox demo, serve the BFF and run the task worker
#   make test   install and run the whole test suite (SQLite by default; PostgreSQL when DATABASE_URL is set)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install install-dev lint messages bench-screens bench-delivery cluster cluster-long clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: $(VENV)/bin/python requirements.txt
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# The sandbox posts SessionM's offer webhooks to the server this target starts.
run: export SANDBOX_WEBHOOK_URL ?= http://$(HOST):$(PORT)/integrations/sessionm/events
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py migrate --database sandbox --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

test: install-dev
	@# The browser tests drive Debian's Chromium; install it when we can (root + apt), else they skip and say why.
	@[ -x /usr/bin/chromium ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "note: /usr/bin/chromium is missing; browser tests will be skipped (sudo apt-get install chromium)"
	$(BIN)/pytest $(PYTEST_ARGS)

# Style, the import layers drawn in ARCHITECTURE.md (pyproject.toml [tool.importlinter]) and types
# (pyproject.toml [tool.mypy]). CI (.ci/run) runs it before `make test`.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# The translation catalogues (locale/): every text the code and templates mark, entries nothing marks dropped
# (texts looked up by a variable are named in the code for this: labels.PROGRAM_NAMES, web_format.MONTH_NAMES),
# compiled; msgfmt reports what is still untranslated or fuzzy. Needs GNU gettext (Debian's gettext package).
messages: install
	$(BIN)/python manage.py makemessages --no-obsolete -l fr -l es -l pt_BR
	$(BIN)/python manage.py compilemessages
	@for po in locale/*/LC_MESSAGES/django.po; do printf '%s: ' $$po; msgfmt --check --statistics -o /dev/null $$po; done

# BENCH_ARGS=--quick for a first look (about 2 minutes instead of 5).
bench-screens: install-dev
	$(BIN)/python bench/screens.py $(BENCH_ARGS)

bench-delivery: install-dev
	$(BIN)/python bench/delivery.py

# The production topology on this machine (PostgreSQL, Redis, nginx, 2 web + 2 workers + 2 schedulers from
# deploy/), under load, with an instance and a worker killed mid-run. Needs nginx, redis-server, postgresql.
cluster: install-dev
	$(BIN)/python bench/cluster.py --mode short

cluster-long: install-dev
	$(BIN)/python bench/cluster.py --mode long

clean:
	rm -rf $(VENV) db.sqlite3* sandbox.sqlite3* staticfiles test-artifacts
