# Two commands set everything up on a machine with python3 and make:
#   make demo   build the synthetic demo data and its quarterly board pack (HTML)
#   make test   run the tests
# Each creates .venv and installs the pinned requirements when missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DATA := data/processed/demo
export JUPYTER_PREFER_ENV_PATH := 1

.PHONY: demo test bench lint venv clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/csp demo-data --out $(DEMO_DATA)
	$(BIN)/csp tables --config config/demo.yaml --out outputs/demo/tables --print
	$(BIN)/csp run --config config/demo.yaml --out outputs/demo/pack

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_read_locate.py
	$(BIN)/python benchmarks/bench_disclosure.py

lint: $(STAMP)
	$(BIN)/ruff check csp_analysis tests benchmarks
	$(BIN)/ruff format --check csp_analysis tests benchmarks

clean:
	rm -rf outputs/demo outputs/notebooks $(DEMO_DATA)
