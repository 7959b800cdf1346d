# The two README commands. Both create .venv when it is missing and install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.q2c-installed

.PHONY: demo test lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[fast,postgres,adapters,dev]"
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/month_at_an_it_vendor.py --db demo.db

lint: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy --strict src examples

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/commands.py
	$(BIN)/python benchmarks/billing_run.py
	$(BIN)/python benchmarks/replay.py all

clean:
	rm -rf $(VENV) demo.db
