# nnlessons: `make lab` opens the course, `make test` runs every test.
# Both create .venv on first use (plain python3 -m venv, no conda needed).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Outputs are generated and compared with one BLAS thread: on a small machine
# two threads change last digits and are slower and noisier.
THREADS := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 VECLIB_MAXIMUM_THREADS=1
# MPLBACKEND=Agg would make inline figures vanish from executed notebooks.
RUN := env -u MPLBACKEND $(THREADS)
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

# The oldest versions pyproject.toml allows, on the oldest Python it allows
# (a pyenv 3.10 when there is one: its shim refuses to run outside a pyenv project).
PYTHON_OLDEST ?= $(or $(lastword $(wildcard $(HOME)/.pyenv/versions/3.10.*/bin/python3.10)),python3.10)
OLDEST := .venv-oldest
PYTEST_ARGS := tests notebooks --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	-q -n 2 --dist loadfile

.PHONY: lab test test-oldest notebooks handouts html bench clean venv

# The stamps depend on pyproject.toml, so a changed dependency list re-installs.
$(VENV)/.test-stamp: pyproject.toml
	@$(BIN)/python -c "" 2>/dev/null || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@# Build matplotlib's font cache now, not inside the first notebook cell.
	$(RUN) $(BIN)/python -c "import matplotlib.pyplot"
	touch $@

$(VENV)/.lab-stamp: $(VENV)/.test-stamp
	$(BIN)/python -m pip install --quiet -e ".[test,lab]"
	touch $@

venv: $(VENV)/.test-stamp

lab: $(VENV)/.lab-stamp
	$(RUN) $(BIN)/jupyter lab notebooks/

# Two workers; --dist loadfile keeps each notebook's cells together, in order, on one worker.
test: $(VENV)/.test-stamp
	$(RUN) $(BIN)/python -m pytest $(PYTEST_ARGS)

# Every lower bound of pyproject.toml pinned (python -m tools.lower_bounds), then the same tests.
$(OLDEST)/.stamp: pyproject.toml $(VENV)/.test-stamp
	rm -rf $(OLDEST) && $(PYTHON_OLDEST) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m tools.lower_bounds test > $(OLDEST)/requirements.txt
	$(OLDEST)/bin/python -m pip install --quiet -r $(OLDEST)/requirements.txt
	$(OLDEST)/bin/python -m pip install --quiet --no-deps -e .
	$(RUN) $(OLDEST)/bin/python -c "import matplotlib.pyplot"
	touch $@

test-oldest: $(OLDEST)/.stamp
	$(OLDEST)/bin/python -m pip list --format=freeze | grep -iE '^(numpy|matplotlib|pytest|nbval|nbconvert|ipykernel)=='
	$(RUN) $(OLDEST)/bin/python -m pytest $(PYTEST_ARGS)

# For authors: re-execute every notebook in place, top to bottom, in a fresh kernel.
notebooks: $(VENV)/.test-stamp
	$(RUN) $(BIN)/python -m tools.execute_notebooks $(NOTEBOOKS)

# Student versions of the notebooks (solutions replaced by stubs) in build/handouts/.
handouts: $(VENV)/.test-stamp
	$(RUN) $(BIN)/python -m tools.handouts notebooks build/handouts

# Every notebook rendered with its outputs to build/html/, with an index page.
html: $(VENV)/.test-stamp
	$(RUN) $(BIN)/python -m tools.render_html notebooks build/html

bench: $(VENV)/.test-stamp
	$(RUN) $(BIN)/python benchmarks/bench_training.py

clean:
	rm -rf $(VENV) $(OLDEST) build .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
