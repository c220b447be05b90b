# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install run test proofs check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,progress,plot]'
	touch $(STAMP)

install: $(STAMP)

## make run: install, regenerate the bundled theorems in proofs/, re-check them, summarize.
run: install
	$(VENV)/bin/exactid bundle proofs
	$(VENV)/bin/exactid check proofs --quiet

## make test: install, check the committed certificates, run the whole test suite.
test: install
	$(VENV)/bin/exactid check proofs --quiet
	$(PY) -m pytest

## make proofs: regenerate every bundled certificate (deterministic bytes).
proofs: install
	$(VENV)/bin/exactid bundle proofs

check: install
	$(VENV)/bin/exactid check proofs

bench: install
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
