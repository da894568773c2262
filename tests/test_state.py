"""Fitted state: attributes, immutability of transform, row independence, pickle, reset."""

import copy
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from sk_stdp import STDPTransformer

MODES = [
    pytest.param(dict(stream=False, encoding="direct"), id="sample-direct"),
    pytest.param(dict(stream=False, encoding="poisson"), id="sample-poisson"),
    pytest.param(dict(stream=True, encoding="direct"), id="stream-direct"),
    pytest.param(dict(stream=True, encoding="poisson"), id="stream-poisson"),
]


@pytest.mark.parametrize("mode", MODES)
def test_fitted_attributes_are_numpy_arrays(active, X_rates, mode):
    est = STDPTransformer(**dict(active, max_iter=2, **mode))
    assert est.fit(X_rates) is est
    n_in, n_out = X_rates.shape[1], active["n_neurons"]
    shapes = dict(components_=(n_out, n_in), theta_=(n_out,), v_=(n_out,),
                  trace_pre_=(n_in,), trace_post_=(n_out,))
    for name, shape in shapes.items():
        value = getattr(est, name)
        assert type(value) is np.ndarray, name
        assert value.shape == shape, name
        assert np.issubdtype(value.dtype, np.floating), name
        assert np.all(np.isfinite(value)), name
    assert est.n_features_in_ == n_in
    assert est.n_iter_ == 2
    assert est.n_samples_seen_ == 2 * X_rates.shape[0]
    assert est.kernel_ in ("dense", "event", "numba")
    assert np.count_nonzero(est.theta_) >= 2  # it learned: neurons fired
    # The attributes are snapshots: editing one does not reach into the estimator.
    est.components_[:] = -1
    assert est.components_.min() >= est.w_min


def test_partial_fit_returns_self(active, X_rates):
    est = STDPTransformer(**dict(active, stream=True))
    assert est.partial_fit(X_rates[:10]) is est
    assert est.partial_fit(X_rates[10:]) is est
    assert est.n_samples_seen_ == X_rates.shape[0]
    assert est.reset_state() is est


def _fit(active, X, **params):
    return STDPTransformer(**dict(active, **params)).fit(X)


@pytest.mark.parametrize("mode", MODES)
def test_transform_and_predict_do_not_change_the_estimator(active, X_rates, snap, mode):
    est = _fit(active, X_rates, **mode)
    before = snap.take(est)
    first = est.transform(X_rates)
    assert first.shape == (X_rates.shape[0], active["n_neurons"])
    assert first.sum() > 0 and len(np.unique(first)) > 1  # a non-trivial response
    snap.same(before, snap.take(est))
    predicted = est.predict(X_rates)
    est.get_feature_names_out()
    est.transform(sp.csr_matrix(X_rates[:7]))
    snap.same(before, snap.take(est))
    # No call history: the same call gives the same output again.
    np.testing.assert_array_equal(est.transform(X_rates), first)
    np.testing.assert_array_equal(predicted, (first > 0).astype(np.float32))
    np.testing.assert_array_equal(est.transform(sp.csr_matrix(X_rates)), first)
    snap.same(before, snap.take(est))


@pytest.mark.parametrize("encoding", ["direct", "poisson"])
def test_sample_rows_are_independent(active, X_rates, X_wide, encoding):
    est = _fit(active, X_rates, stream=False, encoding=encoding)
    X = X_rates
    out = est.transform(X)
    assert len({tuple(r) for r in out}) > 5  # rows get different responses
    # Row alone.
    single = np.vstack([est.transform(X[i : i + 1]) for i in range(X.shape[0])])
    np.testing.assert_array_equal(single, out)
    # Other order.
    perm = np.random.default_rng(0).permutation(X.shape[0])
    np.testing.assert_array_equal(est.transform(X[perm]), out[perm])
    # Other rows around it, other split into blocks.
    mixed = est.transform(np.vstack([X_wide[:19], X, X_wide]))
    np.testing.assert_array_equal(mixed[19 : 19 + X.shape[0]], out)
    # Duplicated rows respond alike.
    twice = est.transform(np.vstack([X[:5], X[:5]]))
    np.testing.assert_array_equal(twice, np.vstack([out[:5]] * 2))


@pytest.mark.parametrize("encoding", ["direct", "poisson"])
def test_stream_transform_starts_from_rest(active, X_rates, encoding):
    est = _fit(active, X_rates, stream=True, encoding=encoding)
    assert np.any(est.v_) or np.any(est.trace_post_)
    rested = copy.deepcopy(est).reset_state()
    out = est.transform(X_rates)
    assert out.sum() > 0
    assert set(np.unique(out)) <= {0.0, 1.0}
    np.testing.assert_array_equal(out, rested.transform(X_rates))


@pytest.mark.parametrize("mode", MODES)
def test_pickle_round_trip(active, X_rates, snap, mode):
    est = _fit(active, X_rates, **mode)
    blob = pickle.dumps(est)
    assert b"jax" not in blob  # no device arrays: loads without JAX state
    loaded = pickle.loads(blob)
    snap.same(snap.take(est), snap.take(loaded))
    for name in ("components_", "theta_", "v_", "trace_pre_", "trace_post_"):
        assert type(getattr(loaded, name)) is np.ndarray
    np.testing.assert_array_equal(loaded.transform(X_rates), est.transform(X_rates))
    np.testing.assert_array_equal(loaded.predict(X_rates), est.predict(X_rates))
    # Pickling did not change the original either.
    snap.same(snap.take(est), snap.take(pickle.loads(pickle.dumps(loaded))))


@pytest.mark.parametrize(
    ("encoding", "kernel"), [("direct", "event"), ("poisson", "dense")]
)
def test_pickle_mid_stream_then_continue(active, X_rates, encoding, kernel):
    params = dict(active, stream=True, encoding=encoding, kernel=kernel)
    straight = STDPTransformer(**params)
    resumed = STDPTransformer(**params)
    for est in (straight, resumed):
        est.partial_fit(X_rates[:17])
    assert np.any(resumed.v_) or np.any(resumed.trace_post_)  # state worth carrying
    resumed = pickle.loads(pickle.dumps(resumed))
    for est in (straight, resumed):
        est.partial_fit(X_rates[17:30]).partial_fit(X_rates[30:])
    for name in ("components_", "theta_", "v_", "trace_pre_", "trace_post_"):
        np.testing.assert_array_equal(getattr(resumed, name), getattr(straight, name), name)
    assert resumed.n_samples_seen_ == straight.n_samples_seen_ == X_rates.shape[0]
    # And both equal one fit over all rows.
    full = STDPTransformer(**params).fit(X_rates)
    np.testing.assert_array_equal(resumed.components_, full.components_)


def test_reset_state(active, X_rates):
    params = dict(active, stream=True, competition=None)
    est = STDPTransformer(**params).partial_fit(X_rates)
    assert np.any(est.v_) and np.any(est.trace_pre_) and np.any(est.trace_post_)
    weights, theta, seen = est.components_, est.theta_, est.n_samples_seen_
    assert est.reset_state() is est
    for name in ("v_", "trace_pre_", "trace_post_"):
        assert not np.any(getattr(est, name)), name
    np.testing.assert_array_equal(est.components_, weights)
    np.testing.assert_array_equal(est.theta_, theta)
    assert est.n_samples_seen_ == seen
    # Learning continues from rest: the first row after a reset meets empty traces,
    # so the run differs from one that continued without the reset.
    carried = STDPTransformer(**params).partial_fit(X_rates)
    est.partial_fit(X_rates[:9])
    carried.partial_fit(X_rates[:9])
    assert not np.array_equal(est.trace_pre_, carried.trace_pre_)
    with pytest.raises(NotFittedError):
        STDPTransformer().reset_state()


def test_clone_of_fitted_is_unfitted(active, X_rates):
    est = _fit(active, X_rates)
    fresh = clone(est)
    with pytest.raises(NotFittedError):
        fresh.transform(X_rates)
    assert fresh.get_params() == est.get_params()
