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
	@echo
	@echo "== a ClusterNetworkPolicy guardrail, proved over every pod that could ever be deployed =="
	@echo "== netverify check examples/guardrail/base examples/guardrail/guardrail.yaml --spec specs/guardrail.yaml =="
	@$(BIN)/netverify check examples/guardrail/base examples/guardrail/guardrail.yaml --spec specs/guardrail.yaml
	@echo
	@echo "== the same guardrail with its deny rule changed to Pass =="
	@$(BIN)/netverify check examples/guardrail/base examples/guardrail/guardrail-pass.yaml --spec specs/guardrail.yaml; rc=$$?; \
	if [ $$rc -eq 1 ]; then \
	  echo "(exit 1 as expected: with Pass the team's NetworkPolicy decides, and a dev pod gets in — see the counterexamples above)"; \
	else echo "unexpected exit code $$rc"; exit 1; fi

lint: $(STAMP)
	$(BIN)/ruff check verifier tests benchmarks
	$(BIN)/ruff format --check verifier tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest -n auto

test: lint typecheck layers unit

conformance: $(STAMP)
	$(BIN)/python ../shared/tools/conformance.py --cmd $(BIN)/netverify

# `make bench`: netverify and NCA side by side (benchmarks/README.md). NCA lives in its own
# venv (it pins its dependencies); L runs netverify only (NCA does not finish at that size).
BENCH_SCENARIOS ?= 100-50 S M L
BENCH_TIMEOUT ?= 180
NCA_VENV := benchmarks/.venv-nca

$(NCA_VENV)/bin/nca:
	$(PYTHON) -m venv $(NCA_VENV)
	$(NCA_VENV)/bin/python -m pip install --quiet network-config-analyzer==2.1.0

bench: $(STAMP) $(NCA_VENV)/bin/nca
	$(BIN)/python benchmarks/run.py $(foreach s,$(BENCH_SCENARIOS),--scenario $(s)) --timeout $(BENCH_TIMEOUT)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
