# nnlessons. Plain `make` lists the targets. Every target creates .venv on first use
# (plain python3 -m venv, no conda needed) and installs only the extras it needs.

comma := ,
PYTHON ?= python3
# The oldest Python pyproject.toml allows (its requires-python; tests/test_packaging.py checks).
PY_MIN := 3.10
PY_OK := import sys; sys.exit(sys.version_info[:2] < ($(subst .,$(comma) ,$(PY_MIN))))
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
PYTHON_OLDEST ?= $(or $(lastword $(wildcard $(HOME)/.pyenv/versions/$(PY_MIN).*/bin/python$(PY_MIN))),python$(PY_MIN))
OLDEST := .venv-oldest
PYTEST_ARGS := tests notebooks --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	-q -n 2 --dist loadfile -m "not site and not classroom"

# The learner's workspace, and options passed on to `jupyter lab`, for example
#   make lab LAB_ARGS="--port 8890 --no-browser --ip 0.0.0.0"
WORK ?= work
LAB_ARGS ?=
# Jupyter refuses to start as root without --allow-root; containers often run as root.
ROOT_ARG := $(if $(filter 0,$(shell id -u)),--allow-root)

.DEFAULT_GOAL := help
.PHONY: help lab test test-oldest site site-serve site-test student notebooks handouts handouts-pdf grade grade-usage bench mutation clean venv FORCE \
	class-test export-nbgrader export-otter hub-link hub-link-usage

help:  ## list the targets
	@echo "Learners:"
	@echo "  make lab        open the course in JupyterLab, in your workspace $(WORK)/ (the first run installs"
	@echo "                  numpy, matplotlib and JupyterLab into .venv: about a minute, longer on a busy machine;"
	@echo "                  later runs start at once)"
	@echo "                  another workspace: make lab WORK=\"my work\"; another Python: make lab PYTHON=python3.12"
	@echo "                  options for jupyter: make lab LAB_ARGS=\"--port 8890 --no-browser\""
	@echo "Instructors and authors:"
	@echo "  make test       run the package tests and re-execute every notebook against its outputs"
	@echo "  make test-oldest  the same tests with every lower bound of pyproject.toml pinned (.venv-oldest)"
	@echo "  make site       build the course website into build/site/ (open build/site/index.html)"
	@echo "  make site-serve the website on http://127.0.0.1:$(SITE_PORT)/ (optional: it works from the file too)"
	@echo "  make site-test  build the website and check every page in headless Chromium"
	@echo "  make student    regenerate the committed student versions student/ (and the notebooks' links)"
	@echo "  make notebooks  re-execute every notebook in place, top to bottom, one BLAS thread"
	@echo "  make handouts   student versions with stored outputs, in build/handouts/"
	@echo "  make handouts-pdf  every lesson as PDF, student and solved, and the whole course, in build/handouts/pdf/"
	@echo "                  (headless Chromium and poppler-utils; US Letter: make handouts-pdf PAPER=letter)"
	@echo "  make grade      grade a folder of submitted notebooks: make grade SUBMISSIONS=dir (report in build/grades/)"
	@echo "                  more options: make grade SUBMISSIONS=dir GRADE_ARGS=\"--roster roster.csv --only alice\""
	@echo "  make bench      the training benchmark"
	@echo "  make mutation   mutation testing of the core modules with their fast tests (docs/MUTATION.md; ~30 min)"
	@echo "  make venv       create .venv with the test tools"
	@echo "  make clean      remove .venv and build/ (never $(WORK)/)"
	@echo "Teaching a class (tools in .venv-class; docs/INSTRUCTORS.md, \"Teaching a class\"):"
	@echo "  make export-nbgrader  every notebook as an nbgrader assignment, released, in build/nbgrader/"
	@echo "  make export-otter     every notebook as an Otter-Grader assignment, in build/otter/"
	@echo "                        (points: POINTS=2 for every exercise, or POINTS=mse_cost=3,train_gd=2)"
	@echo "  make hub-link HUB=https://hub.example.edu  nbgitpuller links to every student notebook"
	@echo "  make class-test  the exports graded by the real nbgrader and Otter, and a real JupyterHub"

# One stamp per set of extras; each depends on pyproject.toml, so a changed
# dependency list re-installs.
# A .venv on too old a Python, without pip (a `python3 -m venv` that failed half-way, as on
# Debian without python3-venv), made in another folder (the course folder was moved: its
# scripts and its install of nnlessons point at the old place), or on another Python than a
# PYTHON=... named on the command line, is made again rather than used.
MADE_IN := $(VENV)/.made-in
MOVED := $(if $(wildcard $(MADE_IN)),$(if $(subst x$(CURDIR)x,,x$(shell cat $(MADE_IN))x),FORCE))
PY_VERSION := import sys; print('.'.join(map(str$(comma) sys.version_info[:2])))
ifneq ($(filter command line environment,$(origin PYTHON)),)
# The .venv's version from its pyvenv.cfg ("version = 3.11.7"); PYTHON asked only when there is one.
VENV_PY := $(shell sed -n 's/^version *= *\([0-9]*\.[0-9]*\).*/\1/p' $(VENV)/pyvenv.cfg 2>/dev/null)
WANT_PY := $(if $(VENV_PY),$(shell $(PYTHON) -c "$(PY_VERSION)" 2>/dev/null))
# Another version, or a PYTHON that does not run (the recipe then says so), re-makes the .venv.
OTHER_PY := $(if $(VENV_PY),$(if $(subst x$(VENV_PY)x,,x$(WANT_PY)x),FORCE))
endif
# setuptools' notice about editable installs is for package authors, not for learners.
QUIET_PIP := PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet
# $(1): the extras; $(2): what they are, said while installing.
define install
	@[ -z "$(OTHER_PY)" ] && { [ ! -f $(MADE_IN) ] || [ "$$(cat $(MADE_IN))" = "$(CURDIR)" ]; } && \
		$(BIN)/python -c "import pip; $(PY_OK)" 2>/dev/null || { \
		$(PYTHON) -c "$(PY_OK)" 2>/dev/null || { \
			echo "nnlessons needs Python $(PY_MIN) or newer; $(PYTHON) is $$($(PYTHON) --version 2>/dev/null || echo "not found")." >&2; \
			echo "Install a newer Python, then run: make $(MAKECMDGOALS) PYTHON=python3.12 (or its path)" >&2; \
			exit 1; }; \
		if [ -n "$(OTHER_PY)" ]; then echo "replacing .venv (Python $(VENV_PY)) with one made by $(PYTHON) (Python $(WANT_PY))"; \
		else echo "creating .venv with $(PYTHON)"; fi; \
		rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) && echo "$(CURDIR)" > $(MADE_IN) && \
		$(QUIET_PIP) --upgrade pip; }
	@echo "installing $(2) into .venv: about a minute the first time, seconds later"
	@$(QUIET_PIP) -e ".[$(1)]"
	@# Build matplotlib's font cache now, not inside the first notebook cell.
	@$(RUN) $(BIN)/python -c "import matplotlib.pyplot"
	@touch $@
endef

$(VENV)/.lab-stamp: pyproject.toml $(MOVED) $(OTHER_PY)
	$(call install,lab,numpy$(comma) matplotlib and JupyterLab)

$(VENV)/.test-stamp: pyproject.toml $(MOVED) $(OTHER_PY)
	$(call install,test,numpy$(comma) matplotlib and the test tools)

$(VENV)/.mutation-stamp: pyproject.toml $(MOVED) $(OTHER_PY)
	$(call install,test$(comma)mutation,the test tools and mutmut)

$(VENV)/.site-stamp: pyproject.toml $(MOVED) $(OTHER_PY)
	$(call install,test$(comma)site,the test tools and the website's (Sphinx$(comma) Playwright))

FORCE:

venv: $(VENV)/.test-stamp

# JupyterLab opens the workspace, at its CHANGES.md when a new version of a notebook waits there.
lab: $(VENV)/.lab-stamp
	@$(BIN)/python -m tools.workspace "$(WORK)"
	@open="$(WORK)"; [ ! -f "$(WORK)/CHANGES.md" ] || open="$(WORK)/CHANGES.md"; \
		echo "starting JupyterLab on $$open (stop it with Ctrl+C)"; \
		$(RUN) $(BIN)/jupyter lab $(ROOT_ARG) $(LAB_ARGS) "$$open"

# Two workers; --dist loadfile keeps each notebook's cells together, in order, on one worker.
test: $(VENV)/.test-stamp
	$(RUN) $(BIN)/python -m pytest $(PYTEST_ARGS)

# Every lower bound of pyproject.toml pinned (python -m tools.lower_bounds), then the same tests.
$(OLDEST)/.stamp: pyproject.toml $(VENV)/.test-stamp
	@$(PYTHON_OLDEST) -c "import sys; sys.exit(sys.version_info[:2] != ($(subst .,$(comma) ,$(PY_MIN))))" 2>/dev/null || { \
		echo "make test-oldest needs Python $(PY_MIN), the oldest pyproject.toml allows; $(PYTHON_OLDEST) is" \
			"$$($(PYTHON_OLDEST) --version 2>/dev/null || echo "not found"). Name one with PYTHON_OLDEST=/path/to/python$(PY_MIN)" >&2; \
		exit 1; }
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

site: $(VENV)/.site-stamp
	$(RUN) $(BIN)/python -m tools.site build/site

# The built website served on this machine only (Ctrl+C stops it).
SITE_PORT ?= 8000
site-serve: site
	@echo "serving build/site/ on http://127.0.0.1:$(SITE_PORT)/ (stop with Ctrl+C)"
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory build/site $(SITE_PORT)

# The website in headless Chromium and the PDF handouts, side by side on two workers (one file
# each: each builds its own copy of the site); each page's time per step: build/site-shots/timings.json.
site-test: $(VENV)/.site-stamp
	$(RUN) $(BIN)/python -m pytest tests/test_site.py tests/test_handouts_pdf.py -q -m site -n 2 --dist loadfile

# After editing a notebook (and before committing): the launch links, then student/.
student: $(VENV)/.test-stamp
	$(BIN)/python -m tools.links notebooks
	$(BIN)/python -m tools.student

# For authors: re-execute every notebook in place, top to bottom, in a fresh kernel.
notebooks: $(VENV)/.test-stamp
	$(RUN) $(BIN)/python -m tools.execute_notebooks $(NOTEBOOKS)

handouts: $(VENV)/.test-stamp
	$(RUN) $(BIN)/python -m tools.handouts notebooks build/handouts

# Printable handouts, built from the website's pages (build/handouts/site/) by headless Chromium.
PAPER ?= a4
handouts-pdf: $(VENV)/.site-stamp
	$(RUN) $(BIN)/python -m tools.handouts_pdf build/handouts/pdf --paper $(PAPER)

# Instructors: every submitted notebook in SUBMISSIONS run in its own limited kernel and graded
# by the package's checkers; CSV, class summary page and feedback files in build/grades/.
grade: $(if $(SUBMISSIONS),,grade-usage) $(VENV)/.test-stamp
	$(RUN) $(BIN)/python -m nnlessons.grade "$(SUBMISSIONS)" --out build/grades $(GRADE_ARGS)

# Said before anything is installed.
grade-usage:
	@echo "usage: make grade SUBMISSIONS=folder-of-submissions" >&2; exit 2

# mutmut changes the core modules of [tool.mutmut] in pyproject.toml one thing at a time and runs
# the fast tests that reach the change; then the summary against docs/MUTATION.md's equivalent
# mutants, failing below 97% killed. MUTATION_JOBS: parallel test runs (one per core).
MUTATION_JOBS ?= 2
mutation: $(VENV)/.mutation-stamp
	rm -rf mutants && mkdir -p build
	@# mutmut redraws a progress line many times a second: its log goes to a file
	$(RUN) $(BIN)/mutmut run --max-children $(MUTATION_JOBS) > build/mutation.log 2>&1 || { tail -20 build/mutation.log; exit 1; }
	$(BIN)/python -m tools.mutation_summary

bench: $(VENV)/.test-stamp
	$(RUN) $(BIN)/python benchmarks/bench_training.py

# Teaching a class: nbgrader, Otter-Grader, JupyterHub and nbgitpuller (the class extra) and the
# binder/ environment in .venv-class, never in the learner's .venv; JupyterHub's proxy,
# configurable-http-proxy, from npm into .venv-class/node.
CLASS := .venv-class
CLASS_BIN := $(CLASS)/bin
# nbgrader runs alembic from PATH.
CLASS_RUN := $(RUN) PATH="$(CURDIR)/$(CLASS_BIN):$$PATH"
POINTS ?=
BRANCH ?= main

$(CLASS)/.stamp: pyproject.toml binder/requirements.txt
	@$(PYTHON) -c "$(PY_OK)" 2>/dev/null || { echo "nnlessons needs Python $(PY_MIN) or newer; name one with PYTHON=python3.12" >&2; exit 1; }
	[ -x $(CLASS_BIN)/python ] || $(PYTHON) -m venv $(CLASS)
	$(CLASS_BIN)/python -m pip install --quiet --upgrade pip
	$(CLASS_BIN)/python -m pip install --quiet -e ".[class]" -r binder/requirements.txt
	@if command -v npm >/dev/null 2>&1; then \
		npm install --silent --no-fund --no-audit --prefix $(CLASS)/node configurable-http-proxy; \
	else echo "npm not found: JupyterHub's proxy is not installed (apt-get install nodejs npm)" >&2; fi
	touch $@

export-nbgrader: $(CLASS)/.stamp
	$(CLASS_BIN)/python -m tools.export nbgrader build/nbgrader $(if $(POINTS),--points "$(POINTS)")
	cd build/nbgrader && for nb in $(notdir $(basename $(NOTEBOOKS))); do \
		$(CLASS_RUN) nbgrader generate_assignment --force $$nb || exit 1; done
	@echo "nbgrader course folder: build/nbgrader (source/ and release/)"

export-otter: $(CLASS)/.stamp
	$(CLASS_BIN)/python -m tools.export otter build/otter/source $(if $(POINTS),--points "$(POINTS)")
	for nb in $(notdir $(basename $(NOTEBOOKS))); do \
		rm -rf build/otter/dist/$$nb; \
		$(CLASS_RUN) otter assign --no-pdfs build/otter/source/$$nb.ipynb build/otter/dist/$$nb || exit 1; done
	@echo "Otter assignments: build/otter/dist/NN_topic/ (student/ to hand out, autograder/*.zip to grade)"

hub-link: $(if $(HUB),,hub-link-usage) $(VENV)/.test-stamp
	@$(BIN)/python -m tools.links --hub "$(HUB)" --branch "$(BRANCH)"

hub-link-usage:
	@echo "usage: make hub-link HUB=https://hub.example.edu [BRANCH=main]" >&2; exit 2

# The export tests and the JupyterHub test, with the real tools; two workers. Their own
# temporary folder: pytest prunes the shared one while a long run may still use it.
class-test: $(CLASS)/.stamp $(VENV)/.test-stamp
	mkdir -p build
	$(RUN) $(BIN)/python -m pytest tests/test_export.py tests/test_hub.py -q -n 2 -m "classroom or not classroom" \
		--basetemp=build/class-test

clean:
	rm -rf $(VENV) $(OLDEST) $(CLASS) build .pytest_cache mutants
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
