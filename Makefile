# The two commands of the README: `make demo` (build the demo site offline) and `make test`.
# Both set up everything they need on a fresh machine: a virtualenv with the project installed,
# and (for the browser tests) Debian's chromium, axe-core and the Nu HTML Checker (npm, Java).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test serve clean reference

$(BIN)/digest: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

demo: $(BIN)/digest
	$(BIN)/digest demo

test: $(BIN)/digest
	bash .ci/install-browser
	bash .ci/install-checkers
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

serve:
	$(BIN)/python -m http.server -d output 8000

clean:
	rm -rf output test-artifacts .pytest_cache .checkers

reference: $(BIN)/digest
	$(BIN)/python docs/update_reference.py
