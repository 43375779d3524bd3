# `make demo` and `make test` work on a fresh machine with only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck layers unit bench conformance clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	@echo "== netverify check examples/seed --spec specs/seed.yaml (both universes) =="
	@$(BIN)/netverify check examples/seed --spec specs/seed.yaml; rc=$$?; \
	if [ $$rc -eq 1 ]; then \
	  echo "(exit 1 as expected: the seed spec states one claim — in both universes — that the docs' policy does NOT guarantee; see the counterexamples above)"; \
	else echo "unexpected exit code $$rc"; exit 1; fi
	@echo
	@echo "== netverify matrix examples/seed --port 6379 --protocol TCP =="
	@$(BIN)/netverify matrix examples/seed --port 6379 --protocol TCP

lint: $(STAMP)
	$(BIN)/ruff check verifier tests benchmarks
	$(BIN)/ruff format --check verifier tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck layers unit

conformance: $(STAMP)
	$(BIN)/python ../shared/tools/conformance.py --cmd $(BIN)/netverify

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
