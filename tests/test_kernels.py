"""The fused numba kernels against the JAX kernels and the numpy reference, and kernel choice."""

import itertools
import warnings

import numpy as np
import pytest

from sk_stdp import STDPTransformer, _numba

needs_numba = pytest.mark.skipif(not _numba.AVAILABLE, reason="numba is not installed")

N_IN, N_OUT = 64, 16
SEED_RULE = dict(A_plus=0.005, A_minus=0.00525, learning_rate=0.01, w_min=0.0, w_max=1.0,
                 threshold=1.0, v_reset=0.0, leak=0.9, trace_decay=0.95)
SEED_CONFIG = dict(stream=True, n_steps=1, encoding="direct", competition=None, theta_plus=0.0,
                   weight_norm=None, max_iter=1, shuffle=False)


def _data(density, n_rows, seed):
    rng = np.random.default_rng(seed)
    X = rng.random((n_rows, N_IN)) * (rng.random((n_rows, N_IN)) < density)
    return X, rng.uniform(0.0, 1.0, (N_OUT, N_IN))


def _state(W0, rule, weight_norm=None):
    """A LayerState at rest from W0 (components_ layout), as the estimator builds it."""
    W = np.clip(np.asarray(W0, np.float64), rule["w_min"], rule["w_max"])
    if weight_norm is not None:
        W *= weight_norm * W.shape[1] / W.sum(axis=1, keepdims=True)
        W = np.clip(W, rule["w_min"], rule["w_max"])
    zeros = np.zeros(W.shape[0], np.float32)
    return _numba.KernelState(
        weights=np.ascontiguousarray(W.T, np.float32), theta=zeros.copy(), v=zeros.copy(),
        trace_pre=np.zeros(W.shape[1], np.float32), trace_post=zeros.copy(),
    )


def _rule(rule, **extra):
    values = dict(rule, theta_plus=0.0, theta_decay=1.0, inhibition=1.0, weight_total=0.0,
                  trace_decay_post=rule["trace_decay"])
    values.update(extra)
    return _numba.pack(values)


@needs_numba
@pytest.mark.parametrize("density", [0.05, 0.3])
def test_kernel_spikes_and_weights_equal_reference(reference, density):
    """The seed rule, one block: the same spikes per neuron and weights to 1e-5."""
    X, W0 = _data(density, 2048, seed=21)
    state = _state(W0, SEED_RULE)
    counts = _numba.learn_block(state, np.zeros(N_OUT, bool), X, _rule(SEED_RULE), stream=True,
                                n_steps=1, competition=None, normalize=False)
    expected = reference.run(X, W0, **SEED_RULE)
    assert expected["spikes"].sum() > 1000
    assert np.abs(expected["weights"] - np.clip(W0, 0, 1)).max() > 1e-3
    np.testing.assert_array_equal(counts, expected["spikes"])
    np.testing.assert_allclose(state.weights.T, expected["weights"], rtol=0, atol=1e-5)
    for name in ("v", "trace_pre", "trace_post"):
        np.testing.assert_allclose(getattr(state, name), expected[name], atol=1e-5, err_msg=name)


@needs_numba
@pytest.mark.parametrize("competition", [None, "lateral"])
def test_stream_step_forms_compute_the_same_weights(competition):
    """Row-wise over every weight, or only active rows and spiking columns: bit-identical."""
    X, W0 = _data(0.1, 1024, seed=22)
    rule = dict(SEED_RULE, learning_rate=0.5, threshold=0.8)
    runs = []
    for dense_from in (1, N_OUT + 1):  # always row-wise, never row-wise
        state = _state(W0, rule, weight_norm=0.2)
        counts = _numba.learn_block(
            state, np.zeros(N_OUT, bool), X, _rule(rule, weight_total=0.2 * N_IN, inhibition=0.2),
            stream=True, n_steps=1, competition=competition, normalize=True,
            dense_from=dense_from,
        )
        runs.append((state, counts))
    (a, counts_a), (b, counts_b) = runs
    assert counts_a.sum() > 500 and np.abs(a.weights - _state(W0, rule, 0.2).weights).max() > 0.01
    np.testing.assert_array_equal(counts_a, counts_b)
    for name in _numba.KernelState._fields:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


#: Every configuration the numba kernels implement, in both modes.
CONFIGS = [
    pytest.param(dict(stream=stream, competition=competition, theta_plus=theta_plus,
                      weight_norm=weight_norm),
                 id=f"{'stream' if stream else 'sample'}-{competition}-theta{theta_plus}"
                    f"-norm{weight_norm}")
    for stream, competition, theta_plus, weight_norm in itertools.product(
        (True, False), (None, "wta", "lateral"), (0.0, 0.1), (None, 0.2))
] + [
    # Totals that clipping at w_max keeps a column from reaching: normalised again and
    # again, even with no learning in between.
    pytest.param(dict(stream=stream, competition="wta", theta_plus=0.1, weight_norm=0.7),
                 id=f"{'stream' if stream else 'sample'}-wta-clipped-norm")
    for stream in (True, False)
] + [
    # A depression window of its own (the post-synaptic trace's decay).
    pytest.param(dict(stream=stream, competition=competition, theta_plus=0.1, weight_norm=0.2,
                      trace_decay_post=0.98),
                 id=f"{'stream' if stream else 'sample'}-{competition}-depression-window")
    for stream, competition in itertools.product((True, False), (None, "wta"))
] + [
    # Relative thresholds, the calibrated leak and the read-out floor (stream mode,
    # threshold="auto"), on sparse and dense input.
    pytest.param(dict(stream=True, competition=competition, theta_plus=0.1, weight_norm=0.2,
                      threshold="auto", leak="auto", theta_decay=0.999, threshold_window=200,
                      learning_rate=2.0, density=density),
                 id=f"stream-{competition}-relative-density{density}")
    for competition, density in itertools.product((None, "wta", "lateral"), (0.05, 0.15))
]


@needs_numba
@pytest.mark.parametrize("config", CONFIGS)
def test_numba_learns_as_the_dense_jax_kernel(config):
    config = dict(config)
    stream = config["stream"]
    X, W0 = _data(config.pop("density", 0.15), 1024 if stream else 256, seed=23)
    params = dict(SEED_RULE, n_steps=5, learning_rate=0.5, inhibition=0.3, init=W0,
                  max_iter=2, shuffle=True, random_state=0)
    params.update(config)
    numba_est = STDPTransformer(N_OUT, kernel="numba", **params).fit(X)
    dense = STDPTransformer(N_OUT, kernel="dense", **params).fit(X)
    still = STDPTransformer(N_OUT, kernel="numba", **dict(params, learning_rate=0.0)).fit(X)
    assert numba_est.kernel_ == "numba" and dense.kernel_ == "dense"
    assert np.abs(dense.components_ - still.components_).max() > 1e-2  # it learned
    np.testing.assert_allclose(numba_est.components_, dense.components_, rtol=0, atol=1e-5)
    np.testing.assert_allclose(numba_est.theta_, dense.theta_, rtol=1e-5, atol=1e-5)
    for name in ("v_", "trace_pre_", "trace_post_"):
        np.testing.assert_allclose(getattr(numba_est, name), getattr(dense, name), atol=1e-5)
    np.testing.assert_array_equal(numba_est.transform(X), dense.transform(X))


@needs_numba
def test_sample_mode_touches_only_columns_of_neurons_that_fired():
    """One presentation with winner-take-all: only the winners' columns move, on active inputs."""
    X, W0 = _data(0.3, 1, seed=24)
    rule = dict(SEED_RULE, learning_rate=1.0, threshold=0.5)
    state = _state(W0, rule)
    before = state.weights.copy()
    counts = _numba.learn_block(state, np.zeros(N_OUT, bool), X, _rule(rule), stream=False,
                                n_steps=8, competition="wta", normalize=False)
    fired = counts > 0
    assert 1 <= fired.sum() < N_OUT
    changed = state.weights != before
    assert not changed[:, ~fired].any()
    assert not changed[X[0] == 0].any()
    assert changed[np.ix_(X[0] > 0, fired)].mean() > 0.5


@needs_numba
def test_auto_picks_numba_and_jax_without_it(monkeypatch):
    X, W0 = _data(0.05, 512, seed=25)
    params = dict(SEED_RULE, **SEED_CONFIG, init=W0)
    auto = STDPTransformer(N_OUT, **params).fit(X)
    assert auto.kernel_ == "numba"
    # The rate code learns with the JAX kernels.
    assert STDPTransformer(N_OUT, **dict(params, encoding="poisson")).fit(X).kernel_ in (
        "dense", "event")

    monkeypatch.setattr(_numba, "AVAILABLE", False)
    fallback = STDPTransformer(N_OUT, **params).fit(X)
    assert fallback.kernel_ == "event"
    np.testing.assert_allclose(fallback.components_, auto.components_, atol=1e-5)
    with pytest.warns(UserWarning, match="numba"):
        asked = STDPTransformer(N_OUT, kernel="numba", **params).fit(X)
    assert asked.kernel_ in ("dense", "event")
    np.testing.assert_allclose(asked.components_, auto.components_, atol=1e-5)


def test_auto_without_numba_avoids_event_kernel_when_many_neurons_fire(monkeypatch):
    """Sparse input, but initial weights under which every neuron fires every step."""
    monkeypatch.setattr(_numba, "AVAILABLE", False)
    X, _ = _data(0.05, 256, seed=26)
    X = (X > 0).astype(float)
    quiet = np.full((N_OUT, N_IN), 0.01)
    loud = np.ones((N_OUT, N_IN))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        seed = dict(SEED_RULE, **SEED_CONFIG)
        assert STDPTransformer(N_OUT, **seed, init=quiet).fit(X).kernel_ == "event"
        assert STDPTransformer(N_OUT, **seed, init=loud).fit(X).kernel_ == "dense"
        sample = dict(seed, stream=False, n_steps=3)
        assert STDPTransformer(N_OUT, **sample, init=quiet).fit(X).kernel_ == "event"
        assert STDPTransformer(N_OUT, **sample, init=loud).fit(X).kernel_ == "dense"


@needs_numba
def test_new_normalisation_total_between_calls_reaches_every_column():
    """Columns found normalised are so for one total: a new weight_norm rescales them all."""
    X, W0 = _data(0.15, 256, seed=27)
    params = dict(SEED_RULE, stream=False, n_steps=4, competition="wta", learning_rate=0.5,
                  theta_plus=0.1, weight_norm=0.2, init=W0, shuffle=False, random_state=0)
    runs = {}
    for kernel in ("numba", "dense"):
        est = STDPTransformer(N_OUT, kernel=kernel, **params).partial_fit(X[:128])
        est.set_params(weight_norm=0.3).partial_fit(X[128:])
        runs[kernel] = est.components_
    np.testing.assert_allclose(runs["numba"].sum(axis=1), 0.3 * N_IN, rtol=1e-4)
    np.testing.assert_allclose(runs["numba"], runs["dense"], rtol=0, atol=1e-5)
