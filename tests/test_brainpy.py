"""``to_brainpy()``: the fitted layer as a BrainPy model that runs like the estimator."""

import brainpy as bp
import numpy as np
import pytest

from sk_stdp import STDPTransformer


def _run(model, X):
    return np.asarray(bp.DSRunner(model, progress_bar=False).predict(inputs=X))


@pytest.mark.parametrize("rule", ["pair", "triplet"])
@pytest.mark.parametrize("transform_competition", [False, True])
def test_frozen_model_reproduces_stream_transform(X_rates, rule, transform_competition):
    est = STDPTransformer(8, stream=True, threshold=0.3, theta_plus=0.1, rule=rule, weight_norm=0.3,
                          transform_competition=transform_competition, random_state=0)
    est.fit(np.vstack([X_rates] * 4))
    assert est.theta_.max() > 0.1  # learned thresholds are part of the read-out
    X_new = np.vstack([X_rates[::-1]] * 2)
    expected = est.transform(X_new)
    assert 10 < expected.sum() < expected.size
    model = est.to_brainpy()
    np.testing.assert_array_equal(_run(model, X_new), expected)
    # The model's state is BrainPy's: variables it can monitor, reset and share.
    np.testing.assert_array_equal(np.asarray(model.weights.value), est.components_.T)
    model.reset_state()
    np.testing.assert_array_equal(_run(model, X_new), expected)


@pytest.mark.parametrize("rule", ["pair", "triplet"])
def test_plastic_model_learns_as_partial_fit(X_rates, rule):
    params = dict(stream=True, threshold=0.5, theta_plus=0.1, learning_rate=1.0, rule=rule,
                  kernel="dense", random_state=0)
    est = STDPTransformer(8, **params).fit(X_rates)
    model = est.to_brainpy(plastic=True)
    spikes = _run(model, X_rates[::-1])
    online = est.reset_state().partial_fit(X_rates[::-1])
    assert spikes.sum() > 5
    np.testing.assert_allclose(np.asarray(model.weights.value).T, online.components_, atol=1e-6)
    np.testing.assert_allclose(np.asarray(model.theta.value), online.theta_, atol=1e-6)
    before = STDPTransformer(8, **params).fit(X_rates).components_
    assert np.abs(online.components_ - before).max() > 1e-3
