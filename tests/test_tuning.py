"""Random search on a log scale: the distribution of the draws, the order of the trials, bad input refused."""

import numpy as np
import pytest

from nnlessons import tuning


def test_log_uniform_stays_in_range_and_is_uniform_in_the_logarithm():
    values = tuning.log_uniform(1e-4, 1.0, 20000, rng=np.random.default_rng(0))
    assert values.shape == (20000,)
    assert values.min() >= 1e-4 and values.max() < 1.0
    # each decade gets a quarter of the draws (a linear draw would put 90% in the top decade)
    counts = np.histogram(np.log10(values), bins=[-4, -3, -2, -1, 0])[0] / values.size
    assert np.allclose(counts, 0.25, atol=0.015)


def test_log_uniform_is_reproducible_from_the_rng_and_a_point_range_is_that_point():
    a = tuning.log_uniform(0.01, 0.5, 5, rng=np.random.default_rng(3))
    b = tuning.log_uniform(0.01, 0.5, 5, rng=np.random.default_rng(3))
    assert np.array_equal(a, b)
    assert np.allclose(tuning.log_uniform(0.3, 0.3, 4, rng=np.random.default_rng(1)), 0.3, rtol=1e-12)


def test_random_search_scores_every_trial_and_returns_them_best_first():
    seen = []

    def score(params):
        seen.append(dict(params))
        return -abs(np.log10(params["rate"]) + 1) - abs(np.log10(params["lam"]))  # best at rate 0.1, lam 1

    trials = tuning.random_search(score, {"rate": (1e-3, 1.0), "lam": (0.1, 10.0)}, 12,
                                  rng=np.random.default_rng(5))
    assert len(trials) == 12 and len(seen) == 12
    scores = [s for _, s in trials]
    assert scores == sorted(scores, reverse=True)
    assert sorted(map(str, seen)) == sorted(str(p) for p, _ in trials)
    # the draws are those of log_uniform, one name after the other
    rng = np.random.default_rng(5)
    rates, lams = tuning.log_uniform(1e-3, 1.0, 12, rng=rng), tuning.log_uniform(0.1, 10.0, 12, rng=rng)
    assert [p["rate"] for p in seen] == list(rates) and [p["lam"] for p in seen] == list(lams)
    for params, s in trials:
        assert set(params) == {"rate", "lam"} and 1e-3 <= params["rate"] < 1.0 and 0.1 <= params["lam"] < 10.0
        assert s == score(params)


def test_equal_scores_keep_their_order():
    trials = tuning.random_search(lambda p: 1.0, {"a": (1.0, 2.0)}, 4, rng=np.random.default_rng(0))
    drawn = tuning.log_uniform(1.0, 2.0, 4, rng=np.random.default_rng(0))
    assert [p["a"] for p, _ in trials] == list(drawn)


def test_the_score_function_cannot_change_the_recorded_params():
    def meddle(params):
        params["a"] = -1.0
        return 0.0

    trials = tuning.random_search(meddle, {"a": (1.0, 2.0)}, 2, rng=np.random.default_rng(0))
    assert all(p["a"] >= 1.0 for p, _ in trials)


@pytest.mark.parametrize("low, high, error, words", [
    (0.0, 1.0, ValueError, "low > 0"), (-1.0, 1.0, ValueError, "low > 0"), (1.0, 0.5, ValueError, "at least low"),
    (float("nan"), 1.0, TypeError, "finite"), (1e-3, float("inf"), TypeError, "finite"), ("0.1", 1.0, TypeError, "number"),
])
def test_bad_ranges_are_refused_by_name(low, high, error, words):
    with pytest.raises(error, match=words):
        tuning.log_uniform(low, high, 3, rng=np.random.default_rng(0))
    with pytest.raises(error, match=f"ranges\\['rate'\\].*{words}"):
        tuning.random_search(lambda p: 0.0, {"rate": (low, high)}, 3, rng=np.random.default_rng(0))


def test_bad_arguments_are_refused():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="size"):
        tuning.log_uniform(0.1, 1.0, 0, rng=rng)
    with pytest.raises(TypeError, match="rng"):
        tuning.log_uniform(0.1, 1.0, 3, rng=0)
    with pytest.raises(TypeError, match="score"):
        tuning.random_search(0.5, {"a": (0.1, 1.0)}, 3, rng=rng)
    with pytest.raises(TypeError, match="ranges"):
        tuning.random_search(lambda p: 0.0, {}, 3, rng=rng)
    with pytest.raises(TypeError, match="pair"):
        tuning.random_search(lambda p: 0.0, {"a": (0.1, 0.5, 1.0)}, 3, rng=rng)
    with pytest.raises(ValueError, match="n_trials"):
        tuning.random_search(lambda p: 0.0, {"a": (0.1, 1.0)}, 2.5, rng=rng)
    with pytest.raises(TypeError, match="rng"):
        tuning.random_search(lambda p: 0.0, {"a": (0.1, 1.0)}, 3, rng=None)
    with pytest.raises(ValueError, match="real number.*trial 0"):
        tuning.random_search(lambda p: float("nan"), {"a": (0.1, 1.0)}, 3, rng=rng)
    with pytest.raises(ValueError, match="real number"):
        tuning.random_search(lambda p: None, {"a": (0.1, 1.0)}, 3, rng=rng)
