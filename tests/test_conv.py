"""The convolution and max-pooling layers: values against loops, gradients against central differences."""

import numpy as np
import pytest

from nnlessons import conv
from nnlessons.gradcheck import numerical_gradient, relative_error
from nnlessons.lessons.convolution import conv2d_loops

# (C, H, W, m, F, kh, kw, stride, padding)
GEOMETRIES = [
    (1, 6, 6, 2, 3, 3, 3, 1, 0),
    (2, 7, 8, 3, 4, 3, 2, 2, 1),
    (3, 5, 5, 1, 2, 5, 5, 1, 2),
    (2, 9, 10, 4, 3, 4, 3, 3, 0),
]


def _case(geometry, seed=0):
    C, H, Wd, m, F, kh, kw, s, p = geometry
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((C, H, Wd, m)), rng.standard_normal((F, C, kh, kw)),
            rng.standard_normal((F, 1)), s, p)


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_forward_equals_the_definition(geometry):
    X, W, b, s, p = _case(geometry)
    np.testing.assert_allclose(conv.conv2d_forward(X, W, b, s, p), conv2d_loops(X, W, b, s, p), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_backward_against_central_differences(geometry):
    X, W, b, s, p = _case(geometry, seed=1)
    m = X.shape[3]
    G = np.random.default_rng(2).standard_normal(conv.conv2d_forward(X, W, b, s, p).shape)

    def J():  # mean over the examples of sum(G * Z): dZ = G per example
        return np.sum(G * conv.conv2d_forward(X, W, b, s, p)) / m

    dX, dW, db = conv.conv2d_backward(G, X, W, s, p)
    assert dX.shape == X.shape and dW.shape == W.shape and db.shape == b.shape
    assert relative_error(dW, numerical_gradient(J, W)) < 1e-7
    assert relative_error(db, numerical_gradient(J, b)) < 1e-7
    assert relative_error(dX / m, numerical_gradient(J, X)) < 1e-7  # dX is per example


def test_im2col_and_col2im_are_adjoint():
    X, W, _, s, p = _case(GEOMETRIES[1])
    cols, _, _ = conv.im2col(X, 3, 2, s, p)
    Y = np.random.default_rng(3).standard_normal(cols.shape)
    assert np.isclose(np.sum(cols * Y), np.sum(X * conv.col2im(Y, X.shape, 3, 2, s, p)))


def test_backward_with_stride_one_is_a_full_convolution_with_the_flipped_kernel():
    X, W, _, _, _ = _case(GEOMETRIES[0])
    dZ = np.random.default_rng(4).standard_normal((3, 4, 4, 2))
    dX = conv.conv2d_backward(dZ, X, W)[0]
    full = conv.conv2d_forward(dZ, W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3), np.zeros((1, 1)), padding=2)
    np.testing.assert_allclose(dX, full, atol=1e-12)


@pytest.mark.parametrize("size, stride, shape", [(2, None, (2, 6, 6, 3)), (3, 2, (1, 7, 7, 2)), (2, 1, (2, 5, 5, 1)),
                                                 (2, None, (1, 5, 7, 2))])
def test_maxpool_forward_and_backward(size, stride, shape):
    A = np.random.default_rng(5).standard_normal(shape)
    P = conv.maxpool_forward(A, size, stride)
    s = size if stride is None else stride
    for i in range(P.shape[1]):
        for j in range(P.shape[2]):
            window = A[:, s * i:s * i + size, s * j:s * j + size, :]
            np.testing.assert_array_equal(P[:, i, j, :], window.max(axis=(1, 2)))
    G = np.random.default_rng(6).standard_normal(P.shape)
    dA = conv.maxpool_backward(G, A, size, stride)
    assert relative_error(dA, numerical_gradient(lambda: np.sum(G * conv.maxpool_forward(A, size, stride)), A)) < 1e-7


def test_maxpool_ties_go_to_the_first_maximum_in_reading_order():
    A = np.array([[1.0, 2.0], [2.0, 2.0]])[None, :, :, None]
    dA = conv.maxpool_backward(np.array([[[[5.0]]]]), A, 2)
    np.testing.assert_array_equal(dA[0, :, :, 0], [[0.0, 5.0], [0.0, 0.0]])
    zeros = np.zeros((1, 4, 4, 2))
    dA = conv.maxpool_backward(np.ones((1, 2, 2, 2)), zeros, 2)
    assert dA.sum() == 8.0 and np.count_nonzero(dA) == 8  # one element per window


def test_float32_stays_float32():
    X, W, b, s, p = (a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in _case(GEOMETRIES[1]))
    Z = conv.conv2d_forward(X, W, b, s, p)
    assert Z.dtype == np.float32
    assert all(g.dtype == np.float32 for g in conv.conv2d_backward(Z, X, W, s, p))
    assert conv.maxpool_forward(X).dtype == np.float32


def test_output_size():
    assert conv.output_size(28, 5) == 24
    assert conv.output_size(28, 3, stride=2, padding=1) == 14
    with pytest.raises(ValueError, match="does not fit"):
        conv.output_size(3, 5)


@pytest.mark.parametrize("args, match", [
    ((np.zeros((784, 3)), np.zeros((2, 1, 3, 3)), np.zeros((2, 1))), r"X must have shape \(C, H, W, m\).*reshape"),
    ((np.zeros((28, 28, 3)), np.zeros((2, 1, 3, 3)), np.zeros((2, 1))), r"one channel\?"),
    ((np.zeros((1, 8, 8, 3)), np.zeros((1, 2, 3, 3)), np.zeros((2, 1))), r"W must have shape \(F, 1, kh, kw\)"),
    ((np.zeros((2, 8, 8, 3)), np.zeros((2, 3, 3, 3)), np.zeros((2, 1))), r"filters first"),
    ((np.zeros((1, 8, 8, 3)), np.zeros((2, 1, 3, 3)), np.zeros((2,))), r"b must have shape \(2, 1\)"),
    ((np.zeros((1, 4, 4, 3)), np.zeros((2, 1, 5, 5)), np.zeros((2, 1))), r"kernel's height 5 exceeds"),
])
def test_bad_shapes_are_refused_by_name(args, match):
    with pytest.raises(ValueError, match=match):
        conv.conv2d_forward(*args)


def test_bad_geometry_and_gradients_are_refused():
    X, W = np.zeros((1, 8, 8, 2)), np.zeros((3, 1, 3, 3))
    with pytest.raises(ValueError, match="stride must be a positive int"):
        conv.conv2d_forward(X, W, np.zeros((3, 1)), stride=0)
    with pytest.raises(ValueError, match="padding must be a non-negative int"):
        conv.conv2d_forward(X, W, np.zeros((3, 1)), padding=-1)
    with pytest.raises(ValueError, match=r"dZ must have the output's shape \(3, 6, 6, 2\)"):
        conv.conv2d_backward(np.zeros((3, 6, 6, 1)), X, W)
    with pytest.raises(ValueError, match=r"dP must have the pooled shape \(1, 4, 4, 2\)"):
        conv.maxpool_backward(np.zeros((1, 4, 4, 1)), X)
    with pytest.raises(ValueError, match="does not fit"):
        conv.maxpool_forward(np.zeros((1, 2, 2, 1)), 3)


def _small_net(**kwargs):
    kwargs.setdefault("padding", 1)  # 6x6 stays 6x6, pooled to 3x3
    return conv.Sequential([conv.Conv2D(1, 3, 3, rng=0, **kwargs), conv.ReLU(), conv.MaxPool2D(2), conv.Flatten(),
                            conv.Dense(3 * 3 * 3, 5, rng=1), conv.ReLU(), conv.Dense(5, 4, rng=2, scale=1.0)])


def test_sequential_gradients_against_central_differences():
    net = _small_net()
    X = np.random.default_rng(7).random((1, 6, 6, 5))
    y = np.array([0, 3, 1, 2, 3])
    _, grads = net.loss_and_grads(X, y)
    assert sorted(grads) == sorted(net.params) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    for name, p in net.params.items():
        assert relative_error(grads[name], numerical_gradient(lambda: net.loss_and_grads(X, y)[0], p)) < 1e-7, name


def test_sequential_runs_replacement_functions_and_follows_assigned_params():
    X = np.random.default_rng(8).random((1, 6, 6, 4))
    y = np.array([0, 1, 2, 3])
    calls = []

    def my_forward(*a):
        calls.append("forward")
        return conv.conv2d_forward(*a)

    def my_backward(*a):
        calls.append("backward")
        return conv.conv2d_backward(*a)

    plain, custom = _small_net(), _small_net(forward_fn=my_forward, backward_fn=my_backward)
    c1, g1 = plain.loss_and_grads(X, y)
    c2, g2 = custom.loss_and_grads(X, y)
    assert calls == ["forward", "backward"] and np.isclose(c1, c2)
    assert all(np.allclose(g1[k], g2[k]) for k in g1)
    custom.params["W1"] = custom.params["W1"] * 0  # assignment, not in place: the layer must follow
    assert not np.isclose(custom.loss_and_grads(X, y)[0], c1)
    assert custom.layers[0].W is custom.params["W1"]


def test_sequential_prediction_in_batches_and_refusals():
    net = _small_net()
    X = np.random.default_rng(9).random((1, 6, 6, 7))
    np.testing.assert_array_equal(net.predict(X, batch_size=3), net(X).argmax(axis=0))
    assert net.probabilities(X, batch_size=2).shape == (4, 7)
    assert net.n_params() == 3 * 9 + 3 + 27 * 5 + 5 + 5 * 4 + 4 == 194
    with pytest.raises(ValueError, match="last layer must have parameters"):
        conv.Sequential([conv.Flatten()])


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    X, W, b, s, p = _case(GEOMETRIES[1])
    Xt = torch.tensor(X.transpose(3, 0, 1, 2), requires_grad=True)   # (N, C, H, W)
    Wt = torch.tensor(W, requires_grad=True)
    bt = torch.tensor(b.ravel(), requires_grad=True)
    Zt = torch.nn.functional.conv2d(Xt, Wt, bt, stride=s, padding=p)
    Z = conv.conv2d_forward(X, W, b, s, p)
    np.testing.assert_allclose(Z, Zt.detach().numpy().transpose(1, 2, 3, 0), atol=1e-12)
    G = np.random.default_rng(10).standard_normal(Z.shape)
    (Zt * torch.tensor(G.transpose(3, 0, 1, 2))).sum().backward()
    dX, dW, db = conv.conv2d_backward(G, X, W, s, p)
    m = X.shape[3]
    np.testing.assert_allclose(dX, Xt.grad.numpy().transpose(1, 2, 3, 0), atol=1e-12)
    np.testing.assert_allclose(dW * m, Wt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(db.ravel() * m, bt.grad.numpy(), atol=1e-12)
    A = np.random.default_rng(11).integers(0, 3, size=(2, 7, 7, 3)).astype(np.float64)  # with ties
    At = torch.tensor(A.transpose(3, 0, 1, 2), requires_grad=True)
    Pt = torch.nn.functional.max_pool2d(At, 3, 2)
    np.testing.assert_array_equal(conv.maxpool_forward(A, 3, 2), Pt.detach().numpy().transpose(1, 2, 3, 0))
    Gp = np.random.default_rng(12).standard_normal(Pt.shape)
    (Pt * torch.tensor(Gp)).sum().backward()
    np.testing.assert_allclose(conv.maxpool_backward(Gp.transpose(1, 2, 3, 0), A, 3, 2),
                               At.grad.numpy().transpose(1, 2, 3, 0), atol=1e-12)


def test_the_full_mnist_scripts_network_trains_in_float32():
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "train_conv_mnist.py"
    spec = importlib.util.spec_from_file_location("train_conv_mnist", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    net = script.network(np.random.default_rng(0), np.dtype(np.float32))
    assert net.n_params() == 20 * 25 + 20 + 40 * 20 * 25 + 40 + 640 * 100 + 100 + 100 * 10 + 10 == 85_670
    rng = np.random.default_rng(1)
    X, y = rng.random((1, 28, 28, 8)).astype(np.float32), rng.integers(0, 10, 8)
    cost, grads = net.loss_and_grads(X, y)
    assert all(g.dtype == np.float32 for g in grads.values())
    for name in net.params:
        net.params[name] -= 0.05 * grads[name]
    assert net.loss_and_grads(X, y)[0] < cost
