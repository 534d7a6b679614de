"""The checkers of notebook 09 accept right answers, report stubs, and name the usual wrong ones."""

import pathlib

import numpy as np
import pytest

from nnlessons import check, conv
from nnlessons.check import _reference
from nnlessons.check import convolution as checks
from notebook_cells import exercise_sources, run_cells, student_sources
from verdicts import assert_failed, assert_not_implemented, assert_passed, assert_raised

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "09_convolution.ipynb"
CHECKERS = [check.conv2d_loops, check.conv2d_forward, check.conv2d_backward, check.maxpool_backward]


@pytest.fixture(scope="module")
def solutions():
    """The notebook's own solutions, run as the notebook runs them."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        return run_cells(exercise_sources(NOTEBOOK), NOTEBOOK)


def test_exercises_in_notebook_order_and_reachable_from_check():
    assert checks.EXERCISES == tuple(c.__name__ for c in CHECKERS) == tuple(checks.__all__)
    assert all(getattr(check, name) is getattr(checks, name) for name in checks.EXERCISES)
    assert all(name in _reference.REFERENCES for name in checks.EXERCISES)


def test_the_notebooks_solutions_pass(capsys):
    sources = exercise_sources(NOTEBOOK)
    assert [s.rstrip().splitlines()[-1] for s in sources] == [f"check.{n}({n})" for n in checks.EXERCISES]
    run_cells(sources, NOTEBOOK)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and all(line.startswith("PASSED") for line in lines), lines


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda c: c.__name__)
def test_stubs_are_not_implemented(checker, capsys):
    assert_not_implemented(checker, capsys)


def test_student_version_runs_to_the_end(capsys):
    run_cells([src for src, _ in student_sources(NOTEBOOK)], NOTEBOOK)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"FAILED  {n}: not implemented yet" for n in checks.EXERCISES]


# ------------------------------------------------------------------ forward
def _loops(X, W, b, stride=1, padding=0, flip=False, use_stride=True, use_padding=True, bias=True, batch_first=False):
    C, H, Wd, m = X.shape
    F, _, kh, kw = W.shape
    s = stride if use_stride else 1
    p = padding if use_padding else 0
    Xp = np.pad(X, ((0, 0), (p, p), (p, p), (0, 0)))
    K = W[:, :, ::-1, ::-1] if flip else W
    Ho, Wo = (H + 2 * p - kh) // s + 1, (Wd + 2 * p - kw) // s + 1
    Z = np.zeros((F, Ho, Wo, m))
    for n in range(m):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    patch = Xp[:, s * i:s * i + kh, s * j:s * j + kw, n]
                    Z[f, i, j, n] = np.sum(K[f] * patch) + (b[f, 0] if bias else 0)
    return Z.transpose(3, 0, 1, 2) if batch_first else Z


@pytest.mark.parametrize("checker", [check.conv2d_loops, check.conv2d_forward], ids=lambda c: c.__name__)
@pytest.mark.parametrize("slip, fragment", [
    ({"flip": True}, "the kernel was flipped"),
    ({"use_stride": False}, "the stride was ignored"),
    ({"use_padding": False}, "the padding was ignored"),
    ({"bias": False}, "the bias is missing"),
    ({"batch_first": True}, "not PyTorch's (m, F, Ho, Wo)"),
])
def test_forward_slips_are_named(checker, slip, fragment, capsys):
    assert_failed(checker, lambda X, W, b, stride, padding: _loops(X, W, b, stride, padding, **slip), capsys,
                  "(hint: ", fragment)


def test_loops_pass_the_loops_checker_but_not_the_vectorised_one(capsys):
    assert_passed(check.conv2d_loops, _loops, capsys, "all 4 cases match the reference")
    assert_failed(check.conv2d_forward, _loops, capsys, "values right", "Python lines",
                  "still a loop over every output number")


def test_a_loop_over_positions_with_every_example_at_once_is_vectorised_enough(capsys):
    def by_position(X, W, b, stride=1, padding=0):
        F, C, kh, kw = W.shape
        Xp = np.pad(X, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
        Ho, Wo = (Xp.shape[1] - kh) // stride + 1, (Xp.shape[2] - kw) // stride + 1
        Z = np.empty((F, Ho, Wo, X.shape[3]))
        for i in range(Ho):
            for j in range(Wo):
                patch = Xp[:, stride * i:stride * i + kh, stride * j:stride * j + kw, :]
                Z[:, i, j, :] = np.tensordot(W, patch, axes=([1, 2, 3], [0, 1, 2])) + b
        return Z

    assert_passed(check.conv2d_forward, by_position, capsys)


def test_float32_and_the_notebooks_answer_pass(solutions, capsys):
    f = solutions["conv2d_forward"]
    assert_passed(check.conv2d_forward, lambda *a: f(*a).astype(np.float32), capsys)


def test_calling_the_package_is_not_an_answer(capsys):
    assert_failed(check.conv2d_forward, lambda X, W, b, s, p: conv.conv2d_forward(X, W, b, s, p), capsys,
                  "nnlessons' own conv2d_forward", "write your own")
    assert_failed(check.conv2d_backward, lambda *a: conv.conv2d_backward(*a), capsys, "nnlessons' own conv2d_backward")
    assert_failed(check.maxpool_backward, lambda *a: conv.maxpool_backward(*a), capsys,
                  "nnlessons' own maxpool_backward")

    def im2col_then_product(X, W, b, s, p):
        cols, Ho, Wo = conv.im2col(X, W.shape[2], W.shape[3], s, p)
        return (W.reshape(W.shape[0], -1) @ cols + b).reshape(W.shape[0], Ho, Wo, X.shape[3])

    assert_failed(check.conv2d_forward, im2col_then_product, capsys, "nnlessons' own im2col")


def test_a_crash_is_a_failed_verdict_with_its_traceback(capsys):
    def crash(X, W, b, stride, padding):
        return W @ X

    assert_raised(check.conv2d_loops, crash, capsys, ValueError, "your function raised ValueError")


def test_a_crash_on_the_larger_batch_alone_is_a_failed_verdict_too(solutions, capsys):
    f = solutions["conv2d_forward"]

    def small_batches_only(X, W, b, stride, padding):
        if X.shape[3] > 8:
            raise MemoryError("a buffer sized for 8 images")
        return f(X, W, b, stride, padding)

    assert_raised(check.conv2d_forward, small_batches_only, capsys, MemoryError,
                  "on 16 images 20x20 with 8 filters 5x5, your function raised MemoryError")


# ------------------------------------------------------------------ backward through the convolution
@pytest.mark.parametrize("slip, fragment", [
    ("unflipped", "kernel flipped"),
    ("no_m", "divide them by m"),
    ("dX_over_m", "do not divide it by m"),
    ("order", "in that order"),
    ("flat_db", "keep the shape (F, 1)"),
])
def test_backward_slips_are_named(solutions, slip, fragment, capsys):
    right = solutions["conv2d_backward"]

    def wrong(dZ, X, W, stride, padding):
        m = X.shape[3]
        dX, dW, db = right(dZ, X, W, stride, padding)
        if slip == "unflipped":
            dX = right(dZ, X, W[:, :, ::-1, ::-1], stride, padding)[0]
        elif slip == "no_m":
            dW, db = dW * m, db * m
        elif slip == "dX_over_m":
            dX = dX / m
        elif slip == "order":
            return dW, dX, db
        elif slip == "flat_db":
            db = db.ravel()
        return dX, dW, db

    assert_failed(check.conv2d_backward, wrong, capsys, "(hint: ", fragment)


def test_backward_with_the_stride_ignored_fails(solutions, capsys):
    right = solutions["conv2d_backward"]
    assert_failed(check.conv2d_backward, lambda dZ, X, W, s, p: right(dZ, X, W, 1, p), capsys, "stride 2")


# ------------------------------------------------------------------ backward through max-pooling
@pytest.mark.parametrize("options, fragment", [
    ({"route": "all"}, "to every element of the window"),
    ({"route": "mean"}, "average pooling"),
    ({"ties": "all"}, "not to each"),
    ({"ties": "last"}, "not the last"),
])
def test_pool_slips_are_named(options, fragment, capsys):
    loops = checks._pool_backward_loops
    assert_passed(check.maxpool_backward, loops, capsys)
    assert_failed(check.maxpool_backward, lambda *a: loops(*a, **options), capsys, "(hint: ", fragment)


def test_pool_with_the_stride_ignored_fails(solutions, capsys):
    right = solutions["maxpool_backward"]
    # windows placed size apart do not match dP's shape when they overlap: reported, then re-raised
    assert_raised(check.maxpool_backward, lambda dP, A, size, stride: right(dP, A, size, size), capsys, ValueError,
                  "3x3 windows with stride 2", "your function raised ValueError")
