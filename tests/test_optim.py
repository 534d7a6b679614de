"""Optimisers and schedules: each update against its formula, written out here step by step."""

import math
import re
import tracemalloc

import numpy as np
import pytest

from nnlessons.optim import SGD, Adam, CosineDecay, Momentum, StepDecay, get_optimizer


def _problem(seed=0):
    """Three parameters of different shapes and a sequence of gradients for them."""
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=(3, 1)), "W2": rng.normal(size=(1, 3))}
    grads = [{k: rng.normal(size=v.shape) for k, v in params.items()} for _ in range(6)]
    return params, grads


def _copy(d):
    return {k: v.copy() for k, v in d.items()}


def test_sgd_follows_its_formula_and_updates_in_place():
    params, grads = _problem()
    expected = _copy(params)
    arrays = {k: v for k, v in params.items()}
    opt = SGD(0.3)
    for g in grads:
        g_before = _copy(g)
        opt.step(params, g)
        for k in expected:
            expected[k] = expected[k] - 0.3 * g[k]
            assert np.array_equal(g[k], g_before[k]), "the gradients must not be modified"
    for k in expected:
        assert np.allclose(params[k], expected[k], rtol=1e-13, atol=1e-14)
        assert params[k] is arrays[k], "the update must be in place"


def test_steps_allocate_no_parameter_sized_arrays_after_the_first():
    rng = np.random.default_rng(1)
    params = {"W": rng.normal(size=(500, 400))}  # 1.6 MB per array
    g = {"W": rng.normal(size=(500, 400))}
    for opt in (SGD(0.1), Momentum(0.1), Adam(0.01)):
        opt.step(params, g)  # the first step allocates the optimiser's state
        tracemalloc.start()
        for _ in range(3):
            opt.step(params, g)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 100_000, f"{type(opt).__name__}: a step allocated {peak} bytes"


def test_momentum_follows_its_formula():
    params, grads = _problem(2)
    expected = _copy(params)
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    opt = Momentum(0.05, beta=0.8)
    for g in grads:
        opt.step(params, g)
        for k in expected:
            velocity[k] = 0.8 * velocity[k] + g[k]
            expected[k] = expected[k] - 0.05 * velocity[k]
    for k in expected:
        assert np.allclose(params[k], expected[k], rtol=1e-12, atol=1e-14)
        assert np.allclose(opt.velocity[k], velocity[k], rtol=1e-12, atol=1e-14)


def test_momentum_with_beta_zero_is_sgd():
    params, grads = _problem(3)
    twin = _copy(params)
    mom, sgd = Momentum(0.1, beta=0.0), SGD(0.1)
    for g in grads:
        mom.step(params, g)
        sgd.step(twin, g)
    for k in params:
        assert np.allclose(params[k], twin[k], rtol=1e-13, atol=1e-15)


def _adam_reference(params, grads, lr, b1, b2, eps):
    """Adam written from the paper's algorithm, one loop over steps, t counted per step."""
    p = _copy(params)
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(x) for k, x in p.items()}
    for t, g in enumerate(grads, start=1):
        for k in p:
            m[k] = b1 * m[k] + (1 - b1) * g[k]
            v[k] = b2 * v[k] + (1 - b2) * g[k] ** 2
            m_hat = m[k] / (1 - b1**t)
            v_hat = v[k] / (1 - b2**t)
            p[k] = p[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


def test_adam_follows_the_algorithm_of_the_paper():
    params, grads = _problem(4)
    expected = _adam_reference(params, grads, 0.01, 0.9, 0.999, 1e-8)
    opt = Adam(0.01)
    for g in grads:
        opt.step(params, g)
    assert opt.t == len(grads)
    for k in params:
        assert np.allclose(params[k], expected[k], rtol=1e-12, atol=1e-14)


def test_adam_counts_steps_not_parameters():
    # With three parameters, a counter advanced once per parameter would reach t = 3
    # inside the first step and shrink the later parameters' first step to about 0.74 lr.
    params, grads = _problem(5)
    before = _copy(params)
    opt = Adam(0.1)
    opt.step(params, grads[0])
    assert opt.t == 1
    for k in params:
        # first step: m_hat = g and v_hat = g^2, so every coordinate moves by lr against its gradient
        assert np.allclose(params[k] - before[k], -0.1 * np.sign(grads[0][k]), rtol=1e-6)


def test_adam_bias_correction_matters_in_the_first_steps():
    start, grads = _problem(6)
    corrected, uncorrected = _copy(start), _copy(start)
    Adam(0.01).step(corrected, grads[0])
    Adam(0.01, bias_correction=False).step(uncorrected, grads[0])
    # without the correction the first step is (1 - 0.9) / sqrt(1 - 0.999) = 3.16 times lr
    for k in start:
        assert np.allclose(np.abs(corrected[k] - start[k]), 0.01, rtol=1e-6)
        assert np.allclose(np.abs(uncorrected[k] - start[k]), 0.01 * 0.1 / math.sqrt(0.001), rtol=1e-4)


def test_optimisers_keep_float32():
    p = {"w": np.ones((2, 2), dtype=np.float32)}
    g = {"w": np.full((2, 2), 0.5, dtype=np.float32)}
    for opt in (SGD(0.1), Momentum(0.1), Adam(0.1)):
        opt.step(p, g)
        assert p["w"].dtype == np.float32


def test_learning_rate_can_change_between_steps():
    p, g = {"w": np.zeros(1)}, {"w": np.ones(1)}
    opt = SGD(0.1)
    opt.step(p, g)
    opt.learning_rate = 0.01
    opt.step(p, g)
    assert np.allclose(p["w"], [-0.11])


@pytest.mark.parametrize("make, match", [
    (lambda: SGD(0.0), "learning_rate"),
    (lambda: SGD(-1), "learning_rate"),
    (lambda: Momentum(0.1, beta=1.0), "beta"),
    (lambda: Adam(0.1, beta1=-0.1), "beta1"),
    (lambda: Adam(0.1, beta2=1.0), "beta2"),
    (lambda: Adam(0.1, eps=0.0), "eps"),
    (lambda: get_optimizer("rmsprop"), "optimizer"),
    (lambda: StepDecay(0.1, factor=0.0), "factor"),
    (lambda: StepDecay(0.1, every=0), "every"),
    (lambda: CosineDecay(0.1, epochs=0), "epochs"),
    (lambda: CosineDecay(0.1, epochs=5, final=0.2), "final"),
])
def test_bad_settings_are_refused(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_get_optimizer():
    assert isinstance(get_optimizer(None, 0.1), SGD)
    assert get_optimizer("adam", 0.02).learning_rate == 0.02
    opt = Momentum(0.1)
    assert get_optimizer(opt) is opt


def test_step_decay():
    s = StepDecay(0.5, factor=0.1, every=3)
    assert [s(e) for e in range(7)] == pytest.approx([0.5, 0.5, 0.5, 0.05, 0.05, 0.05, 0.005])
    with pytest.raises(ValueError, match="epoch"):
        s(-1)


def test_cosine_decay():
    s = CosineDecay(0.2, epochs=10, final=0.02)
    values = [s(e) for e in range(12)]
    assert values[0] == pytest.approx(0.2)
    assert values[5] == pytest.approx(0.11)  # half way: the mean of the two ends
    assert values[10] == values[11] == pytest.approx(0.02)
    assert all(a > b for a, b in zip(values[:10], values[1:11]))


def test_sgd_serves_parameters_of_another_shape_momentum_and_adam_refuse_them():
    # Adam reused for a second network carried over its moments and its step count (t = 28).
    sgd = SGD(0.1)
    sgd.step({"w": np.zeros(2)}, {"w": np.ones(2)})
    p = {"w": np.zeros(3)}  # same name, another network: SGD has no state to carry over
    sgd.step(p, {"w": np.ones(3)})
    assert np.array_equal(p["w"], [-0.1] * 3)
    for opt in (Momentum(0.1), Adam(0.1)):
        name = type(opt).__name__
        opt.step({"w": np.zeros(2)}, {"w": np.ones(2)})
        state = {k: v.copy() for k, v in (opt.velocity if name == "Momentum" else opt.m).items()}
        for p, g, got in [({"w": np.zeros(3)}, {"w": np.ones(3)}, "{w: (3,) float64}"),
                          ({"w": np.zeros(2, np.float32)}, {"w": np.ones(2, np.float32)}, "{w: (2,) float32}"),
                          ({"w": np.zeros(2), "b": np.zeros(1)}, {"w": np.ones(2), "b": np.ones(1)},
                           "{b: (1,) float64, w: (2,) float64}")]:
            with pytest.raises(ValueError, match=rf"^this {name} has stepped parameters \{{w: \(2,\) float64\}} "
                                                 rf"and was handed {re.escape(got)}: its state belongs to the other "
                                                 rf"network; make a new {name}\(...\) for each network, or call "
                                                 r"\.reset\(\) first$"):
                opt.step(p, g)
            assert not any(v.any() for v in p.values()), "a refused step changes nothing"
        after = opt.velocity if name == "Momentum" else opt.m
        assert all(np.array_equal(after[k], state[k]) for k in state), "nor the state"
        opt.reset()
        p = {"w": np.zeros(3)}
        opt.step(p, {"w": np.ones(3)})
        assert np.allclose(p["w"], -0.1), name  # a first step again: momentum's v = g, Adam's step = lr
        if name == "Adam":
            assert opt.t == 1


def test_numpy_betas_are_accepted_like_python_floats():
    # np.float32(0.9) was refused as "not a number in [0, 1)" while keep_prob and weight_decay took numpy floats.
    assert Momentum(0.1, beta=np.float32(0.5)).beta == 0.5
    assert Adam(0.1, beta1=np.float32(0.5), beta2=np.float64(0.75)).beta1 == 0.5
    # numpy 2 shows the value as np.float32(1.0), numpy 1 as 1.0
    with pytest.raises(ValueError, match=r"^beta must be a number in \[0, 1\), got (np\.float32\()?1\.0\)?$"):
        Momentum(0.1, beta=np.float32(1.0))


def test_an_optimiser_class_instead_of_an_object_is_named():
    # The class has a .step attribute too: fit used to fail inside its loop with
    # "Adam.step() missing 1 required positional argument: 'grads'".
    from nnlessons import Network

    net = Network([2, 1], "sigmoid", "binary_cross_entropy", rng=0)
    with pytest.raises(TypeError, match=r"^optimizer must be an optimiser object such as Adam\(learning_rate=...\), "
                                        r"not the class itself$"):
        net.fit(np.zeros((2, 4)), [0, 1, 0, 1], epochs=1, optimizer=Adam, rng=0)


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Momentum(0.1), lambda: Adam(0.1)])
def test_a_gradient_of_another_shape_or_name_is_refused_before_any_update(make):
    # A (2, 1) gradient for a (2, 3) weight was broadcast across its columns without a word.
    opt = make()
    params = {"W": np.zeros((2, 3)), "b": np.zeros((2, 1))}
    with pytest.raises(ValueError, match=r"^grads\['W'\] must have the shape of params\['W'\] \(2, 3\), "
                                         r"got shape \(2, 1\)$"):
        opt.step(params, {"b": np.ones((2, 1)), "W": np.ones((2, 1))})
    with pytest.raises(ValueError, match=r"^grads\['V'\] has no parameter of that name; params has \['W', 'b'\]$"):
        opt.step(params, {"V": np.ones((2, 3))})
    assert not params["W"].any() and not params["b"].any(), "a refused step must change nothing"
    assert getattr(opt, "t", 0) == 0
