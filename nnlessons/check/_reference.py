"""Is the learner's answer the package's own? Calls into an exercise's reference, detected.

Each exercise has a reference in the package (``nnlessons.lessons.forward_prop.forward`` for
notebook 04's ``forward``); the notebook imported it, so a learner can "answer" by calling it.
``watch`` records, while the learner's function runs, every call of the given functions,
however they were reached (an attribute, an alias, a ``from ... import``), by comparing code
objects in a profile hook. Used by the checkers (in the learner's kernel) and by the grader's
kernel side alike.

``REFERENCES`` maps each checker's name to the functions whose use is not an answer, as
``"module:qualname"`` strings so that the grader can resolve them inside a kernel.
"""

import contextlib
import importlib
import inspect
import sys
import threading

#: checker name -> the package functions that are that exercise's answer
REFERENCES = {}


def resolve(spec):
    """The function named by ``"module:qualname"`` (``"nnlessons.lessons.backprop:backward"``)."""
    module, _, qualname = spec.partition(":")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _code(func):
    func = inspect.unwrap(func)
    func = getattr(func, "__func__", func)  # bound and static methods
    return getattr(func, "__code__", None)


class _Watch:
    """What ``watch`` yields: ``called`` lists the references' names, in the order first called."""

    def __init__(self, functions):
        self._codes = {}
        for f in functions:
            if isinstance(f, str):
                f = resolve(f)
            code = _code(f)
            if code is not None:
                self._codes[code] = f"{f.__module__}.{getattr(f, '__qualname__', f.__name__)}"
        self.called = []

    def _hook(self, frame, event, arg):
        if event == "call":
            name = self._codes.get(frame.f_code)
            if name is not None and name not in self.called:
                self.called.append(name)

    def __bool__(self):
        return bool(self.called)


@contextlib.contextmanager
def watch(functions):
    """Record calls of ``functions`` (callables or ``"module:qualname"``) made inside the block.

    The profile hooks in place before are restored afterwards; a hook the learner's code
    sets inside the block replaces this one, which is why ``watch`` is a detector of honest
    shortcuts, not a sandbox.
    """
    w = _Watch(functions)
    if not w._codes:
        yield w
        return
    previous = sys.getprofile()
    previous_thread = threading.getprofile() if hasattr(threading, "getprofile") else None
    sys.setprofile(w._hook)
    threading.setprofile(w._hook)
    try:
        yield w
    finally:
        sys.setprofile(previous)
        threading.setprofile(previous_thread)


def message(called):
    """The line a checker prints when the learner's function called the package's reference."""
    names = ", ".join(n.rsplit(".", 1)[-1] for n in called)
    return (f"you called nnlessons' own {names} ({', '.join(called)}): that is the course's answer, "
            f"not yours; write your own")
