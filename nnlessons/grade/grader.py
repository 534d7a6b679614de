"""Grade a folder of submitted notebooks: find them, identify them, run each in its own worker.

The grader process reads every submission into memory once, at the start,
and never writes to the submissions folder: each notebook is run from a copy
in its own temporary folder, by a worker process (``runner``) that starts the
kernel. Notebooks are graded in parallel, one worker per core by default.
"""

import concurrent.futures
import contextlib
import hashlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .lessons import identify, read_notebook

#: files larger than this are not opened (a notebook of this course is < 2 MB)
MAX_FILE_BYTES = 50 * 2**20
_SKIP_DIRS = {"__MACOSX", "__pycache__"}


#: what grading needs beyond numpy and matplotlib (the ``grade`` extra)
DEPENDENCIES = ("nbformat", "nbclient", "jupyter_client", "ipykernel")


def require_dependencies():
    """Raise ImportError, saying what to install, if a grading dependency is missing."""
    missing = [name for name in DEPENDENCIES if importlib.util.find_spec(name) is None]
    if missing:
        raise ImportError(f"grading needs {', '.join(missing)}, not installed here; "
                          f"install them with: pip install 'nnlessons[grade]'")


@dataclass
class Limits:
    """How much one notebook may use: seconds per cell and per notebook, memory, largest file written."""

    cell_timeout: float = 60.0
    notebook_timeout: float = 300.0
    memory_mb: int = 2048
    file_mb: int = 100
    jobs: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))


@dataclass
class Submission:
    """One file found in the submissions folder."""

    path: Path
    file: str      # relative to the submissions folder, with / separators
    student: str


def discover(folder):
    """Every non-hidden file under ``folder``, with its student.

    A file in a sub-folder belongs to the student named by its first folder
    (``alice/01_regression.ipynb``, nbgrader's ``submitted/alice/ps1/...``);
    a file at the top belongs to its own name (``alice_01_regression.ipynb``).
    """
    folder = Path(folder)
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") or part in _SKIP_DIRS for part in rel.parts):
            continue
        if path.is_symlink() or not path.is_file():
            continue
        student = rel.parts[0] if len(rel.parts) > 1 else path.stem
        found.append(Submission(path, rel.as_posix(), student))
    return found


def _fingerprint(folder):
    digests = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and not path.is_symlink():
            digests[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def _row(sub, **fields):
    row = {"student": sub.student, "file": sub.file, "lesson": "", "topic": "", "identified_by": "",
           "status": "", "detail": "", "exercises": {}, "cell_errors": [], "timed_out_cells": [],
           "seconds": 0.0}
    row.update(fields)
    return row


def _mpl_cache():
    try:
        import matplotlib

        return matplotlib.get_cachedir()
    except Exception:  # a missing cache only costs the kernel time
        return None


def _run_worker(job, limits):
    """Run one notebook in a worker process; the result dict (a grader error if the worker failed)."""
    token = secrets.token_hex(16)
    payload = json.dumps({**job, "token": token})
    proc = subprocess.Popen([sys.executable, "-m", "nnlessons.grade.runner"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        out, err = proc.communicate(payload.encode(), timeout=limits.notebook_timeout + 90)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"status": "grader error", "detail": "the grading worker did not finish and was killed"}
    # Only the line that starts with this run's token counts: nothing else knows the token.
    for line in reversed(out.decode("utf-8", "replace").splitlines()):
        if line.startswith(token + " "):
            try:
                return json.loads(line[len(token) + 1:])
            except ValueError:
                break
    tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
    return {"status": "grader error", "detail": f"the grading worker failed: {tail[0][:300]}"}


def _safe_name(text):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:80] or "notebook"


def grade_submission(sub, data, limits, mpl_cache=None):
    """The report row of one submission whose file content is ``data``."""
    if len(data) > MAX_FILE_BYTES:
        return _row(sub, status="not a notebook", detail=f"file of {len(data)} bytes, too large to be one")
    nb, problem = read_notebook(data)
    if nb is None:
        status = "damaged notebook" if problem.startswith("truncated") else "not a notebook"
        return _row(sub, status=status, detail=problem)
    lesson, label, how = identify(nb)
    if lesson is None:
        return _row(sub, lesson=label or "", status="unknown lesson",
                    detail="no metadata, checker call or exercise function of any lesson in this notebook")
    scratch = Path(tempfile.mkdtemp(prefix="nnlessons-grade-"))
    try:
        work = scratch / "work"
        work.mkdir()
        copy = work / _safe_name(Path(sub.file).name)
        if copy.suffix != ".ipynb":
            copy = copy.with_suffix(".ipynb")
        copy.write_bytes(data)
        job = {"notebook": str(copy), "scratch": str(scratch), "topic": lesson.topic,
               "cell_timeout": limits.cell_timeout, "notebook_timeout": limits.notebook_timeout,
               "memory_mb": limits.memory_mb, "file_mb": limits.file_mb, "mpl_cache": mpl_cache}
        result = _run_worker(job, limits)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    row = _row(sub, lesson=label, topic=lesson.topic, identified_by=how)
    row.update({k: result[k] for k in ("status", "detail", "exercises", "cell_errors", "timed_out_cells",
                                        "seconds") if k in result})
    if not row["exercises"]:
        row["exercises"] = {name: {"verdict": "error", "message": row["detail"]} for name in lesson.exercises}
    return row


def grade_class(submissions, out=None, limits=None, progress=None):
    """Grade every file under ``submissions``; write the reports to ``out`` if given.

    Returns ``(rows, meta)``: one dict per file (see ``report``) and the run's facts.

    ``progress(row)`` is called as each submission finishes.
    """
    require_dependencies()
    limits = limits or Limits()
    submissions = Path(submissions).resolve()
    if not submissions.is_dir():
        raise NotADirectoryError(f"submissions folder {submissions} does not exist")
    if out is not None:
        out = Path(out).resolve()
        if out == submissions or submissions in out.parents:
            raise ValueError(f"the report folder {out} must not be inside the submissions folder")
    before = _fingerprint(submissions)
    subs = discover(submissions)
    contents = [(sub, sub.path.read_bytes()) for sub in subs]
    mpl_cache = _mpl_cache()
    started = time.monotonic()
    rows = [None] * len(contents)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, int(limits.jobs))) as pool:
        futures = {pool.submit(grade_submission, sub, data, limits, mpl_cache): i
                   for i, (sub, data) in enumerate(contents)}
        for future in concurrent.futures.as_completed(futures):
            i = futures[future]
            try:
                rows[i] = future.result()
            except Exception as exc:  # one submission's failure must not stop the class
                rows[i] = _row(contents[i][0], status="grader error", detail=f"{type(exc).__name__}: {exc}")
            if progress:
                progress(rows[i])
    changed = sorted(set(before.items()) ^ set(_fingerprint(submissions).items()))
    meta = {"submissions": str(submissions), "seconds": round(time.monotonic() - started, 1),
            "limits": asdict(limits),
            "changed_during_grading": sorted({name for name, _ in changed})}
    if out is not None:
        from .report import write_reports

        write_reports(out, rows, meta)
    return rows, meta
