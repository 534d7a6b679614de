"""How strong are the checkers? Mutate each exercise's solution and count the mutants its checker kills.

For every notebook (``notebooks/NN_*.ipynb``), each cell tagged ``exercise`` holds a solution
between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` and ends with its checker call
(``check.forward(forward)``). This tool applies one mechanical mutation at a time to the code
between the markers (with the ``ast`` module: ``+``/``-``, ``*``/``@``, a dropped or added
``.T``, ``axis=0``/``axis=1``, a dropped ``keepdims``, ``range(n)`` -> ``range(1, n)``, a
dropped ``/ m``, ``=`` for ``+=``, ``if`` for ``while``, constants off by one, flipped
comparisons, another variable returned, ...), runs the cell in a namespace built from the notebook's imports and its
earlier exercise cells, and counts the mutant as killed when the checker does not pass (it
fails, the learner's code raises, or it runs past ``TIME_LIMIT`` seconds).

A mutant that survives and computes the same thing as the solution (``x * 2`` for ``x + x``)
is *equivalent*: it is listed in ``EQUIVALENT`` with the reason, keyed by its description
(notebook, exercise, mutation), and left out of the kill rate. Any other survivor is a
checker's weakness.

    python -m tools.mutants                  # the kill rate per exercise, and the survivors
    python -m tools.mutants --markdown       # the table of docs/INSTRUCTORS.md
    python -m tools.mutants 04 06            # only these notebooks
"""

import argparse
import ast
import concurrent.futures
import contextlib
import copy
import io
import json
import os
import pathlib
import signal
import sys
import threading
import warnings

from tools import handouts

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
DOC = ROOT / "docs" / "INSTRUCTORS.md"
#: the lines of DOC between which ``--update-doc`` writes the table
TABLE_BEGIN, TABLE_END = "<!-- mutants table: python -m tools.mutants --update-doc -->", "<!-- end of mutants table -->"
#: seconds a mutant may run before it counts as killed (a loop that never ends hangs the notebook)
TIME_LIMIT = 20.0

#: mutants that survive because they compute what the solution computes, with the reason;
#: keyed by ``Mutant.key``: "notebook | exercise | mutation"
_THRESHOLD = ("the experiment still finds the threshold within the checker's 2% (THRESHOLD_RTOL): "
              "an experiment's answer is approximate by nature")
_START = "the threshold does not depend on where descent starts (the costs are a quadratic bowl)"
_D = "01_regression | divergence_threshold | "
EQUIVALENT = {
    "01_regression | mse_gradient | Mult -> MatMult: `errors * x` in `dw = 2 / m * np.sum(errors * x)`":
        "for 1-D errors and x, errors @ x is the sum of errors * x, and np.sum of that number is itself",
    _D + "range(n) -> range(1, n): `range(30)` in `for _ in range(30):`": _THRESHOLD + " (29 halvings)",
    _D + "30 + 1: `30` in `for _ in range(30):`": _THRESHOLD + " (31 halvings)",
    _D + "30 - 1: `30` in `for _ in range(30):`": _THRESHOLD + " (29 halvings)",
    _D + "0.0 - 1: `0.0` in `low, high = (0.0, 1.0)`": "bisection from [-1, 1]: rates <= 0 never diverge, "
                                                        "so it halves onto the same threshold",
    _D + "1.0 + 1: `1.0` in `low, high = (0.0, 1.0)`": "bisection from [0, 2]: every threshold of the cases is "
                                                       "below 1, so it halves onto the same one",
    _D + "LtE -> Lt: `costs[-1] <= costs[0]` in `return not costs[-1] <= costs[0]`":
        "a final cost exactly equal to the first happens only at rate 0, which bisection never tries",
    **{_D + f"0.0 {sign} 1: `0.0` in `costs = gradient_descent(0.0, 0.0, x, y, rate, 300)`{n}": _START
       for sign in "+-" for n in ("", " (#2)")},
    _D + "300 + 1: `300` in `costs = gradient_descent(0.0, 0.0, x, y, rate, 300)`": _THRESHOLD + " (301 steps)",
    _D + "300 - 1: `300` in `costs = gradient_descent(0.0, 0.0, x, y, rate, 300)`": _THRESHOLD + " (299 steps)",
    _D + "0 + 1: `0` in `return not costs[-1] <= costs[0]`":
        "on a quadratic bowl the cost falls at every step below the threshold and grows above it: comparing "
        "with the cost after one step gives the same verdict",
    _D + "1 + 1: `1` in `return not costs[-1] <= costs[0]`":
        "costs[-2] for costs[-1]: one step earlier gives the same verdict after 300 steps",
    "02_cost_functions | stable_sigmoid | drop dtype=: `np.asarray(z, dtype=float)` in "
    "`z = np.asarray(z, dtype=float)`": "np.exp and the division give floats from integer z as well",
    "02_cost_functions | stable_sigmoid | GtE -> Gt: `z >= 0` in "
    "`return np.where(z >= 0, 1 / (1 + e), e / (1 + e))`": "at z = 0 both branches give 1/2",
    **{"03_linear_collapse | relu_kinks | 0 - 1: `0` in `w, c, v = (W1[:, 0], b1[:, 0], W2[0])`" + n:
       "W1 and b1 have one column and W2 one row: index -1 is index 0" for n in ("", " (#2)", " (#3)")},
    **{f"04_forward_prop | square_network | 10 {sign} 1: `10` in `b2 = np.array([[r / 10]])`":
       "the exercise has many right answers: b2 = r / 11 or r / 9 puts the boundary r / 11 or r / 9 outside the "
       "square's edge, still inside the band of 15% of r that the checker leaves free" for sign in "+-"},
    **{f"06_digits | choose_recipe | {change}: `{const}` in "
       "`return {'learning_rate': 0.5, 'batch_size': 32, 'epochs': 4}`":
       f"{what}: another choice within the budget that reaches the target, and the exercise accepts any such choice"
       for change, const, what in (("32 + 1", "32", "batches of 33"), ("32 - 1", "32", "batches of 31"),
                                   ("4 - 1", "4", "3 epochs"))},
    "07_training_well | dropout | Lt -> LtE: `rng.random(A.shape) < keep_prob` in "
    "`mask = rng.random(A.shape) < keep_prob`": "a draw equal to keep_prob has probability 0",
    "07_training_well | regularisation_choice | 0.0 + 1: `0.0` in `return {'lam': 0.0, 'keep_prob': 0.5}`":
        "a decision, not a formula: lambda 1 with keep_prob 0.5 also beats the baseline by the margin on "
        "validation (0.9135 against 0.9120 needed), so it is a right answer too",
    "08_autodiff | backward_rules | swap the first two returned values: `return (grad, grad)`":
        "the two values are the same",
    "08_autodiff | unbroadcast | 1 - 1: `1` in `if size == 1 and grad.shape[axis] != 1:` (#2)":
        "summing an axis of size 1 with keepdims=True changes nothing",
    "09_convolution | conv2d_loops | 0 + 1: `0` in `Xp = np.pad(X, ((0, 0), (padding, padding), (padding, padding), "
    "(0, 0)))` (#4)": "one more example of zeros padded after the last is never read: the loops run over X's m",
    "09_convolution | conv2d_loops | 0 - 1: `0` in `Z[f, i, j, n] = np.sum(W[f] * patch) + b[f, 0]`":
        "b is (F, 1): its column -1 is its column 0",
    "09_convolution | maxpool_backward | swap the two arguments: `np.maximum(P, offset(A, u, v))` in "
    "`P = np.maximum(P, offset(A, u, v))`": "an elementwise maximum does not depend on the order of its arguments",
}


class _Timeout(BaseException):
    """Raised in a mutant that runs past ``TIME_LIMIT`` (not an Exception: a checker must not catch it)."""


# ---------------------------------------------------------------- exercises
class Exercise:
    """One exercise cell: its source, the line numbers of its solution, and its checker calls."""

    def __init__(self, notebook, index, source):
        self.notebook, self.index, self.source = notebook, index, source
        lines = source.splitlines()
        self.solution_lines = set()
        inside = False
        for number, line in enumerate(lines, start=1):
            text = line.strip()
            if text == handouts.BEGIN:
                inside = True
            elif text == handouts.END:
                inside = False
            elif inside:
                self.solution_lines.add(number)
        tree = ast.parse(source)
        self.checks = [ast.unparse(node) for node in tree.body if _is_check_call(node)]
        self.name = _checker_name(tree.body[-1]) if self.checks else f"cell {index}"

    @property
    def stem(self):
        return self.notebook.stem

    def definitions(self, tree=None):
        """The cell without its checker calls, as source (``tree``: a mutated cell)."""
        tree = tree or ast.parse(self.source)
        tree.body = [node for node in tree.body if not _is_check_call(node)]
        return ast.unparse(tree)


def _is_check_call(node):
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute) and isinstance(node.value.func.value, ast.Name)
            and node.value.func.value.id == "check")


def _checker_name(node):
    return node.value.func.attr if _is_check_call(node) else "?"


def _code_cells(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for index, cell in enumerate(cells):
        if cell.get("cell_type") == "code":
            source = cell["source"]
            yield index, cell, "".join(source) if isinstance(source, list) else source


def _without_magics(source):
    """The Python of a cell: IPython's ``%magic`` and ``!shell`` lines become ``pass``."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append(line[:len(line) - len(stripped)] + "pass" if stripped[:1] in ("%", "!") else line)
    return "\n".join(lines)


def exercises(notebook):
    """The exercise cells of ``notebook`` that hold a solution and a checker call, in order."""
    found = []
    for index, cell, source in _code_cells(notebook):
        if handouts.is_exercise(cell):
            exercise = Exercise(notebook, index, source)
            if exercise.checks and exercise.solution_lines:
                found.append(exercise)
    return found


def imports(notebook):
    """The notebook's top-level import statements, as one source (what its kernel has imported)."""
    statements = []
    for _, _, source in _code_cells(notebook):
        try:
            tree = ast.parse(_without_magics(source))
        except SyntaxError:
            continue
        statements += [ast.unparse(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    return "\n".join(statements)


def notebooks(selected=()):
    paths = sorted(NOTEBOOKS.glob(handouts.NOTEBOOK_GLOB))
    if selected:
        paths = [p for p in paths if any(p.name.startswith(s) for s in selected)]
    return paths


# ---------------------------------------------------------------- mutations
class Mutant:
    """One mutation of one exercise: its description and the mutated cell (without checker calls)."""

    def __init__(self, exercise, description, source):
        self.exercise, self.description, self.source = exercise, description, source

    @property
    def key(self):
        return f"{self.exercise.stem} | {self.exercise.name} | {self.description}"


def _num(value):
    return ast.Constant(value)


_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.MatMult, ast.MatMult: ast.Mult, ast.Div: ast.Mult,
          ast.FloorDiv: ast.Div, ast.Pow: ast.Mult}
_COMPARE = {ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Eq: ast.NotEq,
            ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_METHODS = {"sum": "mean", "mean": "sum", "max": "min", "min": "max", "append": "extend"}


def _variants(node):
    """``(what, replacement)`` for each mutation of ``node`` (a new node, or None to delete a statement)."""
    out = []
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) or isinstance(node, ast.AugAssign) or (
            isinstance(node, ast.Assign) and all(isinstance(t, (ast.Subscript, ast.Attribute)) for t in node.targets)):
        # a forgotten line: a call for its effect, an update, a store into a container or an attribute
        out.append(("delete the statement", ast.Pass()))
    if isinstance(node, ast.BinOp):
        swap = _SWAPS.get(type(node.op))
        if swap:
            out.append((f"{type(node.op).__name__} -> {swap.__name__}", ast.BinOp(node.left, swap(), node.right)))
        if isinstance(node.op, (ast.Div, ast.Mult, ast.Add, ast.Sub)):
            out.append(("drop the right operand", node.left))
        if isinstance(node.op, ast.MatMult):
            for side in ("left", "right"):
                operand = getattr(node, side)
                if not (isinstance(operand, ast.Attribute) and operand.attr == "T"):
                    changed = copy.copy(node)
                    setattr(changed, side, ast.Attribute(operand, "T", ast.Load()))
                    out.append((f"add .T on the {side}", changed))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        out.append(("drop the unary minus", node.operand))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        out.append(("drop not", node.operand))
    elif isinstance(node, ast.Attribute) and node.attr == "T" and isinstance(node.ctx, ast.Load):
        out.append(("drop .T", node.value))
    elif isinstance(node, ast.Attribute) and node.attr in _METHODS and isinstance(node.ctx, ast.Load):
        out.append((f".{node.attr} -> .{_METHODS[node.attr]}", ast.Attribute(node.value, _METHODS[node.attr],
                                                                               ast.Load())))
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            flip = _COMPARE.get(type(op))
            if flip:
                ops = list(node.ops)
                ops[i] = flip()
                out.append((f"{type(op).__name__} -> {flip.__name__}", ast.Compare(node.left, ops, node.comparators)))
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Gt, ast.Lt, ast.GtE, ast.LtE)):
            mirror = {ast.Gt: ast.Lt, ast.Lt: ast.Gt, ast.GtE: ast.LtE, ast.LtE: ast.GtE}[type(node.ops[0])]
            out.append((f"{type(node.ops[0]).__name__} -> {mirror.__name__}",
                        ast.Compare(node.left, [mirror()], node.comparators)))
    elif isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        out.append((f"{type(node.op).__name__} -> {other.__name__}", ast.BoolOp(other(), node.values)))
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        out.append((f"{node.value} -> {not node.value}", _num(not node.value)))
    elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        out.append((f"{node.value!r} + 1", _num(node.value + 1)))
        out.append((f"{node.value!r} - 1", _num(node.value - 1)))
    elif isinstance(node, ast.Call):
        out += _call_variants(node)
    if isinstance(node, ast.AugAssign):
        out.append(("augmented -> plain assignment", ast.Assign([node.target], node.value)))
        swap = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}.get(type(node.op))
        if swap:
            out.append((f"{type(node.op).__name__}= -> {swap.__name__}=", ast.AugAssign(node.target, swap(),
                                                                                      node.value)))
    elif isinstance(node, ast.While):
        out.append(("while -> if", ast.If(node.test, node.body, node.orelse)))
    elif isinstance(node, ast.Continue):
        out.append(("continue -> break", ast.Break()))
    elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and len(node.value.elts) >= 2:
        elts = list(node.value.elts)
        elts[0], elts[1] = elts[1], elts[0]
        out.append(("swap the first two returned values", ast.Return(ast.Tuple(elts, ast.Load()))))
    elif isinstance(node, ast.FormattedValue) and isinstance(node.value, (ast.Name, ast.BinOp)):
        # the layer number inside a key, f"W{l}": the neighbouring layer's
        for op, sign in ((ast.Add, "+"), (ast.Sub, "-")):
            out.append((f"{{i}} -> {{i {sign} 1}} in an f-string",
                        ast.FormattedValue(ast.BinOp(node.value, op(), _num(1)), node.conversion, node.format_spec)))
    elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        s = node.slice
        if s.lower is None and s.upper is not None:
            out.append(("slice [:b] -> [1:b]", ast.Subscript(node.value, ast.Slice(_num(1), s.upper, s.step),
                                                             node.ctx)))
    return out


def _call_variants(node):
    out = []
    name = node.func.id if isinstance(node.func, ast.Name) else None
    if name == "range" and len(node.args) == 1:
        out.append(("range(n) -> range(1, n)", ast.Call(node.func, [_num(1), node.args[0]], node.keywords)))
    elif name == "range" and len(node.args) >= 2:
        args = list(node.args)
        args[0] = ast.BinOp(args[0], ast.Add(), _num(1))
        out.append(("range(a, b) -> range(a + 1, b)", ast.Call(node.func, args, node.keywords)))
    if name != "range" and len(node.args) == 2 and not node.keywords and not any(
            isinstance(a, ast.Starred) for a in node.args):
        out.append(("swap the two arguments", ast.Call(node.func, node.args[::-1], [])))
    if name == "reversed" and len(node.args) == 1:
        out.append(("reversed(x) -> x", node.args[0]))
    for i, kw in enumerate(node.keywords):
        if kw.arg == "axis" and isinstance(kw.value, ast.Constant) and kw.value.value in (0, 1):
            keywords = list(node.keywords)
            keywords[i] = ast.keyword("axis", _num(1 - kw.value.value))
            out.append((f"axis={kw.value.value} -> axis={1 - kw.value.value}", ast.Call(node.func, node.args,
                                                                                        keywords)))
        if kw.arg in ("keepdims", "dtype"):
            out.append((f"drop {kw.arg}=", ast.Call(node.func, node.args, node.keywords[:i] + node.keywords[i + 1:])))
    return out


def mutants(exercise):
    """Every mutant of ``exercise``'s solution, each a ``Mutant``, in a stable order."""
    tree = ast.parse(exercise.source)
    statement = {}  # node -> the innermost statement holding it (ast.walk visits outer ones first)
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            for inner in ast.walk(node):
                statement[inner] = node
    sites = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", None)
        if line is None or line not in exercise.solution_lines:
            continue
        for what, replacement in _variants(node):
            sites.append((node, what, replacement))
    sites += _returned_names(tree, exercise.solution_lines)
    found, seen = [], {}
    for node, what, replacement in sites:
        original = ast.unparse(node).splitlines()[0]
        description = f"{what}: `{original}`"
        if statement.get(node) is not node:
            description += f" in `{ast.unparse(statement[node]).splitlines()[0]}`"
        seen[description] = seen.get(description, 0) + 1
        if seen[description] > 1:
            description += f" (#{seen[description]})"
        mutated = _replaced(tree, node, replacement)
        try:
            source = exercise.definitions(mutated)
            compile(source, "<mutant>", "exec")
        except (SyntaxError, ValueError, TypeError):
            continue  # a mutation that Python refuses (e.g. an assignment to an expression)
        found.append(Mutant(exercise, description, source))
    return found


def _returned_names(tree, lines):
    """Mutations that return another variable of the function (``Z`` for ``A``): ``(node, what, replacement)``."""
    sites = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        local = sorted({n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                        and getattr(n, "lineno", None) in lines}
                       | {a.arg for a in function.args.args})
        for ret in ast.walk(function):
            if not (isinstance(ret, ast.Return) and ret.lineno in lines and ret.value is not None):
                continue
            values = ret.value.elts if isinstance(ret.value, ast.Tuple) else [ret.value]
            for value in values:
                if not isinstance(value, ast.Name):
                    continue
                for other in local:
                    if other != value.id:
                        sites.append((value, f"return {other} for {value.id}", ast.Name(other, ast.Load())))
    return sites


def _replaced(tree, target, replacement):
    """A copy of ``tree`` with the node ``target`` (found by identity) replaced by ``replacement``."""

    # NodeTransformer works in place: transform a deep copy made with a map from the original nodes.
    memo = {}
    clone = copy.deepcopy(tree, memo)
    target_clone = memo[id(target)]

    class Swap(ast.NodeTransformer):
        def visit(self, node):
            if node is target_clone:
                return copy.deepcopy(replacement)
            return super().visit(node)

    new = Swap().visit(clone)
    return ast.fix_missing_locations(new)


# ---------------------------------------------------------------- running
_NAMESPACES = {}


def _namespace(notebook, upto):
    """The names the notebook's kernel holds before exercise cell ``upto``: imports, earlier solutions."""
    key = (notebook, upto)
    if key not in _NAMESPACES:
        namespace = {"__name__": "__main__"}
        with _quiet():
            exec(compile(imports(notebook), str(notebook), "exec"), namespace)
            for exercise in exercises(notebook):
                if exercise.index >= upto:
                    break
                exec(compile(exercise.definitions(), str(notebook), "exec"), namespace)
        _NAMESPACES[key] = namespace
    return dict(_NAMESPACES[key])


@contextlib.contextmanager
def _quiet():
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _alarm(signum, frame):
    raise _Timeout()


def run(exercise, source):
    """``"passed"``, ``"failed"``, ``"raised"`` or ``"timeout"``: the checker's verdict on ``source``."""
    namespace = _namespace(exercise.notebook, exercise.index)
    timed = threading.current_thread() is threading.main_thread()  # signals reach the main thread only
    if timed:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    try:
        with _quiet():
            exec(compile(source, f"<{exercise.name}>", "exec"), namespace)
            results = [eval(compile(call, f"<{exercise.name}>", "eval"), namespace) for call in exercise.checks]
        return "passed" if all(results) else "failed"
    except _Timeout:
        return "timeout"
    except Exception:
        return "raised"
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def measure(notebook, exercise_index):
    """``(exercise name, baseline verdict, [(key, verdict), ...])`` for one exercise (a worker's job)."""
    exercise = next(e for e in exercises(notebook) if e.index == exercise_index)
    baseline = run(exercise, exercise.definitions())
    verdicts = [(m.key, run(exercise, m.source)) for m in mutants(exercise)] if baseline == "passed" else []
    return exercise.stem, exercise.name, baseline, verdicts


def measure_all(selected=(), jobs=2):
    """The results of ``measure`` for every exercise of the selected notebooks, in notebook order."""
    jobs_list = [(nb, e.index) for nb in notebooks(selected) for e in exercises(nb)]
    if jobs <= 1:
        return [measure(*job) for job in jobs_list]
    with concurrent.futures.ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(measure, *zip(*jobs_list))) if jobs_list else []


# ---------------------------------------------------------------- reports
class Summary:
    """The counts of one exercise."""

    def __init__(self, stem, name, baseline, verdicts):
        self.stem, self.name, self.baseline = stem, name, baseline
        self.total = len(verdicts)
        self.equivalent = [k for k, v in verdicts if v == "passed" and k in EQUIVALENT]
        self.survivors = [k for k, v in verdicts if v == "passed" and k not in EQUIVALENT]
        self.killed = sum(v != "passed" for _, v in verdicts)
        self.listed_but_killed = [k for k, v in verdicts if v != "passed" and k in EQUIVALENT]
        self.keys = [k for k, _ in verdicts]

    @property
    def counted(self):
        return self.total - len(self.equivalent)

    @property
    def rate(self):
        return self.killed / self.counted if self.counted else 1.0


def summaries(results):
    return [Summary(*r) for r in results]


def overall_rate(items):
    counted = sum(s.counted for s in items)
    return sum(s.killed for s in items) / counted if counted else 1.0


def stale_equivalents(items):
    """Keys of ``EQUIVALENT`` that no mutant of the measured exercises has any more."""
    keys = {k for s in items for k in s.keys}
    stems = {s.stem for s in items}
    return sorted(k for k in EQUIVALENT if k.split(" | ")[0] in stems and k not in keys)


def markdown(items):
    """The table of docs/INSTRUCTORS.md: one row per exercise, and the total."""
    rows = ["| Notebook | Exercise | Mutants | Equivalent | Killed | Kill rate |", "|---|---|---:|---:|---:|---:|"]
    for s in items:
        rows.append(f"| {s.stem[:2]} | `{s.name}` | {s.total} | {len(s.equivalent)} | {s.killed} | "
                    f"{100 * s.rate:.0f}% |")
    total = sum(s.total for s in items)
    rows.append(f"| all | | {total} | {sum(len(s.equivalent) for s in items)} | {sum(s.killed for s in items)} | "
                f"{100 * overall_rate(items):.1f}% |")
    return "\n".join(rows)


def doc_table(text):
    """The table between the markers of docs/INSTRUCTORS.md (``text``), or None."""
    if TABLE_BEGIN not in text or TABLE_END not in text:
        return None
    return text.split(TABLE_BEGIN, 1)[1].split(TABLE_END, 1)[0].strip()


def with_table(text, table):
    before, rest = text.split(TABLE_BEGIN, 1)
    return f"{before}{TABLE_BEGIN}\n{table}\n{TABLE_END}{rest.split(TABLE_END, 1)[1]}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebook numbers (01, 04, ...); all if none")
    parser.add_argument("--markdown", action="store_true", help="print the table of docs/INSTRUCTORS.md")
    parser.add_argument("--update-doc", action="store_true", help="write the table into docs/INSTRUCTORS.md")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    items = summaries(measure_all(args.notebooks, args.jobs))
    if args.markdown:
        print(markdown(items))
        return 0
    if args.update_doc:
        DOC.write_text(with_table(DOC.read_text(encoding="utf-8"), markdown(items)), encoding="utf-8")
        print(f"table written to {DOC.relative_to(ROOT)}")
        return 0
    status = 0
    for s in items:
        if s.baseline != "passed":
            print(f"{s.stem} {s.name}: the solution itself does not pass ({s.baseline})")
            status = 1
            continue
        print(f"{s.stem} {s.name}: {s.killed}/{s.counted} killed ({100 * s.rate:.0f}%), "
              f"{len(s.equivalent)} equivalent")
        for key in s.survivors:
            print(f"    SURVIVED  {key}")
            status = 1
        for key in s.listed_but_killed:
            print(f"    listed as equivalent but killed: {key}")
    for key in stale_equivalents(items):
        print(f"listed as equivalent but no such mutant: {key}")
    print(f"overall: {100 * overall_rate(items):.1f}% of {sum(s.counted for s in items)} non-equivalent mutants killed")
    return status


if __name__ == "__main__":
    sys.exit(main())
