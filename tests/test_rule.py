"""The estimator computes the rule of the user guide ("The model and the rule"), checked
against plain numpy.

``tests/_reference.py`` implements the equations independently (float32 numpy,
no sk_stdp code). Every case asserts that neurons fired and weights moved, so
that agreement is not the trivial agreement of two idle networks.
"""

import numpy as np
import pytest

from sk_stdp import STDPTransformer

N_IN, N_OUT, N_BINS = 64, 16, 2048  # 2048 bins = two full blocks: one compiled length
N_SAMPLES = 512  # sample mode: 512 rows x 4 steps
KERNELS = ["dense", "event", "numba"]

#: Everything switched off: the seed rule's configuration (user guide, "Reproducing the
#: plain rule exactly").
SEED_CONFIG = dict(
    stream=True,
    n_steps=1,
    encoding="direct",
    competition=None,
    theta_plus=0.0,
    theta_decay=1.0,
    weight_norm=None,
    max_iter=1,
    shuffle=False,
)

#: Non-seed values for all nine rule parameters, large enough that weights
#: move across the whole range; A_minus is set per case.
FAST_RULE = dict(
    A_plus=0.02,
    learning_rate=1.0,
    w_min=0.01,
    w_max=0.95,
    threshold=1.5,
    v_reset=-0.1,
    leak=0.85,
    trace_decay=0.9,
)

EXTRA_NAMES = ("stream", "n_steps", "competition", "inhibition", "theta_plus", "theta_decay",
               "weight_norm", "trace_decay_post")


def _data(density, n_rows, seed):
    rng = np.random.default_rng(seed)
    X = (rng.random((n_rows, N_IN)) < density).astype(np.float64)
    W0 = rng.uniform(0.0, 1.0, (N_OUT, N_IN))
    return X, W0


def _fit_and_reference(reference, X, W0, kernel, rule, **config):
    params = {**SEED_CONFIG, **config}
    est = STDPTransformer(N_OUT, init=W0, kernel=kernel, **rule, **params).fit(X)
    ref_kwargs = {k: v for k, v in params.items() if k in EXTRA_NAMES}
    expected = reference.run(X, W0, **rule, **ref_kwargs)
    return est, expected


def _assert_matches(est, expected, W0, *, min_spikes, stream=True):
    W0 = np.clip(W0, est.w_min, est.w_max)
    W = expected["weights"]
    # The run is not trivial: neurons fired and most weights moved.
    assert expected["spikes"].sum() >= min_spikes
    assert np.abs(W - W0).max() > 1e-3
    assert np.mean(np.abs(W - W0) > 1e-5) > 0.5
    # The estimator agrees with the reference.
    assert est.components_.shape == W.shape
    np.testing.assert_allclose(est.components_, W, rtol=0, atol=1e-5)
    np.testing.assert_allclose(est.theta_, expected["theta"], rtol=1e-5, atol=1e-5)
    for name in ("v", "trace_pre", "trace_post"):
        np.testing.assert_allclose(
            getattr(est, name + "_"), expected[name], rtol=1e-5, atol=1e-5, err_msg=name
        )
    if not stream:
        assert not np.any(est.v_) and not np.any(est.trace_pre_) and not np.any(est.trace_post_)


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("density", [0.05, 0.3])
def test_seed_rule_matches_numpy(reference, kernel, density):
    X, W0 = _data(density, N_BINS, seed=int(density * 100))
    est, expected = _fit_and_reference(reference, X, W0, kernel, reference.SEED_RULE)
    assert est.kernel_ == kernel
    _assert_matches(est, expected, W0, min_spikes=5000)


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("density", [0.05, 0.3])
@pytest.mark.parametrize("bound", ["w_min", "w_max"])
def test_other_rule_values_clip_at_bounds(reference, kernel, density, bound):
    """Fast learning: depression-dominated runs pin weights at w_min, potentiation at w_max."""
    X, W0 = _data(density, N_BINS, seed=7)
    rule = dict(FAST_RULE, A_minus=0.021 if bound == "w_min" else 0.019)
    est, expected = _fit_and_reference(reference, X, W0, kernel, rule)
    _assert_matches(est, expected, W0, min_spikes=5000)
    W = est.components_
    assert W.min() >= np.float32(rule["w_min"]) and W.max() <= np.float32(rule["w_max"])
    assert np.sum(W == np.float32(rule[bound])) >= 10
    np.testing.assert_array_equal(W == np.float32(rule[bound]),
                                  expected["weights"] == np.float32(rule[bound]))
    assert np.abs(W - np.clip(W0, rule["w_min"], rule["w_max"])).max() > 0.5


#: Competition, homeostasis and normalisation, in stream and sample mode.
EXTENSIONS = {
    "wta-theta-norm": dict(competition="wta", theta_plus=0.2, weight_norm=0.2,
                           learning_rate=1.0),
    "lateral-theta-decay": dict(competition="lateral", inhibition=0.3, theta_plus=0.05,
                                theta_decay=0.99, learning_rate=0.5),
    "norm-only": dict(weight_norm=0.15, learning_rate=0.5),
    "sample-wta-theta-norm": dict(stream=False, n_steps=4, competition="wta", theta_plus=0.2,
                                  weight_norm=0.2, learning_rate=1.0),
    "sample-plain": dict(stream=False, n_steps=4, learning_rate=0.2),
    "sample-lateral": dict(stream=False, n_steps=4, competition="lateral", inhibition=0.5,
                           theta_plus=0.02, theta_decay=0.9, learning_rate=0.5),
    # A depression window of its own, longer and shorter than the potentiation window.
    "depression-window-wta-norm": dict(competition="wta", theta_plus=0.2, weight_norm=0.2,
                                       trace_decay_post=0.98, learning_rate=0.5),
    "depression-window-plain": dict(trace_decay_post=0.7, learning_rate=0.5),
    "sample-depression-window": dict(stream=False, n_steps=4, competition="wta",
                                     theta_plus=0.2, weight_norm=0.2, trace_decay_post=0.8,
                                     learning_rate=1.0),
}


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("case", list(EXTENSIONS))
def test_extensions_match_numpy(reference, kernel, case):
    extra = dict(EXTENSIONS[case])
    rule = dict(reference.SEED_RULE, learning_rate=extra.pop("learning_rate"))
    stream = extra.get("stream", True)
    X, W0 = _data(0.1, N_BINS if stream else N_SAMPLES, seed=11)
    est, expected = _fit_and_reference(reference, X, W0, kernel, rule, **extra)
    _assert_matches(est, expected, W0, min_spikes=200, stream=stream)
    if extra.get("theta_plus"):
        assert est.theta_.max() > 0.1
    if extra.get("weight_norm"):
        np.testing.assert_allclose(
            est.components_.sum(axis=1), extra["weight_norm"] * N_IN, rtol=1e-4
        )
    if extra.get("competition") == "wta":
        # Every neuron that learned did so alone: with one winner per step, the
        # total number of spikes is at most the number of steps.
        assert expected["spikes"].sum() <= X.shape[0] * extra.get("n_steps", 1)


@pytest.mark.parametrize("competition", [None, "wta"])
def test_rate_code_same_weights_on_both_kernels(competition):
    """With the rate code an input listed in the events may not fire this step.

    Its row is updated once, like every other weight: the event kernel must
    not also apply the column update of a spiking neuron to it.
    """
    rng = np.random.default_rng(5)
    X = rng.random((N_BINS, N_IN)) * (rng.random((N_BINS, N_IN)) < 0.2)
    config = dict(SEED_CONFIG, encoding="poisson", competition=competition)

    def fit(kernel, learning_rate):
        return STDPTransformer(N_OUT, kernel=kernel, learning_rate=learning_rate,
                               random_state=0, **config).fit(X)

    dense, event = fit("dense", 1.0), fit("event", 1.0)
    assert event.kernel_ == "event" and event.predict(X).sum() > 50
    assert np.abs(event.components_ - fit("event", 0.0).components_).max() > 0.05
    np.testing.assert_allclose(dense.components_, event.components_, atol=1e-6)


def test_ltp_only_touches_active_inputs(reference):
    """Pure potentiation: weights from silent inputs stay, from active inputs grow."""
    X, W0 = _data(0.05, N_BINS, seed=3)
    X[:, :8] = 0  # eight inputs never spike
    rule = dict(reference.SEED_RULE, A_minus=0.0, learning_rate=0.1)
    est = STDPTransformer(N_OUT, init=W0, kernel="dense", **rule, **SEED_CONFIG).fit(X)
    W, W0 = est.components_, W0.astype(np.float32)
    np.testing.assert_array_equal(W[:, :8], W0[:, :8])
    assert np.all(W[:, 8:] >= W0[:, 8:])
    assert np.mean(W[:, 8:] > W0[:, 8:]) > 0.9


def test_ltd_only_depresses_inputs_of_firing_neurons(reference):
    """Pure depression: weights only fall, and only for neurons that fired."""
    X, W0 = _data(0.05, N_BINS, seed=4)
    W0[:4] = 0.0  # four neurons with no input weight never fire
    rule = dict(reference.SEED_RULE, A_plus=0.0, learning_rate=0.1)
    est = STDPTransformer(N_OUT, init=W0, kernel="event", **rule, **SEED_CONFIG).fit(X)
    W, W0 = est.components_, W0.astype(np.float32)
    np.testing.assert_array_equal(W[:4], 0.0)
    assert np.all(W <= W0)
    assert np.mean(W[4:] < W0[4:]) > 0.9
