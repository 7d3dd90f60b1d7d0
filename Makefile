# pyovn: two set-up commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BASE_STAMP := $(VENV)/.base-stamp

.PHONY: demo test lint bench debian-deps base-deps clean

# The test tools (libvirt-python compiles against libvirt-dev) need the
# Debian packages first; the demo needs only a virtualenv.
$(STAMP): pyproject.toml | debian-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP) $(BASE_STAMP)

$(BASE_STAMP): pyproject.toml | base-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $(BASE_STAMP)

debian-deps:
	bash scripts/install-debian-deps.sh

base-deps:
	bash scripts/install-debian-deps.sh --base

demo: $(BASE_STAMP)
	$(BIN)/pyovn demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	bash scripts/check-module-size.sh

test: $(STAMP) lint
	$(BIN)/pytest

# Every benchmark runs pyovn and the real OVN side by side and prints both.
bench: $(STAMP) debian-deps
	$(BIN)/python benchmarks/ovsdb_bench.py
	$(BIN)/python benchmarks/lflow_bench.py
	$(BIN)/python benchmarks/northd_bench.py
	$(BIN)/python benchmarks/controller_bench.py port-up
	$(BIN)/python benchmarks/controller_bench.py compute
	$(BIN)/python benchmarks/trace_bench.py
	$(BIN)/python benchmarks/dataplane_bench.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
