"""The learner's workspace (tools/workspace.py): made once, never losing an edit.

Tested on small synthetic course folders, so every case is exact: first
creation, a second run after the learner edited, an upstream change to an
untouched and to an edited notebook, a second upstream change, a deleted copy,
a lost state file; and once on the repository's own student versions.
"""

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
import urllib.request

import pytest

from tools import handouts, workspace


@pytest.fixture
def course(tmp_path):
    student, solutions, work = tmp_path / "student", tmp_path / "notebooks", tmp_path / "work"
    student.mkdir()
    solutions.mkdir()
    for name in ["01_first.ipynb", "02_second.ipynb"]:
        (student / name).write_text(f"student {name} v1\n")
        (solutions / name).write_text(f"solved {name} v1\n")
    (student / "scratch.ipynb").write_text("not part of the series\n")

    def sync():
        return workspace.sync(work, student, solutions)

    return student, solutions, work, sync


def edit_then_change_upstream(course):
    """Lay out the workspace, edit 01 there, change 01 upstream, sync; return the messages."""
    student, solutions, work, sync = course
    sync()
    (work / "01_first.ipynb").write_text("my answers\n")
    (student / "01_first.ipynb").write_text("student 01 v2\n")
    return sync()


def listing(folder):
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_first_run_creates_the_workspace(course):
    student, solutions, work, sync = course
    assert sync() == []
    assert listing(work) == ["01_first.ipynb", "02_second.ipynb", "README.md", "solutions"]
    assert listing(work / "solutions") == ["01_first.ipynb", "02_second.ipynb"]
    assert (work / "01_first.ipynb").read_text() == "student 01_first.ipynb v1\n"
    assert (work / "solutions" / "02_second.ipynb").read_text() == "solved 02_second.ipynb v1\n"
    assert "solutions/" in (work / "README.md").read_text()
    assert os.stat(work / "01_first.ipynb").st_mode & stat.S_IWUSR, "the learner's copy must be writable"
    assert not os.stat(work / "solutions" / "01_first.ipynb").st_mode & 0o222, "solutions are read-only"


def test_second_run_keeps_the_learners_edit(course):
    student, solutions, work, sync = course
    sync()
    (work / "01_first.ipynb").write_text("my answers\n")
    assert sync() == []
    assert (work / "01_first.ipynb").read_text() == "my answers\n"
    assert listing(work) == ["01_first.ipynb", "02_second.ipynb", "README.md", "solutions"]


def test_upstream_change_to_an_untouched_notebook_updates_it(course):
    student, solutions, work, sync = course
    sync()
    (student / "02_second.ipynb").write_text("student 02 v2\n")
    (solutions / "02_second.ipynb").write_text("solved 02 v2\n")
    messages = sync()
    assert messages == ["updated 02_second.ipynb to the current version (you had not changed it)",
                        "updated solutions/02_second.ipynb to the current version (you had not changed it)"]
    assert (work / "02_second.ipynb").read_text() == "student 02 v2\n"
    assert (work / "solutions" / "02_second.ipynb").read_text() == "solved 02 v2\n"
    assert not os.stat(work / "solutions" / "02_second.ipynb").st_mode & 0o222


def test_upstream_change_to_an_edited_notebook_goes_beside_it(course):
    student, solutions, work, sync = course
    messages = edit_then_change_upstream(course)
    assert len(messages) == 1 and "01_first.new.ipynb" in messages[0] and "Yours is kept" in messages[0]
    assert (work / "01_first.ipynb").read_text() == "my answers\n"
    assert (work / "01_first.new.ipynb").read_text() == "student 01 v2\n"

    # Again: nothing new is written, the learner is reminded where the new version is.
    assert sync() == ["01_first.ipynb: you have edits, so it is kept as it is; the current version "
                      "is waiting beside it as 01_first.new.ipynb"]
    # A further change replaces the untouched offer, still not the learner's file.
    (student / "01_first.ipynb").write_text("student 01 v3\n")
    sync()
    assert (work / "01_first.ipynb").read_text() == "my answers\n"
    assert (work / "01_first.new.ipynb").read_text() == "student 01 v3\n"
    assert not (work / "01_first.new2.ipynb").exists()


def test_an_edited_offer_is_kept_too(course):
    student, solutions, work, sync = course
    edit_then_change_upstream(course)
    (work / "01_first.new.ipynb").write_text("my answers in the new version\n")
    (student / "01_first.ipynb").write_text("student 01 v3\n")
    messages = sync()
    assert "01_first.new2.ipynb" in messages[0]
    assert (work / "01_first.ipynb").read_text() == "my answers\n"
    assert (work / "01_first.new.ipynb").read_text() == "my answers in the new version\n"
    assert (work / "01_first.new2.ipynb").read_text() == "student 01 v3\n"


def test_deleting_a_copy_gives_the_current_version_and_clears_the_offer(course):
    student, solutions, work, sync = course
    edit_then_change_upstream(course)
    (work / "01_first.ipynb").unlink()
    assert sync() == []
    assert (work / "01_first.ipynb").read_text() == "student 01 v2\n"
    assert not (work / "01_first.new.ipynb").exists()


def test_without_its_state_the_tool_overwrites_nothing(course):
    student, solutions, work, sync = course
    sync()
    (work / workspace.STATE).unlink()
    (student / "02_second.ipynb").write_text("student 02 v2\n")
    messages = sync()
    assert (work / "02_second.ipynb").read_text() == "student 02_second.ipynb v1\n"
    assert (work / "02_second.new.ipynb").read_text() == "student 02 v2\n"
    assert "02_second.new.ipynb" in messages[0]


def test_removed_upstream_notebook_leaves_the_learners_copy(course):
    student, solutions, work, sync = course
    sync()
    (student / "02_second.ipynb").unlink()
    assert sync() == []
    assert (work / "02_second.ipynb").read_text() == "student 02_second.ipynb v1\n"


def test_main_lays_out_the_repositorys_student_versions(tmp_path, capsys):
    work = tmp_path / "work"
    assert workspace.main([str(work)]) == 0
    names = [p.name for p in handouts.series(workspace.STUDENT)]
    assert names and listing(work) == sorted(names + ["README.md", "solutions"])
    assert listing(work / "solutions") == sorted(p.name for p in handouts.series(workspace.SOLUTIONS))
    for name in names:
        copy, course = json.loads((work / name).read_bytes()), json.loads((workspace.STUDENT / name).read_bytes())
        stamp = copy["metadata"].pop(workspace.STAMP)
        assert copy == course, "the copy is the course's student version, stamped with its version"
        assert stamp == {"course_version": workspace._version((workspace.STUDENT / name).read_bytes())}
    assert f"holds {len(names)} notebooks" in capsys.readouterr().out
    assert workspace.main([str(work)]) == 0
    assert capsys.readouterr().out.count("\n") == 1, "a second run has nothing to report"


def test_jupyter_lab_serves_the_workspace_even_as_root(tmp_path):
    # As `make lab` starts it (which adds --allow-root for root); only where JupyterLab is installed.
    pytest.importorskip("jupyterlab", reason="JupyterLab is not installed here (the lab extra; `make lab` installs it)")
    work = tmp_path / "work"
    workspace.sync(work)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
               "--ServerApp.token=test-token", "--ServerApp.ip=127.0.0.1", str(work)]
    if os.geteuid() == 0:
        command.append("--allow-root")
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline, listing_json = time.monotonic() + 60, None
        while listing_json is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token=test-token", timeout=5) as r:
                    listing_json = json.load(r)
            except OSError:
                time.sleep(0.5)
        if listing_json is None:
            server.terminate()
            pytest.fail(f"JupyterLab did not serve the workspace: {server.communicate()[1].decode()[-800:]}")
        served = sorted(item["name"] for item in listing_json["content"])
        expected = sorted([p.name for p in handouts.series(workspace.STUDENT)] + ["README.md", "solutions"])
        assert served == expected
    finally:
        server.terminate()
        server.wait(timeout=20)


# ---- The learner's notebooks as real notebooks: the stamp, the two lost-update sequences, CHANGES.md

def _notebook(*sections):
    """A small notebook: each section a heading and a code cell (bytes as nbformat writes them)."""
    cells = []
    for title, code in sections:
        cells += [{"cell_type": "markdown", "id": f"m{len(cells)}", "metadata": {}, "source": f"## {title}"},
                  {"cell_type": "code", "id": f"c{len(cells)}", "metadata": {}, "execution_count": None,
                   "outputs": [], "source": code}]
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
          "nbformat": 4, "nbformat_minor": 5}
    return (json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode()


V1 = _notebook(("1. Lines", "x = 1"), ("Exercises", "def f(x):\n    raise NotImplementedError"))
V2 = _notebook(("1. Lines", "x = 2  # corrected"), ("2. Planes", "y = 3"),
               ("Exercises", "def f(x):\n    raise NotImplementedError"))


def _edit(path, text):
    """What saving in Jupyter does: the notebook (with its metadata) and the learner's code."""
    nb = json.loads(path.read_bytes())
    nb["cells"][-1]["source"] = text
    path.write_text(json.dumps(nb, indent=1) + "\n")


@pytest.fixture
def notebooks(tmp_path):
    student, solutions, work = tmp_path / "student", tmp_path / "notebooks", tmp_path / "work"
    student.mkdir()
    solutions.mkdir()
    (student / "01_first.ipynb").write_bytes(V1)
    (solutions / "01_first.ipynb").write_bytes(V1.replace(b"raise NotImplementedError", b"return x"))
    return student, solutions, work, lambda: workspace.sync(work, student, solutions)


def _mine(path):
    return json.loads(path.read_bytes())["cells"][-1]["source"]


def test_a_copy_renamed_away_and_back_still_gets_the_update(notebooks):
    # Rename your copy, run, delete the fresh copy, rename yours back: the fresh copy's run
    # recorded the new version as given, and the old copy came back as if it were based on it.
    student, solutions, work, sync = notebooks
    sync()
    _edit(work / "01_first.ipynb", "def f(x):\n    return x  # mine")
    (student / "01_first.ipynb").write_bytes(V2)
    (work / "01_first.ipynb").rename(work / "keep.ipynb")
    assert sync() == []
    assert workspace.based_on(work / "01_first.ipynb") == workspace._version(V2)
    (work / "01_first.ipynb").unlink()
    (work / "keep.ipynb").rename(work / "01_first.ipynb")
    messages = sync()
    assert len(messages) == 1 and "01_first.new.ipynb" in messages[0], messages
    assert _mine(work / "01_first.ipynb") == "def f(x):\n    return x  # mine"
    assert json.loads((work / "01_first.new.ipynb").read_bytes())["cells"][1]["source"] == "x = 2  # corrected"
    changes = (work / workspace.CHANGES).read_text()
    assert "## 01_first.ipynb: the new version is 01_first.new.ipynb" in changes
    assert '- changed: "1. Lines"' in changes and '- new: "2. Planes"' in changes
    assert "Exercises" not in changes.split("section by section:")[1], "an unchanged section is not listed"


def test_an_old_tab_saved_over_an_updated_notebook_still_gets_the_update(notebooks):
    # The notebook is open in JupyterLab; `make lab` (in another terminal) updates the untouched
    # file; then the tab, still holding the old version, is saved over it.
    student, solutions, work, sync = notebooks
    sync()
    tab = json.loads((work / "01_first.ipynb").read_bytes())
    (student / "01_first.ipynb").write_bytes(V2)
    assert sync() == ["updated 01_first.ipynb to the current version (you had not changed it)"]
    tab["cells"][-1]["source"] = "def f(x):\n    return x  # typed in the old tab"
    (work / "01_first.ipynb").write_text(json.dumps(tab, indent=1) + "\n")
    messages = sync()
    assert len(messages) == 1 and "01_first.new.ipynb" in messages[0], messages
    assert _mine(work / "01_first.ipynb") == "def f(x):\n    return x  # typed in the old tab"
    assert workspace.based_on(work / "01_first.new.ipynb") == workspace._version(V2)
    assert "01_first.new.ipynb" in (work / workspace.CHANGES).read_text()


def test_edits_on_the_current_version_are_left_alone_and_changes_md_goes(notebooks):
    student, solutions, work, sync = notebooks
    sync()
    _edit(work / "01_first.ipynb", "def f(x):\n    return x  # mine")
    (student / "01_first.ipynb").write_bytes(V2)
    sync()
    assert (work / workspace.CHANGES).exists() and (work / "01_first.new.ipynb").exists()
    # The learner switches: their copy away, the new version renamed into its place, answers copied.
    (work / "01_first.ipynb").rename(work / "01_first-old.ipynb")
    (work / "01_first.new.ipynb").rename(work / "01_first.ipynb")
    _edit(work / "01_first.ipynb", "def f(x):\n    return x  # mine, on v2")
    assert sync() == []
    assert _mine(work / "01_first.ipynb") == "def f(x):\n    return x  # mine, on v2"
    assert not (work / workspace.CHANGES).exists(), "nothing waits: CHANGES.md is gone"
    assert not (work / "01_first.new.ipynb").exists()


def test_solutions_are_copies_brought_back_to_the_course_version(notebooks):
    student, solutions, work, sync = notebooks
    sync()
    solved = work / "solutions" / "01_first.ipynb"
    solved.chmod(0o644)
    solved.write_text("my notes in the solution\n")
    messages = sync()
    assert messages == ["solutions/01_first.ipynb: your changes there were replaced by the course's current "
                        "version (solutions/ holds copies; your work goes in 01_first.ipynb)"]
    assert solved.read_bytes() == (solutions / "01_first.ipynb").read_bytes()
    assert not os.stat(solved).st_mode & 0o222


def test_changes_md_names_an_unknown_base(notebooks):
    # A copy from before the stamp (or from elsewhere): what changed cannot be told, and it says so.
    student, solutions, work, sync = notebooks
    sync()
    nb = json.loads((work / "01_first.ipynb").read_bytes())
    del nb["metadata"][workspace.STAMP]
    nb["cells"][-1]["source"] = "mine"
    (work / "01_first.ipynb").write_text(json.dumps(nb))
    (work / workspace.STATE).unlink()
    (student / "01_first.ipynb").write_bytes(V2)
    assert "01_first.new.ipynb" in sync()[0]
    assert "what changed is not known" in (work / workspace.CHANGES).read_text()


def test_what_changed_by_section():
    assert workspace.what_changed(V1, V1) == ["- only outside the cells' text (metadata, outputs)"]
    assert workspace.what_changed(V2, V1) == ['- changed: "1. Lines" (2 cells differ)', '- removed: "2. Planes"']


# ---- `make lab` itself, with a stand-in venv: WORK with spaces, CHANGES.md opened, PYTHON=

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")
ROOT = workspace.ROOT


def _stand_in_venv(tmp_path, version="3.11.7"):
    """A .venv whose python is this one and whose jupyter prints its arguments, one a line."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (venv / "bin" / "python").chmod(0o755)
    (venv / "bin" / "jupyter").write_text('#!/bin/sh\nfor a in "$@"; do echo "jupyter-arg: $a"; done\n')
    (venv / "bin" / "jupyter").chmod(0o755)
    (venv / "pyvenv.cfg").write_text(f"version = {version}\n")
    (venv / ".made-in").write_text(str(ROOT) + "\n")
    (venv / ".lab-stamp").write_text("")  # newer than pyproject.toml: nothing to install
    return venv


def _make_lab(venv, work, *extra):
    return subprocess.run(["make", "-s", "-C", str(ROOT), "lab", f"VENV={venv}", f"WORK={work}", *extra],
                          capture_output=True, text=True, timeout=120)


@needs_make
def test_make_lab_takes_a_workspace_with_spaces_and_opens_changes_md(tmp_path):
    venv, work = _stand_in_venv(tmp_path), tmp_path / "my work"
    result = _make_lab(venv, work)
    assert result.returncode == 0, result.stderr
    args = [line.split(": ", 1)[1] for line in result.stdout.splitlines() if line.startswith("jupyter-arg: ")]
    assert args[0] == "lab" and args[-1] == str(work), args
    assert (work / "README.md").exists() and (work / "solutions").is_dir()
    # A new version waiting: JupyterLab opens at CHANGES.md.
    first = sorted(p.name for p in handouts.series(workspace.STUDENT))[0]
    nb = json.loads((work / first).read_bytes())
    nb["metadata"][workspace.STAMP]["course_version"] = "0123456789abcdef"
    (work / first).write_text(json.dumps(nb))
    result = _make_lab(venv, work)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"jupyter-arg: {work / workspace.CHANGES}"
    assert "a new version waiting" in result.stdout and (work / first.replace(".ipynb", ".new.ipynb")).exists()


def _fake_python(path, version):
    """A python that says it is ``version`` and logs how it is called (beside it, in log)."""
    log = path.parent / "log"
    path.write_text(f'#!/bin/sh\necho "$0 $*" >> "{log}"\n'
                    f'case "$2" in *join*) echo "{version}"; exit 0;; esac\n'
                    'if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin"; '
                    f'cp "$0" "$3/bin/python"; fi\nexit 0\n')
    path.chmod(0o755)
    return log


@needs_make
@pytest.mark.parametrize("named", ["3.12", "3.11"])
def test_python_named_for_another_version_replaces_the_venv(tmp_path, named):
    venv = _stand_in_venv(tmp_path)
    (venv / "bin" / "python").unlink()
    (venv / "old").write_text("")
    log = _fake_python(tmp_path / f"python{named}", named)
    _fake_python(venv / "bin" / "python", "3.11")
    result = subprocess.run(["make", "-s", "-C", str(ROOT), f"VENV={venv}", f"PYTHON={tmp_path}/python{named}",
                             f"{venv}/.lab-stamp"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    calls = log.read_text()
    if named == "3.11":
        assert "-m venv" not in calls and (venv / "old").exists(), "the same version: the .venv is kept"
        return
    assert f"replacing .venv (Python 3.11) with one made by {tmp_path}/python3.12 (Python 3.12)" in result.stdout
    assert f"{tmp_path}/python3.12 -m venv {venv}" in calls and not (venv / "old").exists()
    assert "installing numpy, matplotlib and JupyterLab into .venv: about a minute" in result.stdout
    assert f"{venv}/bin/python -m pip install --quiet -e .[lab]" in calls
