"""The learner's workspace (tools/workspace.py): made once, never losing an edit.

Tested on small synthetic course folders, so every case is exact: first
creation, a second run after the learner edited, an upstream change to an
untouched and to an edited notebook, a second upstream change, a deleted copy,
a lost state file; and once on the repository's own student versions.
"""

import json
import os
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
        assert (work / name).read_bytes() == (workspace.STUDENT / name).read_bytes()
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
