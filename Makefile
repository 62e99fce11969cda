# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
DEMO_HOME ?= demo/instance

.PHONY: demo demo-build test test-fast lint format bench install system-deps clean-demo

$(BIN)/archive: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	# Speaker-embedding weights: Resemblyzer's wheel, without its torch requirement.
	$(BIN)/pip install --quiet --no-deps resemblyzer==0.1.4
	touch $@

install: system-deps $(BIN)/archive

system-deps:
	@scripts/system-deps.sh

## Build the demo archive of the seed seminar, then serve the portal on 127.0.0.1:5000
## with a job worker beside it (uploads from the workspace are processed).
demo: demo-build
	$(BIN)/python -m cli.demo_serve --home $(DEMO_HOME)

demo-build: install
	$(BIN)/pip install --quiet -e '.[demo]'
	$(BIN)/python -m cli.demo --home $(DEMO_HOME)

## The whole test suite (unit, real Whisper end to end, real browser).
test: install
	$(BIN)/pytest -q

## Everything but the real-model and browser tests.
test-fast: install
	$(BIN)/pytest -q -m "not slow and not browser"

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Benchmarks at a size that runs in minutes (see README, Measured, for the larger runs).
bench: install
	$(BIN)/python benchmarks/transcribe.py --repeat 3
	$(BIN)/python benchmarks/whole_ingest.py --repeat 3
	$(BIN)/python benchmarks/search.py --hours 100 --index benchmarks/out/ix100
	$(BIN)/python benchmarks/api.py --hours 100 --index benchmarks/out/ix100
	$(BIN)/python benchmarks/render.py
	$(BIN)/python benchmarks/diarization.py

clean-demo:
	rm -rf demo
