"""The notebooks as nbgrader and Otter-Grader assignments, one assignment per notebook.

    python -m tools.export nbgrader OUT [--points N | --points name=N,...] [NOTEBOOK ...]
    python -m tools.export otter OUT [--points ...] [NOTEBOOK ...]

Each exercise of a solution notebook (a cell tagged ``exercise`` ending with its
checker call, ``check.mse_cost(mse_cost)``) becomes a graded answer cell and a
test worth its points (1 unless ``--points`` says otherwise). The test calls
the same checker with the same arguments and fails with the checker's
message, so the learner and the tool's feedback read the line the course
prints. Everything else in the notebook is copied unchanged; the notebooks
are read, never written. Without NOTEBOOK arguments every notebook of
``notebooks/`` is exported, so a new notebook needs nothing here.

nbgrader (``OUT`` is a course folder: ``nbgrader_config.py`` and
``source/NN_topic/NN_topic.ipynb``): the answer cell keeps the
``# BEGIN SOLUTION`` / ``# END SOLUTION`` markers, which are nbgrader's own
delimiters, so ``nbgrader generate_assignment`` puts its stub there
(``raise NotImplementedError()``, reported "not implemented yet"); the
checker call moves into a locked autograder-test cell just below.

Otter (``OUT/NN_topic.ipynb`` in Otter Assign's format, for
``otter assign OUT/NN_topic.ipynb DIST``): a configuration cell, then each
exercise as a question (raw ``# BEGIN QUESTION`` ... ``# END QUESTION``
cells) with its answer cell as the solution and an exception-based test.
Otter's own stub is ``...``, which makes a function return None; each block
here carries a prompt instead, so the student version raises
``NotImplementedError`` as the course's own handouts do.
"""

import argparse
import ast
import copy
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from tools import handouts, links

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "notebooks"


class ExportError(ValueError):
    """A notebook whose exercises cannot be exported."""


@dataclass(frozen=True)
class Exercise:
    """One exercise cell: its checker's name, the answer without the checker call, the call."""

    name: str
    cell: int
    answer: str
    call: str
    reads: tuple  # the names the checker call passes (the learner's functions)
    points: float


def _is_checker_call(node):
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and isinstance(node.value.func.value, ast.Name) and node.value.func.value.id == "check")


def split_exercise(source, where):
    """``(answer, checker name, call source, names read)`` for one exercise cell's source.

    The cell must end with its one checker call (``check.<name>(...)``) at the
    top level; the answer is the cell without it.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ExportError(f"{where}: not valid Python ({exc.msg}, line {exc.lineno})") from exc
    calls = [node for node in tree.body if _is_checker_call(node)]
    if len(calls) != 1 or tree.body[-1] is not calls[0]:
        raise ExportError(f"{where}: an exercise cell must end with its one checker call, "
                          f"check.<exercise>(...), at the top level (found {len(calls)})")
    node = calls[0]
    lines = source.split("\n")
    call = "\n".join(lines[node.lineno - 1:node.end_lineno])
    answer = "\n".join(lines[:node.lineno - 1]).rstrip()
    reads = []
    for arg in list(node.value.args) + [k.value for k in node.value.keywords]:
        for sub in ast.walk(arg):
            if isinstance(sub, ast.Name) and sub.id not in reads:
                reads.append(sub.id)
    return answer, node.value.func.attr, call, tuple(reads)


def parse_points(text):
    """``--points``: '2' (every exercise) or 'mse_cost=3,train_gd=5' (the others 1) -> (default, {name: points})."""
    if text is None:
        return 1, {}
    text = text.strip()
    try:
        if "=" not in text:
            return _positive(float(text), "--points"), {}
        named = {}
        for item in text.split(","):
            name, _, value = item.partition("=")
            named[name.strip()] = _positive(float(value), f"--points {name.strip()}")
        return 1, named
    except ValueError as exc:
        if "must be" in str(exc):
            raise
        raise ValueError(f"--points: expected a number or name=number,... (e.g. mse_cost=3,train_gd=5), "
                         f"got {text!r}") from exc


def _positive(value, what):
    if not 0 < value < float("inf"):
        raise ValueError(f"{what} must be a positive number, got {value:g}")
    return int(value) if value == int(value) else value


def exercises(nb, name, points=(1, {})):
    """The exercises of notebook ``nb`` in order; ``points`` is what ``parse_points`` returns."""
    default, named = points
    found = []
    for index, cell in enumerate(nb.cells):
        if not handouts.is_exercise(cell):
            continue
        where = handouts._where(name, index, cell)
        handouts.strip_solutions(cell.source, where)  # the course's marker rules hold here too
        answer, checker, call, reads = split_exercise(cell.source, where)
        found.append(Exercise(checker, index, answer, call, reads, named.get(checker, default)))
    if not found:
        raise ExportError(f"{name}: no cell tagged {handouts.EXERCISE_TAG!r}: nothing to grade")
    return found


def _check_point_names(all_exercises, points):
    unknown = sorted(set(points[1]) - {ex.name for ex in all_exercises})
    if unknown:
        raise ExportError(f"--points names {', '.join(unknown)}, which no exported notebook has as an exercise "
                          f"(exercises: {', '.join(ex.name for ex in all_exercises)})")


def _verdict(ex, indent=""):
    """Lines that run the checker, keep its verdict in ``verdict`` and its printed line in ``printed``."""
    call = ex.call.replace("check.", "checkers.", 1).replace("\n", "\n" + indent + "        ")
    return [f"{indent}with contextlib.redirect_stdout(io.StringIO()) as printed:",
            f"{indent}    verdict = {call}"]


# --- nbgrader ---------------------------------------------------------------------------------

NBGRADER_CONFIG = '''\
# nbgrader configuration of the nnlessons course (written by python -m tools.export nbgrader).
# Run the nbgrader commands in this folder (the course root).
c = get_config()  # noqa: F821
# A slow cell (06 and 07 train networks) is not a failed cell.
c.Execute.timeout = 300
'''


def _nbgrader_meta(grade_id, solution, grade, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


def nbgrader_test_source(ex):
    """The autograder test of exercise ``ex``: the checker's line printed, then its verdict asserted."""
    call = ex.call.replace("check.", "_checkers.", 1)
    return "\n".join([
        f"# Autograder test, {ex.points:g} point{'s' if ex.points != 1 else ''}: the checker of {ex.name}.",
        "from nnlessons import check as _checkers",
        "",
        f"_verdict = {call}",
        "assert _verdict, _verdict.message",
    ])


def nbgrader_notebook(nb, name, points=(1, {})):
    """The nbgrader source version of solution notebook ``nb`` (left unchanged)."""
    def graded(ex, cell):
        cell.source = ex.answer
        cell.metadata["nbgrader"] = _nbgrader_meta(ex.name, solution=True, grade=False)
        test = nbformat.v4.new_code_cell(nbgrader_test_source(ex))
        test.metadata["nbgrader"] = _nbgrader_meta(f"test_{ex.name}", solution=False, grade=True,
                                                   points=ex.points)
        return [cell, test]

    return _convert(nb, name, points, graded)


def write_nbgrader(src, dst, points=(1, {}), notebooks=None):
    """An nbgrader course folder in ``dst``: config and ``source/<NN_topic>/<NN_topic>.ipynb``."""
    built = _build(nbgrader_notebook, src, points, notebooks)
    dst = Path(dst)
    (dst / "source").mkdir(parents=True, exist_ok=True)
    config = dst / "nbgrader_config.py"
    if not config.exists():  # an instructor's own settings stay
        config.write_text(NBGRADER_CONFIG)
    written = []
    for stem, nb in built:
        path = dst / "source" / stem / f"{stem}.ipynb"
        path.parent.mkdir(exist_ok=True)
        nbformat.write(nb, path)
        written.append(path)
    return written


# --- Otter-Grader -----------------------------------------------------------------------------

PROMPT_HINT = handouts.HINT


def _otter_solution(source):
    """The answer with each solution block given a prompt: the student version raises NotImplementedError."""
    out = []
    for line in source.split("\n"):
        text, indent = line.strip(), line[:len(line) - len(line.lstrip())]
        if text == handouts.BEGIN:
            # Otter keeps the lines between the prompt markers (dropping the marker lines) in the
            # student version; in the solution they are an unused string.
            out += [f'{indent}""" # BEGIN PROMPT',
                    f'{indent}raise NotImplementedError("{PROMPT_HINT}")',
                    f'{indent}""" # END PROMPT',
                    f"{indent}# BEGIN SOLUTION NO PROMPT"]
        else:
            out.append(line)
    return "\n".join(out)


def otter_test_source(ex):
    """The exception-based Otter test of ``ex``: the checker's verdict asserted, its printed line the message."""
    params = ", ".join(ex.reads)
    # Otter runs the tests after the last cell, where `check.use` may have put the course's
    # function in place of a failing answer: the learner's own is judged.
    unwrap = [f"    {p} = checkers.original({p})" for p in ex.reads]
    return "\n".join([
        f"def test_{ex.name}({params}):",
        "    import contextlib",
        "    import io",
        "",
        "    from nnlessons import check as checkers",
        "",
        *unwrap,
        *_verdict(ex, indent="    "),
        "    assert verdict, printed.getvalue().strip()",
        "",
        "",
        f"test_{ex.name}({params})",
    ])


def otter_config(stem, root=ROOT):
    """The assignment configuration: the package of the notebooks' release in the grading image."""
    return {
        "name": stem,
        "requirements": [f"git+https://github.com/{links.repository(root)}@{links.release_tag(root)}"],
        "init_cell": True,
        "check_all_cell": False,
        "export_cell": False,
        "tests": {"ok_format": False},
        "generate": {"pdf": False, "show_stdout": True, "show_hidden": True},
    }


def _raw(text):
    return nbformat.v4.new_raw_cell(text)


def otter_notebook(nb, name, points=(1, {}), root=ROOT):
    """The Otter Assign version of solution notebook ``nb`` (left unchanged)."""
    def question(ex, cell):
        cell.source = _otter_solution(ex.answer)
        cell.metadata["tags"].remove(handouts.EXERCISE_TAG)
        return [_raw(f"# BEGIN QUESTION\nname: {ex.name}\npoints: {ex.points:g}"),
                _raw("# BEGIN SOLUTION"), cell, _raw("# END SOLUTION"),
                _raw("# BEGIN TESTS"), nbformat.v4.new_code_cell(otter_test_source(ex)), _raw("# END TESTS"),
                _raw("# END QUESTION")]

    out = _convert(nb, name, points, question)
    out.cells.insert(0, _raw("# ASSIGNMENT CONFIG\n" + _yaml(otter_config(Path(name).stem, root))))
    nbformat.validate(out)
    return out


def _yaml(value, indent=""):
    """A small YAML writer for the configuration (JSON scalars are valid YAML)."""
    lines = []
    for key, item in value.items():
        if isinstance(item, dict):
            lines.append(f"{indent}{key}:")
            lines.append(_yaml(item, indent + "  ").rstrip("\n"))
        elif isinstance(item, list):
            lines.append(f"{indent}{key}:")
            lines += [f"{indent}  - {json.dumps(v)}" for v in item]
        else:
            lines.append(f"{indent}{key}: {json.dumps(item)}")
    return "\n".join(lines) + "\n"


def write_otter(src, dst, points=(1, {}), notebooks=None):
    """``dst/<NN_topic>.ipynb`` in Otter Assign's format for every notebook."""
    built = _build(otter_notebook, src, points, notebooks)
    dst = Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, nb in built:
        nbformat.write(nb, dst / f"{stem}.ipynb")
        written.append(dst / f"{stem}.ipynb")
    return written


# --- both ---------------------------------------------------------------------------------------

def _convert(nb, name, points, replace):
    """A copy of ``nb`` with each exercise cell (outputs cleared) replaced by ``replace(exercise, cell)``."""
    by_cell = {ex.cell: ex for ex in exercises(nb, name, points)}
    out = copy.deepcopy(nb)
    # As in the course's handouts: the lesson, for `python -m nnlessons.grade` to cross-check submissions.
    out.metadata["nnlessons"] = {"lesson": Path(name).stem}
    cells = []
    for index, cell in enumerate(out.cells):
        if index in by_cell:
            cell.outputs, cell.execution_count = [], None
            cells += replace(by_cell[index], cell)
        else:
            cells.append(cell)
    out.cells = cells
    nbformat.validate(out)
    return out


def _build(convert, src, points, notebooks):
    """``[(stem, converted notebook)]``, all built before anything is written."""
    paths = [Path(p) for p in notebooks] if notebooks else handouts.series(src)
    if not paths:
        raise ExportError(f"no notebooks matching {handouts.NOTEBOOK_GLOB} in {src}")
    read = [(p, nbformat.read(p, as_version=4)) for p in paths]
    _check_point_names([ex for p, nb in read for ex in exercises(nb, p.name)], points)
    return [(p.stem, convert(nb, p.name, points)) for p, nb in read]


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m tools.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("tool", choices=["nbgrader", "otter"])
    parser.add_argument("out", help="the folder to write (nbgrader: the course folder)")
    parser.add_argument("notebooks", nargs="*", help="solution notebooks (default: every one of notebooks/)")
    parser.add_argument("--points", help="points per exercise: N for all, or name=N,... (others 1)")
    args = parser.parse_args(argv)
    try:
        points = parse_points(args.points)
        write = write_nbgrader if args.tool == "nbgrader" else write_otter
        written = write(SOURCE, args.out, points, args.notebooks or None)
    except (ExportError, handouts.HandoutError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
