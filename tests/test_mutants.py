"""The checkers kill the mutants of the notebooks' solutions (tools/mutants.py).

One run of the tool serves every test here: about 25 s of CPU in all (about 500 mutants),
spread over both cores when run alone; under pytest-xdist, whose workers already take
both cores, in the worker's own process.
"""

import ast
import os
import sys

import pytest

from tools import mutants

pytestmark = [
    pytest.mark.notebooks,  # reads every notebook; left out of the fast inner loop
    # A mutant is named by ast.unparse's text, which Python 3.10 writes differently (parentheses
    # around tuple targets): the table and its equivalent mutants are those of Python 3.11 and later.
    pytest.mark.skipif(sys.version_info < (3, 11), reason="mutant names are Python 3.11's ast.unparse text"),
]


@pytest.fixture(scope="module")
def measured():
    return mutants.summaries(mutants.measure_all(jobs=1 if os.environ.get("PYTEST_XDIST_WORKER") else 2))


def test_every_exercise_is_found_and_its_solution_passes(measured):
    names = [(s.stem[:2], s.name) for s in measured]
    assert ("04", "forward") in names and ("08", "unbroadcast") in names, names
    assert len(names) == sum(len(mutants.exercises(nb)) for nb in mutants.notebooks())
    assert [s for s in measured if s.baseline != "passed"] == []
    assert all(s.total > 0 for s in measured), [s.name for s in measured if not s.total]


def test_no_mutant_survives_unless_listed_as_equivalent(measured):
    survivors = [key for s in measured for key in s.survivors]
    assert survivors == [], "\n".join(survivors)


def test_the_kill_rate_is_at_least_95_percent(measured):
    assert mutants.overall_rate(measured) >= 0.95


def test_every_listed_equivalent_mutant_exists_and_survives(measured):
    assert mutants.stale_equivalents(measured) == []
    assert [key for s in measured for key in s.listed_but_killed] == []


def test_the_table_in_instructors_md_is_the_tools_output(measured):
    table = mutants.doc_table(mutants.DOC.read_text(encoding="utf-8"))
    assert table == mutants.markdown(measured), "run: python -m tools.mutants --update-doc"


# ------------------------------------------------------------ the tool itself, fast
def test_mutations_cover_the_usual_slips():
    source = ("def f(A, W, b, m, n, shape, params):\n"
              "    # BEGIN SOLUTION\n"
              "    Z = W @ A.T + b\n"
              "    s = Z.sum(axis=0, keepdims=True) / m\n"
              "    for i in range(n):\n"
              "        s += 1\n"
              "    W = params[f\"W{n}\"]\n"
              "    s = np.maximum(s, W)\n"
              "    while len(shape) > 2:\n"
              "        shape = shape[1:]\n"
              "    return s, Z\n"
              "    # END SOLUTION\n\n"
              "check.f(f)\n")
    exercise = mutants.Exercise(mutants.NOTEBOOKS / "00_test.ipynb", 0, source)
    assert exercise.name == "f" and exercise.checks == ["check.f(f)"]
    found = {m.description.split(":")[0] for m in mutants.mutants(exercise)}
    for what in ["Add -> Sub", "MatMult -> Mult", "drop .T", "add .T on the left", "axis=0 -> axis=1",
                 "drop keepdims=", "range(n) -> range(1, n)", "drop the right operand",
                 "augmented -> plain assignment", "while -> if", "Gt -> GtE", "1 + 1",
                 "swap the first two returned values", ".sum -> .mean", "delete the statement",
                 "{i} -> {i + 1} in an f-string", "swap the two arguments", "return Z for s"]:
        assert what in found, (what, sorted(found))
    for m in mutants.mutants(exercise):
        tree = ast.parse(m.source)  # each mutant is valid Python without the checker call
        assert "check." not in m.source and tree.body


def test_a_mutant_that_never_ends_counts_as_killed(monkeypatch):
    monkeypatch.setattr(mutants, "TIME_LIMIT", 0.2)
    exercise = mutants.exercises(mutants.notebooks(["08"])[0])[-1]
    source = exercise.definitions().replace("    while grad.ndim", "    while True:\n        pass\n    while grad.ndim")
    assert source != exercise.definitions()
    assert mutants.run(exercise, source) == "timeout"
    assert mutants.run(exercise, exercise.definitions()) == "passed"
