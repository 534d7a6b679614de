"""Random search on a log scale for hyperparameters (learning rate, lambda, keep probability...).

A learning rate of 0.01 and one of 0.02 differ as much as 0.1 and 0.2: what matters is the
ratio, so each hyperparameter is drawn uniformly in its logarithm (CS231n's advice), and
random points cover each axis with ``n_trials`` distinct values where a grid would repeat a
few (Bergstra and Bengio, 2012). Every trial is scored by a function, on validation data,
and the trials come back best first.

    log_uniform(low, high, size, rng=rng)      (size,) values, log(value) uniform in [log low, log high)
    random_search(score, {"learning_rate": (1e-3, 1.0), ...}, n_trials, rng=rng)
        -> [(params, score), ...]              n_trials pairs, highest score first
"""

import math
import numbers

import numpy as np

__all__ = ["log_uniform", "random_search"]


def _check_range(low, high, name):
    for value, which in ((low, "low"), (high, "high")):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise TypeError(f"{name}: {which} must be a finite number, got {value!r}")
        if value <= 0:
            raise ValueError(f"{name}: a log scale needs {which} > 0, got {value!r}")
    if high < low:
        raise ValueError(f"{name}: high must be at least low, got low {low!r} and high {high!r}")


def _check_count(n, name):
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {n!r}")
    return int(n)


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}")


def log_uniform(low, high, size, *, rng):
    """``size`` values whose logarithms are uniform in ``[log low, log high)``; an array ``(size,)``.

    ``0 < low <= high``; ``rng`` is a ``np.random.Generator``, the only source of randomness.
    """
    _check_range(low, high, "log_uniform")
    size = _check_count(size, "size")
    _check_rng(rng)
    return np.exp(rng.uniform(math.log(low), math.log(high), size))


def random_search(score, ranges, n_trials, *, rng):
    """Score ``n_trials`` random points of ``ranges`` and return them best first.

    ``ranges`` maps each hyperparameter's name to ``(low, high)``, sampled with
    ``log_uniform`` (all ``n_trials`` values of the first name, then of the second, ...).
    ``score(params)`` gets a dict ``{name: value}`` and returns a real number, higher
    is better (a validation accuracy; return ``-cost`` for a cost). Returns a list of
    ``n_trials`` pairs ``(params, score)`` sorted by score, highest first; equal scores
    keep the order in which they were drawn.
    """
    if not callable(score):
        raise TypeError(f"score must be a function params -> number, got {type(score).__name__}")
    if not isinstance(ranges, dict) or not ranges:
        raise TypeError(f"ranges must be a non-empty dict name -> (low, high), got {ranges!r}")
    n_trials = _check_count(n_trials, "n_trials")
    _check_rng(rng)
    for name, bounds in ranges.items():
        if not isinstance(name, str):
            raise TypeError(f"ranges: names must be strings, got {name!r}")
        if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
            raise TypeError(f"ranges[{name!r}] must be a pair (low, high), got {bounds!r}")
        _check_range(bounds[0], bounds[1], f"ranges[{name!r}]")
    values = {name: log_uniform(low, high, n_trials, rng=rng) for name, (low, high) in ranges.items()}
    trials = []
    for i in range(n_trials):
        params = {name: float(v[i]) for name, v in values.items()}
        result = score(dict(params))
        if isinstance(result, bool) or not isinstance(result, numbers.Real) or math.isnan(result):
            raise ValueError(f"score must return a real number, got {result!r} for trial {i} {params}")
        trials.append((params, float(result)))
    return sorted(trials, key=lambda trial: -trial[1])
