"""Tests of the student handouts (tools/handouts.py).

On synthetic notebooks (always): markers found, stubs at the marker's
indentation, everything else unchanged, clear errors for bad markers, files
written, and a student version that runs to the end in a real kernel.
On every notebook of the series (skipped while there is none): no solution
left, valid nbformat, and the student version checked without a second
execution of the notebook: it differs from the solution notebook (which nbval
executes) only in its exercise cells, so those cells, stubbed, are run in the
namespace the notebook's imports give them, each must report "not implemented
yet" without raising, and no later cell may use a name an exercise defines.
"""

import ast

import copy
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from notebook_cells import run_cells

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

from tools import handouts  # noqa: E402

STUB = handouts.STUB

# -- synthetic notebooks --------------------------------------------------------

SETUP = "import numpy as np\nfrom nnlessons.check import check_function"

DOUBLE = """def double(x):
    # BEGIN SOLUTION
    y = 2 * x
    return y
    # END SOLUTION

check_function("double", double, lambda x: 2 * x, [("a vector", (np.arange(3.0),))])"""

DOUBLE_STUDENT = f"""def double(x):
    {STUB}

check_function("double", double, lambda x: 2 * x, [("a vector", (np.arange(3.0),))])"""

# Two blocks in one cell, one of them in a method (deeper indentation).
TRIPLE = """class Scale:
    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        # BEGIN SOLUTION
        return self.k * x
        # END SOLUTION


def triple(x):
    # BEGIN SOLUTION
    return Scale(3)(x)
    # END SOLUTION

check_function("triple", triple, lambda x: 3 * x, [("a vector", (np.arange(3.0),))])"""

SOLUTION_LINES = ["y = 2 * x", "return y", "return self.k * x", "return Scale(3)(x)"]


def synthetic_notebook():
    setup = new_code_cell(SETUP, execution_count=1)
    setup.outputs = [new_output("stream", name="stdout", text="setup done\n")]
    exercises = []
    for count, (source, line) in enumerate([(DOUBLE, "PASSED  double: all 1 cases match the reference\n"),
                                            (TRIPLE, "PASSED  triple: all 1 cases match the reference\n")],
                                           start=2):
        cell = new_code_cell(source, execution_count=count, metadata={"tags": ["exercise"]})
        cell.outputs = [new_output("stream", name="stdout", text=line)]
        exercises.append(cell)
    return new_notebook(cells=[
        new_markdown_cell("# 99 Synthetic\n\nA notebook for the tests."),
        setup,
        new_markdown_cell("**Exercise 1.** Write `double`."),
        exercises[0],
        new_markdown_cell("**Exercise 2.** Write `triple`."),
        exercises[1],
        new_code_cell('print("reached the end")', execution_count=4, metadata={"tags": ["keep"]}),
        new_markdown_cell("## Summary"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def test_block_becomes_one_stub_at_the_markers_indentation():
    student, blocks = handouts.strip_solutions(DOUBLE)
    assert blocks == 1
    assert student == DOUBLE_STUDENT


def test_every_block_of_a_cell_is_replaced_and_deeper_indentation_kept():
    student, blocks = handouts.strip_solutions(TRIPLE)
    assert blocks == 2
    lines = student.split("\n")
    assert lines.count(" " * 8 + STUB) == 1  # in the method
    assert lines.count(" " * 4 + STUB) == 1  # in the function
    assert lines[:5] == TRIPLE.split("\n")[:5]  # code before the first block untouched
    assert lines[-1] == TRIPLE.split("\n")[-1]


def test_tab_indentation_and_trailing_newline_kept():
    source = "def f(x):\n\t# BEGIN SOLUTION\n\treturn x\n\t# END SOLUTION\n"
    assert handouts.strip_solutions(source) == (f"def f(x):\n\t{STUB}\n", 1)


def test_stub_raises_not_implemented_with_the_hint():
    namespace = {}
    exec(handouts.strip_solutions(DOUBLE.split("\n\ncheck_function")[0])[0], namespace)
    with pytest.raises(NotImplementedError, match="write this part, then re-run the cell"):
        namespace["double"](1.0)


def test_make_handout_replaces_solutions_and_keeps_everything_else():
    nb = synthetic_notebook()
    pristine = copy.deepcopy(nb)
    student = handouts.make_handout(nb)
    assert nb == pristine, "the solution notebook must not be modified"
    nbformat.validate(student)
    assert len(student.cells) == len(nb.cells)
    for original, cell in zip(nb.cells, student.cells):
        if "exercise" in original.metadata.get("tags", []):
            assert "SOLUTION" not in cell.source
            assert not any(line in cell.source for line in SOLUTION_LINES)
            assert cell.source.count(STUB) == original.source.count("# BEGIN SOLUTION")
            assert cell.outputs == [] and cell.execution_count is None
            assert cell.metadata == original.metadata  # the tag stays
        else:
            assert cell == original
    assert student.metadata == nb.metadata


BAD_SOURCES = {
    "begin without end": ("def f(x):\n    # BEGIN SOLUTION\n    return x\n", "never closed"),
    "end without begin": ("def f(x):\n    return x\n    # END SOLUTION\n", "without a '# BEGIN SOLUTION'"),
    "nested begin": ("def f(x):\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    return x\n"
                     "    # END SOLUTION\n", "still open"),
    "no space": ("def f(x):\n    #BEGIN SOLUTION\n    return x\n    # END SOLUTION\n", "malformed"),
    "lower case": ("def f(x):\n    # begin solution\n    return x\n    # end solution\n", "malformed"),
    "after code": ("def f(x):\n    return x  # BEGIN SOLUTION\n    # END SOLUTION\n", "malformed"),
    "end indented differently": ("def f(x):\n    # BEGIN SOLUTION\n    return x\n# END SOLUTION\n",
                                 "not indented like"),
    "dedent inside the block": ("def f(x):\n    # BEGIN SOLUTION\n    y = x\nz = 1\n    # END SOLUTION\n",
                                "indented less than the '# BEGIN SOLUTION' of line 2"),
    "top level": ("# BEGIN SOLUTION\nW = 1\n# END SOLUTION\ncheck(W)\n", "not inside a function"),
    "top-level loop": ("for i in range(3):\n    # BEGIN SOLUTION\n    print(i)\n    # END SOLUTION\n",
                       "not inside a function"),
    "not python": ("%time x = 1\ndef f(x):\n    # BEGIN SOLUTION\n    return x\n    # END SOLUTION\n",
                   "not valid Python"),
    "no block": ("def f(x):\n    return x\n", "has no '# BEGIN SOLUTION'"),
}


@pytest.mark.parametrize("case", sorted(BAD_SOURCES))
def test_bad_markers_in_an_exercise_cell_are_clear_errors(case):
    source, message = BAD_SOURCES[case]
    nb = new_notebook(cells=[new_markdown_cell("# T"),
                             new_code_cell(source, metadata={"tags": ["exercise"]})])
    with pytest.raises(handouts.HandoutError, match=message) as info:
        handouts.make_handout(nb, name="07_t.ipynb")
    assert str(info.value).startswith("07_t.ipynb, cell 2 ("), "the error must say where"


def test_marker_outside_an_exercise_cell_is_an_error():
    nb = new_notebook(cells=[new_code_cell("def f(x):\n    # BEGIN SOLUTION\n    return x\n    # END SOLUTION")])
    with pytest.raises(handouts.HandoutError, match=r"cell 1 .*line 2: solution marker in a cell not tagged"):
        handouts.make_handout(nb)


def test_markdown_cell_tagged_exercise_is_an_error():
    nb = new_notebook(cells=[new_markdown_cell("Write f.", metadata={"tags": ["exercise"]})])
    with pytest.raises(handouts.HandoutError, match="only code cells"):
        handouts.make_handout(nb)


def test_markers_may_be_mentioned_in_markdown():
    nb = new_notebook(cells=[new_markdown_cell("Solutions sit between `# BEGIN SOLUTION` and `# END SOLUTION`.")])
    assert handouts.make_handout(nb) == nb


def test_main_writes_one_handout_per_series_notebook(tmp_path, capsys):
    src, dst = tmp_path / "notebooks", tmp_path / "build" / "handouts"
    src.mkdir()
    for name in ["02_second.ipynb", "01_first.ipynb", "scratch.ipynb"]:
        nbformat.write(synthetic_notebook(), src / name)
    dst.mkdir(parents=True)
    nbformat.write(synthetic_notebook(), dst / "03_renamed.ipynb")  # stale, from an older run
    assert handouts.main([str(src), str(dst)]) == 0
    assert sorted(p.name for p in dst.iterdir()) == ["01_first.ipynb", "02_second.ipynb"]
    for path in dst.iterdir():
        student = nbformat.read(path, as_version=4)
        nbformat.validate(student)
        assert "BEGIN SOLUTION" not in nbformat.writes(student)
    assert capsys.readouterr().out.count("wrote ") == 2


def test_main_stops_on_a_bad_notebook_before_writing(tmp_path, capsys):
    src, dst = tmp_path / "notebooks", tmp_path / "handouts"
    src.mkdir()
    nbformat.write(synthetic_notebook(), src / "01_good.ipynb")
    bad = synthetic_notebook()
    bad.cells[3].source = bad.cells[3].source.replace("    # END SOLUTION\n", "")
    nbformat.write(bad, src / "02_bad.ipynb")
    assert handouts.main([str(src), str(dst)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: 02_bad.ipynb, cell 4 ('def double(x):'), line 6: indented less than "
                          "the '# BEGIN SOLUTION' of line 2 (missing '# END SOLUTION'?)")
    assert not dst.exists() or not any(dst.iterdir())


def test_main_without_notebooks_fails(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "01_old.ipynb").write_text("{}")
    assert handouts.main([str(tmp_path / "typo"), str(tmp_path / "out")]) == 1
    assert "no notebooks" in capsys.readouterr().err
    assert (tmp_path / "out" / "01_old.ipynb").exists(), "a wrong source folder empties nothing"
    assert handouts.main([str(tmp_path / "out"), str(tmp_path / "out" / ".." / "out")]) == 1
    assert "is the source folder" in capsys.readouterr().err
    assert (tmp_path / "out" / "01_old.ipynb").read_text() == "{}"


# -- executing --------------------------------------------------------------------

@pytest.fixture
def kernel_env(monkeypatch):
    # The kernel inherits this environment; MPLBACKEND=Agg would drop inline figures.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    for var in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"]:
        monkeypatch.setenv(var, "1")


def execute(nb, cwd=NOTEBOOKS):
    """Run ``nb`` top to bottom in a fresh python3 kernel; a cell error raises CellExecutionError."""
    nb = copy.deepcopy(nb)
    NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def text_of(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def assert_student_run(nb):
    """Every exercise says "not implemented yet" (and only that); nothing errs."""
    exercises = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert not [o for o in cell.outputs if o.output_type == "error"], f"cell {index + 1} stored an error"
        if handouts.is_exercise(cell):
            exercises += 1
            lines = text_of(cell).splitlines()
            assert lines, f"exercise cell {index + 1} printed nothing: is its checker called?"
            assert all(line.startswith("FAILED  ") and line.endswith(": not implemented yet")
                       for line in lines), f"exercise cell {index + 1} printed {lines}"
            kinds = {o.output_type for o in cell.outputs}
            assert kinds == {"stream"}, f"exercise cell {index + 1} shows more than its checker's line: {kinds}"
            assert all(o.name == "stdout" for o in cell.outputs)
    assert exercises, "no exercise cell was executed"


@pytest.mark.notebooks
def test_synthetic_solution_passes_and_student_version_runs_to_the_end(kernel_env, tmp_path):
    nb = synthetic_notebook()
    solved = execute(nb, tmp_path)
    assert [text_of(c) for c in solved.cells if handouts.is_exercise(c)] == [
        "PASSED  double: all 1 cases match the reference\n",
        "PASSED  triple: all 1 cases match the reference\n"]
    student = execute(handouts.make_handout(nb), tmp_path)
    assert_student_run(student)
    assert text_of(student.cells[-2]) == "reached the end\n"
    assert [text_of(c) for c in student.cells if handouts.is_exercise(c)] == [
        "FAILED  double: not implemented yet\n", "FAILED  triple: not implemented yet\n"]


# -- the series ---------------------------------------------------------------------

SERIES = handouts.series(NOTEBOOKS)
series_params = pytest.mark.parametrize(
    "path", SERIES or [pytest.param(None, marks=pytest.mark.skip(reason="no notebooks in notebooks/ yet"))],
    ids=[p.stem for p in SERIES] or ["none"])


def solution_lines(source):
    """Non-blank lines between markers that do not also occur outside them."""
    inside, outside, in_block = set(), set(), False
    for line in source.splitlines():
        text = line.strip()
        if text in (handouts.BEGIN, handouts.END):
            in_block = text == handouts.BEGIN
        elif text:
            (inside if in_block else outside).add(text)
    return inside - outside


@series_params
def test_series_handout_has_no_solution_and_is_valid(path):
    nb = nbformat.read(path, as_version=4)
    student = handouts.make_handout(nb, name=path.name)
    nbformat.validate(student)
    exercises = [(c, s) for c, s in zip(nb.cells, student.cells) if handouts.is_exercise(c)]
    assert exercises, f"{path.name} has no cell tagged 'exercise'"
    for cell, stub in exercises:
        assert "SOLUTION" not in stub.source
        assert stub.source.count(STUB) == cell.source.count(handouts.BEGIN) >= 1
        stub_lines = {line.strip() for line in stub.source.splitlines()}
        leaked = solution_lines(cell.source) & stub_lines
        assert not leaked, f"{path.name}: solution lines left in the handout: {sorted(leaked)}"


@series_params
def test_series_solutions_pass_their_checkers(path):
    # The stored outputs of the solution notebook (nbval re-checks them in CI).
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if handouts.is_exercise(cell):
            lines = text_of(cell).splitlines()
            assert lines and all(line.startswith("PASSED  ") for line in lines), \
                f"{path.name}, exercise cell {index + 1} stores {lines}"


def _code(source):
    """A cell's source as Python: ``%time``/``%timeit`` keep their statement, other
    IPython magics and shell escapes become ``pass``."""
    source = re.sub(r"^(\s*)%%?time(it)?\b(\s+-\S+)*\s*", r"\1", source, flags=re.M)
    return re.sub(r"^(\s*)[%!].*$", r"\1pass", source, flags=re.M)


def _defined(tree):
    """Names a cell binds at its top level (functions, classes, assignments, imports)."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        else:
            names.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    return names


@series_params
def test_series_student_exercises_report_not_implemented(path, capsys):
    nb = nbformat.read(path, as_version=4)
    student = handouts.make_handout(nb, name=path.name)
    exercises, stubs = 0, []
    for index, (cell, stub) in enumerate(zip(nb.cells, student.cells)):
        if not handouts.is_exercise(cell):
            assert stub == cell, f"{path.name}, cell {index + 1}: the handout changed a cell that is no exercise"
            continue
        exercises += 1
        # An exercise may hand the learner's earlier (stubbed) answers to its checker.
        stubs.append(stub.source)
        run_cells(stubs, path)  # raises if a stubbed cell does
        lines = capsys.readouterr().out.splitlines()
        assert lines and all(line.startswith("FAILED  ") and line.endswith(": not implemented yet")
                             for line in lines), f"{path.name}, exercise cell {index + 1} printed {lines}"
    assert exercises, f"{path.name} has no cell tagged 'exercise'"


def _guarded(tree):
    """Names a cell uses only where a stub cannot break it: inside ``try`` blocks that catch
    NotImplementedError, or as arguments of a checker call ``check.<name>(...)``."""
    safe = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id == "NotImplementedError" for h in node.handlers):
            safe.update(n.id for stmt in node.body for n in ast.walk(stmt) if isinstance(n, ast.Name))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and isinstance(node.func.value, ast.Name) and node.func.value.id == "check"):
            safe.update(n.id for arg in node.args for n in ast.walk(arg) if isinstance(n, ast.Name))
    return safe


def uses_of_exercise_names(nb):
    """``(cell number, name, exercise cell number)`` for each later cell that uses a name
    an exercise cell defines: in the handout that name holds a stub, and the cell would fail."""
    from_exercises, clashes = {}, []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tree = ast.parse(_code(cell.source))
        if handouts.is_exercise(cell):
            from_exercises.update(dict.fromkeys(_defined(tree), index + 1))
            continue
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        used -= _guarded(tree)
        defined = _defined(tree)  # a cell that defines its own `double` first may use it
        clashes += [(index + 1, name, from_exercises[name])
                    for name in sorted((used - defined) & set(from_exercises))]
        for name in defined:
            from_exercises.pop(name, None)
    return clashes


def test_a_later_cell_using_an_exercise_function_is_found():
    nb = synthetic_notebook()
    assert uses_of_exercise_names(nb) == []
    nb.cells.append(new_code_cell("%time y = double(np.ones(2))"))
    nb.cells.append(new_code_cell("def triple(x):\n    return 3 * x\n\nz = triple(1)"))
    assert uses_of_exercise_names(nb) == [(9, "double", 4)]
    # Guarded uses survive a stub: a fallback on NotImplementedError, a checker given the function.
    nb.cells.append(new_code_cell("try:\n    y = double(np.ones(2))\nexcept NotImplementedError:\n    y = 2 * np.ones(2)"))
    nb.cells.append(new_code_cell("check.double(double)"))
    assert uses_of_exercise_names(nb) == [(9, "double", 4)]
    nb.cells.append(new_code_cell("try:\n    y = double(np.ones(2))\nexcept ValueError:\n    y = 0"))
    assert uses_of_exercise_names(nb) == [(9, "double", 4), (13, "double", 4)]


@series_params
def test_series_later_cells_do_not_use_what_an_exercise_defines(path):
    assert uses_of_exercise_names(nbformat.read(path, as_version=4)) == []
