# DescentLab: `make serve` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: serve test test-py test-js bench bench-service bench-ui lint format clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Stamps: reinstall when pyproject.toml changes.
$(VENV)/.runtime: pyproject.toml | $(PY)
	$(PIP) install -e .
	@touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.runtime
	$(PIP) install -e '.[test]'
	@touch $@

serve: $(VENV)/.runtime
	$(VENV)/bin/descentlab serve --host $(HOST) --port $(PORT)

test: test-py test-js

test-py: $(VENV)/.test
	$(PY) -m pytest -q -p no:cacheprovider

test-js:
	@if command -v node >/dev/null 2>&1 && [ -d tests/static ]; then \
		node --test tests/static/; \
	else echo "node not found or no JS tests: skipping JS unit tests"; fi

# Benchmarks (not tests). PyTorch is optional: the CPU wheel pinned in the `torch` extra.
bench: $(VENV)/.test
	-$(PIP) install -e '.[torch]' || echo "torch not installed: PyTorch ratios are skipped"
	$(PY) bench/engine.py
	$(PY) bench/mlp.py
	$(PY) bench/sweeps.py

lint: $(VENV)/.test
	$(VENV)/bin/ruff check engine app descentlab tests bench
	$(VENV)/bin/ruff format --check engine app descentlab tests bench

format: $(VENV)/.test
	$(VENV)/bin/ruff format engine app descentlab tests bench
	$(VENV)/bin/ruff check --fix engine app descentlab tests bench

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache

# Service benchmarks (not tests): each starts its own server on a free loopback port.
.PHONY: bench-service
bench-service: $(VENV)/.test
	$(PY) bench/stream.py
	$(PY) bench/load.py
	$(PY) bench/memory.py
	$(PY) bench/formulas.py
	$(PY) bench/session.py
	$(PY) bench/datasets.py

bench-ui: $(VENV)/.test
	$(PY) bench/ui.py
