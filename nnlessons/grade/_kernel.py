"""The grader's side door into a student's kernel: call one function on data, publish the result.

Runs inside the student's kernel, so student code can replace or break it;
that only changes what the grader sees as that student's function's output,
which the student controls anyway. The verdict is computed elsewhere.
"""

import json
import warnings

import numpy as np

from ._codec import decode, encode

#: the MIME type of the one output the grader reads from a call
MIME = "application/vnd.nnlessons.grade+json"


def _publish(message):
    from IPython.display import publish_display_data

    publish_display_data({MIME: message})


def call(expr, payload):
    """Evaluate ``expr`` in the notebook's namespace and call it on the decoded ``payload``.

    ``payload`` is None to only describe the value (is it defined, is it a
    function), else a JSON list of encoded positional arguments.
    """
    from IPython import get_ipython

    try:
        learner = eval(expr, get_ipython().user_ns)  # noqa: S307 (the student's own expression, in their kernel)
    except Exception as exc:
        _publish({"status": "missing", "error": f"{type(exc).__name__}: {exc}"[:300]})
        return
    if payload is None:
        try:
            text = repr(learner)[:200]
        except Exception:
            text = ""
        _publish({"status": "probe", "callable": callable(learner), "type": type(learner).__name__,
                  "text": text})
        return
    args = [decode(a) for a in json.loads(payload)]
    # As the checkers of unstable formulas do: every floating-point problem warns.
    with warnings.catch_warnings(record=True) as caught, \
            np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            result = learner(*args)
        except KeyboardInterrupt:
            raise  # the grader's time limit: the grader knows
        except BaseException as exc:  # noqa: B036 (SystemExit too: it is the student's answer)
            first = (str(exc).strip().splitlines() or [""])[0][:300]
            _publish({"status": "raised", "ename": type(exc).__name__, "evalue": first,
                      "not_implemented": isinstance(exc, NotImplementedError)})
            return
    try:
        message = {"status": "ok", "result": encode(result, strict=False),
                   "args": [encode(a, strict=False) for a in args],
                   "warnings": [[w.category.__name__, str(w.message)[:300]] for w in caught]}
    except Exception as exc:
        message = {"status": "unsendable", "error": f"{type(exc).__name__}: {exc}"[:300]}
    _publish(message)
