"""Grade a class's submitted notebooks with the package's own checkers.

    python -m nnlessons.grade SUBMISSIONS_DIR --out REPORT_DIR

For each file under SUBMISSIONS_DIR: identify its lesson (notebook metadata,
else its cells; see ``lessons``), run it top to bottom in a fresh kernel, and
after each exercise cell have the lesson's checker judge the student's
function. Writes ``grades.csv``, ``verdicts.csv``, ``summary.html`` and
``feedback/<student>.md`` (see ``report``). Needs the ``grade`` extra
(nbformat, nbclient, ipykernel).

Threat model (the table in docs/INSTRUCTORS.md, shown by tests/test_grade_hostile.py).
Submissions are untrusted code; the instructor's grader is trusted.

- Fake verdicts: the checker runs in the grader's worker, never in the student's
  kernel; each call of a student's function is sent to the kernel as data and its
  return value comes back as data (no pickle; see ``_codec``). Printing ``PASSED`` or
  patching ``check`` or ``nnlessons`` in the notebook changes nothing.
- The operating system: each kernel runs in its own bubblewrap sandbox (``sandbox``):
  no network (the worker reaches it over Unix sockets), its own PID namespace, no
  capabilities, Python and the package read-only, only its scratch folders writable,
  nothing of the other submissions, the reports or ``$HOME`` visible; a cgroup limits
  memory, processes and CPU for everything it starts, and everything is killed when it
  ends. Without bubblewrap the grader refuses unless told ``unsafe_no_sandbox``.
- The grader itself: every read from a worker is capped in size and time, the worker
  has its own memory limit, declared shapes are checked against the bytes sent, a
  file's size is checked before it is read, links are never followed.
- Copy-cheats: an exercise whose function calls the course's reference, or whose
  cells import it, gets the verdict ``copied`` and no credit.
- The report: rows written as they come (``--resume``), the final files written
  atomically by the grader alone, after checking the grading code's checksum; CSV
  cells defused against formula injection, Markdown and HTML escaped.

Not defended: answers hard-coded to the checkers' public cases; the reference's source
pasted into a cell; what notebook 06's recorder reports (it records in the kernel;
only its plausibility is checked); with no cgroup available, limits per process only.
"""

from .grader import Limits, discover, grade_class  # noqa: F401
