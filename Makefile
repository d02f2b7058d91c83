# Set-up and checks. Every target installs what it needs into .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONHASHSEED ?= 0

.PHONY: install demo test test-fast test-slow test-jax lint docs docs-check bench bench-costs clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[tensorflow,test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

test: $(STAMP)
	$(PY) -m pytest -q -m "not slow" --durations=10
	$(PY) -m pytest -q -m slow

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow" -x

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

docs: $(STAMP)
	test $(VENV)/.docs-installed -nt pyproject.toml || \
		{ $(PY) -m pip install --quiet -e ".[tensorflow,test,docs]" && touch $(VENV)/.docs-installed; }
	MPLBACKEND=Agg $(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

docs-check: $(STAMP)
	test $(VENV)/.docs-installed -nt pyproject.toml || \
		{ $(PY) -m pip install --quiet -e ".[tensorflow,test,docs]" && touch $(VENV)/.docs-installed; }
	MPLBACKEND=Agg $(PY) -m sphinx -W --keep-going -D plot_gallery=0 -b html docs docs/_build/html

# On the JAX backend: the Keras-level tests (keras.ops only), the estimators and their compiled training.
test-jax: $(STAMP)
	$(PY) -c "import jax" 2>/dev/null || $(PY) -m pip install --quiet -e ".[jax]"
	KERAS_BACKEND=jax $(PY) -m pytest -q -m "not slow" tests/test_keras.py tests/test_tables.py tests/test_train_loop.py tests/test_classifier.py skweighted/keras

lint: $(STAMP)
	$(VENV)/bin/ruff check skweighted tests examples
	$(VENV)/bin/ruff format --check skweighted tests examples

# Benchmarks: about 20 min on 2 cores; `make bench BENCH_ARGS=--quick` for a small run,
# `BENCH_ARGS=--only gridsearch,jax` for a subset (sections: benchmarks/README.md).
# Writes benchmarks/results/, then redraws the figures of docs/benchmarks.md from it.
bench: $(STAMP)
	$(PY) benchmarks/run.py $(BENCH_ARGS)
	$(PY) docs/_scripts/benchmark_figures.py

clean:
	rm -rf $(VENV) build dist *.egg-info docs/_build

# Cost-sensitive workflows on bank marketing (about 7 min on 2 cores): fetches
# the data once into ~/.cache/skweighted; writes benchmarks/results/cost_sensitive.*
# and the plot shown in docs/user_guide/costs.rst.
bench-costs: $(STAMP)
	$(PY) benchmarks/cost_sensitive.py --copy-plots docs/_static $(BENCH_ARGS)
