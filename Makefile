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
# Recipes fail when any command of a pipe fails (the install's progress filter below).
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
# pip's output as one dot per package, instead of two or three lines each (its warnings and
# errors go to stderr and are shown as they are).
PROGRESS := awk '/^(Collecting|Processing|Requirement already satisfied)/ { n++; printf "."; fflush() } \
	/^Installing collected packages/ { i = 1; printf "\n%d packages; installing them...\n", n } \
	END { if (!i) printf "\n%d packages, all installed already.\n", n }'

.PHONY: demo test bench lint venv clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@echo "Creating the virtual environment $(VENV) and upgrading pip..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "Installing the pinned packages into $(VENV) (about 2 minutes and 1.1 GB the first time)..."
	@$(BIN)/python -m pip install --progress-bar off -r requirements.txt | $(PROGRESS)
	@echo "Installing csp_analysis itself (editable: changes to the code apply at once)..."
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)
	@echo "Ready: $(VENV) ($$(du -sh $(VENV) | cut -f1))."

demo: $(STAMP)
	$(BIN)/csp demo-data --out $(DEMO_DATA)
	$(BIN)/csp ingest --config config/demo.yaml
	$(BIN)/csp tables --config config/demo.yaml --out outputs/demo/tables --print
	$(BIN)/csp run --config config/demo.yaml --out outputs/demo/pack

# The tests run on every core (pytest-xdist); TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= auto
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --no-loadscope-reorder

# make bench NATIONAL=1 also ingests the national synthetic set (about 20 million rows: minutes)
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_read_locate.py
	$(BIN)/python benchmarks/bench_disclosure.py
	$(BIN)/python benchmarks/bench_scale.py $(if $(NATIONAL),--national)

lint: $(STAMP)
	$(BIN)/ruff check csp_analysis tests benchmarks
	$(BIN)/ruff format --check csp_analysis tests benchmarks

clean:
	rm -rf outputs/demo outputs/notebooks $(DEMO_DATA) data/processed/store
