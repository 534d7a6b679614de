"""python -m nnlessons.grade SUBMISSIONS_DIR --out REPORT_DIR: grade a class's notebooks."""

import argparse
import sys


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
        return value

    return parse


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nnlessons.grade", description=(
        "Run every submitted notebook in its own kernel and record each exercise's checker verdict."))
    parser.add_argument("submissions", help="folder of submitted notebooks (one sub-folder per student, or flat)")
    parser.add_argument("--out", required=True, help="folder for grades.csv, summary.html and feedback/")
    parser.add_argument("--jobs", type=_positive(int), default=None, help="notebooks graded at once (default: cores)")
    parser.add_argument("--cell-timeout", type=_positive(float), default=60.0,
                        help="seconds per cell and per call of a student's function (default 60)")
    parser.add_argument("--notebook-timeout", type=_positive(float), default=300.0,
                        help="seconds per notebook, kernel start included (default 300)")
    parser.add_argument("--memory-mb", type=_positive(int), default=2048,
                        help="memory of a submission: its kernel's address space and, in a cgroup, all its "
                             "processes together (default 2048)")
    parser.add_argument("--max-processes", type=_positive(int), default=256,
                        help="processes and threads of one submission together, where a cgroup can count them "
                             "(default 256)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the rows already graded into --out (its progress.jsonl) and grade the rest")
    parser.add_argument("--only", metavar="STUDENT",
                        help="re-grade this student's files and keep every other row of the report in --out")
    parser.add_argument("--unsafe-no-sandbox", action="store_true",
                        help="grade without bubblewrap: every notebook can then read and change your files, "
                             "the other submissions and the reports")
    parser.add_argument("--roster", metavar="CSV",
                        help="students (columns student, id; optionally name, email, login, section): writes "
                             "canvas.csv and gradescope.csv and lists missing submissions")
    parser.add_argument("--points", default="", metavar="EXERCISE=POINTS,...",
                        help="points of each exercise for --roster (default 1 each), e.g. mse_cost=2,fit=1.5")
    args = parser.parse_args(argv)
    from pathlib import Path

    from . import Limits, grade_class, roster
    from .report import _atomic
    from .sandbox import SandboxUnavailable

    try:
        students = roster.read_roster(args.roster) if args.roster else None
        points = roster.parse_points(args.points)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    limits = Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                    memory_mb=args.memory_mb, max_processes=args.max_processes)
    if args.jobs:
        limits.jobs = args.jobs

    def progress(row):
        print(f"{row['status']:>15}  {row['student']}: {row['file']}", flush=True)

    try:
        rows, meta = grade_class(args.submissions, args.out, limits, progress=progress, resume=args.resume,
                                 only=args.only, unsafe_no_sandbox=args.unsafe_no_sandbox)
    except (ImportError, NotADirectoryError, ValueError, SandboxUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"graded {len(rows)} file{'' if len(rows) == 1 else 's'} in {meta['seconds']:.1f} s; reports in {args.out}")
    if students is not None:
        facts = roster.write_lms(Path(args.out), rows, students, points, _atomic)
        print(f"canvas.csv and gradescope.csv written for {len(students)} students on the roster")
        if facts["missing"]:
            print("no submission from: " + ", ".join(facts["missing"]))
        if facts["not_on_roster"]:
            print("warning: not on the roster: " + ", ".join(facts["not_on_roster"]), file=sys.stderr)
    if meta["sandbox"].startswith("none"):
        print("warning: graded without a sandbox (--unsafe-no-sandbox)", file=sys.stderr)
    if meta["changed_during_grading"]:
        print("warning: submission files changed during grading: " + ", ".join(meta["changed_during_grading"]),
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
