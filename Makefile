# The two commands of the README: `make report` and `make test`.
# Each makes its own virtual environment in .venv and installs mnistlab in it.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
REPORT_ARGS ?=
TEST_ARGS ?=

.PHONY: report test lint benchmark clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

report: $(BIN)/.installed
	$(BIN)/mnistlab report $(REPORT_ARGS)

test: $(BIN)/.installed
	$(BIN)/python -m pytest -m "not slow" $(TEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

benchmark: $(BIN)/.installed
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) mnistlab-report
