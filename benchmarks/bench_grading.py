"""How long does grading a class take, and what does the sandbox cost? A generated class, graded twice.

    python benchmarks/bench_grading.py [--notebook 05] [--students 30] [--jobs 2] [--repeat 1]

The class is made from a solution notebook with the handout tool, as honest students
hand it in: a third the solutions, a third the untouched handout, a third the first
exercise solved and the rest left as stubs. Each submission is the whole notebook,
every cell run, in its own worker and kernel, as ``python -m nnlessons.grade`` does:
once in bubblewrap sandboxes (each kernel in its own sandbox and cgroup) and once
without (``--unsafe-no-sandbox``), alternately, ``--repeat`` times. Prints the wall-clock
time of each run, the mean time per notebook as seen by its worker, the verdict counts
(which must be the same with and without the sandbox), and the ratio of the sandboxed
time to the other. Load on a shared machine inflates both; the ratio within one run
is the figure to read.
"""

import argparse
import collections
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from nnlessons.grade import Limits, grade_class, lessons, sandbox  # noqa: E402
# The same submissions as the grader's tests: the handout, with solutions put back.
from test_grade import _submission  # noqa: E402


def make_class(folder, n_students, notebook):
    nb = nbformat.read(notebook, as_version=4)
    names = lessons.identify(nb)[0].exercises
    kinds = [{n: "solution" for n in names}, None, {names[0]: "solution"}]
    for i in range(n_students):
        path = Path(folder) / f"student{i:02d}" / notebook.name
        path.parent.mkdir(parents=True)
        nbformat.write(_submission(kinds[i % 3], notebook=notebook), path)


def grade(folder, jobs, boxed):
    start = time.perf_counter()
    rows, meta = grade_class(folder, None, Limits(jobs=jobs), unsafe_no_sandbox=not boxed)
    wall = time.perf_counter() - start
    verdicts = collections.Counter(e["verdict"] for r in rows for e in r["exercises"].values())
    statuses = collections.Counter(r["status"] for r in rows)
    return wall, sum(r["seconds"] for r in rows) / len(rows), verdicts, statuses, meta["sandbox"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", default="05", help="the lesson's number (default 05)")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=1, help="pairs of runs (without, then with the sandbox)")
    parser.add_argument("--sandbox-first", action="store_true", help="in each pair, the sandboxed run first")
    args = parser.parse_args(argv)
    notebook = next((ROOT / "notebooks").glob(f"{args.notebook}_*.ipynb"))
    if sandbox.find_bwrap()[0] is None:
        print(f"no sandbox here: {sandbox.find_bwrap()[1]}")
        return 1
    print(f"{os.cpu_count()} cores; 1-minute load average at start {os.getloadavg()[0]:.2f}; "
          f"{args.students} submissions of {notebook.name}, {args.jobs} at a time")
    times = {False: [], True: []}
    with tempfile.TemporaryDirectory() as tmp:
        make_class(Path(tmp) / "submissions", args.students, notebook)
        for i in range(args.repeat):
            for boxed in (True, False) if args.sandbox_first else (False, True):
                wall, per, verdicts, statuses, how = grade(Path(tmp) / "submissions", args.jobs, boxed)
                times[boxed].append(wall)
                print(f"sandbox {how:>28}: {wall:6.1f} s wall clock ({per:.2f} s per notebook in its worker); "
                      + ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items()))
                      + "; " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
                      + f"; load {os.getloadavg()[0]:.2f}")
    ratio = sum(times[True]) / sum(times[False])
    print(f"sandboxed / not sandboxed: {ratio:.2f}")
    print(f"1-minute load average at end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
