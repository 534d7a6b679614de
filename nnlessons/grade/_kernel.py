"""The grader's side door into a student's kernel: describe values, call one function on data.

Runs inside the student's kernel, so student code can replace or break it;
that only changes what the grader sees as that student's function's output,
which the student controls anyway. The verdict is computed elsewhere.
"""

import json
import warnings

import numpy as np

from ..check._core import unsilenced
from ._codec import Graph, decode, encode

#: the MIME type of the one output the grader reads from a call
MIME = "application/vnd.nnlessons.grade+json"
#: characters of one encoded value sent to the grader (the grader reads answers up to 64 MB)
MAX_CHARS = 48 * 2**20


def _bounded(encoded):
    """``encoded``, or ValueError if it is too large to send."""
    size = len(json.dumps(encoded))
    if size > MAX_CHARS:
        raise ValueError(f"too large to send to the grader ({size / 2**20:.0f} MB as data)")
    return encoded


def _publish(message):
    from IPython.display import publish_display_data

    publish_display_data({MIME: message})


def _describe(value):
    try:
        text = repr(value)[:200]
    except Exception:  # a student's __repr__ may raise
        text = ""
    described = {"status": "defined", "callable": callable(value), "type": type(value).__name__, "text": text}
    if not described["callable"]:
        try:
            described["value"] = _bounded(encode(value, strict=False))
        except Exception as exc:  # nested too deeply, say: the grader sends a stand-in
            described["error"] = f"{type(exc).__name__}: {exc}"[:300]
    return described


def describe(exprs):
    """Evaluate each expression of the JSON list ``exprs`` in the notebook's namespace and describe it.

    Publishes one entry per expression: not defined (with the error), a function
    (its type only: it stays here, the grader calls it through ``call``), or a
    value, sent as data where it can travel. ``"*expr"`` describes each item of
    ``expr``, ``"**expr"`` each entry, as ``*`` and ``**`` in a call would pass them.
    """
    from IPython import get_ipython

    namespace = get_ipython().user_ns
    described = []
    for expr in json.loads(exprs):
        stars = len(expr) - len(expr.lstrip("*"))
        try:
            value = eval(expr[stars:], namespace)  # noqa: S307 (the student's own expression)
            if stars == 1:
                value = list(value)
            elif stars == 2:
                value = {str(k): v for k, v in dict(value).items()}
        except Exception as exc:
            described.append({"status": "missing", "error": f"{type(exc).__name__}: {exc}"[:300]})
            continue
        if stars == 1:
            described.append({"status": "items", "items": [_describe(v) for v in value]})
        elif stars == 2:
            described.append({"status": "mapping", "items": [[k, _describe(v)] for k, v in value.items()]})
        else:
            described.append(_describe(value))
    _publish({"status": "described", "values": described})


def _watch(references):
    """``_reference.watch`` over the ``references`` that resolve here (a module may be missing)."""
    from ..check._reference import resolve, watch

    functions = []
    for spec in references:
        try:
            functions.append(resolve(spec))
        except Exception:  # noqa: S112 (a reference this kernel cannot import is not called either)
            continue
    return watch(functions)


def call(expr, payload, references="[]"):
    """Evaluate ``expr`` in the notebook's namespace and call it on the decoded ``payload``.

    ``payload`` is JSON: the encoded positional arguments (``values``) and the
    table of the autodiff nodes they refer to (``nodes``). ``references`` (a JSON
    list of ``"module:qualname"``) are the package's answers to the exercise: the
    answer says which of them the learner's function called (``copied``).
    """
    from IPython import get_ipython

    try:
        learner = eval(expr, get_ipython().user_ns)  # noqa: S307 (the student's own expression, in their kernel)
    except Exception as exc:
        _publish({"status": "missing", "error": f"{type(exc).__name__}: {exc}"[:300]})
        return
    message = json.loads(payload)
    graph = Graph()
    graph.load(message["nodes"])
    args = [decode(a, graph=graph) for a in message["values"]]
    # As the checkers of unstable formulas do: every floating-point problem warns, and the
    # learner's own np.errstate does not hide it.
    with warnings.catch_warnings(record=True) as caught, _watch(json.loads(references)) as watched, \
            np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            result = unsilenced(learner)(*args)
        except KeyboardInterrupt:
            raise  # the grader's time limit: the grader knows
        except BaseException as exc:  # noqa: B036 (SystemExit too: it is the student's answer)
            first = (str(exc).strip().splitlines() or [""])[0][:300]
            _publish({"status": "raised", "ename": type(exc).__name__, "evalue": first,
                      "not_implemented": isinstance(exc, NotImplementedError), "copied": watched.called})
            return
    try:
        message = {"status": "ok", "result": _bounded(encode(result, strict=False, graph=graph)),
                   "args": [encode(a, strict=False, graph=graph) for a in args],
                   "nodes": graph.table(strict=False),
                   "warnings": [[w.category.__name__, str(w.message)[:300]] for w in caught],
                   "copied": watched.called}
    except Exception as exc:
        message = {"status": "unsendable", "error": f"{type(exc).__name__}: {exc}"[:300]}
    _publish(message)
