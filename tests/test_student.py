"""The committed student versions (tools/student.py) and the link rewriting (tools/links.py).

The staleness test regenerates every student version from notebooks/ and
compares it byte for byte with student/: after editing a notebook, run
`make student`. The rest runs on a synthetic notebook.
"""

import copy

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tools import handouts, links, student

FIRST = """# 09 · A test lesson

[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nnlessons/nnlessons/blob/main/notebooks/09_test.ipynb) [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/nnlessons/nnlessons/main?labpath=notebooks%2F09_test.ipynb)

**What you will learn**: nothing."""

SETUP = """%matplotlib inline
import sys
if "google.colab" in sys.modules:  # on Colab, install the course package first
    !pip install -q git+https://github.com/nnlessons/nnlessons
import numpy as np"""

EXERCISE = """def double(x):
    # BEGIN SOLUTION
    return 2 * x
    # END SOLUTION

check.double(double)"""


def lesson():
    setup = new_code_cell(SETUP, execution_count=1)
    setup.outputs = [new_output("stream", name="stdout", text="ready\n")]
    plot = new_code_cell("plt.plot([1, 2])", execution_count=2, metadata={"tags": ["nbval-ignore-output"]})
    plot.outputs = [new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})]
    exercise = new_code_cell(EXERCISE, execution_count=3, metadata={"tags": ["exercise"]})
    exercise.outputs = [new_output("stream", name="stdout", text="PASSED  double\n")]
    cells = [new_markdown_cell(FIRST), setup, plot, exercise]
    for i, cell in enumerate(cells):
        cell.id = f"cell-{i}"  # fixed, so two calls give the same notebook
    return new_notebook(cells=cells)


def test_committed_student_versions_are_current():
    problems = student.stale()
    assert not problems, "student/ is stale, run `make student`: " + "; ".join(problems)


def test_student_version_has_stubs_links_and_no_outputs():
    nb = lesson()
    pristine = copy.deepcopy(nb)
    out = student.student_version(nb, "09_test.ipynb")
    assert nb == pristine, "the solution notebook must not change"
    nbformat.validate(out)
    assert all(c.outputs == [] and c.execution_count is None for c in out.cells if c.cell_type == "code")
    assert out.cells[3].source == EXERCISE.replace(
        "    # BEGIN SOLUTION\n    return 2 * x\n    # END SOLUTION", "    " + handouts.STUB)
    assert links.badge_line("09_test.ipynb") in out.cells[0].source
    assert "main/notebooks" not in out.cells[0].source
    assert out.cells[1].source.splitlines()[3] == "    " + links.install_line()
    assert out.cells[2].metadata == pristine.cells[2].metadata, "cell metadata (tags) is kept"


def test_fix_links_rewrites_only_the_two_lines_and_is_idempotent():
    nb = lesson()
    assert links.fix_links(nb, "09_test.ipynb") is True
    first = nb.cells[0].source.splitlines()
    assert first == ["# 09 · A test lesson", "", links.badge_line("09_test.ipynb"), "",
                     "**What you will learn**: nothing."]
    assert nb.cells[1].source == SETUP.replace(
        "    !pip install -q git+https://github.com/nnlessons/nnlessons", "    " + links.install_line())
    assert links.fix_links(nb, "09_test.ipynb") is False


@pytest.mark.parametrize("broken, message", [
    (lambda nb: setattr(nb.cells[0], "source", "# Title without badges"), "no Colab/Binder badge line"),
    (lambda nb: setattr(nb.cells[1], "source", "import numpy as np"), "no `if \"google.colab\""),
    (lambda nb: nb.cells.pop(0), "first cell must be markdown"),
])
def test_fix_links_names_what_is_missing(broken, message):
    nb = lesson()
    broken(nb)
    with pytest.raises(ValueError, match=message):
        links.fix_links(nb, "09_test.ipynb")


def test_write_and_check_a_student_folder(tmp_path, capsys):
    src, dst = tmp_path / "notebooks", tmp_path / "student"
    src.mkdir()
    for name in ["09_test.ipynb", "10_more.ipynb"]:
        nbformat.write(lesson(), src / name)
    assert sorted(student.stale(src, dst)) == [f"{dst}/09_test.ipynb is missing", f"{dst}/10_more.ipynb is missing"]
    assert student.main([str(src), str(dst)]) == 0
    assert capsys.readouterr().out.splitlines() == [f"wrote {dst}/09_test.ipynb", f"wrote {dst}/10_more.ipynb"]
    assert student.stale(src, dst) == []
    assert student.main(["--check", str(src), str(dst)]) == 0
    assert student.main([str(src), str(dst)]) == 0
    assert capsys.readouterr().out == f"{dst}: all 2 student versions already current\n", \
        "nothing is written, nor said to be, when nothing changed"

    edited = lesson()
    edited.cells[3].source = edited.cells[3].source.replace("2 * x", "x + x")
    nbformat.write(edited, src / "09_test.ipynb")
    (src / "10_more.ipynb").unlink()
    assert student.stale(src, dst) == [f"{dst}/10_more.ipynb has no notebook in {src}"], \
        "a solution-only change leaves the student version as it is"
    edited.cells[0].source += "\n\nNew paragraph."
    nbformat.write(edited, src / "09_test.ipynb")
    assert student.stale(src, dst)[0] == f"{dst}/09_test.ipynb is out of date"
    assert student.main(["--check", str(src), str(dst)]) == 1
    assert "run `make student`" in capsys.readouterr().err
    student.main([str(src), str(dst)])
    assert capsys.readouterr().out.splitlines() == [
        f"wrote {dst}/09_test.ipynb", f"removed {dst}/10_more.ipynb (its notebook is gone)"]
    assert sorted(p.name for p in dst.iterdir()) == ["09_test.ipynb"]
    assert student.stale(src, dst) == []
    assert student.main([str(tmp_path / "typo"), str(dst)]) == 1
    assert "no notebooks matching" in capsys.readouterr().err
    assert sorted(p.name for p in dst.iterdir()) == ["09_test.ipynb"], "a wrong source folder empties nothing"
    solved = (src / "09_test.ipynb").read_bytes()
    assert student.main([str(src), str(src)]) == 1
    assert "is the source folder" in capsys.readouterr().err
    assert (src / "09_test.ipynb").read_bytes() == solved, "the solutions are never replaced by stubs"
