"""Every rule with every weight dependence, in both modes, on every kernel.

Each case runs ``kernel="auto"`` (the fused CPU kernel), ``"dense"`` and
``"event"`` against ``tests/_reference.py``, the independent numpy
implementation of the equations: the same spikes per neuron, weights within
1e-5. A tiny ``theta_plus`` with ``theta_decay=1`` makes ``theta_`` count each
neuron's spikes without changing who fires. Every case asserts that what it
varies mattered: the rule and the dependence each change the weights by far
more than the tolerance.
"""

import itertools

import numpy as np
import pytest

from sk_stdp import STDPTransformer

N_IN, N_OUT = 64, 16
RULES = ["pair", "nearest", "triplet"]
DEPENDENCES = ["additive", "multiplicative"]
KERNELS = ["auto", "dense", "event"]

#: Rule values under which weights move across their range.
RULE = dict(A_plus=0.02, A_minus=0.021, learning_rate=1.0, w_min=0.01, w_max=0.95,
            threshold=6.0, v_reset=0.0, leak=0.85, trace_decay=0.9, trace_decay_post=0.95,
            A3_plus=0.004, trace_decay_slow=0.99)
COUNTER = 1e-6  # theta_plus that counts spikes (theta_ / COUNTER), too small to matter
SETTINGS = {
    "stream-plain": dict(stream=True, competition=None, theta_plus=COUNTER, weight_norm=None),
    "stream-wta-homeostasis-norm": dict(stream=True, competition="wta", theta_plus=0.2,
                                        weight_norm=0.2, threshold=1.0),
    "sample-plain": dict(stream=False, n_steps=4, competition=None, theta_plus=COUNTER,
                         weight_norm=None, learning_rate=0.2),
    "sample-lateral-homeostasis-norm": dict(stream=False, n_steps=4, competition="lateral",
                                            inhibition=0.5, theta_plus=0.02, weight_norm=0.2,
                                            threshold=1.0, learning_rate=0.5),
}
REFERENCE_NAMES = ("stream", "n_steps", "competition", "inhibition", "theta_plus",
                   "theta_decay", "weight_norm", "rule", "weight_dependence", *RULE)


def _data(stream: bool, seed: int = 31):
    rng = np.random.default_rng(seed)
    X = (rng.random((2048 if stream else 256, N_IN)) < 0.1).astype(np.float64)
    return X, rng.uniform(0.0, 1.0, (N_OUT, N_IN))


def _params(rule, dependence, setting):
    params = dict(RULE, rule=rule, weight_dependence=dependence, theta_decay=1.0,
                  encoding="direct", max_iter=1, shuffle=False)
    params.update(SETTINGS[setting])
    return params


def _reference(reference, X, W0, params):
    return reference.run(X, W0, **{k: v for k, v in params.items() if k in REFERENCE_NAMES})


@pytest.fixture(scope="module")
def expected(reference):
    """The reference run of every case (and of its pair/additive twin)."""
    cache = {}

    def run(rule, dependence, setting):
        key = (rule, dependence, setting)
        if key not in cache:
            params = _params(rule, dependence, setting)
            X, W0 = _data(params["stream"])
            cache[key] = _reference(reference, X, W0, params)
        return cache[key]

    return run


CASES = list(itertools.product(RULES, DEPENDENCES, SETTINGS, KERNELS))


@pytest.mark.parametrize(("rule", "dependence", "setting", "kernel"), CASES,
                         ids=["-".join(case) for case in CASES])
def test_rule_matches_numpy(expected, rule, dependence, setting, kernel):
    params = _params(rule, dependence, setting)
    X, W0 = _data(params["stream"])
    est = STDPTransformer(N_OUT, init=W0, kernel=kernel, **params).fit(X)
    assert est.kernel_ == ("numba" if kernel == "auto" else kernel)
    result = expected(rule, dependence, setting)

    # Not trivial: neurons fired, weights moved, and what this case varies mattered.
    W = result["weights"]
    assert result["spikes"].sum() >= 200
    assert np.abs(W - np.clip(W0, RULE["w_min"], RULE["w_max"])).max() > 1e-2
    if rule != "pair":
        assert np.abs(W - expected("pair", dependence, setting)["weights"]).max() > 1e-2
    if dependence != "additive":
        assert np.abs(W - expected(rule, "additive", setting)["weights"]).max() > 1e-2

    np.testing.assert_array_equal(np.round(est.theta_ / params["theta_plus"]),
                                  result["spikes"])  # the same spikes per neuron
    np.testing.assert_allclose(est.components_, W, rtol=0, atol=1e-5)
    for name in ("trace_pre", "trace_post", "v"):
        np.testing.assert_allclose(getattr(est, name + "_"), result[name], rtol=1e-5,
                                   atol=1e-5, err_msg=name)


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize(("rule", "dependence"), list(itertools.product(RULES, DEPENDENCES)))
def test_partial_fit_over_chunks_equals_fit(rule, dependence, kernel):
    params = _params(rule, dependence, "stream-wta-homeostasis-norm")
    X, W0 = _data(True, seed=32)
    full = STDPTransformer(N_OUT, init=W0, kernel=kernel, **params).fit(X)
    online = STDPTransformer(N_OUT, init=W0, kernel=kernel, **params)
    edges = np.sort(np.random.default_rng(5).choice(np.arange(1, len(X)), 12, replace=False))
    for rows in np.split(X, edges):
        online.partial_fit(rows)
    for name in ("components_", "theta_", "v_", "trace_pre_", "trace_post_"):
        np.testing.assert_array_equal(getattr(online, name), getattr(full, name), err_msg=name)


def test_every_registered_rule_and_dependence_is_in_the_matrix():
    from sk_stdp import _rules

    assert set(RULES) == set(_rules.RULES)
    assert set(DEPENDENCES) == set(_rules.WEIGHT_DEPENDENCES)


@pytest.mark.parametrize("name", RULES)
def test_rules_keep_what_the_kernels_rely_on(name):
    """No potentiation factor for a silent neuron (the event kernel visits only spiking
    columns), and a pre-synaptic trace that decays by trace_decay per silent step (the
    fused kernel decays it only when it reads it)."""
    from sk_stdp import _config, _rules

    rule = _rules.RULES[name]
    p = _config._host_params(name, tuple((k, float(v)) for k, v in dict(
        RULE, theta_plus=0.0, theta_decay=1.0, inhibition=1.0, weight_total=0.0,
        relative_threshold=1.0, threshold_noise=0.0, stat_decay=0.999,
        membrane_spikes=35.0).items())).rule
    traces = np.float32([0.0, 1e-3, 0.5, 1.0, 7.0])
    np.testing.assert_array_equal(rule.ltp_post(np.zeros(5, np.float32), traces, p), 0)
    assert np.all(rule.ltp_post(np.ones(5, np.float32), traces, p) > 0)
    np.testing.assert_array_equal(rule.pre(traces, np.zeros(5, np.float32), p),
                                  p.trace_decay * traces)


@pytest.mark.parametrize("name", DEPENDENCES)
def test_potentiation_only_form_is_the_update_without_depression(name):
    """The fused kernels apply ``potentiate`` to the weights of silent inputs in place of
    ``update`` with zero depression: both forms, as written and as numba compiles them,
    give the same bits over the whole range of weights and potentiation factors."""
    from sk_stdp import _numba, _rules

    dependence = _rules.WEIGHT_DEPENDENCES[name]
    bounds = _rules.Bounds(np.float32(0.01), np.float32(0.95), np.float32(0.0))
    weights = np.float32([0.01, 0.02, 0.3, 0.94, 0.95])
    factors = np.float32([0.0, 1e-30, 1e-4, 0.5, 3.0, 1e19, 3e38])
    w, p = (a.ravel() for a in np.meshgrid(weights, factors))
    zero = np.zeros_like(w)
    np.testing.assert_array_equal(dependence.potentiate(w, p, bounds),
                                  dependence.update(w, p, zero, bounds))
    update, potentiate = _numba.scalar(dependence.update), _numba.scalar(dependence.potentiate)
    for wi, pi in zip(w, p, strict=True):
        assert potentiate(wi, pi, bounds) == update(wi, pi, np.float32(0.0), bounds), (wi, pi)
    # The test sees a difference: potentiation moves the weights.
    assert not np.array_equal(dependence.potentiate(w, p, bounds), w)
