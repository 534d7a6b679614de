"""Which lesson a submitted notebook is, and where its exercises are.

The lessons are the checker modules ``nnlessons.check.<topic>`` that define
``EXERCISES`` (their checker names in notebook order), so a lesson added to the
package is graded without touching the grader. A submission is identified by,
in order: the ``metadata["nnlessons"]["lesson"]`` the handout tool writes
(``"01_regression"`` -> topic ``regression``); the checkers its cells call;
the functions it defines; the notebook named by the title cell's Colab and
Binder links; the ``nnlessons.lessons.<topic>`` module it imports.
The file name is never used: students rename files.
"""

import ast
import functools
import importlib
import inspect
import json
import pkgutil
import re
import warnings
from dataclasses import dataclass

#: notebook metadata key written by tools/handouts.py
METADATA_KEY = "nnlessons"

_CALL = re.compile(r"\bcheck\s*\.\s*([A-Za-z_]\w*)\s*\(\s*([A-Za-z_][\w.]*)?")
_DEF = re.compile(r"^def\s+([A-Za-z_]\w*)\s*\(", re.MULTILINE)
_HELPER = re.compile(r"nnlessons\.lessons(?:\s+import\s+|\.)([A-Za-z_]\w*)")
_TITLE = re.compile(r"^\s*#\s*(\d\d)\b")
_BADGE = re.compile(r"notebooks/(\d\d)_([A-Za-z_]\w*)\.ipynb")
_LABEL = re.compile(r"^(\d\d)_([A-Za-z_]\w*)$")


@dataclass(frozen=True)
class Lesson:
    """One gradable lesson: its checker module's name and its exercises in notebook order."""

    topic: str
    exercises: tuple

    def checker(self, name):
        return getattr(importlib.import_module(f"nnlessons.check.{self.topic}"), name)


@functools.lru_cache(maxsize=None)
def lessons():
    """Every lesson of the installed package, by topic."""
    from nnlessons import check

    found = {}
    for info in pkgutil.iter_modules(check.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"nnlessons.check.{info.name}")
        exercises = getattr(module, "EXERCISES", None)
        if exercises:
            found[info.name] = Lesson(info.name, tuple(exercises))
    return found


def source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _code_cells(nb):
    return [(i, c) for i, c in enumerate(nb.get("cells", [])) if c.get("cell_type") == "code"]


def _as_python(src):
    # IPython lines (%magic, !shell) kept as `pass` at their indentation, so the cell parses.
    return "\n".join(line[:len(line) - len(line.lstrip())] + "pass" if line.lstrip()[:1] in "%!" and
                     line.strip() else line for line in src.split("\n"))


@dataclass(frozen=True)
class Call:
    """The arguments of one ``check.<name>(...)`` call, as source text to evaluate in the kernel.

    ``args``: each positional argument (``"*expr"`` for a starred one); ``kwargs``:
    ``(keyword, source)`` pairs. ``optional`` keywords are passed only when the
    kernel defines them (the call the grader makes up for a checker call that
    was deleted).
    """

    args: tuple
    kwargs: tuple = ()
    optional: bool = False


def by_name(checker, name):
    """The call for exercise ``name`` whose checker call was deleted: the notebook's variables of the same names.

    The function named like the exercise, and each keyword parameter of the
    checker (``mse_cost=``, ``gradient_descent=``...) given the notebook's
    variable of that name when there is one, as the notebooks' calls do.
    """
    try:
        params = list(inspect.signature(checker).parameters.values())[1:]
    except (TypeError, ValueError):
        params = []
    keywords = [p.name for p in params if p.kind is p.KEYWORD_ONLY
                or (p.kind is p.POSITIONAL_OR_KEYWORD and p.default is not p.empty)]
    return Call((name,), tuple((k, k) for k in keywords), optional=True)


def _is_check(func):
    return isinstance(func, ast.Attribute) and (getattr(func.value, "id", None) == "check"
                                                or getattr(func.value, "attr", None) == "check")


def checker_calls(src):
    """``[(checker name, Call)]`` for each ``check.<name>(...)`` in ``src``, in source order."""
    try:
        text = _as_python(src)
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # not Python, null bytes, too deep
        return [(name, Call((arg or name,))) for name, arg in _CALL.findall(src)]
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_check(node.func):
            def segment(expr):
                return ast.get_source_segment(text, expr) or ""

            args = tuple("*" + segment(a.value) if isinstance(a, ast.Starred) else segment(a) for a in node.args)
            kwargs = tuple(("**" if k.arg is None else k.arg, segment(k.value)) for k in node.keywords)
            if not args and not kwargs:
                args = (node.func.attr,)  # as for a call that does not parse: the function of that name
            calls.append(((node.lineno, node.col_offset), node.func.attr, Call(args, kwargs)))
    return [(name, call) for _, name, call in sorted(calls, key=lambda c: c[0])]


def read_notebook(data):
    """``(notebook, None)`` from the bytes of a file, or ``(None, why it is not a notebook)``."""
    import nbformat

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "not a notebook: the file is not UTF-8 text"
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as exc:
        kind = "truncated or damaged" if text.lstrip().startswith("{") else "not a notebook"
        return None, f"{kind}: the file is not valid JSON ({str(exc)[:80]})"
    if isinstance(raw, dict) and raw.get("nbformat") == 3 and isinstance(raw.get("worksheets"), list):
        pass  # an nbformat 3 notebook (IPython 1-2): nbformat converts it to version 4 below
    elif not isinstance(raw, dict) or not isinstance(raw.get("cells"), list) or "nbformat" not in raw:
        return None, "not a notebook: JSON without notebook cells"
    try:
        with warnings.catch_warnings():
            # nbformat warns about, say, cells without ids: nothing the instructor can act on.
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several kinds on broken notebooks
        return None, f"not a notebook: {type(exc).__name__}: {str(exc)[:80]}"
    for cell in nb.cells:
        if not isinstance(cell.get("source", ""), (str, list)) or "cell_type" not in cell:
            return None, "not a notebook: a cell without source or type"
    return nb, None


def metadata_lesson(nb):
    value = nb.get("metadata", {}).get(METADATA_KEY, {})
    label = value.get("lesson") if isinstance(value, dict) else None
    return label if isinstance(label, str) and _LABEL.match(label) else None


def _title(nb):
    """The first markdown cell's text (the title cell: title, badges, what you will learn)."""
    return next((source(c) for c in nb.get("cells", []) if c.get("cell_type") == "markdown"), "")


def _title_number(nb):
    match = _TITLE.match(_title(nb))
    return match.group(1) if match else None


def identify(nb):
    """``(lesson, label, how)`` for notebook ``nb``; lesson is None when nothing matches.

    ``label`` names the lesson in reports (``"01_regression"``); ``how`` says
    which evidence decided.
    """
    known = lessons()
    label = metadata_lesson(nb)
    codes = [source(c) for _, c in _code_cells(nb)]
    called = {name for src in codes for name, _ in checker_calls(src)}
    defined = {name for src in codes for name in _DEF.findall(src)}
    helpers = {name for src in codes for name in _HELPER.findall(src)}

    def overlap(topic, names):
        return len(set(known[topic].exercises) & names)

    lesson, how = None, None
    meta_topic = _LABEL.match(label).group(2) if label else None
    if meta_topic in known and (not called or overlap(meta_topic, called)):
        lesson, how = known[meta_topic], "notebook metadata"
    else:
        for names, evidence in [(called, "checker calls"), (defined, "function names")]:
            best = max(known, key=lambda t: overlap(t, names), default=None)
            if best is not None and overlap(best, names):
                lesson, how = known[best], evidence
                break
        else:
            # The title cell's Colab/Binder links name the notebook: .../notebooks/01_regression.ipynb
            linked = [m.group(2) for m in _BADGE.finditer(_title(nb))]
            for topics, evidence in [(linked, "title cell links"), (sorted(helpers), "lesson module import")]:
                topic = next((t for t in topics if t in known), None)
                if topic:
                    lesson, how = known[topic], evidence
                    break
    if lesson is None:
        return None, label, None
    if meta_topic in known and meta_topic != lesson.topic:
        label = None  # the metadata names another lesson than the cells hold: the cells win
    if not label:
        number = _title_number(nb)
        label = f"{number}_{lesson.topic}" if number else lesson.topic
    return lesson, label, how


def exercise_cells(nb, lesson):
    """``{exercise: (cell index, Call)}`` for the checker calls found in ``nb``.

    Only the cells tagged ``exercise`` are searched, or every cell in a
    notebook whose tags were lost: other cells may call a checker differently
    (06 calls ``train_sgd``'s again on the digits, with 80 MB of data that
    cannot travel). An exercise whose call is gone is absent (the grader then
    looks for a function of that name at the end).
    """
    cells = _code_cells(nb)
    tagged = [(i, c) for i, c in cells if "exercise" in c.get("metadata", {}).get("tags", [])]
    found = {}
    for index, cell in tagged or cells:
        for name, call in checker_calls(source(cell)):
            if name in lesson.exercises and name not in found:
                found[name] = (index, call)
    return found


# -- the course's own answers ---------------------------------------------------------------------

def references(lesson, name):
    """The ``"module:qualname"`` of the package functions that are exercise ``name``'s answer.

    ``nnlessons.check._reference.REFERENCES`` where it names the exercise; otherwise the
    function of the exercise's name in the lesson's module ``nnlessons.lessons.<topic>``,
    if there is one.
    """
    from nnlessons.check._reference import REFERENCES

    listed = REFERENCES.get(name)
    if listed:
        return [str(spec) for spec in ([listed] if isinstance(listed, str) else listed)]
    try:
        module = importlib.import_module(f"nnlessons.lessons.{lesson.topic}")
    except ImportError:
        return []
    return [f"{module.__name__}:{name}"] if callable(getattr(module, name, None)) else []


def _dotted(node):
    """``"a.b.c"`` for an attribute chain ``a.b.c``, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id] + parts[::-1])
    return None


def _tree(src):
    try:
        return ast.parse(_as_python(src))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def reference_uses(nb, lesson):
    """``{exercise: [reference, ...]}``: the references that each exercise's own cell names.

    An exercise's cell (the one holding its checker call, or an exercise cell defining its
    function) that imports one of that exercise's references (``from
    nnlessons.lessons.regression import mse_cost``) or names it through a module imported
    anywhere in the notebook (``reg.mse_cost`` after ``from nnlessons.lessons import
    regression as reg``) uses the course's answer. Another exercise's reference named there
    is no copy: 08's ``gradients`` may walk the package's ``topological_order``.
    """
    wanted = {}
    for name in lesson.exercises:
        for spec in references(lesson, name):
            module, _, qualname = spec.partition(":")
            wanted.setdefault(f"{module}.{qualname}", set()).add(name)
    if not wanted:
        return {}
    cells = _code_cells(nb)
    aliases = {}  # a name in the notebook -> the module it stands for
    trees = {i: _tree(source(c)) for i, c in cells}
    for tree in trees.values():
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        aliases[a.asname] = a.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for a in node.names:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    exercise = {i for i, c in cells if "exercise" in c.get("metadata", {}).get("tags", [])}
    exercise |= {i for i, c in cells if checker_calls(source(c))}
    own = {name: {index} for name, (index, _) in exercise_cells(nb, lesson).items()}
    for i in exercise:
        for node in ast.walk(trees[i]) if trees.get(i) is not None else ():
            if isinstance(node, ast.FunctionDef) and node.name in lesson.exercises:
                own.setdefault(node.name, set()).add(i)
    found = {}
    for i in sorted(exercise):
        tree = trees.get(i)
        for node in ast.walk(tree) if tree is not None else ():
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, (ast.Attribute, ast.Name)):
                dotted = _dotted(node)
                if dotted:
                    head, _, rest = dotted.partition(".")
                    full = aliases.get(head, head)
                    names = [f"{full}.{rest}" if rest else full]
            for full in names:
                for exercise_name in wanted.get(full, ()):
                    if i not in own.get(exercise_name, ()):
                        continue
                    found.setdefault(exercise_name, [])
                    if full not in found[exercise_name]:
                        found[exercise_name].append(full)
    return found
