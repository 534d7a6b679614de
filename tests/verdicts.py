"""The one verdict helper of every checker test.

A checker prints exactly one line, ``PASSED  name: ...`` or ``FAILED  name: ...``,
and returns a truthy or falsy ``CheckResult`` that must agree with that line.
Every helper here asserts both before looking at the message.
"""

import pytest


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
    """The learner's own exception is reported in one line, then re-raised for its traceback."""
    with pytest.raises(exc_type):
        checker(learner)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith(f"FAILED  {checker.__name__}: "), out
    for fragment in (f"your function raised {exc_type.__name__}",) + fragments:
        assert fragment in out, out
    return out.rstrip("\n")


@pytest.fixture
def package_answers_allowed(monkeypatch):
    """Checkers that do not watch for calls of the package's answers (``check._reference``).

    For the tests of the cases and hints, whose right and wrong answers are built from the
    package's references; tests/test_check_reference.py tests the watch itself, and the
    notebooks' solutions are run with it on (there and in tools/mutants.py).
    """
    from nnlessons.check import _reference

    monkeypatch.setattr(_reference, "REFERENCES", {})
