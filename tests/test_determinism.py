"""``random_state`` fixes everything random; another seed changes it."""

import numpy as np
import pytest

from sk_stdp import STDPTransformer


def _run(params, X, seed):
    est = STDPTransformer(**dict(params, random_state=seed)).fit(X)
    return est.components_, est.theta_, est.transform(X)


def _assert_identical(a, b):
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("encoding", ["direct", "poisson"])
@pytest.mark.parametrize("stream", [False, True], ids=["sample", "stream"])
def test_same_seed_same_results_other_seed_other_results(active, X_rates, encoding, stream):
    params = dict(active, encoding=encoding, stream=stream, max_iter=2, shuffle=True)
    first = _run(params, X_rates, 0)
    assert first[2].sum() > 0
    _assert_identical(first, _run(params, X_rates, 0))
    other = _run(params, X_rates, 1)
    assert not np.array_equal(first[0], other[0])  # weights
    assert not np.array_equal(first[2], other[2])  # transform output


@pytest.mark.parametrize(
    ("what", "params"),
    [
        ("rate code", dict(encoding="poisson", stream=True)),
        ("rate code", dict(encoding="poisson", stream=False)),
        ("sample order", dict(encoding="direct", stream=False, shuffle=True)),
    ],
)
def test_seed_reaches_more_than_the_initial_weights(active, X_rates, what, params):
    """With the initial weights given, the seed still drives the rate code / the order."""
    init = np.random.default_rng(9).uniform(0, 1, (active["n_neurons"], X_rates.shape[1]))
    params = dict(active, init=init, **params)
    a, b = _run(params, X_rates, 0), _run(params, X_rates, 1)
    _assert_identical(a, _run(params, X_rates, 0))
    assert not np.array_equal(a[0], b[0]), what
    if params["encoding"] == "poisson":
        assert not np.array_equal(a[2], b[2]), what


def test_direct_code_without_shuffle_ignores_the_seed_given_init(active, X_rates):
    """Nothing else is random: given init, direct code, no shuffle, the seed is irrelevant."""
    init = np.random.default_rng(9).uniform(0, 1, (active["n_neurons"], X_rates.shape[1]))
    params = dict(active, init=init, encoding="direct", stream=False, shuffle=False)
    _assert_identical(_run(params, X_rates, 0), _run(params, X_rates, 123))


def test_random_state_instance_is_equivalent_to_its_seed(active, X_rates):
    params = dict(active, encoding="poisson")
    by_int = _run(params, X_rates, 3)
    by_instance = _run(params, X_rates, np.random.RandomState(3))
    _assert_identical(by_int, by_instance)


def test_refit_is_reproducible(active, X_rates):
    """Fitting the same estimator twice gives the same model (nothing leaks between fits)."""
    est = STDPTransformer(**dict(active, encoding="poisson", stream=True, max_iter=2))
    first = est.fit(X_rates).components_
    est.partial_fit(X_rates[:10])
    np.testing.assert_array_equal(est.fit(X_rates).components_, first)
