"""Small data sets, generated with numpy from an explicit random generator.

Every generator returns inputs ``X`` ``(n_features, m)``, one example per
column; regression targets as ``Y`` ``(1, m)`` and class labels as integers
``y`` ``(m,)`` (``Network`` accepts labels directly, or use ``one_hot``).
"""

import numpy as np

from ._validation import as_float_array, check_int, make_rng


def _check_noise(noise):
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.floating)) or not 0 <= noise < np.inf:
        raise ValueError(f"noise must be a non-negative number, got {noise!r}")
    return float(noise)


def x_plus_two():
    """The first example of the course: inputs 1..5 and outputs x + 2.

    Returns ``X`` ``(1, 5)`` and ``Y`` ``(1, 5)``.
    """
    X = np.arange(1.0, 6.0).reshape(1, -1)
    return X, X + 2.0


def noisy_regression(m, *, rng, noise=0.1, fn=np.sin, low=-3.0, high=3.0):
    """``m`` points ``x`` uniform in ``[low, high)``, ``y = fn(x) + noise * N(0, 1)``.

    Returns ``X`` ``(1, m)`` and ``Y`` ``(1, m)``, sorted by ``x`` for plotting.
    """
    m, noise, rng = check_int(m, "m"), _check_noise(noise), make_rng(rng)
    if not high > low:
        raise ValueError(f"high must be greater than low, got low={low!r}, high={high!r}")
    x = np.sort(rng.uniform(low, high, size=m))
    y = fn(x) + noise * rng.standard_normal(m)
    return x.reshape(1, -1), np.asarray(y, dtype=np.float64).reshape(1, -1)


def moons_arc(label, t):
    """The noise-free point of class ``label`` (0 or 1) at ``t`` in ``[0, pi]``: ``(2, len(t))``.

    Class 0 is the upper arc ``(cos t, sin t)``, class 1 the lower arc
    ``(1 - cos t, 1/2 - sin t)``; ``moons`` draws ``t`` uniformly and adds noise.
    """
    t = np.asarray(t, dtype=np.float64)
    if label == 0:
        return np.stack([np.cos(t), np.sin(t)])
    if label == 1:
        return np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    raise ValueError(f"label must be 0 or 1, got {label!r}")


def moons(m, *, rng, noise=0.2):
    """Two interleaving half circles, ``m`` points in all (class 0 gets the extra one when m is odd).

    Class 0 lies on the upper arc ``(cos t, sin t)``, class 1 on the lower arc
    ``(1 - cos t, 1/2 - sin t)``, ``t`` uniform in ``[0, pi]``; Gaussian noise of
    standard deviation ``noise`` is added to both coordinates. Columns are shuffled.
    Returns ``X`` ``(2, m)`` and labels ``y`` ``(m,)``.
    """
    m, noise, rng = check_int(m, "m"), _check_noise(noise), make_rng(rng)
    n1 = m // 2
    n0 = m - n1
    t0 = rng.uniform(0.0, np.pi, n0)
    t1 = rng.uniform(0.0, np.pi, n1)
    X = np.concatenate([moons_arc(0, t0), moons_arc(1, t1)], axis=1)
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(m)
    return X[:, order], y[order]


def spirals(m_per_class, *, rng, n_classes=3, noise=0.2, turns=1.0):
    """``n_classes`` interleaved spiral arms with ``m_per_class`` points each.

    Arm ``k`` has radius ``r`` in ``[0, 1]`` and angle ``2 pi turns r + 2 pi k / n_classes``,
    plus Gaussian noise of standard deviation ``noise`` on the angle.
    Returns ``X`` ``(2, n_classes * m_per_class)`` and labels ``y``.
    """
    m_per_class, noise, rng = check_int(m_per_class, "m_per_class"), _check_noise(noise), make_rng(rng)
    n_classes = check_int(n_classes, "n_classes")
    r = np.tile(np.linspace(0.0, 1.0, m_per_class), n_classes)
    k = np.repeat(np.arange(n_classes), m_per_class)
    angle = 2 * np.pi * turns * r + 2 * np.pi * k / n_classes + noise * rng.standard_normal(r.size)
    X = np.stack([r * np.cos(angle), r * np.sin(angle)])
    order = rng.permutation(r.size)
    return X[:, order], k[order].astype(np.int64)


def minibatches(m, batch_size, *, rng):
    """The column indices of one epoch's mini-batches: an iterator of index arrays.

    The ``m`` examples are shuffled once with ``rng.permutation(m)``, then cut in
    order into batches of ``batch_size``; the last batch holds what is left, so
    every example is used exactly once per epoch.
    """
    m, batch_size, rng = check_int(m, "m"), check_int(batch_size, "batch_size"), make_rng(rng)
    order = rng.permutation(m)  # drawn now, so the rng's next draws come after it
    return (order[start:start + batch_size] for start in range(0, m, batch_size))


def train_test_split(X, y, *, test_fraction, rng):
    """Split the columns of ``X`` (and the matching entries or columns of ``y``) at random.

    Returns ``X_train, X_test, y_train, y_test``; the test part has
    ``round(test_fraction * m)`` examples.
    """
    X = as_float_array(X, "X", ndim=2)
    y = np.asarray(y)
    m = X.shape[1]
    if y.ndim == 0 or y.shape[-1] != m:
        raise ValueError(f"y must have {m} examples (its last axis) to match X, got shape {y.shape}")
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float, np.floating)) \
            or not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    n_test = int(round(test_fraction * m))
    if not 0 < n_test < m:
        empty = "test" if n_test == 0 else "training"
        raise ValueError(f"test_fraction={test_fraction!r} of {m} examples leaves the {empty} part empty")
    rng = make_rng(rng)
    order = rng.permutation(m)
    test, train = order[:n_test], order[n_test:]
    return X[:, train], X[:, test], y[..., train], y[..., test]
