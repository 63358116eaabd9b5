# E-Village. `make demo` and `make test` do all the setup themselves, idempotently:
# system packages (when missing), the virtualenv, the project's own PostgreSQL+PostGIS and Redis.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Debian's own Python 3.11 when there is one: built with profile-guided optimisation, as the production image's
# is (python:3.11-slim). A Python built without it (pyenv's default, first on some PATHs) runs the same code
# about 1.5x slower, and the benchmarks would measure that.
PYTHON ?= $(firstword $(wildcard /usr/bin/python3.11) python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

# Ports of the project's own servers, derived from this folder so that two clones never share one.
PORT_SEED := $(shell printf '%s' "$(CURDIR)" | cksum | cut -d' ' -f1)
export EVILLAGE_PG_PORT ?= $(shell echo $$((54000 + $(PORT_SEED) % 900)))
export EVILLAGE_REDIS_PORT ?= $(shell echo $$((63000 + $(PORT_SEED) % 900)))

# Bring your own database or Redis by setting these; otherwise the project runs its own.
ifeq ($(strip $(DATABASE_URL)),)
export EVILLAGE_LOCAL_PG := 1
export DATABASE_URL := postgres://evillage@127.0.0.1:$(EVILLAGE_PG_PORT)/evillage
endif
ifeq ($(strip $(REDIS_URL)),)
export EVILLAGE_LOCAL_REDIS := 1
export REDIS_URL := redis://127.0.0.1:$(EVILLAGE_REDIS_PORT)/0
endif
# The embedded setup is a developer's machine: debug on, a throwaway key (never used in production,
# where DJANGO_SECRET_KEY is required).
export DJANGO_DEBUG ?= 1

.PHONY: help demo test lint bench stop services system venv constraints clean env FORCE

help:
	@echo "make demo    set everything up, load the national dataset, serve on http://127.0.0.1:8000"
	@echo "make test    set everything up and run the checks and the whole test suite"
	@echo "make bench   run the benchmarks (prints JSON figures)"
	@echo "make stop    stop the PostgreSQL and Redis servers the project started"
	@echo "make env     print the environment for running manage.py by hand: eval \$$(make -s env)"

env:
	@echo "export DATABASE_URL=$(DATABASE_URL) REDIS_URL=$(REDIS_URL) DJANGO_DEBUG=$(DJANGO_DEBUG)"

system:
	@PYTHON=$(PYTHON) scripts/setup-system.sh

# The virtualenv is rebuilt only when the pins or the interpreter change.
$(VENV)/.python: FORCE
	@echo '$(PYTHON)' | cmp -s - $@ || { rm -rf $(VENV); mkdir -p $(VENV); echo '$(PYTHON)' > $@; }

$(VENV)/.installed: requirements.txt constraints.txt $(VENV)/.python
	@test -x $(PY) || { echo "==> Creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> Installing Python dependencies"
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -c constraints.txt
	@touch $@

venv: system $(VENV)/.installed

services: system
	@scripts/services.sh start

stop:
	@scripts/services.sh stop

demo: venv services
	@scripts/demo.sh

lint: venv
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy sms_gateway/protocol

test: venv services lint
	@$(MANAGE) makemigrations --check --dry-run -v 1
	@$(VENV)/bin/pytest

bench: venv services
	@scripts/setup-system.sh bench
	@$(MANAGE) migrate --no-input -v 0
	@$(PY) -m bench

# Rewrites the transitive pins from a clean install of requirements.txt.
constraints:
	rm -rf /tmp/evillage-constraints && $(PYTHON) -m venv /tmp/evillage-constraints
	/tmp/evillage-constraints/bin/pip install -q -r requirements.txt
	{ echo "# Transitive pins: 'make constraints' rewrites this from a clean install of requirements.txt."; \
	  /tmp/evillage-constraints/bin/pip freeze; } > constraints.txt

clean: stop
	rm -rf $(VENV) .run
