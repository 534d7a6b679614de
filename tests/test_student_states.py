"""The student versions run to the end whatever the learner wrote: Run All survives every exercise.

Each committed student version (student/NN_topic.ipynb) is executed top to bottom in a fresh
kernel (nbclient, one BLAS thread) in the three states a learner leaves it in:

- ``stubs``: as committed, every exercise "not implemented yet";
- ``solutions``: every stub replaced by the solution of the solved notebook;
- ``wrong``: every stub replaced by a realistic wrong answer (tests/wrong_answers.py).

No cell may raise. Each exercise prints its verdict (PASSED with the solutions, FAILED
otherwise; a wrong answer that raises inside its checker, ``wrong_answers.RAISING``, FAILED
with the learner's traceback below), and each ``check.use`` cell after an exercise prints one
line saying that the package's version stands in, exactly when the exercise did not pass.

The ``stubs`` and ``wrong`` states run here in a kernel. The ``solutions`` state is the solved
notebook itself, code cell for code cell (checked below without a kernel), which nbval
executes in ``make test`` and compares with its stored outputs: every exercise PASSED, every
``check.use`` cell silent. Running it a third time here would only repeat that.
"""

import re
from pathlib import Path

import pytest
from nbformat import read
from test_handouts import execute, kernel_env, text_of  # noqa: F401 (kernel_env is a fixture)
from wrong_answers import RAISING, WRONG, with_answers

from tools import handouts

ROOT = Path(__file__).resolve().parents[1]
STEMS = sorted(WRONG)
NOTE = "the cells below use nnlessons'"


def solution_bodies(solved_source):
    """The text of each solution block of an exercise cell, dedented to its markers."""
    bodies, block, indent = [], None, ""
    for line in solved_source.split("\n"):
        text = line.strip()
        if text == handouts.BEGIN:
            block, indent = [], line[:len(line) - len(line.lstrip())]
        elif text == handouts.END:
            bodies.append("\n".join(row[len(indent):] for row in block))
            block = None
        elif block is not None:
            block.append(line if line.strip() else "")
    return bodies


def student_in_state(stem, state):
    """The student version of ``stem`` with its stubs left, solved, or answered wrongly."""
    nb = read(ROOT / "student" / f"{stem}.ipynb", as_version=4)
    if state == "stubs":
        return nb
    solved = read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    answers = ([solution_bodies(c.source) for c in solved.cells if handouts.is_exercise(c)] if state == "solutions"
               else WRONG[stem])
    exercises = [c for c in nb.cells if handouts.is_exercise(c)]
    assert len(exercises) == len(answers), f"{stem}: {len(exercises)} exercise cells, {len(answers)} answers"
    for cell, bodies in zip(exercises, answers):
        cell.source = with_answers(cell.source, bodies)
    return nb


@pytest.mark.parametrize("stem", STEMS)
def test_the_solutions_state_is_the_solved_notebook(stem):
    # The student version with its stubs filled back from the solutions has the solved notebook's code,
    # cell for cell, but for the marker lines (which are comments).
    def code(nb):
        return [[line for line in c.source.split("\n") if line.strip() not in (handouts.BEGIN, handouts.END)]
                for c in nb.cells if c.cell_type == "code"]

    solved = read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    assert code(student_in_state(stem, "solutions")) == code(solved)
    assert any("check.use(" in c.source for c in solved.cells) == (stem not in ("03_linear_collapse",))


@pytest.mark.notebooks
@pytest.mark.parametrize("state", ["stubs", "wrong"])
@pytest.mark.parametrize("stem", STEMS)
def test_student_version_runs_to_the_end(stem, state, kernel_env):  # noqa: F811
    nb = execute(student_in_state(stem, state), ROOT / "notebooks")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), f"{stem}, {state}: not every cell ran"
    passed, exercise = None, -1
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert not [o for o in cell.outputs if o.output_type == "error"], f"{stem}, {state}: cell {index + 1} erred"
        lines = text_of(cell).splitlines()
        if handouts.is_exercise(cell):
            exercise += 1
            verdicts = [line for line in lines if line.startswith(("PASSED  ", "FAILED  "))]
            assert verdicts, f"{stem}, {state}: exercise cell {index + 1} printed no verdict: {lines}"
            passed = all(line.startswith("PASSED") for line in verdicts)
            expected = {"stubs": False, "solutions": True, "wrong": False}[state]
            assert passed == expected, f"{stem}, {state}: exercise cell {index + 1} printed {verdicts}"
            if state == "stubs":
                assert all(line.endswith("not implemented yet") for line in verdicts), verdicts
            if state == "wrong":
                assert not any(line.endswith("not implemented yet") for line in verdicts), verdicts
                raised = RAISING.get((stem, exercise))
                if raised:
                    # Raised inside the checker: a FAILED line naming it, the learner's traceback in
                    # IPython's layout below it (their cell, not the checker's code), and the run goes on.
                    assert f"your function raised {raised}" in verdicts[-1], verdicts
                    assert verdicts[-1].endswith("(traceback below)"), verdicts
                    below = re.sub(r"\x1b\[[0-9;]*m", "", text_of(cell).split(verdicts[-1], 1)[1])  # colours
                    # "Cell In[12], line 4" (IPython 8.6 on; "Input In [12]" before): the learner's cell
                    assert "Traceback (most recent call last)" in below, below
                    assert "Cell In[" in below or "Input In [" in below, below
                    assert "nnlessons/check" not in below, below
        elif "check.use(" in cell.source:
            notes = [line for line in lines if NOTE in line]
            assert len(notes) == (0 if passed else 1) == len(lines), \
                f"{stem}, {state}: cell {index + 1} after an exercise printed {lines}"
