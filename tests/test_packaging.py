"""The set-up files agree with each other and with the README."""

import pathlib
import re
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _name(requirement):
    return re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _conda_packages():
    names, in_deps, in_pip = set(), False, False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        stripped = line.split("#", 1)[0].rstrip()
        if not stripped:
            continue
        if re.match(r"^\S", stripped):
            in_deps = stripped.startswith("dependencies:")
            continue
        if in_deps:
            m = re.match(r"^(\s*)- (.+)$", stripped)
            if m and len(m.group(1)) == 2:
                in_pip = m.group(2).startswith("pip:")
                if not in_pip:
                    names.add(_name(m.group(2)))
    return names


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = _pyproject()["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for extra in ("test", "lab"):
        wanted |= {_name(r) for r in project["optional-dependencies"][extra] if "python_version" not in r}
    conda = _conda_packages() - {"python", "pip"}
    assert conda == wanted, f"only in environment.yml: {sorted(conda - wanted)}; only in pyproject: {sorted(wanted - conda)}"


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
    makefile = (ROOT / "Makefile").read_text()
    assert "OPENBLAS_NUM_THREADS=1" in makefile and "OMP_NUM_THREADS=1" in makefile
    for target in ("lab", "test", "notebooks", "clean", "handouts", "html"):
        assert re.search(rf"^{target}:", makefile, re.M), target
