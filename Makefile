# holonet: the two commands of the README.
#   make run   set up .venv, verify the default codes, write figures/ and the report
#   make test  set up .venv (+ chromium), lint, type-check, run the whole test suite
#              (which also executes every notebook in a Jupyter kernel and builds the
#              documentation site with warnings as errors: tests/test_docs.py)
#   make docs       build the documentation site into build/docs/html (warnings are errors)
#   make notebooks  re-execute notebooks/ in quick mode and store their outputs (commit them)
.PHONY: run test setup browser lint typecheck pytest bench docs notebooks

VENV := .venv
BIN := $(VENV)/bin

setup:
	bash scripts/setup.sh

browser:
	bash scripts/browser.sh

run: setup
	$(BIN)/holonet verify happy --layers 2
	$(BIN)/holonet figures --no-progress
	$(BIN)/holonet report --out figures/report.md

lint:
	$(BIN)/ruff check holonet tests benchmarks

typecheck:
	$(BIN)/mypy holonet

pytest:
	MPLBACKEND=Agg HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -n 2 --doctest-modules holonet tests

test: setup browser lint typecheck
	$(BIN)/cffconvert --validate
	$(MAKE) pytest

bench: setup
	$(BIN)/python -m benchmarks

docs: setup
	$(BIN)/python -m holonet._docs --out build/docs

notebooks: setup
	$(BIN)/python -m holonet._docs notebooks --write
