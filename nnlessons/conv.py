"""Convolution and max-pooling layers as forward/backward pairs, beside the dense layer.

Layout: a batch of images is ``(C, H, W, m)``: channels, height, width, and the
``m`` examples **last**, as the columns of every other batch in the package.
So ``X.reshape(C * H * W, m)`` is the usual ``(n_features, m)`` column batch
(flattening into a dense layer costs nothing), and MNIST's columns ``(784, m)``
are ``X.reshape(1, 28, 28, m)``. PyTorch's ``Conv2d`` uses ``(N, C, H, W)``:
``X.transpose(3, 0, 1, 2)`` translates.

A convolution layer with ``F`` filters of size ``kh x kw`` has weights ``W``
``(F, C, kh, kw)`` (one filter per output channel, as PyTorch's weight, and
as a dense ``W`` ``(n_out, n_in)``) and a bias ``b`` ``(F, 1)``. It computes,
for each example, output channel ``f`` and position ``(i, j)``::

    Z[f, i, j] = b[f] + sum_{c, u, v} W[f, c, u, v] * Xpad[c, s*i + u, s*j + v]

with stride ``s`` and ``padding`` zeros around the image: a sliding dot product,
the *cross-correlation* that every framework calls convolution (the kernel is not
flipped). The output is ``(F, Ho, Wo, m)`` with ``Ho = (H + 2 padding - kh) // s + 1``.

Vectorised by *im2col*: the ``kh x kw`` patch under each output position is
copied into a column, so the whole layer is one matrix product
``W.reshape(F, C*kh*kw) @ cols`` (``cols`` ``(C*kh*kw, Ho*Wo*m)``), the dense
layer's ``Z = W @ X + b`` again.

Backward, with ``dZ`` the gradient of each example's loss (as ``layers.backward``)::

    dW = dZ correlated with the input, / m     (F, C, kh, kw)
    db = sum of dZ over positions and examples, / m      (F, 1)
    dX = dZ fully convolved with the flipped kernel      (C, H, W, m)

Max-pooling keeps the largest value of each ``size x size`` window (stride
``size`` unless given); its backward pass routes each gradient to the element
that was the maximum, the first one in reading order when several tie (as
PyTorch does), and zero to the rest.

``Sequential`` chains layers (``Conv2D``, ``ReLU``, ``MaxPool2D``, ``Flatten``,
``Dense``) under a softmax with categorical cross-entropy.
"""

import numpy as np

from . import layers as dense
from ._validation import as_float_array, as_labels, check_int, make_rng
from .activations import relu, softmax
from .losses import categorical_cross_entropy, one_hot


# ------------------------------------------------------------------ checks
def _check_images(X, name):
    X = as_float_array(X, name)
    if X.ndim != 4:
        hint = ""
        if X.ndim == 2:
            hint = " (columns (n_features, m)? reshape them to (C, H, W, m), e.g. X.reshape(1, 28, 28, m))"
        elif X.ndim == 3:
            hint = " (one channel? add it: X[None] for (1, H, W, m))"
        raise ValueError(f"{name} must have shape (C, H, W, m), got shape {X.shape}{hint}")
    return X


def _check_geometry(stride, padding):
    return check_int(stride, "stride"), check_int(padding, "padding", minimum=0)


def output_size(n, k, stride=1, padding=0):
    """Positions of a ``k``-wide window on ``n`` pixels with ``padding`` and ``stride``: ``(n + 2p - k) // s + 1``."""
    n, k = check_int(n, "n"), check_int(k, "k")
    stride, padding = _check_geometry(stride, padding)
    if k > n + 2 * padding:
        raise ValueError(f"a kernel of size {k} does not fit in {n} pixels with padding {padding}")
    return (n + 2 * padding - k) // stride + 1


def _check_conv(X, W, stride, padding, b=None):
    X = _check_images(X, "X")
    W = as_float_array(W, "W", ndim=4)
    stride, padding = _check_geometry(stride, padding)
    C = X.shape[0]
    if W.shape[1] != C:
        hint = " (W is (F, C, kh, kw): filters first, then input channels)" if W.shape[0] == C else ""
        raise ValueError(f"W must have shape (F, {C}, kh, kw) for X with {C} channels, got {W.shape}{hint}")
    for axis, dim in ((1, "height"), (2, "width")):
        if W.shape[axis + 1] > X.shape[axis] + 2 * padding:
            raise ValueError(f"the kernel's {dim} {W.shape[axis + 1]} exceeds the padded image's "
                             f"{X.shape[axis] + 2 * padding} (X {X.shape}, padding {padding})")
    if b is not None:
        b = as_float_array(b, "b")
        if b.shape != (W.shape[0], 1):
            raise ValueError(f"b must have shape ({W.shape[0]}, 1), one bias per filter, got {b.shape}")
    return X, W, b, stride, padding


# ------------------------------------------------------------------ im2col
def _pad(X, padding):
    if padding == 0:
        return X
    return np.pad(X, ((0, 0), (padding, padding), (padding, padding), (0, 0)))


def im2col(X, kh, kw, stride=1, padding=0):
    """The ``kh x kw`` patch under every output position as a column: ``(C*kh*kw, Ho*Wo*m)``.

    Rows run over ``(c, u, v)`` as ``W.reshape(F, -1)``'s columns do; columns over
    ``(i, j, example)``. Returns ``(cols, Ho, Wo)``. No checks: see ``conv2d_forward``.
    """
    C, H, Wd, m = X.shape
    Xp = _pad(X, padding)
    Ho, Wo = (H + 2 * padding - kh) // stride + 1, (Wd + 2 * padding - kw) // stride + 1
    cols = np.empty((C, kh, kw, Ho, Wo, m), dtype=X.dtype)
    # one strided slice per kernel offset: kh*kw copies, each contiguous along the examples
    for u in range(kh):
        for v in range(kw):
            cols[:, u, v] = Xp[:, u:u + stride * (Ho - 1) + 1:stride, v:v + stride * (Wo - 1) + 1:stride, :]
    return cols.reshape(C * kh * kw, Ho * Wo * m), Ho, Wo


def col2im(dcols, X_shape, kh, kw, stride=1, padding=0):
    """The adjoint of ``im2col``: add each column's entries back to the pixels they came from."""
    C, H, Wd, m = X_shape
    Ho, Wo = (H + 2 * padding - kh) // stride + 1, (Wd + 2 * padding - kw) // stride + 1
    d = dcols.reshape(C, kh, kw, Ho, Wo, m)
    dXp = np.zeros((C, H + 2 * padding, Wd + 2 * padding, m), dtype=dcols.dtype)
    for u in range(kh):
        for v in range(kw):
            # a pixel under several windows collects from each: +=, slice by slice
            dXp[:, u:u + stride * (Ho - 1) + 1:stride, v:v + stride * (Wo - 1) + 1:stride, :] += d[:, u, v]
    return dXp[:, padding:padding + H, padding:padding + Wd, :]


# ------------------------------------------------------------------ convolution
def forward(X, W, b, stride=1, padding=0):
    """Convolution without checks. Returns ``(Z, cache)``; ``Z`` ``(F, Ho, Wo, m)``."""
    F, C, kh, kw = W.shape
    cols, Ho, Wo = im2col(X, kh, kw, stride, padding)
    Z = W.reshape(F, -1) @ cols          # (F, C*kh*kw) @ (C*kh*kw, Ho*Wo*m)
    Z += b
    return Z.reshape(F, Ho, Wo, X.shape[3]), (X.shape, cols, W, stride, padding)


def backward(dZ, cache, need_dX=True):
    """Gradients of the convolution from its cache: ``(dX, dW, db)``, ``dX`` ``None`` unless ``need_dX``."""
    X_shape, cols, W, stride, padding = cache
    F, C, kh, kw = W.shape
    m = X_shape[3]
    dZ2 = dZ.reshape(F, -1)              # (F, Ho*Wo*m), the same order as cols' columns
    dW = (dZ2 @ cols.T).reshape(W.shape) / m
    db = dZ2.sum(axis=1, keepdims=True) / m
    dX = col2im(W.reshape(F, -1).T @ dZ2, X_shape, kh, kw, stride, padding) if need_dX else None
    return dX, dW, db


def conv2d_forward(X, W, b, stride=1, padding=0):
    """Convolve ``X`` ``(C, H, W, m)`` with ``W`` ``(F, C, kh, kw)``, add ``b`` ``(F, 1)``: ``Z`` ``(F, Ho, Wo, m)``."""
    X, W, b, stride, padding = _check_conv(X, W, stride, padding, b)
    return forward(X, W, b, stride, padding)[0]


def conv2d_backward(dZ, X, W, stride=1, padding=0):
    """Gradients ``(dX, dW, db)`` of a convolution, given ``dZ`` ``(F, Ho, Wo, m)`` and its inputs.

    ``dW`` and ``db`` are gradients of the mean cost (divided by ``m``), ``dX`` of
    each example's loss, as ``layers.backward`` returns them.
    """
    X, W, _, stride, padding = _check_conv(X, W, stride, padding)
    dZ = as_float_array(dZ, "dZ")
    F, C, kh, kw = W.shape
    expected = (F, output_size(X.shape[1], kh, stride, padding), output_size(X.shape[2], kw, stride, padding),
                X.shape[3])
    if dZ.shape != expected:
        raise ValueError(f"dZ must have the output's shape {expected}, got {dZ.shape}")
    cols = im2col(X, kh, kw, stride, padding)[0]
    return backward(dZ, (X.shape, cols, W, stride, padding))


# ------------------------------------------------------------------ max-pooling
def _pool_geometry(A, size, stride):
    size = check_int(size, "size")
    stride = size if stride is None else check_int(stride, "stride")
    if size > min(A.shape[1], A.shape[2]):
        raise ValueError(f"a pooling window of size {size} does not fit in images of {A.shape[1]}x{A.shape[2]}")
    return size, stride, (A.shape[1] - size) // stride + 1, (A.shape[2] - size) // stride + 1


def _window(A, u, v, stride, Ho, Wo):
    """The element at offset ``(u, v)`` of every window: ``(C, Ho, Wo, m)`` (a view)."""
    return A[:, u:u + stride * (Ho - 1) + 1:stride, v:v + stride * (Wo - 1) + 1:stride, :]


def maxpool_forward(A, size=2, stride=None):
    """The largest value of each ``size x size`` window of ``A`` ``(C, H, W, m)``: ``(C, Ho, Wo, m)``.

    ``stride`` defaults to ``size`` (windows side by side); rows or columns left
    over at the edge are dropped, as PyTorch's ``MaxPool2d`` does.
    """
    A = _check_images(A, "A")
    size, stride, Ho, Wo = _pool_geometry(A, size, stride)
    P = _window(A, 0, 0, stride, Ho, Wo).copy()
    for u in range(size):
        for v in range(size):
            np.maximum(P, _window(A, u, v, stride, Ho, Wo), out=P)
    return P


def maxpool_backward(dP, A, size=2, stride=None):
    """Gradient with respect to ``A`` of max-pooling: each ``dP`` entry goes to its window's maximum.

    When several elements of a window tie for the maximum, the first in reading
    order gets the gradient (the others get 0), so the gradient's sum is kept.
    """
    A = _check_images(A, "A")
    size, stride, Ho, Wo = _pool_geometry(A, size, stride)
    dP = as_float_array(dP, "dP")
    if dP.shape != (A.shape[0], Ho, Wo, A.shape[3]):
        raise ValueError(f"dP must have the pooled shape {(A.shape[0], Ho, Wo, A.shape[3])}, got {dP.shape}")
    P = maxpool_forward(A, size, stride)
    dA = np.zeros_like(A, dtype=np.result_type(A, dP))
    taken = np.zeros(P.shape, dtype=bool)
    for u in range(size):
        for v in range(size):
            hit = (_window(A, u, v, stride, Ho, Wo) == P) & ~taken
            taken |= hit
            _window(dA, u, v, stride, Ho, Wo)[...] += np.where(hit, dP, 0)
    return dA


# ------------------------------------------------------------------ layers and a container
class Conv2D:
    """A convolution layer: ``n_filters`` filters ``kernel x kernel`` over ``channels`` input channels.

    Weights start as He-scaled noise, ``sqrt(2 / (channels * kernel**2))``, biases at 0.
    ``forward_fn`` / ``backward_fn`` replace the package's ``conv2d_forward`` /
    ``conv2d_backward`` (same signatures), e.g. with a learner's own.
    """

    has_params = True

    def __init__(self, channels, n_filters, kernel, *, stride=1, padding=0, rng, dtype=np.float64,
                 forward_fn=None, backward_fn=None):
        rng = make_rng(rng)
        channels, n_filters, kernel = (check_int(channels, "channels"), check_int(n_filters, "n_filters"),
                                       check_int(kernel, "kernel"))
        self.stride, self.padding = _check_geometry(stride, padding)
        std = np.sqrt(2.0 / (channels * kernel * kernel))
        self.W = (rng.standard_normal((n_filters, channels, kernel, kernel)) * std).astype(dtype)
        self.b = np.zeros((n_filters, 1), dtype=dtype)
        self.forward_fn, self.backward_fn = forward_fn, backward_fn

    def __repr__(self):
        F, C, k, _ = self.W.shape
        return f"Conv2D({C} -> {F} channels, {k}x{k}, stride {self.stride}, padding {self.padding})"

    def forward(self, X):
        if self.forward_fn is None and self.backward_fn is None:
            return forward(X, self.W, self.b, self.stride, self.padding)  # the cache keeps im2col's columns
        run = self.forward_fn or (lambda X, W, b, s, p: forward(X, W, b, s, p)[0])
        return run(X, self.W, self.b, self.stride, self.padding), X

    def backward(self, dZ, cache, need_dX=True):
        if isinstance(cache, tuple):
            dX, dW, db = backward(dZ, cache, need_dX)
        else:  # the cache is the input X: the functions' own signature
            dX, dW, db = (self.backward_fn or conv2d_backward)(dZ, cache, self.W, self.stride, self.padding)
        return dX, {"W": dW, "b": db}


class Dense:
    """A dense layer ``Z = W @ A + b`` on columns ``(n_in, m)``: ``layers.forward`` / ``layers.backward``."""

    has_params = True

    def __init__(self, n_in, n_out, *, rng, scale=2.0, dtype=np.float64):
        rng = make_rng(rng)
        n_in, n_out = check_int(n_in, "n_in"), check_int(n_out, "n_out")
        self.W = (rng.standard_normal((n_out, n_in)) * np.sqrt(scale / n_in)).astype(dtype)
        self.b = np.zeros((n_out, 1), dtype=dtype)

    def __repr__(self):
        return f"Dense({self.W.shape[1]} -> {self.W.shape[0]})"

    def forward(self, A):
        return dense.forward(A, self.W, self.b)

    def backward(self, dZ, cache, need_dX=True):
        dA, dW, db = dense.backward(dZ, cache, need_dX)
        return dA, {"W": dW, "b": db}


class ReLU:
    """``max(0, Z)`` elementwise, for any shape."""

    has_params = False

    def __repr__(self):
        return "ReLU()"

    def forward(self, Z):
        return relu(Z), Z

    def backward(self, dA, Z, need_dX=True):
        return dA * (Z > 0), {}


class MaxPool2D:
    """Max-pooling over ``size x size`` windows (stride ``size`` unless given).

    ``backward_fn`` replaces the package's ``maxpool_backward`` (same signature).
    """

    has_params = False

    def __init__(self, size=2, stride=None, *, backward_fn=None):
        self.size = check_int(size, "size")
        self.stride = self.size if stride is None else check_int(stride, "stride")
        self.backward_fn = backward_fn

    def __repr__(self):
        return f"MaxPool2D({self.size}x{self.size}, stride {self.stride})"

    def forward(self, A):
        return maxpool_forward(A, self.size, self.stride), A

    def backward(self, dP, A, need_dX=True):
        return (self.backward_fn or maxpool_backward)(dP, A, self.size, self.stride), {}


class Flatten:
    """``(C, H, W, m)`` -> ``(C*H*W, m)``: with the examples last, a reshape and no copy."""

    has_params = False

    def __repr__(self):
        return "Flatten()"

    def forward(self, A):
        return A.reshape(-1, A.shape[-1]), A.shape

    def backward(self, dA, shape, need_dX=True):
        return dA.reshape(shape), {}


class Sequential:
    """Layers applied in turn, ending in a softmax with categorical cross-entropy.

    ``params`` names the arrays of the layers with parameters ``W1, b1, W2, ...``
    in order (the series' numbering), each the layer's own array, so that an
    update ``net.params["W1"] -= ...`` changes the layer. ``forward(X)`` returns
    ``(P, cache)`` with ``P`` ``(n_classes, m)`` class probabilities;
    ``backward(Y, cache)`` the gradients ``{"W1": dW1, ...}`` of the mean cost.
    """

    def __init__(self, layers):
        self.layers = list(layers)
        if not self.layers or not self.layers[-1].has_params:
            raise ValueError("the last layer must have parameters (a Dense layer producing the class scores)")
        self.params, self._owner = {}, []
        for layer in self.layers:
            if layer.has_params:
                n = len(self._owner) + 1
                self.params[f"W{n}"], self.params[f"b{n}"] = layer.W, layer.b
                self._owner.append(layer)

    def __repr__(self):
        return "Sequential([" + ", ".join(map(repr, self.layers)) + "])"

    def n_params(self):
        """The number of weights and biases."""
        return int(sum(p.size for p in self.params.values()))

    def _sync(self):
        # an update by assignment (params["W1"] = ...) replaces the dict's array: hand it to the layer
        for n, layer in enumerate(self._owner, start=1):
            layer.W, layer.b = self.params[f"W{n}"], self.params[f"b{n}"]

    def forward(self, X):
        self._sync()
        caches, A = [], X
        for layer in self.layers:
            A, cache = layer.forward(A)
            caches.append(cache)
        P = softmax(A)
        return P, (P, caches)

    def __call__(self, X):
        return self.forward(X)[0]

    def backward(self, Y, cache):
        """Gradients of the mean cost from one-hot targets ``Y`` ``(n_classes, m)`` and ``forward``'s cache."""
        P, caches = cache
        d = P - Y                        # softmax + cross-entropy: dZ = A - Y, per example
        grads, n = {}, len(self._owner)
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            d, g = layer.backward(d, caches[i], need_dX=i > 0)
            if layer.has_params:
                grads[f"W{n}"], grads[f"b{n}"] = g["W"], g["b"]
                n -= 1
        return grads

    def loss_and_grads(self, X, y):
        """Mean cross-entropy on ``(X, y)`` and its gradients (``y`` integer labels ``(m,)``)."""
        P, cache = self.forward(X)
        Y = one_hot(as_labels(y, "y", P.shape[0]), P.shape[0]).astype(P.dtype)
        return float(categorical_cross_entropy(P, Y)), self.backward(Y, cache)

    def predict(self, X, batch_size=1000):
        """Class labels ``(m,)``, computed ``batch_size`` examples at a time (memory stays small)."""
        m = X.shape[-1]
        return np.concatenate([self.forward(X[..., s:s + batch_size])[0].argmax(axis=0)
                               for s in range(0, m, batch_size)])

    def accuracy(self, X, y):
        """Fraction of the examples whose predicted class is ``y``."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    def probabilities(self, X, batch_size=1000):
        """Class probabilities ``(n_classes, m)``, computed in batches."""
        return np.concatenate([self.forward(X[..., s:s + batch_size])[0]
                               for s in range(0, X.shape[-1], batch_size)], axis=1)
