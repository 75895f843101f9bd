# Every target bootstraps .venv on a machine that has only python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LINT_PATHS := $(wildcard src tests benchmarks examples)

.PHONY: test soak demo bench docs lint typecheck install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir .site
	$(BIN)/pytest

# The sync engine's failure tests at full size: every fault at every request with both
# engines, the large hypothesis profile (300 runs of up to 40 steps) and ten seeds of the
# 200-contact scenario. Tens of minutes.
soak: $(STAMP)
	GHL_NINOX_SOAK=1 $(BIN)/pytest -p no:cacheprovider -q tests/bridge/test_sync_crash.py \
		tests/bridge/test_sync_stateful.py tests/bridge/test_sync_scenarios.py \
		tests/bridge/test_sync_regressions.py

demo: $(STAMP)
	$(BIN)/python -m bridge demo

bench: $(STAMP)
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

docs: $(STAMP)
	$(BIN)/mkdocs serve

clean:
	rm -rf $(VENV) .site .pytest_cache .mypy_cache .ruff_cache
