"""The fused numba kernels against the JAX kernels and the numpy reference, and kernel choice."""

import itertools
import warnings

import jax
import numpy as np
import pytest

from sk_stdp import STDPTransformer, _config, _numba
from sk_stdp import _dynamics as dyn
from sk_stdp._kernels import kernel_state

N_IN, N_OUT = 64, 16
SEED_RULE = dict(A_plus=0.005, A_minus=0.00525, learning_rate=0.01, w_min=0.0, w_max=1.0,
                 threshold=1.0, v_reset=0.0, leak=0.9, trace_decay=0.95)
SEED_CONFIG = dict(stream=True, n_steps=1, encoding="direct", competition=None, theta_plus=0.0,
                   weight_norm=None, max_iter=1, shuffle=False)
#: The numbers the kernels read beyond the rule's, at values that switch them off.
QUIET = dict(trace_decay_post=0.95, theta_plus=0.0, theta_decay=1.0, inhibition=1.0,
             weight_total=0.0, relative_threshold=1.0, threshold_noise=0.0, stat_decay=0.999,
             membrane_spikes=35.0, A3_plus=0.0, trace_decay_slow=0.9)


def _data(density, n_rows, seed):
    rng = np.random.default_rng(seed)
    X = rng.random((n_rows, N_IN)) * (rng.random((n_rows, N_IN)) < density)
    return X, rng.uniform(0.0, 1.0, (N_OUT, N_IN))


def _state(W0, rule, weight_norm=None):
    """The kernels' view of a layer at rest with weights W0 (components_ layout)."""
    W = np.clip(np.asarray(W0, np.float64), rule["w_min"], rule["w_max"])
    if weight_norm is not None:
        W *= weight_norm * W.shape[1] / W.sum(axis=1, keepdims=True)
        W = np.clip(W, rule["w_min"], rule["w_max"])
    return kernel_state(dyn.init(np.ascontiguousarray(W.T, np.float32)))[1]


def _params(rule, name="pair", **extra):
    values = dict(QUIET, trace_decay_post=rule["trace_decay"], **rule)
    values.update(extra)
    return _config._host_params(name, tuple(values.items()))


def _learn(state, X, params, **options):
    options = dict(dict(rule="pair", dependence="additive", stream=True, n_steps=1,
                        competition=None, normalize=False), **options)
    return _numba.learn_block(state, np.zeros(N_OUT, bool), X, params, **options)


def test_kernel_spikes_and_weights_equal_reference(reference):
    """The seed rule, one block: the same spikes per neuron and weights to 1e-5."""
    for density in (0.05, 0.3):
        X, W0 = _data(density, 2048, seed=21)
        state = _state(W0, SEED_RULE)
        counts = _learn(state, X, _params(SEED_RULE))
        expected = reference.run(X, W0, **SEED_RULE)
        assert expected["spikes"].sum() > 1000
        assert np.abs(expected["weights"] - np.clip(W0, 0, 1)).max() > 1e-3
        np.testing.assert_array_equal(counts, expected["spikes"])
        np.testing.assert_allclose(state.weights.T, expected["weights"], rtol=0, atol=1e-5)
        for name in ("v", "trace_pre", "trace_post"):
            np.testing.assert_allclose(getattr(state, name), expected[name], atol=1e-5,
                                       err_msg=name)


@pytest.mark.parametrize("competition", [None, "lateral"])
def test_stream_step_forms_compute_the_same_weights(competition):
    """Row-wise over every weight, or only active rows and spiking columns: bit-identical."""
    X, W0 = _data(0.1, 1024, seed=22)
    rule = dict(SEED_RULE, learning_rate=0.5, threshold=0.8)
    params = _params(rule, weight_total=0.2 * N_IN, inhibition=0.2)
    runs = []
    for dense_from in (1, N_OUT + 1):  # always row-wise, never row-wise
        state = _state(W0, rule, weight_norm=0.2)
        counts = _learn(state, X, params, competition=competition, normalize=True,
                        dense_from=dense_from)
        runs.append((state, counts))
    (a, counts_a), (b, counts_b) = runs
    assert counts_a.sum() > 500 and np.abs(a.weights - _state(W0, rule, 0.2).weights).max() > 0.01
    np.testing.assert_array_equal(counts_a, counts_b)
    for name in _numba.KernelState._fields:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_silent_inputs_traces_decay_when_read():
    """Between its events an input's trace is left alone and decayed by the steps it missed
    when read: at the end of a block every trace is what decaying it each step gives."""
    X = np.zeros((300, N_IN))
    X[[0, 7, 150], 3] = 1.0
    X[5, 9] = 0.5
    state = _state(np.zeros((N_OUT, N_IN)), SEED_RULE)
    _learn(state, X, _params(SEED_RULE))
    decay = np.float32(SEED_RULE["trace_decay"])
    expected = np.zeros(N_IN, np.float32)
    for row in X.astype(np.float32):
        expected = decay * expected + row
    assert expected[3] > 0 and expected[9] > 0
    np.testing.assert_allclose(state.trace_pre, expected, rtol=2e-6, atol=0)


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
    for name in ("v_", "trace_pre_", "trace_post_"):  # to rounding: membranes reach ~10
        np.testing.assert_allclose(getattr(numba_est, name), getattr(dense, name), rtol=2e-6,
                                   atol=1e-5)
    np.testing.assert_array_equal(numba_est.transform(X), dense.transform(X))


def test_sample_mode_touches_only_columns_of_neurons_that_fired():
    """One presentation with winner-take-all: only the winners' columns move, on active inputs."""
    X, W0 = _data(0.3, 1, seed=24)
    rule = dict(SEED_RULE, learning_rate=1.0, threshold=0.5)
    state = _state(W0, rule)
    before = state.weights.copy()
    counts = _learn(state, X, _params(rule), stream=False, n_steps=8, competition="wta")
    fired = counts > 0
    assert 1 <= fired.sum() < N_OUT
    changed = state.weights != before
    assert not changed[:, ~fired].any()
    assert not changed[X[0] == 0].any()
    assert changed[np.ix_(X[0] > 0, fired)].mean() > 0.5


@pytest.mark.parametrize("extra", [{}, {"encoding": "poisson"}, {"rule": "triplet"},
                                   {"rule": "nearest"}, {"weight_dependence": "multiplicative"}],
                         ids=str)
def test_auto_picks_the_fused_kernel_on_the_cpu(extra):
    X, W0 = _data(0.05, 64, seed=25)
    params = dict(SEED_RULE, **SEED_CONFIG, init=W0)
    assert STDPTransformer(N_OUT, **dict(params, **extra)).fit(X).kernel_ == "numba"


def test_auto_off_the_cpu_picks_the_jax_kernels(monkeypatch):
    """On an accelerator the JAX kernels learn: the event kernel for sparse input with few
    output spikes, the dense one when the initial weights make every neuron fire."""
    X, W0 = _data(0.05, 512, seed=26)
    seed = dict(SEED_RULE, **SEED_CONFIG)
    on_cpu = STDPTransformer(N_OUT, **seed, init=W0).fit(X)
    monkeypatch.setattr(jax, "default_backend", lambda: "gpu")
    X = (X > 0).astype(float)
    quiet = np.full((N_OUT, N_IN), 0.01)
    loud = np.ones((N_OUT, N_IN))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert STDPTransformer(N_OUT, **seed, init=quiet).fit(X).kernel_ == "event"
        assert STDPTransformer(N_OUT, **seed, init=loud).fit(X).kernel_ == "dense"
        sample = dict(seed, stream=False, n_steps=3)
        assert STDPTransformer(N_OUT, **sample, init=quiet).fit(X).kernel_ == "event"
        assert STDPTransformer(N_OUT, **sample, init=loud).fit(X).kernel_ == "dense"
    # kernel="numba" is honoured wherever JAX runs.
    assert STDPTransformer(N_OUT, **seed, init=W0, kernel="numba").fit(X).kernel_ == "numba"
    assert on_cpu.kernel_ == "numba"


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
