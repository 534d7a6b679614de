"""The set-up files agree with each other and with the README."""

import pathlib
import re
import shutil
import subprocess
import sys

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _name(requirement):
    return re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _lower_bound(requirement):
    m = re.search(r">=\s*([0-9][^,;\s]*)", requirement)
    return m.group(1) if m else None


def _conda_packages():
    """``{name: lower bound or None}`` for the conda packages of environment.yml (pip section left out)."""
    packages, in_deps = {}, False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        stripped = line.split("#", 1)[0].rstrip()
        if not stripped:
            continue
        if re.match(r"^\S", stripped):
            in_deps = stripped.startswith("dependencies:")
            continue
        if in_deps:
            m = re.match(r"^(\s*)- (.+)$", stripped)
            if m and len(m.group(1)) == 2 and not m.group(2).startswith("pip:"):
                packages[_name(m.group(2))] = _lower_bound(m.group(2))
    return packages


def _pyproject_packages():
    """``{name: lower bound}`` for the run-time dependencies and every extra of pyproject.toml."""
    project = _pyproject()["project"]
    reqs = list(project["dependencies"]) + [r for v in project["optional-dependencies"].values() for r in v]
    return {_name(r): _lower_bound(r) for r in reqs if "python_version" not in r}


def test_environment_yml_agrees_with_pyproject():
    # environment.yml may list fewer packages (what a learner needs), never other ones
    # nor other lower bounds; the run-time dependencies it must list.
    conda = {k: v for k, v in _conda_packages().items() if k not in ("python", "pip")}
    project = _pyproject_packages()
    assert not set(conda) - set(project), f"only in environment.yml: {sorted(set(conda) - set(project))}"
    runtime = {_name(r) for r in _pyproject()["project"]["dependencies"]}
    assert runtime <= set(conda), f"run-time dependencies missing from environment.yml: {sorted(runtime - set(conda))}"
    differ = {k: (v, project[k]) for k, v in conda.items() if v != project[k]}
    assert not differ, f"lower bounds differ (environment.yml, pyproject.toml): {differ}"


def test_every_requirement_has_a_lower_bound_and_the_pins_follow_them():
    from tools import lower_bounds

    pins = lower_bounds.pins((ROOT / "pyproject.toml").read_text())
    project = _pyproject_packages()
    assert all(project.values()), f"requirements without a '>=' lower bound: {project}"
    # The oldest-versions environment tests the run-time dependencies and the test extra.
    tested = {_name(r) for r in _pyproject()["project"]["dependencies"]}
    tested |= {_name(r) for r in _pyproject()["project"]["optional-dependencies"]["test"]}
    assert {_name(p): p.split("==")[1].split(";")[0] for p in pins if "python_version" not in p} == {
        k: v for k, v in project.items() if k in tested}
    assert "tomli==2.0; python_version < '3.11'" in pins
    with pytest.raises(ValueError, match="has no single '>=' lower bound"):
        lower_bounds.pins('[project]\ndependencies = ["numpy"]\n[project.optional-dependencies]\ntest = []\n')


def test_environment_yml_lists_what_a_learner_needs_and_nothing_else():
    # The run-time dependencies and the lab extra; tests and the website are pip extras.
    project = _pyproject()["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for r in project["optional-dependencies"]["lab"]}
    conda = set(_conda_packages()) - {"python", "pip"}
    assert conda == wanted, f"only in environment.yml: {sorted(conda - wanted)}; only in pyproject: {sorted(wanted - conda)}"


def test_environment_yml_pins_a_python_version_binder_reads():
    # Binder reads `python=3.12`; a range such as `python>=3.10` is ignored for its default.
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s+- python=3\.\d+\s*$", text, re.M), "environment.yml needs `- python=3.X`"


def test_test_and_site_tools_are_extras():
    extras = _pyproject()["project"]["optional-dependencies"]
    assert {"pytest", "nbval"} <= {_name(r) for r in extras["test"]}
    assert {"sphinx", "myst-nb", "sphinx-book-theme", "playwright"} <= {_name(r) for r in extras["site"]}


def test_environment_yml_installs_the_package_itself():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s+- pip:\s*\n\s+- -e \.\s*$", text, re.M)


def test_runtime_dependencies_are_ranges_not_pins():
    project = _pyproject()["project"]
    reqs = list(project["dependencies"]) + [r for v in project["optional-dependencies"].values() for r in v]
    assert {_name(r) for r in project["dependencies"]} == {"numpy", "matplotlib"}
    assert not [r for r in reqs if "==" in r], "hard pins break course material on a new Python"
    assert project["requires-python"] == ">=3.10"


def test_ci_runs_the_readme_test_command_with_one_blas_thread():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make lab" in readme
    assert re.search(r"^make test$", ci, re.M)
    assert re.search(r"^make test-oldest$", ci, re.M)
    assert re.search(r"^make site-test$", ci, re.M), "CI runs the website's browser test too"
    makefile = (ROOT / "Makefile").read_text()
    assert "OPENBLAS_NUM_THREADS=1" in makefile and "OMP_NUM_THREADS=1" in makefile


TARGETS = ("help", "lab", "test", "test-oldest", "site", "site-test", "student", "notebooks", "handouts", "handouts-pdf", "grade", "bench", "mutation", "venv", "clean")


def test_makefile_targets_and_help():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^\.DEFAULT_GOAL := help$", makefile, re.M), "plain `make` must print the help"
    help_text = makefile.split("\nhelp:", 1)[1].split("\n\n", 1)[0]
    for target in TARGETS:
        assert re.search(rf"^{re.escape(target)}:", makefile, re.M), f"no target {target}"
        if target != "help":
            assert f"make {target} " in help_text, f"`make help` does not list {target}"
    assert "LAB_ARGS" in help_text and "LAB_ARGS ?=" in makefile


def test_make_lab_serves_the_workspace_and_allows_root():
    makefile = (ROOT / "Makefile").read_text()
    lab = makefile.split("\nlab:", 1)[1].split("\n\n", 1)[0]
    assert '-m tools.workspace "$(WORK)"' in lab
    assert re.search(r'jupyter lab .*\$\(ROOT_ARG\) \$\(LAB_ARGS\) "\$\$open"', lab)
    assert "--allow-root" in makefile and "id -u" in makefile
    assert "work/" in (ROOT / ".gitignore").read_text().split()


def test_makefile_needs_the_python_pyproject_requires():
    makefile = (ROOT / "Makefile").read_text()
    assert f"PY_MIN := {_pyproject()['project']['requires-python'].removeprefix('>=')}" in makefile


def _fake_python(path, log, fails_on=None, makes_venv=False):
    """A stand-in python that logs its arguments; ``-c CODE`` fails when CODE contains ``fails_on``."""
    venv = ('if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin"; '
            f'cp "{path.parent / "venv-python"}" "$3/bin/python"; fi\n') if makes_venv else ""
    fail = f'case "$2" in *"{fails_on}"*) exit 1;; esac; ' if fails_on else ""
    path.write_text(f'#!/bin/sh\necho "$0 $*" >> "{log}"\n'
                    'if [ "$1" = "--version" ]; then echo "Python 3.9.18"; exit 0; fi\n'
                    f'if [ "$1" = "-c" ]; then {fail}exit 0; fi\n{venv}exit 0\n')
    path.chmod(0o755)
    return path


needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")


def _make_stamp(tmp_path, python):
    venv = tmp_path / "venv"
    return subprocess.run(["make", "-s", "-C", str(ROOT), f"VENV={venv}", f"PYTHON={python}",
                           f"{venv}/.lab-stamp"], capture_output=True, text=True, timeout=60), venv


@needs_make
def test_make_refuses_a_python_too_old_and_says_what_to_do(tmp_path):
    log = tmp_path / "log"
    result, venv = _make_stamp(tmp_path, _fake_python(tmp_path / "python3.9", log, fails_on="version_info"))
    assert result.returncode != 0
    assert "nnlessons needs Python 3.10 or newer" in result.stderr and "is Python 3.9.18" in result.stderr
    assert "PYTHON=python3.12" in result.stderr
    assert not venv.exists() and "-m venv" not in log.read_text()


@needs_make
@pytest.mark.parametrize("stale", ["version_info", "import pip"])
def test_make_replaces_a_venv_on_an_old_python_or_without_pip(tmp_path, stale):
    # The .venv left by a failed first run (too old a Python, or a venv without pip when
    # ensurepip is missing) is made again, not used for ever after.
    log = tmp_path / "log"
    _fake_python(tmp_path / "venv-python", log)
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    _fake_python(tmp_path / "venv" / "bin" / "python", log, fails_on=stale)
    (tmp_path / "venv" / "old").write_text("")
    result, venv = _make_stamp(tmp_path, _fake_python(tmp_path / "python3", log, makes_venv=True))
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    assert f"{tmp_path}/python3 -m venv {venv}" in calls
    assert f"{venv}/bin/python -m pip install --quiet -e .[lab]" in calls
    assert not (venv / "old").exists() and (venv / ".lab-stamp").exists()
    assert (venv / ".made-in").read_text().strip() == str(ROOT)


@needs_make
def test_make_remakes_a_venv_made_in_another_folder(tmp_path):
    # A moved course folder: the venv's scripts and editable install point at the old place
    # ("env: '.venv/bin/jupyter': No such file or directory"), even with every stamp current.
    log = tmp_path / "log"
    _fake_python(tmp_path / "venv-python", log)
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    _fake_python(venv / "bin" / "python", log)
    (venv / ".made-in").write_text("/home/me/Downloads/nnlessons\n")
    (venv / ".lab-stamp").write_text("")  # newer than pyproject.toml
    result, venv = _make_stamp(tmp_path, _fake_python(tmp_path / "python3", log, makes_venv=True))
    assert result.returncode == 0, result.stderr
    assert f"{tmp_path}/python3 -m venv {venv}" in log.read_text().splitlines()
    assert (venv / ".made-in").read_text().strip() == str(ROOT)
    log.write_text("")
    result, _ = _make_stamp(tmp_path, tmp_path / "python3")
    assert result.returncode == 0 and log.read_text() == "", "made here: left as it is"


@needs_make
def test_make_test_oldest_names_the_python_it_needs(tmp_path):
    (tmp_path / "venv").mkdir()
    (tmp_path / "venv" / ".test-stamp").write_text("")  # newer than pyproject.toml: up to date
    python = _fake_python(tmp_path / "python3.9", tmp_path / "log", fails_on="version_info")
    result = subprocess.run(["make", "-s", "-C", str(ROOT), f"VENV={tmp_path / 'venv'}", f"OLDEST={tmp_path / 'old'}",
                             f"PYTHON_OLDEST={python}", f"{tmp_path}/old/.stamp"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert f"make test-oldest needs Python 3.10, the oldest pyproject.toml allows; {python} is Python 3.9.18" \
        in result.stderr
    assert "PYTHON_OLDEST=" in result.stderr and not (tmp_path / "old").exists()


@needs_make
def test_make_grade_without_submissions_says_how_before_installing(tmp_path):
    result = subprocess.run(["make", "-s", "-C", str(ROOT), f"VENV={tmp_path / 'venv'}", "grade"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "usage: make grade SUBMISSIONS=" in result.stderr
    assert not (tmp_path / "venv").exists()


def test_package_version_is_the_one_pyproject_declares():
    import nnlessons

    assert nnlessons.__version__ == _pyproject()["project"]["version"]
