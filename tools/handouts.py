"""Student handouts: every notebook with its exercise solutions replaced by stubs.

    python -m tools.handouts notebooks build/handouts      (what `make handouts` runs)

In a solution notebook, each exercise is a code cell tagged ``exercise`` whose
solution sits between two marker lines::

    def relu_backward(dA, Z):
        # BEGIN SOLUTION
        return dA * (Z > 0)
        # END SOLUTION

    check.relu_backward(relu_backward)

The handout keeps the cell but replaces each marked block, markers included,
by one ``raise NotImplementedError(...)`` line at the marker's indentation, so
the checker reports "not implemented yet" and the notebook still runs to the
end. Exercise cells lose their outputs and execution counts; every other cell
is copied unchanged. A marker anywhere else, a block that is not closed, or a
block outside a function is an error: a handout must never leak a solution
nor stop the learner's notebook.
"""

import ast
import copy
import re
import sys
from pathlib import Path

import nbformat

EXERCISE_TAG = "exercise"
BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
HINT = "Exercise: write this part, then re-run the cell"
STUB = f'raise NotImplementedError("{HINT}")'
#: files taken as the series: two digits, an underscore, a topic
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"

# Anything that looks like a marker, so that a misspelt one is an error
# instead of a solution left in the handout.
_MARKER_LIKE = re.compile(r"#\s*(BEGIN|END)\s*SOLUTION", re.IGNORECASE)


class HandoutError(ValueError):
    """A notebook whose exercise markers cannot be turned into a safe handout."""


def is_exercise(cell):
    return EXERCISE_TAG in cell.get("metadata", {}).get("tags", [])


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _where(name, index, cell, lineno=None):
    first = next((ln.strip() for ln in _source(cell).splitlines() if ln.strip()), "")
    at = f", line {lineno}" if lineno is not None else ""
    return f"{name}, cell {index + 1} ({first[:40]!r}){at}"


def _marker(line):
    """'begin', 'end' or None for one source line; HandoutError text if malformed."""
    text = line.strip()
    if text == BEGIN:
        return "begin", None
    if text == END:
        return "end", None
    if _MARKER_LIKE.search(line):
        return None, (f"malformed solution marker {text!r}: a marker is a line of its own "
                      f"reading exactly {BEGIN!r} or {END!r}")
    return None, None


def _indent(line):
    return line[:len(line) - len(line.lstrip())]


def _stubs_inside_functions(source, stub_lines):
    """Line numbers (1-based) of stubs that are not inside a function body."""
    tree = ast.parse(source)
    spans = [(node.body[0].lineno, node.end_lineno) for node in ast.walk(tree)
             if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return [n for n in stub_lines if not any(lo <= n <= hi for lo, hi in spans)]


def strip_solutions(source, where="cell"):
    """Return ``source`` with each marked block replaced by a stub, and the block count.

    Raises HandoutError on unbalanced, nested, malformed or badly indented
    markers, and on a block whose stub would not sit inside a function.
    """
    out, stub_lines = [], []
    block_indent = None  # the open block's marker indentation, None outside a block
    for lineno, line in enumerate(source.split("\n"), start=1):
        kind, problem = _marker(line)
        if problem:
            raise HandoutError(f"{where}, line {lineno}: {problem}")
        if kind == "begin":
            if block_indent is not None:
                raise HandoutError(f"{where}, line {lineno}: {BEGIN!r} inside a block that is "
                                   f"still open (missing {END!r} above?)")
            block_indent, block_start = _indent(line), lineno
            out.append(block_indent + STUB)
            stub_lines.append(len(out))
        elif kind == "end":
            if block_indent is None:
                raise HandoutError(f"{where}, line {lineno}: {END!r} without a {BEGIN!r} before it")
            if _indent(line) != block_indent:
                raise HandoutError(f"{where}, line {lineno}: {END!r} is not indented like its {BEGIN!r}")
            block_indent = None
        elif block_indent is None:
            out.append(line)
        elif line.strip() and not line.startswith(block_indent):
            raise HandoutError(f"{where}, line {lineno}: indented less than the {BEGIN!r} of line "
                               f"{block_start} (missing {END!r}?); a block sits inside one function body")
    if block_indent is not None:
        raise HandoutError(f"{where}: {BEGIN!r} is never closed by {END!r}")
    stubbed = "\n".join(out)
    if stub_lines:
        try:
            outside = _stubs_inside_functions(stubbed, stub_lines)
        except SyntaxError as exc:
            raise HandoutError(f"{where}: the student version is not valid Python "
                               f"({exc.msg}, line {exc.lineno}); keep exercise cells plain Python") from exc
        if outside:
            raise HandoutError(f"{where}: the solution block replaced at line {outside[0]} is not inside "
                               f"a function, so its stub would stop the learner's notebook; put the "
                               f"solution in the body of the function the checker calls")
    return stubbed, len(stub_lines)


def make_handout(nb, name="notebook", lesson=None):
    """Return the student version of notebook ``nb`` (which is left unchanged).

    ``lesson`` (``"01_regression"``) is recorded in the notebook's metadata as
    ``nnlessons.lesson``, which the grader (``nnlessons.grade``) reads.
    """
    student = copy.deepcopy(nb)
    if lesson is not None:
        student.metadata["nnlessons"] = {"lesson": lesson}
    for index, cell in enumerate(student.cells):
        where = _where(name, index, cell)
        if not is_exercise(cell):
            if cell.cell_type == "code":
                for lineno, line in enumerate(_source(cell).split("\n"), start=1):
                    if _MARKER_LIKE.search(line):
                        raise HandoutError(f"{_where(name, index, cell, lineno)}: solution marker in a "
                                           f"cell not tagged {EXERCISE_TAG!r}; tag the cell or remove "
                                           f"the marker")
            continue
        if cell.cell_type != "code":
            raise HandoutError(f"{where}: only code cells can be tagged {EXERCISE_TAG!r}")
        cell.source, blocks = strip_solutions(_source(cell), where)
        if not blocks:
            raise HandoutError(f"{where}: cell tagged {EXERCISE_TAG!r} has no {BEGIN!r} ... {END!r} "
                               f"block, so the handout would show its solution")
        cell.outputs = []
        cell.execution_count = None
        cell.metadata.pop("execution", None)
    return student


def series(src_dir):
    """The notebooks of the series in ``src_dir``, in series order."""
    return sorted(Path(src_dir).glob(NOTEBOOK_GLOB))


def refuse_same_folder(src_dir, dst_dir):
    """Raise HandoutError if ``dst_dir`` is ``src_dir``: the stubs would replace the solutions."""
    if Path(src_dir).resolve() == Path(dst_dir).resolve():
        raise HandoutError(f"the target folder {dst_dir} is the source folder: its notebooks would be "
                           f"replaced by their student versions")


def write_handouts(src_dir, dst_dir):
    """Write the student version of every notebook of ``src_dir`` to ``dst_dir``; return the paths.

    Every handout is built before any file is written, so an error leaves
    the previous handouts as they were.
    """
    refuse_same_folder(src_dir, dst_dir)
    students = []
    for path in series(src_dir):
        student = make_handout(nbformat.read(path, as_version=4), name=path.name, lesson=path.stem)
        nbformat.validate(student)
        students.append((path.name, student))
    if not students:  # a wrong source folder must not empty the target
        return []
    dst = Path(dst_dir)
    dst.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, student in students:
        nbformat.write(student, dst / filename)
        written.append(dst / filename)
    # A renamed or removed notebook must not leave its old handout behind.
    for old in series(dst):
        if old not in written:
            old.unlink()
    return written


def run_command(write, src, dst, **options):
    """Call ``write(src, dst, **options)`` for a command line; return its exit status.

    Prints each file written, or the error (a HandoutError, or no notebooks).
    """
    try:
        written = write(src, dst, **options)
    except HandoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not written:
        print(f"no notebooks matching {NOTEBOOK_GLOB} in {src}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


def main(argv):
    if len(argv) != 2:
        print("usage: python -m tools.handouts SOURCE_DIR TARGET_DIR", file=sys.stderr)
        return 2
    return run_command(write_handouts, *argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
