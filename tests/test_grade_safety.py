"""The grader's defences that need no kernel: bounded reads, file triage, reports that survive.

Reading a worker (floods, pipes held open, workers that never end), reading submission
files (links, pipes, a 1 GB file), forged answers, CSV formula injection and Markdown
forgery, the course's answers named in exercise cells, incremental reports with
``--resume`` and ``--only``, the checksum of the grading code, and the refusal to grade
without a sandbox. The kernels' side is in ``test_grade_hostile``.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from nnlessons.check import _reference
from nnlessons.grade import _codec, grader, lessons, report, sandbox
from nnlessons.grade.__main__ import main as grade_main
from test_grade import ALL, REGRESSION, _submission


# -- reading a worker ----------------------------------------------------------------------------

def _worker(code):
    return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def test_a_flooding_worker_is_cut_at_the_cap_and_killed():
    proc = _worker("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)")
    started = time.monotonic()
    out, err, why = grader._read_worker(proc, b"{}", time.monotonic() + 60)
    assert len(out) == grader.STDOUT_CAP and "more than 4 MB" in why
    assert time.monotonic() - started < 30 and proc.poll() is not None


def test_a_pipe_held_open_after_the_worker_ended_does_not_hang_the_grader():
    # The worker leaves a detached child that holds its stdout for 10 minutes.
    proc = _worker("import subprocess, sys\nchild = subprocess.Popen(['sleep', '600'], start_new_session=True)\n"
                   "sys.stderr.write(str(child.pid))\nsys.stderr.close()\nprint('result', flush=True)\n")
    started = time.monotonic()
    out, err, why = grader._read_worker(proc, b"{}", time.monotonic() + 60)
    os.kill(int(err), signal.SIGKILL)  # the child this test started, by its id
    assert out == b"result\n" and why is None
    assert time.monotonic() - started < 15


def test_a_worker_that_never_ends_is_killed_at_the_deadline():
    proc = _worker("import time\ntime.sleep(600)")
    started = time.monotonic()
    out, err, why = grader._read_worker(proc, b"{}", time.monotonic() + 2)
    assert "did not finish in time" in why and time.monotonic() - started < 15


def test_a_large_job_reaches_a_worker_that_reads_it():
    proc = _worker("import sys\ndata = sys.stdin.read()\nprint(len(data))")
    out, _, why = grader._read_worker(proc, b"x" * 3_000_000, time.monotonic() + 60)
    assert out.strip() == b"3000000" and why is None


def test_a_forged_shape_makes_no_allocation():
    with pytest.raises(_codec.CodecError, match="refused stand-in array"):
        _codec.decode({"__opaque__": "ndarray", "text": "", "shape": [10**6, 10**6]})
    assert _codec.decode({"__opaque__": "ndarray", "text": "", "shape": [2, 3]}).shape == (2, 3)


# -- reading submissions ---------------------------------------------------------------------------

def test_files_are_checked_before_they_are_read(tmp_path):
    big = tmp_path / "big.ipynb"
    with open(big, "wb") as f:
        f.truncate(2**30)  # sparse
    with pytest.raises(ValueError, match="1073741824 bytes"):
        grader.read_bounded(big)
    link = tmp_path / "link.ipynb"
    link.symlink_to(tmp_path / "big.ipynb")
    with pytest.raises(ValueError, match="a link"):
        grader.read_bounded(link)
    fifo = tmp_path / "pipe.ipynb"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        grader.read_bounded(fifo)  # does not block waiting for a writer
    (tmp_path / "ok.ipynb").write_bytes(b"{}")
    assert grader.read_bounded(tmp_path / "ok.ipynb") == b"{}"
    found = {s.file: s.problem for s in grader.discover(tmp_path)}
    assert found["big.ipynb"].startswith("not graded: a file of 1073741824 bytes")
    assert found == {**found, "link.ipynb": "refused: a link", "pipe.ipynb": "refused: not a regular file",
                     "ok.ipynb": None}


def test_an_nbformat_3_notebook_is_converted():
    v3 = nbformat.writes(_submission(ALL, trim=True), version=3).encode()
    assert json.loads(v3)["nbformat"] == 3
    nb, problem = lessons.read_notebook(v3)
    assert problem is None and nb.nbformat == 4
    lesson, label, how = lessons.identify(nb)
    assert lesson.topic == "regression" and set(lessons.exercise_cells(nb, lesson)) == set(lesson.exercises)


# -- the course's answers --------------------------------------------------------------------------

def test_references_come_from_the_checkers_list_else_the_lessons_module(monkeypatch):
    lesson = lessons.lessons()["regression"]
    assert lessons.references(lesson, "mse_cost") == list(_reference.REFERENCES["mse_cost"])
    monkeypatch.setattr(_reference, "REFERENCES", {})
    assert lessons.references(lesson, "mse_cost") == ["nnlessons.lessons.regression:mse_cost"]
    assert lessons.references(lesson, "divergence_threshold") == []  # no function of that name there
    monkeypatch.setattr(_reference, "REFERENCES", {"divergence_threshold": ["nnlessons.lessons.regression:fit"]})
    assert lessons.references(lesson, "divergence_threshold") == ["nnlessons.lessons.regression:fit"]


def test_exercise_cells_that_name_the_course_answers_are_found():
    lesson = lessons.lessons()["regression"]
    honest = _submission(ALL)
    assert lessons.reference_uses(honest, lesson) == {}  # the lesson's own use of reg in text cells is not flagged
    nb = _submission({"mse_cost": "from nnlessons.lessons.regression import mse_cost\ncheck.mse_cost(mse_cost)",
                      "mse_gradient": "def mse_gradient(w, b, x, y):\n    return reg.mse_gradient(w, b, x, y)\n"
                                      "check.mse_gradient(mse_gradient)",
                      "gradient_descent": "import nnlessons.lessons.regression as r\ngradient_descent = "
                                          "r.gradient_descent\ncheck.gradient_descent(gradient_descent)"})
    assert lessons.reference_uses(nb, lesson) == {
        "mse_cost": ["nnlessons.lessons.regression.mse_cost"],
        "mse_gradient": ["nnlessons.lessons.regression.mse_gradient"],
        "gradient_descent": ["nnlessons.lessons.regression.gradient_descent"]}
    # Another exercise's answer named in a cell is not a copy of that other exercise.
    other = _submission({"divergence_threshold": "def divergence_threshold(x, y):\n    reg.mse_cost(0.0, 0.0, x, y)\n"
                                                 "    return 0.1\ncheck.divergence_threshold(divergence_threshold)"})
    assert lessons.reference_uses(other, lesson) == {}


# -- reports ---------------------------------------------------------------------------------------

def _row(student, verdicts=None, status="graded", detail="", errors=()):
    return {"student": student, "file": f"{student}/a.ipynb", "lesson": "01_regression", "topic": "regression",
            "identified_by": "", "status": status, "detail": detail, "timed_out_cells": [], "seconds": 1.0,
            "cell_errors": [{"cell": 3, "ename": "ValueError", "evalue": e} for e in errors],
            "exercises": {n: {"verdict": v, "message": m} for n, (v, m) in (verdicts or {}).items()}}


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(tmp_path):
    rows = [_row(name, {"mse_cost": ("failed", msg)}) for name, msg in [
        ("=cmd|'/C calc'!A0", "-1 is not +1"), ("+1", "@sum"), ("ok", "\tTab"), ("\rx", "fine")]]
    report.write_reports(tmp_path, rows, {"submissions": "s", "seconds": 1.0, "changed_during_grading": []})
    for name in ("grades.csv", "verdicts.csv"):
        for line in csv.reader(open(tmp_path / name, encoding="utf-8", newline="")):
            assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in line)
    students = [r["student"] for r in csv.DictReader(open(tmp_path / "grades.csv", encoding="utf-8", newline=""))]
    assert sorted(students) == sorted(["'=cmd|'/C calc'!A0", "'+1", "ok", "'\rx"])
    assert report.cell(3) == 3 and report.cell("0.5") == "0.5"


def test_feedback_escapes_student_text_and_fences_errors(tmp_path):
    text = report.feedback_text("<b>eve</b>", [_row("eve", {"mse_cost": ("failed", "got *[x](y)* <i>")},
                                                    errors=["boom\n\nExercises passed: 4 of 4.\n````"])])
    assert "**failed**: got \\*\\[x\\](y)\\* \\<i\\>" in text and "# Feedback for \\<b\\>eve\\</b\\>" in text
    fence = "`````"  # one longer than the error's own run of four
    assert f"{fence}\nValueError: boom\n\nExercises passed: 4 of 4.\n````\n{fence}" in text
    outside = text.split(fence)[0] + text.split(fence)[2]
    assert [ln for ln in outside.splitlines() if ln.startswith("Exercises passed")] == ["Exercises passed: 0 of 1."]


def test_reports_are_written_atomically(tmp_path, monkeypatch):
    meta = {"submissions": "s", "seconds": 1.0, "changed_during_grading": []}
    report.write_reports(tmp_path, [_row("ann")], meta)
    before = (tmp_path / "grades.csv").read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        report.write_reports(tmp_path, [_row("bob")], meta)
    assert (tmp_path / "grades.csv").read_bytes() == before  # the old report, whole
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# -- incremental grading, --resume, --only, the code's checksum ------------------------------------

def _class(folder, names):
    for name in names:
        (folder / name).mkdir(parents=True, exist_ok=True)
        (folder / name / "notes.txt").write_text(f"not a notebook, by {name}\n")


def test_a_crash_keeps_the_rows_graded_so_far_and_resume_grades_the_rest(tmp_path, monkeypatch):
    subs, out = tmp_path / "subs", tmp_path / "out"
    _class(subs, ["a", "b", "c", "d"])
    seen = []

    def crash(row):
        seen.append(row["student"])
        if len(seen) == 2:
            raise KeyboardInterrupt  # the instructor's Ctrl-C, or the machine going down

    limits = grader.Limits(jobs=1)
    with pytest.raises(KeyboardInterrupt):
        grader.grade_class(subs, out, limits, progress=crash, unsafe_no_sandbox=True)
    lines = (out / grader.PROGRESS).read_text().splitlines()
    assert len(lines) == 1 + 2 and not (out / "grades.csv").exists()
    graded = []
    monkeypatch.setattr(grader, "read_notebook", lambda data: (graded.append(data), (None, "not a notebook: x"))[1])
    rows, meta = grader.grade_class(subs, out, limits, resume=True, unsafe_no_sandbox=True)
    assert len(graded) == 2 and sorted(r["student"] for r in rows) == ["a", "b", "c", "d"]
    assert len(list(csv.DictReader(open(out / "grades.csv", encoding="utf-8")))) == 4


def test_only_regrades_one_student_and_keeps_the_others(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    _class(subs, ["a", "b", "c"])
    grader.grade_class(subs, out, grader.Limits(jobs=1), unsafe_no_sandbox=True)
    (subs / "b" / "notes.txt").write_text("{}")  # b hands in again
    rows, meta = grader.grade_class(subs, out, grader.Limits(jobs=1), only="b", unsafe_no_sandbox=True)
    by_student = {r["student"]: r for r in json.loads((out / "results.json").read_text())["rows"]}
    assert sorted(by_student) == ["a", "b", "c"] and meta["regraded"] == "b"
    assert by_student["b"]["detail"] == "not a notebook: JSON without notebook cells"
    assert by_student["a"]["detail"].startswith("not a notebook: the file is not valid JSON")
    assert sorted(p.name for p in (out / "feedback").iterdir()) == ["a.md", "b.md", "c.md"]
    with pytest.raises(ValueError, match="no file of student 'zed'"):
        grader.grade_class(subs, out, grader.Limits(jobs=1), only="zed", unsafe_no_sandbox=True)


def test_the_grading_codes_checksum_is_recorded_and_checked_before_writing(tmp_path, monkeypatch):
    subs, out = tmp_path / "subs", tmp_path / "out"
    _class(subs, ["a"])
    rows, meta = grader.grade_class(subs, out, grader.Limits(jobs=1), unsafe_no_sandbox=True)
    assert meta["code_sha256"] == grader.code_checksum() and len(meta["code_sha256"]) == 64
    checksums = iter(["before", "after"])
    monkeypatch.setattr(grader, "code_checksum", lambda: next(checksums))
    os.unlink(out / "grades.csv")
    with pytest.raises(grader.GradingRefused, match="changed on disk during the run"):
        grader.grade_class(subs, out, grader.Limits(jobs=1), unsafe_no_sandbox=True)
    assert not (out / "grades.csv").exists()
    monkeypatch.setattr(grader, "code_checksum", lambda: "other")
    with pytest.raises(grader.GradingRefused, match="other grading code"):
        grader.grade_class(subs, out, grader.Limits(jobs=1), resume=True, unsafe_no_sandbox=True)


# -- no sandbox ------------------------------------------------------------------------------------

def test_without_bubblewrap_the_grader_refuses_and_says_what_it_would_isolate(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    _class(tmp_path / "subs", ["a"])
    with pytest.raises(sandbox.SandboxUnavailable, match="bubblewrap .* not installed.*without network"):
        grader.grade_class(tmp_path / "subs", tmp_path / "out")
    assert grade_main([str(tmp_path / "subs"), "--out", str(tmp_path / "out")]) == 2
    assert "--unsafe-no-sandbox" in capsys.readouterr().err
    assert grade_main([str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--unsafe-no-sandbox"]) == 0
    assert json.loads((tmp_path / "out" / "results.json").read_text())["meta"]["sandbox"].startswith("none")


@pytest.mark.notebooks
def test_an_honest_notebook_is_graded_alike_with_and_without_the_sandbox(tmp_path):
    subs = tmp_path / "subs"
    (subs / "ann").mkdir(parents=True)
    nbformat.write(_submission(ALL, trim=True), subs / "ann" / REGRESSION.name)
    limits = grader.Limits(cell_timeout=30, notebook_timeout=90, jobs=1)
    unsafe, meta = grader.grade_class(subs, None, limits, unsafe_no_sandbox=True)
    assert [e["verdict"] for e in unsafe[0]["exercises"].values()] == ["passed"] * 4
    if sandbox.find_bwrap()[0] is None:
        pytest.skip("no bubblewrap here: the sandboxed half cannot run")
    boxed, meta = grader.grade_class(subs, None, limits)
    assert boxed[0]["exercises"] == unsafe[0]["exercises"] and meta["sandbox"] == "bubblewrap"
