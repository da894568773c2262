"""``rule="triplet"`` computes the minimal triplet rule, checked against plain numpy.

The equations are those of the user guide ("Rules beyond the pair rule");
``tests/_reference.py`` implements them independently. Every case asserts that
the triplet term mattered: the weights differ from the pair rule's by far more
than the tolerance of the comparison.
"""

import numpy as np
import pytest

from sk_stdp import STDPTransformer

N_IN, N_OUT = 64, 16
KERNELS = ["dense", "event"]
RULE = dict(A_plus=0.005, A_minus=0.00525, w_min=0.0, w_max=1.0, threshold=1.0, v_reset=0.0,
            leak=0.9, trace_decay=0.95, A3_plus=0.004, trace_decay_slow=0.99)
PLAIN = dict(competition=None, theta_plus=0.0, theta_decay=1.0, weight_norm=None,
             encoding="direct", max_iter=1, shuffle=False)

#: Both modes, with and without competition, homeostasis and normalisation.
CASES = {
    "stream-plain": dict(stream=True, n_rows=2048, learning_rate=0.02, threshold=25.0,
                         A3_plus=0.002),
    "stream-wta-theta-norm": dict(stream=True, n_rows=2048, learning_rate=1.0,
                                  competition="wta", theta_plus=0.2, weight_norm=0.2),
    "sample-plain": dict(stream=False, n_steps=4, n_rows=512, learning_rate=0.1, threshold=6.0),
    "sample-lateral-theta": dict(stream=False, n_steps=4, n_rows=512, learning_rate=0.1,
                                 threshold=6.0,
                                 competition="lateral", inhibition=0.1, theta_plus=0.02,
                                 theta_decay=0.9),
    "stream-depression-window": dict(stream=True, n_rows=2048, learning_rate=1.0,
                                     competition="wta", theta_plus=0.2, weight_norm=0.2,
                                     trace_decay_post=0.98),
}
REFERENCE_NAMES = ("stream", "n_steps", "competition", "inhibition", "theta_plus",
                   "theta_decay", "weight_norm", "learning_rate", "trace_decay_post")


def _data(n_rows, seed=11):
    rng = np.random.default_rng(seed)
    X = (rng.random((n_rows, N_IN)) < 0.1).astype(np.float64)
    return X, rng.uniform(0.0, 1.0, (N_OUT, N_IN))


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("case", list(CASES))
def test_triplet_matches_numpy(reference, kernel, case):
    extra = dict(CASES[case])
    X, W0 = _data(extra.pop("n_rows"))
    rule = {**RULE, **{k: extra.pop(k) for k in list(extra) if k in RULE}}
    params = {**PLAIN, **rule, **extra}
    est = STDPTransformer(N_OUT, rule="triplet", init=W0, kernel=kernel, **params).fit(X)
    ref_kwargs = {k: v for k, v in params.items() if k in REFERENCE_NAMES}
    expected = reference.run(X, W0, rule="triplet", **rule, **ref_kwargs)
    pair = reference.run(X, W0, **{k: v for k, v in rule.items()
                                   if k not in ("A3_plus", "trace_decay_slow")}, **ref_kwargs)

    # Not trivial: neurons fired, weights moved, and the triplet term changed them.
    assert expected["spikes"].sum() >= 200
    assert np.abs(expected["weights"] - np.clip(W0, 0, 1)).max() > 1e-2
    assert np.abs(expected["weights"] - pair["weights"]).max() > 1e-2
    assert expected["trace_slow"].max() > 1.0 or not extra["stream"]
    # Most weights end inside the bounds, where a wrong term would show.
    assert np.mean((expected["weights"] > 0) & (expected["weights"] < 1)) > 0.5

    np.testing.assert_allclose(est.components_, expected["weights"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(est.theta_, expected["theta"], rtol=1e-5, atol=1e-5)
    state = est._numpy_state()
    for name in ("trace_pre", "trace_post", "trace_slow"):
        np.testing.assert_allclose(getattr(state.plasticity, name), expected[name],
                                   rtol=1e-5, atol=1e-5, err_msg=name)
    np.testing.assert_allclose(est.v_, expected["v"], rtol=1e-5, atol=1e-5)


def test_triplet_without_triplet_term_is_the_pair_rule():
    X, W0 = _data(2048)
    params = {**PLAIN, **RULE, "learning_rate": 0.05, "stream": True, "A3_plus": 0.0}
    triplet = STDPTransformer(N_OUT, rule="triplet", init=W0, **params).fit(X)
    pair = STDPTransformer(N_OUT, rule="pair", init=W0, **params).fit(X)
    np.testing.assert_allclose(triplet.components_, pair.components_, atol=1e-6)
    assert np.abs(pair.components_ - np.clip(W0, 0, 1)).max() > 1e-2


@pytest.mark.parametrize("kernel", KERNELS)
def test_triplet_chunking_equals_fit(kernel):
    """The slow trace carries over between partial_fit calls like every other trace."""
    X, W0 = _data(64)
    params = {**PLAIN, **RULE, "learning_rate": 1.0, "stream": True, "competition": "wta",
              "theta_plus": 0.1, "kernel": kernel, "threshold": 0.5}
    full = STDPTransformer(N_OUT, rule="triplet", init=W0, **params).fit(X)
    online = STDPTransformer(N_OUT, rule="triplet", init=W0, **params)
    for rows in np.array_split(np.arange(64), [1, 2, 15, 40]):
        online.partial_fit(X[rows])
    np.testing.assert_array_equal(full.components_, online.components_)
    np.testing.assert_array_equal(full._numpy_state().plasticity.trace_slow,
                                  online._numpy_state().plasticity.trace_slow)
    assert np.any(full._numpy_state().plasticity.trace_slow)
