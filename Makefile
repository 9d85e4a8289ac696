# Two commands do everything on a fresh machine with Python 3.11+ and make:
#   make run    set up, migrate, load demo data once, serve http://127.0.0.1:8000
#   make test   set up and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint hooks docs format lock clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

# Development settings for this checkout, so manage.py works without exports.
.env:
	@printf '%s\n' \
		'# Development settings for this checkout, read by config/settings.py; the' \
		'# environment wins. Production uses real variables (see .env.example).' \
		'DEBUG=true' > .env

# The web server, a Celery worker and beat, on the embedded defaults: SQLite and a
# broker in folders under data/ (no Redis needed). Emails print to the console.
run: export DEBUG ?= true
run: export REMINDER_SWEEP_SECONDS ?= 30
run: export OUTBOX_DISPATCH_SECONDS ?= 15
run: export HOST := $(HOST)
run: export PORT := $(PORT)
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: $(STAMP) .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -e /dev/null -f config/Procfile.dev -d . start

# Tests run with production-like settings (DEBUG off, hashed static files through
# WhiteNoise), so the static manifest is built first. They run in one process per
# core (pytest-xdist), at most 8, each with its own test database; each Celery integration
# test starts a redis-server of its own (tests/integration/celery_processes.py), so no
# other run on the machine shares its broker. PYTEST_WORKERS=0 runs them all in this process.
PYTEST_WORKERS ?= auto
test: $(STAMP) .env
	DEBUG=false SECRET_KEY=collectstatic-only $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/pytest -n $(PYTEST_WORKERS) --maxprocesses 8 $(PYTEST_ARGS)

# mypy checks the whole tree ([tool.mypy] in pyproject.toml); its plugin loads the
# settings, hence DEBUG. Its cache (.mypy_cache/) makes a second run a few seconds.
lint: $(STAMP) .env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/mypy
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	# Not --quiet: mkdocs counts warnings (broken links) for --strict only when it logs them.
	$(BIN)/mkdocs build --strict --site-dir "$$(mktemp -d)"

# Runs ruff, the migrations check and mypy before each commit (.pre-commit-config.yaml).
hooks: $(STAMP) .env
	$(BIN)/pre-commit install

# The reference in docs/, served with live reload at http://127.0.0.1:8001
docs: $(STAMP)
	$(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8001

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock.new
	( head -2 requirements.lock; cat requirements.lock.new ) > requirements.lock.tmp && rm requirements.lock.new
	mv requirements.lock.tmp requirements.lock

clean:
	rm -rf $(VENV) data
