# pyovn: two set-up commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench debian-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

debian-deps:
	bash scripts/install-debian-deps.sh

demo: $(STAMP)
	$(BIN)/pyovn demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	bash scripts/check-module-size.sh

test: $(STAMP) debian-deps lint
	$(BIN)/pytest

bench: $(STAMP) debian-deps
	$(BIN)/python benchmarks/ovsdb_bench.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
