# Glacier developer commands. Every target creates and reuses a local .venv by itself.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.installed-runtime
CHECKOV_VENV := .venv-checkov

.PHONY: install test typecheck demo bench fuzz security clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip >/dev/null 2>&1 || true
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP) $(RUNTIME_STAMP)

# The runtime dependencies only (what users install): enough for `make demo` and the glacierc command.
$(RUNTIME_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip >/dev/null 2>&1 || true
	$(PY) -m pip install -q -e .
	touch $(RUNTIME_STAMP)

# mypy first (seconds; no errors allowed, settings in pyproject.toml [tool.mypy]), then the tests.
test: install
	$(VENV)/bin/mypy
	$(PY) -m pytest

# Settings and the files checked are in pyproject.toml ([tool.mypy]).
typecheck: install
	$(VENV)/bin/mypy

demo: $(RUNTIME_STAMP)
	$(PY) examples/demo.py
	@echo "glacierc is installed in $(VENV): run $(VENV)/bin/glacierc, or put it on PATH with: . $(VENV)/bin/activate"

bench: install
	$(PY) bench/run.py
	$(PY) bench/runner_bench.py
	$(PY) bench/partitions_bench.py --counts 10,100,1000 --mb 0.5

fuzz: install
	$(PY) -m glacierc.fuzz --minutes $${FUZZ_MINUTES:-5}

$(CHECKOV_VENV)/bin/checkov:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q checkov

security: install $(CHECKOV_VENV)/bin/checkov
	$(PY) tests/security/run_checkov.py --checkov $(CHECKOV_VENV)/bin/checkov

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) build dist *.egg-info .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
