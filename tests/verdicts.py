"""The one verdict helper of every checker test.

A checker prints exactly one line, ``PASSED  name: ...`` or ``FAILED  name: ...``,
and returns a truthy or falsy ``CheckResult`` that must agree with that line (a learner's
exception adds its traceback below the line: ``assert_raised``).
Every helper here asserts both before looking at the message.
"""

import inspect
import os

import pytest

from nnlessons.check import CheckResult


def stub(*args, **kwargs):
    """What a student handout leaves in an exercise."""
    raise NotImplementedError("Exercise: write this part, then re-run the cell")


def verdict(checker, learner, capsys):
    """Run ``checker(learner)``; return ``(result, line)`` after checking they agree."""
    result = checker(learner)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, f"a checker prints one line, got {out!r}"
    assert out.startswith(f"{'PASSED' if result else 'FAILED'}  {checker.__name__}: "), out
    return result, out.rstrip("\n")


def assert_passed(checker, learner, capsys, message=None):
    """The learner's function passes; with ``message``, the line after the name must equal it."""
    result, line = verdict(checker, learner, capsys)
    assert result, line
    if message is not None:
        assert line == f"PASSED  {checker.__name__}: {message}", line
    return line


def assert_failed(checker, learner, capsys, *fragments):
    """The learner's function fails, and the line names every fragment (the hint, the case)."""
    result, line = verdict(checker, learner, capsys)
    assert not result, line
    missing = [f for f in fragments if f not in line]
    assert not missing, f"{missing} not in {line!r}"
    return line


def assert_not_implemented(checker, capsys):
    """A stub is reported as not implemented, without raising."""
    return assert_failed(checker, stub, capsys, "not implemented yet")


def assert_raised(checker, learner, capsys, exc_type, *fragments):
    """The learner's own exception is a failed verdict, not a crash: the checker returns a failed
    result after one line naming the exception and, below it, the traceback of the learner's own
    code (the checker's frames left out). Returns the line."""
    result = checker(learner)
    out = capsys.readouterr().out
    line, tb = assert_traceback_below(out, exc_type, learner)
    assert isinstance(result, CheckResult) and not result, out
    assert line == f"FAILED  {checker.__name__}: {result.message} (traceback below)", out
    for fragment in (f"your function raised {exc_type.__name__}",) + fragments:
        assert fragment in line, out
    assert result.traceback == tb.rstrip("\n"), out
    return line


def assert_traceback_below(out, exc_type, learner=None):
    """``out``: one FAILED line, then a traceback that ends in ``exc_type`` and runs through the code
    of ``learner`` (when it has code) and through no frame of the checkers. Returns (line, traceback)."""
    line, _, tb = out.partition("\n")
    assert line.startswith("FAILED  ") and line.endswith(" (traceback below)"), out
    assert tb.startswith("Traceback (most recent call last):\n"), out
    # Python names an exception by its module and qualified name: numpy.exceptions.AxisError
    names = {f"{exc_type.__module__}.{exc_type.__qualname__}", exc_type.__qualname__}
    assert any(ln.split(": ", 1)[0] in names for ln in tb.splitlines()), out
    assert os.path.join("nnlessons", "check") not in tb, out
    code = getattr(inspect.unwrap(learner), "__code__", None) if learner is not None else None
    if code is not None:
        assert f'File "{code.co_filename}", line ' in tb and f"in {code.co_name}" in tb, out
    return line, tb


@pytest.fixture
def package_answers_allowed(monkeypatch):
    """Checkers that do not watch for calls of the package's answers (``check._reference``).

    For the tests of the cases and hints, whose right and wrong answers are built from the
    package's references; tests/test_check_reference.py tests the watch itself, and the
    notebooks' solutions are run with it on (there and in tools/mutants.py).
    """
    from nnlessons.check import _reference

    monkeypatch.setattr(_reference, "REFERENCES", {})
