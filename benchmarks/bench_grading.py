"""How long does grading a class take? 30 generated submissions of notebook 01, graded in parallel.

    python benchmarks/bench_grading.py [--jobs 2] [--students 30]

The class is made from the solution notebook with the handout tool: a third
hand in the solutions, a third the untouched handout, a third wrong answers
(a sum instead of a mean, a sign error, a loop that drops the first cost, the
threshold of descent along w alone). The later checkers are given the
student's earlier functions, as the notebook's calls do, and blame them.
Each submission is the whole notebook 01, every cell run, in its own
worker and kernel, as ``python -m nnlessons.grade`` does. Prints the wall-clock
time per run (``--jobs`` may list several worker counts, run in turn), the
mean time per notebook as seen by its worker, and the verdict counts, which
must be 40 passed, 40 not attempted and 40 failed for 30 students.
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

from nnlessons.grade import Limits, grade_class  # noqa: E402
# The same submissions as the grader's tests: the handout, with solutions or wrong answers put in.
from test_grade import ALL, WRONG, _submission  # noqa: E402


def make_class(folder, n_students):
    for i in range(n_students):
        nb = _submission([ALL, None, WRONG][i % 3])
        path = Path(folder) / f"student{i:02d}" / "01_regression.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[os.cpu_count() or 1])
    parser.add_argument("--students", type=int, default=30)
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} cores; 1-minute load average at start {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        make_class(Path(tmp) / "submissions", args.students)
        for jobs in args.jobs:
            limits = Limits(jobs=jobs)
            start = time.perf_counter()
            rows, _ = grade_class(Path(tmp) / "submissions", Path(tmp) / f"report{jobs}", limits)
            wall = time.perf_counter() - start
            verdicts = collections.Counter(e["verdict"] for r in rows for e in r["exercises"].values())
            per_notebook = sum(r["seconds"] for r in rows) / len(rows)
            print(f"{len(rows)} notebooks, {jobs} at a time: {wall:.1f} s wall clock "
                  f"({per_notebook:.2f} s per notebook in its worker); "
                  + ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items())))
    print(f"1-minute load average at end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
