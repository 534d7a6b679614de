"""Grade a folder of submitted notebooks: find them, identify them, run each in its own worker.

The grader never writes to the submissions folder and never follows a link in
it: each file is read once (its size checked first), and a notebook is run from a
copy in its own scratch folder, by a worker process (``runner``) that starts the
kernel in a sandbox (``sandbox``). Notebooks are graded in parallel, one worker per
core by default; each row is appended to ``progress.jsonl`` in the report folder as
it is graded, and the reports are written at the end (``report``).
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
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .lessons import identify, read_notebook, reference_uses, references

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
    """How much one notebook may use: seconds per cell and per notebook, memory, largest file written.

    ``memory_mb`` holds for the kernel's address space and, where a cgroup can be made, for
    everything the submission starts together.
    """

    cell_timeout: float = 60.0
    notebook_timeout: float = 300.0
    memory_mb: int = 2048
    file_mb: int = 100
    #: processes and threads of one submission, all together (where a cgroup can count them)
    max_processes: int = 256
    #: address space of the grader's worker, which decodes what the kernel sends
    worker_memory_mb: int = 4096
    jobs: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))


@dataclass
class Submission:
    """One file found in the submissions folder; ``problem`` says why it is not graded (None: graded)."""

    path: Path
    file: str      # relative to the submissions folder, with / separators
    student: str
    problem: str = None


def _student(rel):
    return rel.parts[0] if len(rel.parts) > 1 else (rel.stem or rel.name)


def discover(folder):
    """Every file under ``folder``, with its student and, for one not graded, why not.

    A file in a sub-folder belongs to the student named by its first folder
    (``alice/01_regression.ipynb``, nbgrader's ``submitted/alice/ps1/...``);
    a file at the top belongs to its own name (``alice_01_regression.ipynb``).
    Every file gets a row: a link (to a file or a folder) is refused, hidden and
    empty files are listed, not graded. Links are never followed.
    """
    folder = Path(folder)
    found = []
    for parent, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files) + sorted(d for d in dirs if os.path.islink(os.path.join(parent, d))):
            path = Path(parent) / name
            rel = path.relative_to(folder)
            problem = None
            try:
                info = os.lstat(path)
            except OSError as exc:
                problem = f"unreadable: {exc.strerror}"
            else:
                if stat.S_ISLNK(info.st_mode):
                    problem = "refused: a link"
                elif any(part.startswith(".") or part in _SKIP_DIRS for part in rel.parts):
                    problem = "hidden file, not graded"
                elif not stat.S_ISREG(info.st_mode):
                    problem = "refused: not a regular file"
                elif info.st_size == 0:
                    problem = "empty file"
                elif info.st_size > MAX_FILE_BYTES:
                    problem = f"not graded: a file of {info.st_size} bytes, too large to be a notebook"
            found.append(Submission(path, rel.as_posix(), _student(rel), problem))
    return sorted(found, key=lambda s: s.file)


def read_bounded(path, limit=MAX_FILE_BYTES):
    """The bytes of the regular file ``path``, never following a link nor reading more than ``limit``.

    ValueError says why a file is refused (a link, not a regular file, too large).
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ValueError(f"refused: {'a link' if os.path.islink(path) else exc.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("refused: not a regular file")
        if info.st_size > limit:
            raise ValueError(f"not graded: a file of {info.st_size} bytes, too large to be a notebook")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ValueError("not graded: the file grew past the size limit while it was read")
    return data


def _digest(path):
    try:
        return hashlib.sha256(read_bounded(path)).hexdigest()
    except ValueError as exc:
        return str(exc)


def _fingerprint(subs):
    return {sub.file: _digest(sub.path) for sub in subs if sub.problem is None}


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


#: bytes read from a worker's stdout (one result line) and stderr; the rest is not read
STDOUT_CAP = 4 * 2**20
STDERR_CAP = 64 * 2**10
#: seconds a worker may take beyond the notebook's limit, and to close its pipes after it ends
WORKER_GRACE = 90.0
PIPE_GRACE = 2.0


def _read_worker(proc, payload, deadline):
    """Send ``payload`` to the worker's stdin; its stdout and stderr, each capped, by ``deadline``.

    Returns ``(out, err, why)``, ``why`` None or why the worker was killed. A pipe held
    open by some other process after the worker ended is closed after PIPE_GRACE seconds.
    """
    import selectors

    caps = {proc.stdout: STDOUT_CAP, proc.stderr: STDERR_CAP}
    data = {proc.stdout: bytearray(), proc.stderr: bytearray()}
    why, ended_at = None, None
    with selectors.DefaultSelector() as sel:
        for f in caps:
            os.set_blocking(f.fileno(), False)
            sel.register(f, selectors.EVENT_READ)
        os.set_blocking(proc.stdin.fileno(), False)
        sel.register(proc.stdin, selectors.EVENT_WRITE)
        pending = memoryview(payload)
        while sel.get_map():
            now = time.monotonic()
            if ended_at is None and proc.poll() is not None:
                ended_at = now
            if ended_at is not None and now > ended_at + PIPE_GRACE:
                break  # something else holds the worker's pipes open: what came is what counts
            if why is None and now > deadline:
                why = "the grading worker did not finish in time and was killed"
                _kill_group(proc)
            for key, _ in sel.select(timeout=0.2):
                f = key.fileobj
                if f is proc.stdin:
                    try:
                        pending = pending[os.write(f.fileno(), pending[:65536]):]
                    except OSError:
                        pending = pending[:0]
                    if not pending:
                        sel.unregister(f)
                        f.close()
                    continue
                try:
                    chunk = os.read(f.fileno(), 65536)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = b""
                if not chunk:
                    sel.unregister(f)
                    continue
                room = caps[f] - len(data[f])
                data[f] += chunk[:max(room, 0)]
                if room < len(chunk) and f is proc.stdout and why is None:
                    why = f"the grading worker wrote more than {STDOUT_CAP // 2**20} MB and was killed"
                    _kill_group(proc)
    for f in (proc.stdin, proc.stdout, proc.stderr):
        with contextlib.suppress(OSError):
            f.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=PIPE_GRACE)
    return bytes(data[proc.stdout]), bytes(data[proc.stderr]), why


def _kill_group(proc):
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)


def _run_worker(job, limits):
    """Run one notebook in a worker process; the result dict (a grader error if the worker failed)."""
    token = secrets.token_hex(16)
    payload = json.dumps({**job, "token": token}).encode()
    proc = subprocess.Popen([sys.executable, "-m", "nnlessons.grade.runner"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        out, err, why = _read_worker(proc, payload, time.monotonic() + limits.notebook_timeout + WORKER_GRACE)
    finally:
        _kill_group(proc)  # the worker's own helpers, if any are left
    if why:
        return {"status": "grader error", "detail": why}
    # Only the line that starts with this run's token counts: nothing else knows the token.
    for line in reversed(out.decode("utf-8", "replace").splitlines()):
        if line.startswith(token + " "):
            try:
                return json.loads(line[len(token) + 1:])
            except ValueError:
                break
    tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
    return {"status": "grader error", "detail": f"the grading worker failed: {tail[0][:300]}"}


def _clean_result(result, lesson):
    """The worker's result with only the fields, types and sizes a report expects."""
    from .runner import VERDICTS

    def text(value, n):
        return str(value)[:n] if value is not None else ""

    result = result if isinstance(result, dict) else {}
    exercises = {}
    given = result.get("exercises") if isinstance(result.get("exercises"), dict) else {}
    for name in lesson.exercises if lesson else ():
        e = given.get(name) if isinstance(given.get(name), dict) else {}
        verdict = e.get("verdict") if e.get("verdict") in VERDICTS else "error"
        exercises[name] = {"verdict": verdict, "message": text(e.get("message", "not graded"), 2000)}
    errors = result.get("cell_errors") if isinstance(result.get("cell_errors"), list) else []
    cells = result.get("timed_out_cells") if isinstance(result.get("timed_out_cells"), list) else []
    seconds = result.get("seconds")
    return {"status": text(result.get("status", "grader error"), 50), "detail": text(result.get("detail"), 1000),
            "exercises": exercises,
            "cell_errors": [{"cell": int(e.get("cell", 0)) if isinstance(e.get("cell"), int) else 0,
                             "ename": text(e.get("ename"), 100), "evalue": text(e.get("evalue"), 300)}
                            for e in errors[:50] if isinstance(e, dict)],
            "timed_out_cells": [c for c in cells[:50] if isinstance(c, int)],
            "seconds": float(seconds) if isinstance(seconds, (int, float)) else 0.0}


def _safe_name(text):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:80] or "notebook"


def grade_submission(sub, data, limits, mpl_cache=None, bwrap=None):
    """The report row of one submission whose file content is ``data``.

    With ``bwrap`` (its path), the kernel runs in a bubblewrap sandbox inside a cgroup
    made for this submission (see ``sandbox``); everything it started is killed after.
    """
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
    from .sandbox import Cgroup

    scratch = Path(tempfile.mkdtemp(prefix="nnlessons-grade-"))
    cgroup = Cgroup(scratch.name, limits.memory_mb, limits.max_processes) if bwrap else None
    try:
        work = scratch / "work"
        work.mkdir()
        copy = work / _safe_name(Path(sub.file).name)
        if copy.suffix != ".ipynb":
            copy = copy.with_suffix(".ipynb")
        if data.lstrip()[:1] == b"{" and b'"worksheets"' in data:
            import nbformat  # an nbformat 3 notebook, converted as read_notebook read it

            data = nbformat.writes(nb).encode("utf-8")
        copy.write_bytes(data)
        job = {"notebook": str(copy), "scratch": str(scratch), "topic": lesson.topic,
               "cell_timeout": limits.cell_timeout, "notebook_timeout": limits.notebook_timeout,
               "memory_mb": limits.memory_mb, "file_mb": limits.file_mb, "mpl_cache": mpl_cache,
               "worker_memory_mb": limits.worker_memory_mb, "bwrap": bwrap,
               # The course's answers to each exercise, and the exercise cells that name them.
               "references": {name: references(lesson, name) for name in lesson.exercises},
               "reference_uses": reference_uses(nb, lesson),
               "cgroups": [str(d) for d in cgroup.dirs] if cgroup else []}
        result = _clean_result(_run_worker(job, limits), lesson)
    finally:
        if cgroup is not None:
            cgroup.remove()  # whatever the submission left running
        shutil.rmtree(scratch, ignore_errors=True)
    row = _row(sub, lesson=label, topic=lesson.topic, identified_by=how)
    row.update(result)
    if cgroup is not None:
        row["limits"] = "cgroup: " + ", ".join(cgroup.limits) if cgroup.limits else "per process"
    if all(e["message"] == "not graded" for e in row["exercises"].values()) and row["detail"]:
        row["exercises"] = {name: {"verdict": "error", "message": row["detail"]} for name in lesson.exercises}
    return row


def code_checksum():
    """SHA-256 over the source of the installed ``nnlessons`` package: the grading code and its checkers."""
    import nnlessons

    root = Path(nnlessons.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


PROGRESS = "progress.jsonl"


class GradingRefused(ValueError):
    """A run that would mix grading code or overwrite what it should not: nothing was graded."""


def _read_progress(out, checksum):
    """``{(file, sha256): row}`` from an earlier run's progress file, graded by the same code."""
    path = out / PROGRESS
    if not path.is_file():
        return {}
    rows = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f):
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # the last line of a run that was killed while writing it
            if number == 0:
                if entry.get("code_sha256") != checksum:
                    raise GradingRefused(f"{path} was written by other grading code (checksum "
                                         f"{str(entry.get('code_sha256'))[:12]}, this is {checksum[:12]}); "
                                         f"grade into a new folder")
                continue
            rows[(entry["row"]["file"], entry["sha256"])] = entry["row"]
    return rows


def _earlier_rows(out, checksum):
    path = out / "results.json"
    if not path.is_file():
        raise GradingRefused(f"--only needs an earlier report in {out} (no results.json there)")
    earlier = json.loads(path.read_text(encoding="utf-8"))
    if earlier.get("meta", {}).get("code_sha256") != checksum:
        raise GradingRefused(f"the report in {out} was made by other grading code; re-grade the whole class")
    return earlier["rows"]


def _sandbox(unsafe_no_sandbox):
    """The path of bwrap; None when the instructor asked for no sandbox. Refuses when there is none."""
    from . import sandbox

    if unsafe_no_sandbox:
        return None
    bwrap, why = sandbox.find_bwrap()
    if bwrap is None:
        raise sandbox.SandboxUnavailable(
            f"no sandbox: {why}. It would have isolated {sandbox.ISOLATES}. Grading untrusted notebooks "
            f"without it lets a submission read and change other submissions, the reports and your files; "
            f"pass --unsafe-no-sandbox (unsafe_no_sandbox=True) to grade anyway")
    return bwrap


def grade_class(submissions, out=None, limits=None, progress=None, *, unsafe_no_sandbox=False,
                resume=False, only=None):
    """Grade every file under ``submissions``; write the reports to ``out`` if given.

    Returns ``(rows, meta)``: one dict per file (see ``report``) and the run's facts.
    Each kernel runs in its own sandbox (``sandbox``); without bubblewrap the grader
    refuses (``sandbox.SandboxUnavailable``) unless ``unsafe_no_sandbox``.

    Each row is appended to ``out/progress.jsonl`` as it is graded; ``resume`` skips the
    files whose content that file already holds a row for. ``only`` (a student's name)
    grades that student's files and keeps the other rows of the report in ``out``.
    The reports are written (atomically, by this process alone) only if the grading
    code's checksum is still the one it had at the start.

    ``progress(row)`` is called as each submission finishes.
    """
    require_dependencies()
    limits = limits or Limits()
    submissions = Path(submissions).resolve()
    if not submissions.is_dir():
        raise NotADirectoryError(f"submissions folder {submissions} does not exist")
    if out is not None:
        out = Path(out).resolve()
        if out == submissions or submissions in out.parents or out in submissions.parents:
            raise ValueError(f"the report folder {out} must not be inside the submissions folder or hold it")
    elif resume or only:
        raise ValueError("--resume and --only need a report folder")
    bwrap = _sandbox(unsafe_no_sandbox)
    checksum = code_checksum()
    subs = discover(submissions)
    kept = []
    if only is not None:
        kept = [r for r in _earlier_rows(out, checksum) if r["student"] != only]
        subs = [s for s in subs if s.student == only]
        if not subs:
            raise ValueError(f"no file of student {only!r} in {submissions}")
    done = _read_progress(out, checksum) if resume else {}
    before = _fingerprint(subs)
    mpl_cache = _mpl_cache()
    started = time.monotonic()
    log = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        # A new run starts the file; a resumed run or a re-grade of one student adds to it.
        fresh = not (out / PROGRESS).is_file() or not (resume or only is not None)
        log = open(out / PROGRESS, "w" if fresh else "a", encoding="utf-8")
        if fresh:
            log.write(json.dumps({"code_sha256": checksum, "submissions": str(submissions)}) + "\n")

    def one(sub):
        if sub.problem is not None:
            return _row(sub, status=sub.problem.split(":")[0], detail=sub.problem), None
        try:
            data = read_bounded(sub.path)
        except ValueError as exc:
            return _row(sub, status=str(exc).split(":")[0], detail=str(exc)), None
        digest = hashlib.sha256(data).hexdigest()
        if (sub.file, digest) in done:
            return done[(sub.file, digest)], digest
        return grade_submission(sub, data, limits, mpl_cache, bwrap), digest

    rows = [None] * len(subs)
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, int(limits.jobs))) as pool:
            futures = {pool.submit(one, sub): i for i, sub in enumerate(subs)}
            for future in concurrent.futures.as_completed(futures):
                i = futures[future]
                digest = None
                try:
                    rows[i], digest = future.result()
                except Exception as exc:  # one submission's failure must not stop the class
                    rows[i] = _row(subs[i], status="grader error", detail=f"{type(exc).__name__}: {exc}")
                if log is not None:
                    # Flushed to disk as it comes: a crash later keeps every row graded so far.
                    log.write(json.dumps({"sha256": digest, "row": rows[i]}) + "\n")
                    log.flush()
                    os.fsync(log.fileno())
                if progress:
                    progress(rows[i])
    finally:
        if log is not None:
            log.close()
    after = _fingerprint(subs)
    changed = sorted({name for name in set(before) | set(after) if before.get(name) != after.get(name)})
    rows = kept + rows
    meta = {"submissions": str(submissions), "seconds": round(time.monotonic() - started, 1),
            "limits": asdict(limits), "changed_during_grading": changed, "code_sha256": checksum,
            "sandbox": "bubblewrap" if bwrap else "none (--unsafe-no-sandbox)"}
    if only is not None:
        meta["regraded"] = only
    if out is not None:
        from .report import write_reports

        if code_checksum() != checksum:
            raise GradingRefused("the grading code changed on disk during the run; no report written "
                                 f"(the rows graded so far are in {out / PROGRESS})")
        write_reports(out, rows, meta)
    return rows, meta
