"""Grade a class's submitted notebooks with the package's own checkers.

    python -m nnlessons.grade SUBMISSIONS_DIR --out REPORT_DIR

For each file under SUBMISSIONS_DIR: identify its lesson (notebook metadata,
else its cells; see ``lessons``), run it top to bottom in a fresh kernel, and
after each exercise cell have the lesson's checker judge the student's
function. Writes ``grades.csv``, ``verdicts.csv``, ``summary.html`` and
``feedback/<student>.md`` (see ``report``). Needs the ``grade`` extra
(nbformat, nbclient, ipykernel).

Threat model. Submissions are untrusted code; the instructor's grader is trusted.

Defended:
- Fake verdicts. The checker runs in the grader's worker process, never in the
  student's kernel, with the arguments of the notebook's checker call: the
  student's functions among them stay in the kernel, and each call of one is
  sent to the kernel as data and its return value comes back as data (no
  pickle; see ``_codec`` for what crosses). Printing
  ``PASSED``, redefining or monkey-patching ``check`` or ``nnlessons`` in the
  notebook, or patching them from inside the function being checked, changes
  nothing: the only thing the kernel controls is the student's own answer.
- Runaway notebooks. Wall-clock limits per cell and per notebook (a cell over
  its limit is interrupted and the notebook goes on; the notebook limit stops
  it), an address-space limit (a 10 GB allocation fails with MemoryError), a CPU
  time and largest-file limit, output kept up to 20 MB. ``sys.exit``, ``exit()``,
  ``os._exit`` and crashes end only that notebook, reported as such.
- Broken files: not JSON, truncated, not a notebook, no known lesson: reported,
  the rest of the class is graded.
- The submissions folder: read once at the start, never written by the grader;
  each notebook runs from a throw-away copy with HOME and TMPDIR in a
  temporary folder that is deleted afterwards. A file changed during grading
  is reported.
- A forged result line: the worker's result counts only if it carries a secret
  token that the kernel is never given (it reaches the worker on stdin, before
  the kernel starts).

Not defended (run the grader in a container or as a separate user if these matter):
- A student who solves nothing but calls the package's own reference (say
  ``nnlessons.lessons.regression.mse_cost``) passes: the checkers compare answers,
  not code. Read the code of suspicious passes.
- The kernel runs as the grader's user with the same file system and network:
  it can read or write anything that user can (outside its copy too), contact
  other processes of that user (read the worker's memory, token included,
  where the system allows it), or start processes that outlive the kernel.
  There is no network or file-system sandbox.
- Hard-coding the checker's cases (they are seeded and public in the package)
  passes the same way as computing them.
- What a checker's recorder reports: notebook 06's ``train_sgd`` checker hands
  the loop a ``Network`` subclass that records each step; it is rebuilt and
  records in the student's kernel, so code there can rewrite its steps (or
  replace the class) like any value it returns. The grader checks only that the
  recording that comes back is plausible (shapes, types, step count).
"""

from .grader import Limits, discover, grade_class  # noqa: F401
