"""tools/export.py: the notebooks as nbgrader and Otter-Grader assignments.

The fast tests check the conversion itself. The tests marked ``classroom``
(`make class-test`, which installs the tools into .venv-class) run the real
tools on every notebook: nbgrader's generate_assignment, autograde,
generate_feedback and export, and Otter's assign and run, each on three
submissions per notebook: the solved notebook (full marks), the student
version as handed out (zero), and the solved notebook with one realistic
wrong answer (every point but that exercise's, and the checker's message in
the tool's feedback).
"""

import csv
import html
import json
import os
import re
import subprocess
import zipfile
from pathlib import Path

import nbformat
import pytest

from nnlessons.grade import lessons as grade_lessons
from tools import export, handouts, links

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = handouts.series(ROOT / "notebooks")
CLASS_BIN = Path(os.environ.get("NNLESSONS_CLASS_VENV", ROOT / ".venv-class")) / "bin"

#: one realistic wrong answer per notebook: the exercise, a text of its solution and what replaces it,
#: part of the checker's message, and the later exercises that then fail too (none where a
#: `check.use` cell hands the later exercises the course's version of the failed one)
WRONG = {
    "01_regression": ("mse_cost", "np.mean(errors ** 2)", "np.sum(errors ** 2)",
                      "hint: your numbers are m times too large", ()),
    "02_cost_functions": ("log_loss", ") / m", ")", "hint: divide the sum by m = y_hat.shape[1]", ()),
    "03_linear_collapse": ("bump_network", "np.array([[1.0, -2.0, 1.0]])", "np.array([[1.0, -1.0, 0.0]])",
                           "the bump never returns to 0", ()),
    "04_forward_prop": ("forward", 'cache = {"A0": X}', "cache = {}", "hint: the cache has no 'A0'", ()),
    "05_backprop": ("dense_backward", "dW = dZ @ A_prev.T / m", "dW = dZ @ A_prev.T",
                    "hint: dW is m times too large", ()),
    "06_digits": ("choose_recipe", '"learning_rate": 0.5', '"learning_rate": 3.0', "hint: training diverged", ()),
    "07_training_well": ("l2_gradients", "lam / m", "lam", "hint: divide by m: the penalty is lambda / (2 m)", ()),
    "08_autodiff": ("unbroadcast", "grad.sum(axis=axis, keepdims=True)", "grad.sum(axis=axis)",
                    "wrong shape, expected (3, 1), got (3,)", ()),
    "09_convolution": ("conv2d_backward", "db = dZ.sum(axis=(1, 2, 3)).reshape(F, 1) / m",
                       "db = dZ.sum(axis=(1, 2, 3)).reshape(F, 1)", "value 3 of 3: wrong value", ()),
}


def _read(path):
    return nbformat.read(path, as_version=4)


# --- the conversion -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_of_every_notebook_is_exported_in_order(path):
    topic = path.stem.split("_", 1)[1]
    found = export.exercises(_read(path), path.name)
    assert tuple(ex.name for ex in found) == grade_lessons.lessons()[topic].exercises


def test_a_wrong_answer_is_listed_for_every_notebook():
    missing = {p.stem for p in NOTEBOOKS} - set(WRONG)
    assert not missing, f"add a realistic wrong answer for {sorted(missing)} to WRONG"


def test_split_exercise_moves_the_checker_call_out():
    src = ("def f(a, b):\n    # BEGIN SOLUTION\n    return a + b\n    # END SOLUTION\n\n"
           "check.gradient_descent(f, mse_cost=g,\n                       other=h)")
    answer, name, call, reads = export.split_exercise(src, "cell")
    assert answer == "def f(a, b):\n    # BEGIN SOLUTION\n    return a + b\n    # END SOLUTION"
    assert name == "gradient_descent" and reads == ("f", "g", "h")
    assert call == "check.gradient_descent(f, mse_cost=g,\n                       other=h)"


@pytest.mark.parametrize("src", ["def f():\n    return 1\n", "check.f(f)\ndef f():\n    return 1\n",
                                 "check.f(f)\ncheck.g(g)\n", "def f(:\n"])
def test_an_exercise_cell_without_one_final_checker_call_is_refused(src):
    with pytest.raises(export.ExportError, match="cell"):
        export.split_exercise(src, "cell")


def test_points():
    assert export.parse_points(None) == (1, {})
    assert export.parse_points("2") == (2, {})
    assert export.parse_points("mse_cost=3, train_gd=2.5") == (1, {"mse_cost": 3, "train_gd": 2.5})
    for bad in ["0", "x", "mse_cost=", "mse_cost=-1", "inf", "nan"]:
        with pytest.raises(ValueError, match="--points"):
            export.parse_points(bad)
    with pytest.raises(export.ExportError, match="no_such_exercise"):
        export.write_nbgrader(ROOT / "notebooks", "/nonexistent", (1, {"no_such_exercise": 2}), NOTEBOOKS[:1])


def test_nbgrader_cells(tmp_path):
    path = NOTEBOOKS[0]
    written = export.write_nbgrader(ROOT / "notebooks", tmp_path, export.parse_points("mse_cost=3"), [path])
    assert written == [tmp_path / "source" / path.stem / path.name]
    nb, solved = _read(written[0]), _read(path)
    graded = [c for c in nb.cells if "nbgrader" in c.metadata]
    names = [ex.name for ex in export.exercises(solved, path.name)]
    assert [c.metadata.nbgrader["grade_id"] for c in graded] == [n for name in names for n in (name, f"test_{name}")]
    answers, tests = graded[::2], graded[1::2]
    assert all(c.metadata.nbgrader["solution"] and not c.metadata.nbgrader["grade"] for c in answers)
    assert all(c.metadata.nbgrader["grade"] and c.metadata.nbgrader["locked"] for c in tests)
    assert [c.metadata.nbgrader["points"] for c in tests] == [3] + [1] * (len(tests) - 1)
    assert all(handouts.BEGIN in c.source and "check." not in c.source for c in answers)
    assert "_checkers.mse_cost(mse_cost)" in tests[0].source and "assert _verdict" in tests[0].source
    # Nothing else changed: the other cells, in order.
    others = [c for c in nb.cells if "nbgrader" not in c.metadata]
    assert [c.source for c in others] == [c.source for c in solved.cells if not handouts.is_exercise(c)]
    assert (tmp_path / "nbgrader_config.py").exists()


def test_otter_cells(tmp_path):
    path = NOTEBOOKS[0]
    [written] = export.write_otter(ROOT / "notebooks", tmp_path, export.parse_points(None), [path])
    nb = _read(written)
    assert nb.cells[0].cell_type == "raw" and nb.cells[0].source.startswith("# ASSIGNMENT CONFIG\n")
    assert "git+https://github.com/nnlessons/nnlessons@v" in nb.cells[0].source
    raws = [c.source.split("\n")[0] for c in nb.cells if c.cell_type == "raw"][1:]
    names = [ex.name for ex in export.exercises(_read(path), path.name)]
    assert raws == ["# BEGIN QUESTION", "# BEGIN SOLUTION", "# END SOLUTION", "# BEGIN TESTS", "# END TESTS",
                    "# END QUESTION"] * len(names)
    questions = [c.source for c in nb.cells if c.source.startswith("# BEGIN QUESTION")]
    assert questions == [f"# BEGIN QUESTION\nname: {n}\npoints: 1" for n in names]


def test_otter_stub_raises_not_implemented():
    from nnlessons import check

    answer = "def mse_cost(w, b, x, y):\n    # BEGIN SOLUTION\n    return 0.0\n    # END SOLUTION"
    solution = export._otter_solution(answer)
    # What Otter Assign keeps in the student version: the prompt lines, not the solution.
    student = "\n".join(line for line in solution.split("\n")
                        if not line.rstrip().endswith(("# BEGIN PROMPT", "# END PROMPT")))
    student = re.sub(r"\n\s*# BEGIN SOLUTION NO PROMPT\n.*?# END SOLUTION", "", student, flags=re.S)
    namespace = {}
    exec(student, namespace)
    assert check.mse_cost(namespace["mse_cost"]).message == "not implemented yet"
    exec(solution, namespace)  # the solution version still runs: the prompt is a string there
    assert namespace["mse_cost"](1.0, 0.0, None, None) == 0.0


# --- the real tools -------------------------------------------------------------------------------

def _tool(name):
    path = CLASS_BIN / name
    if path.exists():
        return path
    reason = f"{name} is not installed in {CLASS_BIN.parent}: `make class-test` installs it"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _env():
    # nbgrader runs alembic (its database migrations) from PATH; the kernel gets one BLAS thread.
    env = dict(os.environ, PATH=f"{CLASS_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("MPLBACKEND", None)
    return env


def _run(args, cwd):
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _solution_text(answer):
    return "\n".join(line for line in answer.split("\n") if line.strip() not in (handouts.BEGIN, handouts.END))


def _submission(student_nb, answer_cells, exercises, wrong=None):
    """``student_nb`` with each answer cell filled with the solution (``wrong``: one exercise miswritten)."""
    nb = nbformat.from_dict(json.loads(json.dumps(student_nb)))
    cells = answer_cells(nb)
    assert len(cells) == len(exercises)
    for cell, ex in zip(cells, exercises):
        text = _solution_text(ex.answer)
        if wrong and wrong[0] == ex.name:
            assert wrong[1] in text, f"{wrong[1]!r} is not in the solution of {ex.name}"
            text = text.replace(wrong[1], wrong[2])
        cell.source = text
    return nb


def _three_submissions(path, student_nb, answer_cells):
    exercises = export.exercises(_read(path), path.name)
    wrong = WRONG[path.stem]
    return exercises, {"solved": _submission(student_nb, answer_cells, exercises),
                       "stub": nbformat.from_dict(json.loads(json.dumps(student_nb))),
                       "wrong": _submission(student_nb, answer_cells, exercises, wrong)}


@pytest.mark.classroom
@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_nbgrader_grades_solved_stub_and_wrong_answer(path, tmp_path):
    nbgrader = _tool("nbgrader")
    course, stem = tmp_path / "course", path.stem
    export.write_nbgrader(ROOT / "notebooks", course, export.parse_points(None), [path])
    _run([nbgrader, "generate_assignment", stem], course)
    release = _read(course / "release" / stem / path.name)

    def answers(nb):
        return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]

    stubs = answers(release)
    assert stubs and all("raise NotImplementedError()" in c.source and "BEGIN SOLUTION" not in c.source
                         for c in stubs), "nbgrader's stub replaces each solution"
    exercises, subs = _three_submissions(path, release, answers)
    for student, nb in subs.items():
        target = course / "submitted" / student / stem / path.name
        target.parent.mkdir(parents=True)
        nbformat.write(nb, target)
    _run([nbgrader, "autograde", stem], course)
    _run([nbgrader, "generate_feedback", stem], course)
    _run([nbgrader, "export", "--to", "grades.csv"], course)

    scores = {row["student_id"]: (float(row["score"]), float(row["max_score"]))
              for row in csv.DictReader((course / "grades.csv").open())}
    total = float(len(exercises))
    name, _, _, message, also = WRONG[stem]
    assert scores == {"solved": (total, total), "stub": (0.0, total), "wrong": (total - 1 - len(also), total)}

    feedback = {s: html.unescape((course / "feedback" / s / stem / f"{stem}.html").read_text())
                for s in subs}
    assert feedback["stub"].count("not implemented yet") >= len(exercises)
    assert message in feedback["wrong"] and message not in feedback["solved"]
    assert f"PASSED  {name}:" in feedback["solved"]


def _otter_results(otter, autograder, nb, folder):
    folder.mkdir()
    nbformat.write(nb, folder / "submission.ipynb")
    _run([otter, "run", "-a", autograder, "-o", folder, "--no-logo", folder / "submission.ipynb"], folder)
    return json.loads((folder / "results.json").read_text())


@pytest.mark.classroom
@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_otter_grades_solved_stub_and_wrong_answer(path, tmp_path):
    otter = _tool("otter")
    stem = path.stem
    [master] = export.write_otter(ROOT / "notebooks", tmp_path / "master", export.parse_points(None), [path])
    # --no-run-tests: the three submissions below are the test.
    _run([otter, "assign", "--no-run-tests", "--no-pdfs", master, tmp_path / "dist"], tmp_path)
    autograder = tmp_path / "dist" / "autograder" / f"{stem}-autograder.zip"
    if not autograder.exists():
        [autograder] = (tmp_path / "dist" / "autograder").glob("*.zip")
    with zipfile.ZipFile(autograder) as zf:  # the grading image installs the notebooks' release
        setup = zf.read("environment.yml").decode() if "environment.yml" in zf.namelist() else ""
        setup += zf.read("requirements.txt").decode() if "requirements.txt" in zf.namelist() else ""
    assert f"git+https://github.com/{links.repository()}@{links.release_tag()}" in setup
    student = _read(tmp_path / "dist" / "student" / path.name)

    def answers(nb):
        return [c for c in nb.cells if "otter_answer_cell" in c.metadata.get("tags", [])]

    stubs = answers(student)
    assert stubs and all('raise NotImplementedError("' in c.source and "BEGIN" not in c.source
                         and "..." not in [line.strip() for line in c.source.split("\n")]
                         for c in stubs), "the prompt, not Otter's `...`, is the stub"
    exercises, subs = _three_submissions(path, student, answers)
    results = {s: _otter_results(otter, autograder, nb, tmp_path / s) for s, nb in subs.items()}

    def by_question(result):
        return {t["name"]: t for t in result["tests"] if "score" in t}  # not the "Public Tests" summary

    names = [ex.name for ex in exercises]
    name, _, _, message, also = WRONG[stem]
    for student_id, expected in [("solved", len(names)), ("stub", 0), ("wrong", len(names) - 1 - len(also))]:
        tests = by_question(results[student_id])
        assert sorted(tests) == sorted(names)
        assert sum(t["score"] for t in tests.values()) == expected, (student_id, tests)
    for ex in exercises:
        # Otter tests the notebook's final state, where `check.use` put the course's function in place
        # of a stub: the test judges the learner's own (check.original).
        output = by_question(results["stub"])[ex.name]["output"]
        assert "not implemented yet" in output, output
    wrong = by_question(results["wrong"])[name]
    assert wrong["score"] == 0 and message in wrong["output"], wrong["output"]


def test_make_and_ci_run_the_class_tools():
    makefile, ci = (ROOT / "Makefile").read_text(), (ROOT / ".ci" / "run").read_text()
    help_text = makefile.split("\nhelp:", 1)[1].split("\n\n", 1)[0]
    for target in ("export-nbgrader", "export-otter", "hub-link", "class-test"):
        assert re.search(rf"^{target}:", makefile, re.M) and f"make {target}" in help_text
    assert re.search(r"^make class-test$", ci, re.M), "CI runs the class tests"
    assert 'not classroom' in makefile.split("PYTEST_ARGS :=", 1)[1].split("\n\n", 1)[0], \
        "make test leaves the class tools to make class-test"
    project = links._project(ROOT)
    learner = {re.split(r"[<>=;\[ ]", r)[0] for r in project["dependencies"] + project["optional-dependencies"]["lab"]}
    tools = {re.split(r"[<>=;\[ ]", r)[0] for r in project["optional-dependencies"]["class"]}
    assert {"nbgrader", "otter-grader", "jupyterhub", "nbgitpuller"} <= tools and not learner & tools
