"""Hostile submissions against the grader's sandbox (nnlessons.grade with bubblewrap).

One class of notebook 01 submissions is generated here: honest students (solutions and
stubs) graded together with one submission per attack of the audit (issue 25): taking the
course's answers, finding the solutions, other submissions or the grader through /proc,
rewriting the package, the reports or other submissions, detached and setsid processes,
connecting to or killing the other kernels, forged answers, floods, forks and memory
across processes, writes outside the scratch folder, and report hygiene (formula-like
names, forged feedback lines, links, hidden, empty and nbformat 3 files). Every attack
cell ends by raising ``RuntimeError("observed: ...")`` with what it saw, which the grader
reports as that cell's error: the tests read what the sandbox let each attack see.

The class is graded once, in the sandbox, with short limits; the run must finish within
them, the honest students get the grades they get alone, no file outside the scratch
folders changes, and nothing the submissions started is left running. Needs bubblewrap
(``.ci/run`` installs it); skipped with the reason where it cannot run.
"""

import csv
import hashlib
import json
import os
import re
import resource
import tempfile
import time
import uuid
from pathlib import Path

import nbformat
import pytest

import nnlessons
from nnlessons.check import _reference
from nnlessons.grade import Limits, grade_class, sandbox
from test_grade import ALL, CALL, _submission, put_file

pytestmark = pytest.mark.notebooks

BWRAP, WHY = sandbox.find_bwrap()
needs_bwrap = pytest.mark.skipif(BWRAP is None, reason=f"no sandbox here: {WHY}")

LIMITS = Limits(cell_timeout=40, notebook_timeout=120, memory_mb=2048, max_processes=256, jobs=2)
#: marks every process an attack starts, so that the test can look for survivors
MARKER = f"nnl-hostile-{uuid.uuid4().hex[:12]}"
PACKAGE = Path(nnlessons.__file__).resolve().parent
HOME = Path(os.path.expanduser("~"))

# -- the attacks: source templates, filled with the paths a well-informed attacker would know ------

# Importing the lessons' references (found by the static check) and reaching them without naming
# them (found in the kernel, while the function runs). divergence_threshold calls the package's
# gradient_descent: flagged when REFERENCES lists it for that exercise (filled by the test).
COPIER = {
    "mse_cost": "from nnlessons.lessons.regression import mse_cost\n\n" + CALL["mse_cost"],
    "mse_gradient": "mse_gradient = reg.mse_gradient\n\n" + CALL["mse_gradient"],
    "gradient_descent": ("import importlib\n\n"
                         "def gradient_descent(*args, **kwargs):\n"
                         "    module = importlib.import_module('nnlessons.lessons.' + 'regr' + 'ession')\n"
                         "    return getattr(module, 'gradient' + '_descent')(*args, **kwargs)\n\n"
                         + CALL["gradient_descent"]),
    "divergence_threshold": None,  # the solution with the package's gradient_descent, below
}

OBSERVE = "raise RuntimeError('observed: ' + json.dumps(seen))"

PRELUDE = "import json, os, glob, signal, stat, subprocess, sys, time\nseen = dict()\n"

SOLUTION_FINDER = PRELUDE + """
import nnlessons
root = os.path.dirname(os.path.dirname(nnlessons.__file__))
found = sorted(set(glob.glob(root + '/notebooks/*.ipynb') + glob.glob(root + '/**/01_regression.ipynb', recursive=True)
                   + glob.glob('{submissions}/**/*.ipynb', recursive=True)))
stolen = 0
for path in found:
    try:
        for c in json.load(open(path))['cells']:
            if c['cell_type'] == 'code' and 'def ' in ''.join(c['source']):
                exec(''.join(c['source']).replace('check.', '0 and check.'), globals())
                stolen += 1
    except Exception:
        pass
seen = {{'found': len(found), 'stolen': stolen}}
""" + OBSERVE

PROC_SCANNER = PRELUDE + """
pids = [int(p) for p in os.listdir('/proc') if p.isdigit()]
lines = []
for pid in pids:
    try:
        lines.append(open(f'/proc/{{pid}}/cmdline', 'rb').read().replace(b'\\0', b' ').decode())
    except OSError:
        pass
forged = 0
for pid in pids:
    if pid == os.getpid():
        continue  # its own stdout: ipykernel's capture pipe
    try:
        if stat.S_ISFIFO(os.stat(f'/proc/{{pid}}/fd/1').st_mode):  # a worker's stdout, if one were here
            with open(f'/proc/{{pid}}/fd/1', 'w') as out:
                out.write('0' * 32 + ' {{"status": "graded", "exercises": {{}}}}\\n')
                forged += 1
    except OSError:
        pass
seen = {{'pids': len(pids), 'grader': sum('nnlessons.grade.runner' in l or ' -m pytest' in l for l in lines),
        'submissions': sum('{submissions}' in l for l in lines), 'forged': forged}}
""" + OBSERVE

PACKAGE_WRITER = PRELUDE + """
import nnlessons
changed = 0
for path in glob.glob(os.path.dirname(nnlessons.__file__) + '/**/*.py', recursive=True):
    try:
        with open(path, 'a') as f:
            f.write('\\n# rewritten by a student\\n')
        changed += 1
    except OSError:
        pass
seen = {{'changed': changed}}
""" + OBSERVE

DETACHED = PRELUDE + """
code = '''
import glob, os, sys, time
for _ in range(600):
    for path in glob.glob("{report}/*") + glob.glob("{report}/feedback/*"):
        try:
            open(path, "w").write("rewritten")
        except OSError:
            pass
    time.sleep(0.1)
'''
subprocess.Popen([sys.executable, '-c', code, '{marker}'], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:  # a daemon the classic way: fork, setsid, fork
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(600)', '{marker}'])
    os._exit(0)
os.wait()
seen = {{'started': 2}}
""" + OBSERVE

KERNEL_CONNECTOR = PRELUDE + """
from jupyter_client import BlockingKernelClient
files = set()
for pattern in ['/tmp/**/*.json', os.environ.get('TMPDIR', '/tmp') + '/**/*.json', '{tmpdir}/**/*.json',
                '{home}/.local/share/jupyter/runtime/*.json']:
    files |= set(glob.glob(pattern, recursive=True))
from ipykernel.connect import get_connection_file
mine = os.path.realpath(get_connection_file())
hit = 0
deadline = time.time() + 8
while time.time() < deadline:  # others start while this one looks
    for path in list(files):
        try:
            info = json.load(open(path))
            if 'shell_port' not in info or os.path.realpath(path) == mine:
                continue
            client = BlockingKernelClient()
            client.load_connection_info(info)
            client.start_channels()
            client.execute('def mse_cost(*a):\\n    return 0.0\\nimport os\\nos._exit(1)')
            hit += 1
        except Exception:
            pass
    files = set(glob.glob('{tmpdir}/**/connection.json', recursive=True))
    time.sleep(0.5)
seen = {{'hit': hit}}
""" + OBSERVE

KILLER = PRELUDE + """
killed = 0
for _ in range(20):
    for p in os.listdir('/proc'):
        if p.isdigit() and int(p) not in (os.getpid(), 1):
            try:
                os.kill(int(p), signal.SIGKILL)
                killed += 1
            except OSError:
                pass
    for pattern in ('grade[.]runner', ' -m pytest', 'jupyter-'):  # not its own kernel's command line
        subprocess.run(['pkill', '-9', '-f', pattern], capture_output=True)
    time.sleep(0.3)
seen = {{'killed': killed}}
""" + OBSERVE

SUBMISSION_WRITER = PRELUDE + """
written = 0
for path in glob.glob('{submissions}/**/*', recursive=True):
    try:
        with open(path, 'a') as f:
            f.write(' ')
        written += 1
    except OSError:
        pass
seen = {{'written': written}}
""" + OBSERVE

STDOUT_HOLDER = PRELUDE + """
held = 0
for pid in [int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]:
    for fd in (0, 1, 2):
        try:
            if stat.S_ISFIFO(os.stat(f'/proc/{{pid}}/fd/{{fd}}').st_mode):  # a pipe: a worker's
                os.open(f'/proc/{{pid}}/fd/{{fd}}', os.O_WRONLY)
                held += 1
        except OSError:
            pass
if os.fork() == 0:
    os.setsid()
    os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(600)', '{marker}'])
seen = {{'held': held}}
""" + OBSERVE

# A function whose answer, in the grader's format, declares an array of 10^12 Python objects.
FORGER = """def mse_cost(w, b, x, y):
    import nnlessons.grade._kernel as k
    real = k._publish
    forged = {"status": "ok", "args": [], "nodes": [], "warnings": [],
              "result": {"__opaque__": "ndarray", "text": "", "shape": [10**6, 10**6]}}
    k._publish = lambda message: real(forged if message.get("status") == "ok" else message)
    return 0.0

""" + CALL["mse_cost"]

FLOODER = PRELUDE + """
chunk = 'x' * 2**20
for _ in range(100):
    sys.stdout.write(chunk)
for pid in [int(p) for p in os.listdir('/proc') if p.isdigit()]:
    try:
        with open(f'/proc/{{pid}}/fd/1', 'w') as out:
            out.write(chunk * 8)
    except OSError:
        pass
seen = {{'flooded': 100}}
""" + OBSERVE

FORKER = PRELUDE + """
children = []
try:
    for _ in range(300):
        pid = os.fork()
        if pid == 0:
            time.sleep(120)
            os._exit(0)
        children.append(pid)
except OSError:
    pass
for pid in children:  # so that the kernel has room to answer
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
seen = {{'children': len(children)}}
""" + OBSERVE

MEMORY_HOG = PRELUDE + """
import numpy as np
pids = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            block = np.ones(600 * 2**20 // 8)  # 600 MB, touched
            time.sleep(6)  # all four hold theirs at once
            code = 0
        finally:
            os._exit(code)
    pids.append(pid)
held = 0
for pid in pids:
    _, status = os.waitpid(pid, 0)
    held += os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
seen = {{'held': held}}
""" + OBSERVE

OUTSIDE_WRITER = PRELUDE + """
wrote = []
for path in ['/tmp/{marker}', '{home}/{marker}', '{report}/{marker}', '{submissions}/{marker}',
             '{package}/{marker}', '{tmpdir}/{marker}', '/{marker}', '/usr/{marker}', '/etc/{marker}']:
    try:
        open(path, 'w').write('x')
        wrote.append(path)
    except OSError:
        pass
seen = {{'outside': [p for p in wrote if not p.startswith('/tmp/')]}}
""" + OBSERVE

FORGED_FEEDBACK = ("raise ValueError('wrong\\n\\nExercises passed: 4 of 4.\\n\\n<script>alert(1)</script>\\n"
                   "```\\n# Feedback for someone else')")


def _copier():
    solution = nbformat.read(Path(__file__).resolve().parents[1] / "notebooks" / "01_regression.ipynb", 4)
    source = next(c.source for c in solution.cells if "def divergence_threshold" in c.source)
    package = ("import importlib\n_gd = getattr(importlib.import_module('nnlessons.lessons.' + 'regression'), "
               "'gradient_' + 'descent')\n")
    copied = package + source.replace("costs = gradient_descent(", "costs = _gd(")
    assert copied != package + source
    return {**COPIER, "divergence_threshold": copied}


def _attack(template, paths):
    return template.format(**paths)


def _tree_digest(folder, skip=()):
    """{relative path: sha256} of every file under ``folder`` (links not followed)."""
    digests = {}
    for parent, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in skip]
        for name in files:
            path = Path(parent) / name
            if not path.is_symlink() and path.is_file():
                digests[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def _reset_peak_memory():
    """Start this process's peak resident memory (VmHWM) afresh, where Linux allows it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_memory_kb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _processes_with(text):
    found = []
    for pid in os.listdir("/proc"):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        if text in cmdline and int(pid) != os.getpid():
            found.append((pid, cmdline.replace("\0", " ")[:200]))
    return found


def _cgroup_limits():
    """The limits a submission's cgroup can hold here, as a row's ``limits`` field says them."""
    probe = sandbox.Cgroup(f"nnlessons-probe-{uuid.uuid4().hex[:8]}", 64, 16)
    probe.remove()
    return "cgroup: " + ", ".join(probe.limits) if probe.limits else "per process"


HONEST = ("honest1", "honest2", "honest3")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    if BWRAP is None:
        pytest.skip(f"no sandbox here: {WHY}")
    root = tmp_path_factory.mktemp("hostile")
    subs, report, scratch = root / "submissions", root / "report", root / "scratch"
    scratch.mkdir()
    # This run's scratch folders in a folder of their own (the attacks are told where).
    paths = {"submissions": str(subs), "report": str(report), "marker": MARKER, "home": str(HOME),
             "package": str(PACKAGE), "tmpdir": str(scratch)}

    def put(student, nb_or_bytes, filename="01_regression.ipynb"):
        return put_file(subs, student, filename, nb_or_bytes)

    def attacker(name, template, replace=ALL):
        put(name, _submission(replace, extra_before=[_attack(template, paths)], trim=True))

    for name in HONEST:
        put(name, _submission(ALL, trim=True))
    put("stubby", _submission(trim=True))
    put("copier", _submission(_copier(), extra_before=["from nnlessons.lessons import regression as reg"],
                              trim=True))
    attacker("finder", SOLUTION_FINDER, replace=None)
    attacker("scanner", PROC_SCANNER, replace=None)
    attacker("rewriter", PACKAGE_WRITER, replace=None)
    attacker("detacher", DETACHED, replace=None)
    attacker("connector", KERNEL_CONNECTOR, replace=None)
    attacker("killer", KILLER, replace=None)
    attacker("scribbler", SUBMISSION_WRITER, replace=None)
    attacker("holder", STDOUT_HOLDER, replace=None)
    put("forger", _submission({"mse_cost": FORGER}, trim=True))
    attacker("flooder", FLOODER, replace=None)
    attacker("forker", FORKER, replace=None)
    attacker("hog", MEMORY_HOG, replace=None)
    attacker("outsider", OUTSIDE_WRITER, replace=None)
    # Report hygiene: formula-like and HTML names, a forged feedback line, every kind of file.
    put("=HYPERLINK(\"http://example.com\",\"x\")", _submission(trim=True))
    put("<script>alert(1)<", _submission(extra_before=[FORGED_FEEDBACK], trim=True))
    for name in ("+cmd", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"):
        put(name, b"not a notebook\n", filename="notes.txt")
    put("v3", nbformat.writes(_submission(ALL, trim=True), version=3).encode())
    (subs / "linker").mkdir()
    (subs / "linker" / "01_regression.ipynb").symlink_to(subs / "honest1" / "01_regression.ipynb")
    (subs / "dirlink").symlink_to(subs / "honest2")
    put("empty", b"")
    put("hidden", b"{}", filename=".secret.ipynb")
    big = subs / "big" / "01_regression.ipynb"
    big.parent.mkdir()
    with open(big, "wb") as f:
        f.truncate(2**30)  # 1 GB, sparse: costs no disk

    before = {"subs": _tree_digest(subs), "package": _tree_digest(PACKAGE, skip=("__pycache__",)),
              "home": set(os.listdir(HOME))}
    cgroups = []

    class Recorded(sandbox.Cgroup):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            cgroups.extend(self.dirs)

    children_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    _reset_peak_memory()
    started = time.monotonic()
    with pytest.MonkeyPatch.context() as mp:
        # REFERENCES as the checkers will fill it: divergence_threshold's answer is not the package's descent.
        mp.setattr(_reference, "REFERENCES",
                   {"divergence_threshold": ["nnlessons.lessons.regression:gradient_descent"]})
        mp.setattr(tempfile, "tempdir", str(scratch))
        mp.setattr(sandbox, "Cgroup", Recorded)
        rows, meta = grade_class(subs, report, LIMITS)
    seconds = time.monotonic() - started
    memory = {"grader_kb": _peak_memory_kb(), "children_before_kb": children_before,
              "children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}
    written = {p.name: p.read_bytes() for p in report.iterdir() if p.is_file()}
    time.sleep(3)  # a detached rewriter, had it survived, would rewrite the reports now
    after = {"subs": _tree_digest(subs), "package": _tree_digest(PACKAGE, skip=("__pycache__",)),
             "home": set(os.listdir(HOME))}
    return {"rows": {r["student"]: r for r in rows}, "meta": meta, "root": root, "report": report,
            "seconds": seconds, "before": before, "after": after, "written": written, "paths": paths,
            "cgroups": cgroups, "memory": memory}


def _verdicts(row):
    return [e["verdict"] for e in row["exercises"].values()]


def _observed(row):
    """What the attack cell saw (its RuntimeError's message), as a dict."""
    for err in row["cell_errors"]:
        if err["evalue"].startswith("observed: "):
            return json.loads(err["evalue"][len("observed: "):])
    raise AssertionError(f"the attack cell did not report: {row['status']} {row['detail']} {row['cell_errors']}")


@needs_bwrap
def test_honest_students_get_their_grades_whatever_the_others_do(hostile):
    rows = hostile["rows"]
    for name in HONEST + ("v3",):
        assert rows[name]["status"] == "graded" and _verdicts(rows[name]) == ["passed"] * 4, rows[name]
    assert _verdicts(rows["stubby"]) == ["not attempted"] * 4
    # The kernel killer and the connector ran while the honest kernels did, and reached none.
    assert _observed(rows["connector"]) == {"hit": 0}
    assert rows["v3"]["identified_by"] == "notebook metadata"


@needs_bwrap
def test_the_course_answers_get_no_credit_and_are_named(hostile):
    copier = hostile["rows"]["copier"]
    assert _verdicts(copier) == ["copied"] * 4
    messages = [e["message"] for e in copier["exercises"].values()]
    assert all(m.startswith("uses the course's reference implementation") for m in messages)
    assert "an exercise cell names nnlessons.lessons.regression.mse_cost" in messages[0]
    assert "nnlessons.lessons.regression.gradient_descent" in messages[2]  # found while it ran
    table = {r["student"]: r for r in csv.DictReader(open(hostile["report"] / "grades.csv", encoding="utf-8"))}
    assert table["copier"]["passed"] == "0" and table["copier"]["mse_cost"] == "copied"
    feedback = (hostile["report"] / "feedback" / "copier.md").read_text(encoding="utf-8")
    assert "uses the course's reference implementation" in feedback


@needs_bwrap
def test_no_solution_other_submission_or_grader_is_visible(hostile):
    rows = hostile["rows"]
    assert _observed(rows["finder"]) == {"found": 0, "stolen": 0}
    scanned = _observed(rows["scanner"])
    assert scanned["grader"] == 0 and scanned["submissions"] == 0 and scanned["forged"] == 0
    assert scanned["pids"] <= 3  # bwrap's init, the kernel, the kernel's own child at most
    for name in ("finder", "scanner"):
        assert _verdicts(rows[name]) == ["not attempted"] * 4


@needs_bwrap
def test_the_package_submissions_home_and_reports_are_out_of_reach(hostile):
    rows, before, after = hostile["rows"], hostile["before"], hostile["after"]
    assert _observed(rows["rewriter"]) == {"changed": 0}
    assert _observed(rows["scribbler"]) == {"written": 0}
    assert _observed(rows["outsider"]) == {"outside": []}
    assert before == after and hostile["meta"]["changed_during_grading"] == []
    assert not (Path("/tmp") / MARKER).exists() and not (HOME / MARKER).exists()
    assert not list(hostile["root"].rglob(f"*{MARKER}*"))


@needs_bwrap
def test_nothing_a_submission_started_outlives_it(hostile):
    assert _observed(hostile["rows"]["detacher"]) == {"started": 2}
    assert _processes_with(MARKER) == []
    assert _processes_with(hostile["paths"]["tmpdir"]) == []
    # The reports read right after the run are what is there seconds later: nobody rewrote them.
    assert {p.name: p.read_bytes() for p in hostile["report"].iterdir() if p.is_file()} == hostile["written"]
    # No scratch folder, connection file or cgroup left behind.
    assert os.listdir(hostile["paths"]["tmpdir"]) == []
    assert [d for d in hostile["cgroups"] if d.exists()] == []


@needs_bwrap
def test_limits_hold_for_the_whole_submission(hostile):
    rows = hostile["rows"]
    forker = rows["forker"]  # the cgroup counts the kernel's threads too: fewer than 256 children
    assert forker["status"] == "kernel died" or _observed(forker)["children"] < 256
    assert forker["limits"] == _cgroup_limits()  # what this machine allows: all three as root here
    hog = rows["hog"]  # four children of 600 MB under a 2048 MB limit for all: not all four live
    assert hog["status"] == "kernel died" or _observed(hog)["held"] < 4
    assert _observed(rows["killer"])["killed"] <= 40  # only its own namespace to kill in
    assert _observed(rows["holder"]) == {"held": 0}


@needs_bwrap
def test_the_run_cannot_be_hung_or_blown_up(hostile):
    rows = hostile["rows"]
    assert hostile["seconds"] < 20 * LIMITS.notebook_timeout  # ~30 notebooks, two at a time
    for row in rows.values():
        assert row["seconds"] <= LIMITS.notebook_timeout + 10, row["student"]
    forged = rows["forger"]["exercises"]["mse_cost"]
    assert forged["verdict"] == "error" and "refused stand-in array" in forged["message"]
    assert _observed(rows["flooder"]) == {"flooded": 100}
    assert rows["big"]["status"] == "not graded"
    assert "1073741824 bytes" in rows["big"]["detail"]
    # Workers bounded (their own address-space limit); the grader never read the big file.
    memory = hostile["memory"]
    assert memory["children_kb"] <= max(memory["children_before_kb"], 2 * 2**20)
    assert memory["grader_kb"] < 1.5 * 2**20


@needs_bwrap
def test_every_file_has_a_row_and_the_reports_are_clean(hostile):
    rows, report = hostile["rows"], hostile["report"]
    assert rows["linker"]["status"] == "refused" and rows["linker"]["detail"] == "refused: a link"
    assert rows["dirlink"]["detail"] == "refused: a link"
    assert rows["empty"]["status"] == "empty file" and rows["hidden"]["status"] == "hidden file, not graded"
    table = list(csv.reader(open(report / "grades.csv", encoding="utf-8", newline="")))
    assert len(table) == 1 + len(rows) and set(rows) == set(os.listdir(hostile["root"] / "submissions"))
    for line in table + list(csv.reader(open(report / "verdicts.csv", encoding="utf-8", newline=""))):
        assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in line), line
    assert {r[0][:2] for r in table[1:] if r[0].startswith("'")} == {"'=", "'+", "'-", "'@", "'\t", "'\r"}
    forged = next(p for p in (report / "feedback").iterdir() if "script" in p.name).read_text(encoding="utf-8")
    fence = re.search(r"^(`{3,})$", forged, re.M).group(1)
    assert len(fence) > 3  # longer than the ``` in the error text, which cannot close it
    before, inside, after = forged.split(fence)
    outside = before + after
    assert "Exercises passed: 4 of 4." in inside and "<script>" in inside
    assert re.findall(r"^Exercises passed.*$", outside, re.M) == ["Exercises passed: 0 of 4."]
    assert re.findall(r"^# Feedback.*$", outside, re.M) == ["# Feedback for \\<script\\>alert(1)\\<"]
    assert "<script>" not in outside
    assert "Lesson 01_regression" in (report / "summary.html").read_text(encoding="utf-8")
