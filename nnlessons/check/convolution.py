"""Checkers for the exercises of notebook 09 (convolution).

Images are ``(C, H, W, m)`` (examples last), kernels ``W`` ``(F, C, kh, kw)``,
biases ``b`` ``(F, 1)``. The cases mix channel counts, non-square kernels,
strides and padding, and a batch size equal to none of the other sizes, so that
the usual slips change the result: a flipped kernel, a stride or padding
ignored, the examples on the wrong axis, a missing ``1/m``, a pooling gradient
sent to every element of the window or to every tied maximum.

``conv2d_forward`` also counts the Python lines the learner's function runs: a
vectorised convolution runs a few hundred, a loop over output positions tens of
thousands. A count is the same on every machine, unlike a time.

A learner's function that calls the package's own answer (``nnlessons.conv``)
does not pass (``_reference.watch``).

The cells after each exercise run the learner's function once it has passed, the
package's otherwise (``check.use``, whose stand-ins for these exercises are the
package's ``nnlessons.conv`` functions).
"""

import contextlib
import io
import os
import sys

import numpy as np

from .. import conv
from ..lessons import convolution as _lesson
from . import _reference
from ._core import _report, check_function, random_cases, report_raised

__all__ = ["conv2d_loops", "conv2d_forward", "conv2d_backward", "maxpool_backward"]

#: the checkers in the order the notebook's exercises use them
EXERCISES = ("conv2d_loops", "conv2d_forward", "conv2d_backward", "maxpool_backward")

_FORWARD_REFS = ("nnlessons.conv:conv2d_forward", "nnlessons.conv:forward", "nnlessons.conv:im2col",
                 "nnlessons.lessons.convolution:conv2d_loops")
_REFERENCES = {
    "conv2d_loops": _FORWARD_REFS,
    "conv2d_forward": _FORWARD_REFS,
    "conv2d_backward": ("nnlessons.conv:conv2d_backward", "nnlessons.conv:backward", "nnlessons.conv:col2im"),
    "maxpool_backward": ("nnlessons.conv:maxpool_backward",),
}
_reference.REFERENCES.update(_REFERENCES)

# (C, H, W, m, F, kh, kw, stride, padding): channels, kernels and batch sizes that differ,
# a non-square kernel, strides 1 to 3 and padding 0 to 2
_GEOMETRIES = [
    (2, 6, 7, 3, 4, 3, 2, 1, 0),
    (3, 7, 8, 5, 2, 3, 3, 2, 1),
    (1, 5, 5, 1, 1, 3, 3, 1, 2),
    (2, 9, 10, 2, 3, 4, 3, 3, 0),
]
_DESCRIPTIONS = [
    "3 images of 2 channels 6x7, 4 filters 3x2, stride 1, no padding",
    "5 images of 3 channels 7x8, 2 filters 3x3, stride 2, padding 1",
    "1 image of 1 channel 5x5, 1 filter 3x3, stride 1, padding 2",
    "2 images of 2 channels 9x10, 3 filters 4x3, stride 3, no padding",
]


def _conv_args(rng, i):
    C, H, Wd, m, F, kh, kw, s, p = _GEOMETRIES[i]
    return (rng.standard_normal((C, H, Wd, m)), rng.standard_normal((F, C, kh, kw)),
            rng.standard_normal((F, 1)), s, p)


def _forward_reference(X, W, b, stride, padding):
    return conv.conv2d_forward(X, W, b, stride, padding)


def _forward_hints():
    ref = _forward_reference
    return [
        ("the kernel was flipped: a convolution layer slides W as it is (cross-correlation), "
         "Z[f, i, j] = sum of W[f] * the patch, not W[f, :, ::-1, ::-1]", _lesson.flipped_convolution),
        ("the stride was ignored: output position i starts at row stride * i, and there are "
         "(H + 2 padding - kh) // stride + 1 of them", lambda X, W, b, s, p: ref(X, W, b, 1, p)),
        ("the padding was ignored: pad height and width with `padding` zeros on each side first "
         "(np.pad on axes 1 and 2 only)", lambda X, W, b, s, p: ref(X, W, b, s, 0)),
        ("the bias is missing: add b[f] to every output of filter f",
         lambda X, W, b, s, p: ref(X, W, np.zeros_like(b), s, p)),
        ("the examples belong on the last axis: return (F, Ho, Wo, m), not PyTorch's (m, F, Ho, Wo)",
         lambda X, W, b, s, p: ref(X, W, b, s, p).transpose(3, 0, 1, 2)),
        ("the channels were not summed: each filter's output adds W[f, c] * the patch over all channels c",
         lambda X, W, b, s, p: ref(X[:1], W[:, :1], b, s, p)),
    ]


def conv2d_loops(learner):
    """Check ``conv2d_loops(X, W, b, stride, padding)`` -> ``Z`` ``(F, Ho, Wo, m)`` (loops allowed)."""
    __tracebackhide__ = True
    cases = random_cases(_conv_args, _DESCRIPTIONS, seed=90)
    return check_function("conv2d_loops", learner, _forward_reference, cases,
                    ["X", "W", "b", "stride", "padding"], _forward_hints())


# ------------------------------------------------------------------ counting Python lines
_LIBRARY_DIRS = tuple(os.path.dirname(os.path.abspath(m.__file__)) for m in (np, os))
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _python_lines(function, *args):
    """Run ``function(*args)``; return the number of Python lines run outside numpy, the stdlib and nnlessons."""
    count = [0]

    def local(frame, event, arg):
        if event == "line":
            count[0] += 1
        return local

    def global_trace(frame, event, arg):
        filename = frame.f_code.co_filename
        if filename.startswith(_LIBRARY_DIRS) or filename.startswith(_PACKAGE_DIR):
            return None
        return local

    previous = sys.gettrace()
    sys.settrace(global_trace)
    try:
        function(*args)
    finally:
        sys.settrace(previous)
    return count[0]


def conv2d_forward(learner):
    """Check a vectorised ``conv2d_forward(X, W, b, stride, padding)``: values, then no loop over positions.

    After the values, the learner's function convolves 16 images 20x20 with 8
    filters 5x5 (32,768 output numbers); it passes if it runs fewer Python lines
    than a tenth of that (a loop over the kernel's 25 offsets, or even over the
    256 output positions with every example at once, is fine).
    """
    __tracebackhide__ = True
    name = "conv2d_forward"
    cases = random_cases(_conv_args, _DESCRIPTIONS, seed=91)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):  # one verdict line in the end, not two
            result = check_function(name, learner, _forward_reference, cases, ["X", "W", "b", "stride", "padding"],
                              _forward_hints())
    except BaseException:
        print(printed.getvalue(), end="")
        raise
    if not result:
        print(printed.getvalue(), end="")
        return result
    rng = np.random.default_rng(92)
    big = (rng.standard_normal((1, 20, 20, 16)), rng.standard_normal((8, 1, 5, 5)), rng.standard_normal((8, 1)), 1, 0)
    outputs = 8 * 16 * 16 * 16
    try:
        lines = _python_lines(learner, *big)
    except Exception as exc:  # right on the small cases, yet it fails on a larger batch
        return report_raised(name, exc, "on 16 images 20x20 with 8 filters 5x5")
    if lines > outputs // 10:
        return _report(name, False, f"values right, but on 16 images 20x20 with 8 filters 5x5 ({outputs:,} output "
                                    f"numbers) your function ran {lines:,} Python lines: still a loop over every output "
                                    "number? Build the patch matrix (im2col) or use "
                                    "np.lib.stride_tricks.sliding_window_view, then one matrix product")
    # The count itself is not printed: Python versions count a line's events differently.
    return _report(name, True, f"all {len(cases)} cases match the reference, and fewer than {outputs // 10:,} "
                               f"Python lines for {outputs:,} output numbers: vectorised")


# ------------------------------------------------------------------ backward through a convolution
def _backward_args(rng, i):
    X, W, _, s, p = _conv_args(rng, i)
    Z = conv.conv2d_forward(X, W, np.zeros((W.shape[0], 1)), s, p)
    return rng.standard_normal(Z.shape), X, W, s, p


def _backward_reference(dZ, X, W, stride, padding):
    return conv.conv2d_backward(dZ, X, W, stride, padding)


def _backward_unflipped(dZ, X, W, stride, padding):
    """dX as a full convolution of dZ with the kernel *not* flipped (dW, db right)."""
    _, dW, db = _backward_reference(dZ, X, W, stride, padding)
    dX = _backward_reference(dZ, X, W[:, :, ::-1, ::-1], stride, padding)[0]
    return dX, dW, db


def conv2d_backward(learner):
    """Check ``conv2d_backward(dZ, X, W, stride, padding)`` -> ``(dX, dW, db)``.

    ``dZ`` is per example (as notebook 05's ``dense_backward``): ``dW`` ``(F, C, kh, kw)``
    and ``db`` ``(F, 1)`` are gradients of the mean cost (``/ m``), ``dX`` ``(C, H, W, m)`` is not.
    """
    __tracebackhide__ = True
    cases = random_cases(_backward_args, _DESCRIPTIONS, seed=93)
    ref = _backward_reference

    def scaled(fx, fw):
        def wrong(dZ, X, W, s, p):
            dX, dW, db = ref(dZ, X, W, s, p)
            m = X.shape[3]
            return dX * m ** fx, dW * m ** fw, db * m ** fw
        return wrong

    hints = [
        ("dX is a full convolution of dZ with the kernel flipped (W[f, c, ::-1, ::-1]): equivalently, add "
         "W[f] * dZ[f, i, j] back onto the patch each output came from", _backward_unflipped),
        ("dW and db are gradients of the mean cost: divide them by m, the number of examples",
         scaled(0, 1)),
        ("dX is per example, like dA_prev = W.T @ dZ in notebook 05: do not divide it by m", scaled(-1, 0)),
        ("dW and db are divided by m, dX is not: the 1/m went to the wrong ones", scaled(-1, 1)),
        ("return (dX, dW, db) in that order", lambda *a: (lambda g: (g[1], g[0], g[2]))(ref(*a))),
        ("return (dX, dW, db) in that order", lambda *a: (lambda g: (g[1], g[2], g[0]))(ref(*a))),
        ("db has one entry per filter: sum dZ over positions and examples (axes 1, 2, 3), divide by m, "
         "keep the shape (F, 1)", lambda *a: (lambda g: (g[0], g[1], g[2].ravel()))(ref(*a))),
    ]
    return check_function("conv2d_backward", learner, ref, cases, ["dZ", "X", "W", "stride", "padding"], hints)


# ------------------------------------------------------------------ backward through max-pooling
_POOL_CASES = [
    ((2, 6, 8, 3), 2, None, "normal", "3 maps of 2 channels 6x8, 2x2 windows, no ties"),
    ((3, 6, 6, 2), 2, None, "relu", "2 maps of 3 channels 6x6 after a ReLU (windows of tied zeros)"),
    ((1, 7, 7, 2), 3, 2, "integers", "2 maps 7x7 of small integers (ties), 3x3 windows with stride 2 (overlapping)"),
    ((2, 5, 8, 1), 2, 1, "normal", "1 map of 2 channels 5x8, 2x2 windows with stride 1"),
    ((1, 5, 5, 4), 2, None, "normal", "4 maps 5x5, 2x2 windows (the last row and column fall outside every window)"),
]


def _pool_args(rng, i):
    shape, size, stride, kind, _ = _POOL_CASES[i]
    if kind == "integers":
        A = rng.integers(0, 3, size=shape).astype(np.float64)
    else:
        A = rng.standard_normal(shape)
        if kind == "relu":
            A = np.maximum(A - 0.5, 0.0)
    s = size if stride is None else stride
    Ho, Wo = (shape[1] - size) // s + 1, (shape[2] - size) // s + 1
    return rng.standard_normal((shape[0], Ho, Wo, shape[3])), A, size, s


def _pool_backward_loops(dP, A, size, stride, *, step=None, ties="first", route="max"):
    """Max-pooling's backward pass by loops, with the usual slips as options (for the hints)."""
    step = stride if step is None else step
    dA = np.zeros_like(A)
    C, Ho, Wo, m = dP.shape
    for c in range(C):
        for n in range(m):
            for i in range(Ho):
                for j in range(Wo):
                    window = A[c, step * i:step * i + size, step * j:step * j + size, n]
                    target = dA[c, step * i:step * i + size, step * j:step * j + size, n]
                    g = dP[c, i, j, n]
                    if route == "all":
                        target += g
                    elif route == "mean":
                        target += g / window.size
                    elif ties == "all":
                        target += g * (window == window.max())
                    else:
                        flat = window.ravel()
                        k = flat.argmax() if ties == "first" else flat.size - 1 - flat[::-1].argmax()
                        target[np.unravel_index(k, window.shape)] += g
    return dA


def maxpool_backward(learner):
    """Check ``maxpool_backward(dP, A, size, stride)`` -> ``dA`` ``(C, H, W, m)``.

    Each ``dP`` entry goes to the maximum of its window, to the first in reading order
    when several tie; windows that overlap add their contributions.
    """
    __tracebackhide__ = True
    cases = random_cases(_pool_args, [c[-1] for c in _POOL_CASES], seed=94)
    loops = _pool_backward_loops
    hints = [
        ("the gradient went to every element of the window: only the maximum changed the output, so only it "
         "gets dP (the others get 0)", lambda *a: loops(*a, route="all")),
        ("the gradient was shared out over the window (average pooling's rule): max-pooling gives all of dP "
         "to the maximum", lambda *a: loops(*a, route="mean")),
        ("ties: when several elements of a window share the maximum, give dP to the first of them in reading "
         "order only (np.argmax does), not to each; otherwise the gradient is counted several times",
         lambda *a: loops(*a, ties="all")),
        ("ties: give dP to the first maximum in reading order (np.argmax does), not the last (a >= where > "
         "was meant?)", lambda *a: loops(*a, ties="last")),
        ("the stride was ignored: window (i, j) starts at row stride * i and column stride * j, which "
         "overlap when stride < size", lambda dP, A, size, s: loops(dP, A, size, s, step=size)),
    ]
    return check_function("maxpool_backward", learner, conv.maxpool_backward, cases, ["dP", "A", "size", "stride"], hints)
