"""The machinery behind every exercise checker.

A checker runs the learner's function and the package's reference on the same
inputs (fresh copies for each) and prints one line: a pass, or the first thing
wrong. The inputs come from the checker's own seeded generator and are all
drawn before the learner's function first runs, so what the learner draws from
any random generator, before or during the check, never changes the verdict.

A learner's exception is a failed verdict, not a crash: the checker prints the
FAILED line naming it, then the traceback of the learner's own code (the
checker's frames left out, in IPython's layout under IPython), and returns, so
"Run All" goes on past a wrong answer that raises. ``NotImplementedError`` (the
stub in a student handout) is reported as "not implemented yet". Exceptions
that are not ``Exception`` (KeyboardInterrupt, the grader's ``Abort``) pass through.

Outputs may be arrays, numbers, tuples (compared value by value) and dicts
(compared key by key, e.g. a dict of gradients).
"""

import contextlib
import copy
import dis
import functools
import inspect
import io
import re
import sys
import traceback as _traceback
import types
import warnings

import numpy as np

from . import _reference

#: how close a learner's numbers must be to the reference's
RTOL, ATOL = 1e-6, 1e-9
#: the same for an answer computed in float32, whose rounding alone (about 6e-8 a step)
#: exceeds RTOL where a result comes from a difference of close numbers
RTOL32, ATOL32 = 1e-4, 1e-6

NOT_IMPLEMENTED = "not implemented yet"
_CRASHED = object()


class CheckResult:
    """The verdict of one checker: truthy when passed; ``message`` is the line printed.

    ``copied`` is True when it failed because the learner's function called the package's own
    answer to the exercise (``_reference.REFERENCES``); the grader reads it. When the learner's
    function raised, ``raised`` names the exception's type and ``traceback`` is the text printed
    below the line (else None and "").
    """

    def __init__(self, name, passed, message, copied=False, traceback="", raised=None):
        self.name, self.passed, self.message, self.copied = name, passed, message, copied
        self.traceback, self.raised = traceback, raised

    def __bool__(self):
        return self.passed

    def __repr__(self):
        return f"CheckResult({self.name!r}, passed={self.passed})"

    def _ipython_display_(self):
        # The verdict was already printed; a notebook cell ending with the
        # checker call should not echo it a second time.
        pass


def _report(name, passed, message, copied=False, traceback="", raised=None):
    """Print the verdict's line (and ``traceback`` below it); return the ``CheckResult``."""
    line = f"{'PASSED' if passed else 'FAILED'}  {name}: {message}"
    # On stdout, right below the line: a checker that holds back its lines (to add a note, or
    # to replace them) keeps the two together; the grader, capturing stdout, reads the line alone.
    print(f"{line} (traceback below)\n{traceback}" if traceback else line)
    return CheckResult(name, passed, message, copied, traceback, raised)


#: the attribute that marks a stand-in handed out by ``check.use`` (its value: the exercise's name)
STAND_IN_MARK = "__nnlessons_stand_in__"


def stands_in_for(function, checker):
    """Is ``function`` the stand-in ``check.use`` handed out after ``checker``'s exercise failed?"""
    return getattr(function, STAND_IN_MARK, None) == checker.__name__


def earlier_passes(checker, *functions):
    """Does an earlier exercise's answer pass its checker? Run silently; False if it raises.

    A stand-in that ``check.use`` put in place of a failed answer is the package's own
    version, right by construction: it passes here, so a later exercise is judged on its own
    (run through its checker, the stand-in would count as a copy of the course's answer).
    """
    if functions and all(stands_in_for(f, checker) for f in functions):
        return True
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            return bool(checker(*functions))
        except Exception:
            return False


def report_again(name, result, message):
    """The failed ``result`` reported as ``name`` with ``message`` (a note added, say), its traceback kept."""
    return _report(name, False, message, result.copied, result.traceback, result.raised)


#: the modules whose frames are not the learner's code: the checkers and the grader
_MACHINERY = ("nnlessons.check", "nnlessons.grade")


def _learner_frames(tb):
    """A copy of the traceback chain ``tb`` without the frames of ``_MACHINERY``; None if none is left."""
    kept = []
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__") or ""
        if not any(module == m or module.startswith(m + ".") for m in _MACHINERY):
            kept.append(tb)
        tb = tb.tb_next
    chain = None
    for t in reversed(kept):
        chain = types.TracebackType(chain, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return chain


def _traceback_text(exc):
    """The traceback of ``exc`` through the learner's frames: IPython's ("Cell In[4], line 3") under
    IPython, Python's otherwise; "" when no frame is the learner's (the grader's stand-in, say)."""
    tb = _learner_frames(exc.__traceback__)
    if tb is None:
        return ""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is not None:
        try:
            return "\n".join(shell.InteractiveTB.structured_traceback(type(exc), exc, tb, tb_offset=0)).rstrip()
        except Exception:  # IPython's formatter failed: Python's below still shows the traceback
            pass
    return "".join(_traceback.format_exception(type(exc), exc, tb)).rstrip()


def _raised_message(exc, where=None):
    """"on <where>, your function raised KeyError: 'Z1'" (the message's first line keeps the verdict on one line)."""
    first = (str(exc).strip().splitlines() or [""])[0]
    what = f"your function raised {type(exc).__name__}{': ' + first if first else ''}"
    return f"{where}, {what}" if where else what


def report_raised(name, exc, where=None, hint=None):
    """The failed verdict of a learner's function that raised ``exc`` (an ``Exception``, not the stub's
    ``NotImplementedError``): the line naming it, then the learner's traceback below it."""
    message = _raised_message(exc, where) + (f" (hint: {hint})" if hint else "")
    return _report(name, False, message, traceback=_traceback_text(exc), raised=type(exc).__name__)


def watching(name, budget=None):
    """``_reference.watch`` over the references of checker ``name`` (``REFERENCES[name]``)."""
    return _reference.watch(_reference.REFERENCES.get(name, ()), budget)


def report_copied(name, seen, where=None):
    """The FAILED line of a learner's function that called the package's answer.

    ``seen``: what ``watching`` yielded, or the list of the references' names called.
    """
    message = _reference.message(getattr(seen, "called", seen))
    return _report(name, False, f"{where}: {message}" if where else message, copied=True)


def call_for_answer(name, learner, expected=""):
    """Call a decision exercise's ``learner()`` (no arguments) under the watch of checker ``name``.

    Returns ``(answer, None)``, or ``(None, verdict)`` when ``learner`` is no function, is still the
    stub, raised, or called the package's own answer. ``expected`` follows "got ..." in the first case.
    """
    __tracebackhide__ = True
    if not callable(learner):
        return None, _report(name, False, f"expected a function, got {_describe(learner)}{expected}")
    try:
        with watching(name) as seen:
            answer = learner()
    except NotImplementedError:
        return None, _report(name, False, NOT_IMPLEMENTED)
    except Exception as exc:
        return None, report_raised(name, exc)
    if seen:
        return None, report_copied(name, seen)
    return answer, None


#: what every checker says when the learner's function returns None
RETURNED_NONE = "your function returned None (is a `return` missing?)"


def _describe(x):
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of {len(x)} values"
    name = type(x).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _shape_hint(expected, got):
    if expected == ():
        if int(np.prod(got)) == 1:
            return " (a number inside an array: return a plain number)"
        if len(got) == 1:
            return " (one value per example: a sum or a mean over the examples is missing?)"
        return ""
    if len(expected) == 2 and got == expected[::-1]:
        return " (transposed?)"
    if int(np.prod(expected)) == int(np.prod(got)):
        # Same entries, other layout: typically a sum without keepdims=True
        # turning an (n, 1) column into an (n,) vector, or the reverse.
        return " (same number of entries: a lost or extra axis? check keepdims=True or reshape)"
    return ""


def _compare(expected, got, where, equal_nan=False, shape_hint=True, names=None):
    """Return None if ``got`` matches ``expected``, else a one-line description.

    ``shape_hint=False`` leaves out the guess at a wrong shape's cause (when a fitting hint names it).
    ``names`` names the values of a tuple or list ``expected`` ("value 1 of 2 (A_L)").
    """
    if got is None:
        return f"{where}: {RETURNED_NONE}"
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{where}: expected a dict with keys {sorted(expected)}, got {_describe(got)}"
        if set(got) != set(expected):
            missing, extra = sorted(set(expected) - set(got), key=str), sorted(set(got) - set(expected), key=str)
            which = "; ".join(f"{label} {', '.join(map(repr, keys))}"
                              for label, keys in [("missing", missing), ("unexpected", extra)] if keys)
            return f"{where}: expected a dict with keys {sorted(expected)}, got keys {sorted(got)} ({which})"
        for key in expected:
            problem = _compare(expected[key], got[key], f"{where}, key {key!r}", equal_nan, shape_hint)
            if problem:
                return problem
        return None
    if isinstance(expected, (tuple, list)):
        # A list (say, of per-layer arrays) may come back as any sequence.
        kinds = (tuple, list) if isinstance(expected, tuple) else (tuple, list, np.ndarray)
        if not isinstance(got, kinds) or len(got) != len(expected):
            return f"{where}: expected {_describe(expected)}, got {_describe(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            named = f" ({names[i]})" if names and i < len(names) else ""
            problem = _compare(e, g, f"{where}, value {i + 1} of {len(expected)}{named}", equal_nan, shape_hint)
            if problem:
                return problem
        return None
    if isinstance(got, (str, bytes)):
        # np.asarray would parse "0.25" as a number, and a printed value could pass.
        return f"{where}: expected numbers, got a {type(got).__name__} {got!r:.40}: return the value, not its text"
    if isinstance(got, (tuple, dict)):
        # np.asarray would silently stack a tuple of arrays into one array.
        one = "a number" if np.ndim(expected) == 0 else f"one array of shape {np.shape(expected)}"
        return f"{where}: expected {one}, got {_describe(got)}"
    exp = np.asarray(expected, dtype=np.float64)
    single = getattr(got, "dtype", None) == np.float32
    rtol, atol = (RTOL32, ATOL32) if single else (RTOL, ATOL)
    try:
        if np.iscomplexobj(got):
            # float64 would keep the real parts alone, and a wrong answer could pass.
            if np.any(np.imag(got) != 0):
                return (f"{where}: expected real numbers, got complex ones "
                        f"(a square root or a fractional power of a negative number?)")
            got = np.real(got)
        if np.asarray(got).dtype.kind in "SU":
            return f"{where}: expected numbers, got text: return the values, not strings of them"
        arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{where}: expected numbers, got {_describe(got)}"
    if arr.shape != exp.shape:
        return (f"{where}: wrong shape, expected {exp.shape}, got {arr.shape}"
                f"{_shape_hint(exp.shape, arr.shape) if shape_hint else ''}")
    bad = ~np.isclose(arr, exp, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        pair = _two_numbers(exp[idx], arr[idx])
        if not idx:
            return f"{where}: wrong value, {pair}"
        return f"{where}: wrong value at index {idx}, {pair} ({int(bad.sum())} of {bad.size} entries differ)"
    return None


_ROUNDED = " (apart from the 7th digit on: rounded?)"


def _two_numbers(expected, got):
    """"expected 0.25, got 0.5", with enough digits to tell them apart (a rounded answer, say)."""
    for digits in (6, 10, 17):
        e, g = f"{expected:.{digits}g}", f"{got:.{digits}g}"
        if e != g:
            break
    close = _ROUNDED if digits > 6 else ""
    return f"expected {e}, got {g}{close}"


def _same(a, b):
    """True when ``b`` still equals ``a``, its pristine copy (mutable containers only)."""
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return True


def _fitting_hint(learner, cases, hints):
    """The message of the first hint whose wrong version reproduces every output of ``learner``.

    Only the cases the learner's function gets through count: a slip such as a
    transposed product may crash on the non-square cases and still be named by
    the square ones. A ``nan`` matches a ``nan``, so a slip that overflows can be named too.
    """
    if not hints:
        return None
    outputs = []
    for _, args in cases:
        try:
            outputs.append(learner(*copy.deepcopy(args)))
        except Exception:
            # Not hidden for good: the verdict is already FAILED, and this error
            # surfaces with its traceback once the reported problem is fixed.
            outputs.append(_CRASHED)
    ran = [(args, got) for (_, args), got in zip(cases, outputs) if got is not _CRASHED]
    if not ran:
        return None
    with np.errstate(all="ignore"):
        for message, wrong in hints:
            try:
                if all(_compare(wrong(*copy.deepcopy(args)), got, "", equal_nan=True) is None for args, got in ran):
                    return message
            except Exception:
                continue  # a wrong version that cannot run on these inputs fits nothing
    return None


def _notebook_data_hint(learner):
    """A hint when ``learner`` reads arrays of the notebook (globals) rather than its arguments, else None."""
    try:
        learner = inspect.unwrap(learner)  # through the checkers' wrappers, to the learner's own function
    except ValueError:
        return None
    code, namespace = getattr(learner, "__code__", None), getattr(learner, "__globals__", None)
    if code is None or namespace is None:
        return None
    names, stack = set(), [code]
    while stack:  # the function and the functions defined inside it
        c = stack.pop()
        # LOAD_GLOBAL only: co_names also holds attribute names (the T of X.T)
        names.update(i.argval for i in dis.get_instructions(c) if i.opname == "LOAD_GLOBAL")
        stack.extend(k for k in c.co_consts if inspect.iscode(k))

    def data(value):
        return isinstance(value, np.ndarray) or (
            isinstance(value, dict) and value and all(isinstance(v, np.ndarray) for v in value.values()))

    read = sorted(n for n in names if data(namespace.get(n)))
    if not read:
        return None
    return (f"your function reads the notebook's {', '.join(read)}, not only its arguments: "
            f"compute from the arguments it receives")


def check_function(name, learner, reference, cases, arg_names=None, hints=(), references=None, names=None,
                   on_error=None):
    """Run ``learner`` against ``reference`` on ``cases`` and print the verdict.

    ``cases`` is a list of ``(description, args)`` with ``args`` a tuple of
    positional arguments; ``description`` completes "on ...", e.g. "a batch
    of 5 examples". ``arg_names`` names the arguments in messages.
    ``hints`` is a list of ``(message, wrong_reference)`` for the usual slips
    (a missing 1/m, a sign error): when a wrong answer matches one of them on
    every case, its message is added to the line, e.g. "(hint: divide by m)".
    ``names`` names the returned values when there are several ("A_L", "cache"), for the
    messages. A call of one of ``references`` (default ``REFERENCES[name]``, the package's own
    answers) while the learner's function runs makes it fail, with ``copied`` set.
    ``on_error(description, args, exc)`` may name the cause of an exception the learner's
    function raised (a hint added to the line), or return None.
    Returns a ``CheckResult`` (truthy when passed).
    """
    __tracebackhide__ = True  # IPython and pytest show the learner's frames, not this one
    # Every input exists before the learner's code first runs.
    cases = list(cases)
    for description, args in cases:
        if not isinstance(args, (tuple, list)):
            raise TypeError(f"checker {name!r}: the args of case {description!r} must be a tuple, "
                            f"got {type(args).__name__}")
    if not callable(learner):
        return _report(name, False, f"expected a function, got {_describe(learner)}")
    refs = _reference.REFERENCES.get(name, ()) if references is None else references
    for description, args in cases:
        expected = reference(*copy.deepcopy(args))
        pristine = copy.deepcopy(args)
        given = copy.deepcopy(args)
        try:
            with _reference.watch(refs) as seen:
                got = learner(*given)
        except NotImplementedError:
            return _report(name, False, NOT_IMPLEMENTED)
        except Exception as exc:
            hint = on_error(description, args, exc) if on_error is not None else None
            return report_raised(name, exc, f"on {description}", hint)
        if seen:
            return report_copied(name, seen)
        # Checked first: an input changed in place is often why the value is wrong.
        for i, (before, after) in enumerate(zip(pristine, given)):
            if not _same(before, after):
                arg = arg_names[i] if arg_names else f"argument {i + 1}"
                shared = (" (build a new dict or list: dict(d) or list(x) copies the container but shares its "
                          "arrays, and += on one of them changes the input)"
                          if isinstance(before, (dict, list, tuple)) else "")
                return _report(name, False, f"on {description}: your function modified its input "
                                            f"{arg} in place; compute a new array instead{shared}")
        problem = _compare(expected, got, f"on {description}", names=names)
        if problem:
            hint = _fitting_hint(learner, cases, hints) or _notebook_data_hint(learner)
            if hint:
                # The hint names the cause: a guess from the shape alone could contradict it.
                problem = _compare(expected, got, f"on {description}", shape_hint=False, names=names)
                problem = problem.replace(_ROUNDED, "")
            return _report(name, False, f"{problem} (hint: {hint})" if hint else problem)
    return _report(name, True, f"all {len(cases)} cases match the reference")


def _inert_seterr(**_):
    return np.geterr()


def unsilenced(learner):
    """``learner`` with ``np.errstate`` and ``np.seterr`` inert while it runs, if its source uses them.

    The warning policy judges the computation: ``with np.errstate(over="ignore")`` around an
    ``exp`` that overflows hides numpy's warning, not the overflow. Anything else (no source,
    or a source that does not use them): ``learner`` itself. The grader's kernel calls
    learners through it too.
    """
    try:
        source = inspect.getsource(learner)
    except (OSError, TypeError):
        return learner
    if not re.search(r"\b(errstate|seterr)\b", source):
        return learner

    @functools.wraps(learner)
    def run(*args):
        saved = np.errstate, np.seterr
        np.errstate, np.seterr = (lambda *a, **k: contextlib.nullcontext()), _inert_seterr
        try:
            return learner(*args)
        finally:
            np.errstate, np.seterr = saved
    return run


def check_stable(name, learner, reference, cases, arg_names, hints=(), names=None, overflow_advice=None):
    """``check_function``, and a failure if numpy warned inside the learner's function.

    The series' one warning policy for numerical exercises (notebook 02's stable
    functions and log loss): right values computed through an overflow
    do not pass; a learner's own ``np.errstate`` does not hide the warning (``unsilenced``).
    ``overflow_advice`` replaces the general advice after an overflow (it may name the exercise's usual one).
    """
    cases = list(cases)  # indexed below, as check_function accepts any iterable
    if not callable(learner):
        return check_function(name, learner, reference, cases, arg_names, hints, names=names)
    run, calls, warned = unsilenced(learner), [0], []

    def watched(*args):
        # check_function calls the learner once per case, in order (and again
        # only after a failure, to look for a hint: warnings no longer matter then).
        description = cases[calls[0]][0] if calls[0] < len(cases) else None
        calls[0] += 1
        with warnings.catch_warnings(record=True) as caught, \
                np.errstate(over="warn", invalid="warn", divide="warn"):
            warnings.simplefilter("always")
            out = run(*args)
        for w in caught:
            if issubclass(w.category, RuntimeWarning):
                warned.append((description, str(w.message)))
            else:  # not ours to judge: pass it on
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return out

    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            result = check_function(name, watched, reference, cases, arg_names, hints, names=names)
    except BaseException:
        print(printed.getvalue(), end="")
        raise
    text = printed.getvalue()
    if result.passed and warned:
        # Drop the PASSED line: the numbers were right, the computation was not stable.
        print("".join(text.splitlines(keepends=True)[:-1]), end="")
        description, message = warned[0]
        advice = ((overflow_advice or "rearrange it so that exp never receives a large positive number")
                  if "overflow" in message else "a stable computation gives numpy nothing to warn about")
        hidden = " (np.errstate hides numpy's warning, not the overflow)" if run is not learner else ""
        return _report(name, False, f"on {description}, numpy warned '{message}': even where the values "
                                    f"come out right, the computation fails on the way; {advice}{hidden}")
    print(text, end="")
    return result


def random_cases(make_args, descriptions, seed=0):
    """Build ``cases`` from ``make_args(rng, i)`` with the checker's own generator."""
    rng = np.random.default_rng(seed)
    return [(d, make_args(rng, i)) for i, d in enumerate(descriptions)]
