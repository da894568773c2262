"""partial_fit as a live source drives it: empty chunks, parameters changed between calls."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from sk_stdp import STDPTransformer
from sk_stdp.events import SpikeBinner

N_FEATURES = 20


def _assert_same_fitted(snap, before, est):
    """Everything but the parameters is as in ``before``."""
    after = snap.take(est)
    keep = [k for k in before if k.removeprefix("__dict__.") not in est.get_params()]
    snap.same({k: before[k] for k in keep}, {k: after[k] for k in keep})


EMPTY = {
    "dense": lambda: np.empty((0, N_FEATURES)),
    "csr": lambda: sp.csr_matrix((0, N_FEATURES), dtype=np.float32),
}


@pytest.mark.parametrize("kind", ["dense", "csr"])
@pytest.mark.parametrize("stream", [True, False])
def test_empty_chunk_is_a_no_op(active, X_rates, snap, kind, stream):
    est = STDPTransformer(**dict(active, stream=stream)).partial_fit(X_rates)
    assert np.any(est.trace_pre_) or not stream  # a state worth keeping
    before = snap.take(est)
    assert est.partial_fit(EMPTY[kind]()) is est
    snap.same(before, snap.take(est))
    out = est.transform(EMPTY[kind]())
    assert out.shape == (0, active["n_neurons"]) and out.dtype == np.float32
    assert est.predict(np.empty((0, N_FEATURES))).shape == (0, active["n_neurons"])
    snap.same(before, snap.take(est))
    # The stream goes on exactly as without the empty chunk.
    twin = STDPTransformer(**dict(active, stream=stream)).partial_fit(X_rates)
    np.testing.assert_array_equal(est.partial_fit(X_rates).components_,
                                  twin.partial_fit(X_rates).components_)


@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_empty_first_chunk_leaves_the_estimator_unfitted(active, X_rates, kind):
    est = STDPTransformer(**dict(active, stream=True))
    assert est.partial_fit(EMPTY[kind]()) is est
    with pytest.raises(NotFittedError):
        est.transform(X_rates)
    est.partial_fit(X_rates)  # the first real chunk starts the layer
    assert est.n_samples_seen_ == X_rates.shape[0]


def test_fit_still_rejects_empty_input(active):
    with pytest.raises(ValueError, match="0 sample"):
        STDPTransformer(**active).fit(np.empty((0, N_FEATURES)))


def test_readme_streaming_loop_with_events_every_quarter_millisecond():
    """Events arrive every 0.25 ms and bins are 1 ms wide: most pushes close no bin."""
    rng = np.random.default_rng(0)
    n_channels, duration, step = 40, 0.2, 0.00025
    stdp = STDPTransformer(n_neurons=4, stream=True, random_state=0)
    binner = SpikeBinner(n_channels=n_channels, bin_width=0.001, t_start=0.0)  # bins from 0
    empty_chunks = 0
    for t0 in np.arange(0.0, duration, step):
        n = rng.poisson(n_channels * 30 * step)  # 30 Hz per channel
        times = np.sort(rng.uniform(t0, t0 + step, n))
        chunk = binner.push(times, rng.integers(0, n_channels, n), until=t0 + step)
        empty_chunks += chunk.shape[0] == 0
        stdp.partial_fit(chunk)
    stdp.partial_fit(binner.flush(t_stop=duration))  # ends on a bin edge: may be empty
    assert stdp.partial_fit(binner.flush()) is stdp  # nothing left: an empty chunk
    assert empty_chunks > 0
    assert stdp.n_samples_seen_ == round(duration / 0.001)


BAD_SETTINGS = [
    (dict(leak=2.0), "leak"),
    (dict(w_min=2.0), "w_min"),
    (dict(learning_rate=-5.0), "learning_rate"),
    (dict(n_steps=0), "n_steps"),
    (dict(competition="max"), "competition"),
    (dict(threshold=np.nan), "threshold"),
    (dict(v_reset=np.inf), "v_reset"),
    (dict(n_neurons=8), "n_neurons"),
    (dict(threshold=0.0), "threshold"),
    (dict(v_reset=0.6), "v_reset.*below the threshold"),
    (dict(rule="triplet"), "rule='triplet' does not match the fitted layer"),
    (dict(encoding="poisson"), "encoding='poisson' does not match the fitted layer"),
]


@pytest.mark.parametrize(("change", "message"), BAD_SETTINGS, ids=lambda v: str(v))
@pytest.mark.parametrize("stream", [True, False])
def test_bad_set_params_between_calls_changes_nothing(active, X_rates, snap, change, message,
                                                      stream):
    est = STDPTransformer(**dict(active, n_neurons=4, stream=stream)).partial_fit(X_rates)
    before = snap.take(est)
    names = est.get_feature_names_out()
    est.set_params(**change)
    with pytest.raises(ValueError, match=message):
        est.partial_fit(X_rates)
    _assert_same_fitted(snap, before, est)
    # The read-out refuses the setting too, and changes nothing either.
    with pytest.raises(ValueError, match=message):
        est.transform(X_rates)
    _assert_same_fitted(snap, before, est)
    # The output width follows the fitted weights, not the setting.
    np.testing.assert_array_equal(est.get_feature_names_out(), names)
    # Setting it back lets the stream go on as if nothing had happened.
    est.set_params(**{k: active.get(k, STDPTransformer().get_params()[k]) if k != "n_neurons"
                      else 4 for k in change})
    assert est.transform(X_rates).shape == (X_rates.shape[0], 4)
    twin = STDPTransformer(**dict(active, n_neurons=4, stream=stream)).partial_fit(X_rates)
    np.testing.assert_array_equal(est.partial_fit(X_rates).components_,
                                  twin.partial_fit(X_rates).components_)


def test_valid_set_params_between_calls_takes_effect(active, X_rates):
    est = STDPTransformer(**dict(active, stream=True)).partial_fit(X_rates)
    weights = est.components_
    est.set_params(learning_rate=0.0, weight_norm=None)
    est.partial_fit(X_rates)
    np.testing.assert_array_equal(est.components_, weights)  # learning switched off


@pytest.mark.parametrize(
    ("fitted", "change"),
    [
        (dict(stream=False), dict(stream=True)),
        (dict(stream=True), dict(stream=False)),
        (dict(stream=True, threshold="auto"), dict(threshold=0.5)),
        (dict(stream=True, threshold=0.5), dict(threshold="auto")),
        (dict(rule="triplet"), dict(rule="pair")),
    ],
    ids=str,
)
def test_changes_the_fitted_layer_cannot_take_are_refused(active, X_rates, snap, fitted, change):
    """A layer fitted in one mode (or with relative thresholds, or one rule's traces)
    cannot go on in another: partial_fit and transform name the parameter and change
    nothing; setting it back carries on; fit starts a new layer with the new setting."""
    est = STDPTransformer(**dict(active, **fitted)).partial_fit(X_rates)
    before = snap.take(est)
    original = {name: est.get_params()[name] for name in change}
    est.set_params(**change)
    name = next(iter(change))
    for method in (est.partial_fit, est.transform):
        with pytest.raises(ValueError, match=f"{name}=.* does not match the fitted layer"):
            method(X_rates)
        _assert_same_fitted(snap, before, est)
    twin = STDPTransformer(**dict(active, **fitted)).partial_fit(X_rates)
    est.set_params(**original)
    np.testing.assert_array_equal(est.partial_fit(X_rates).components_,
                                  twin.partial_fit(X_rates).components_)
    est.set_params(**change).fit(X_rates)
    assert est.transform(X_rates).shape == (X_rates.shape[0], active["n_neurons"])


def test_sample_mode_threshold_may_change_between_calls(active, X_rates):
    """In sample mode "auto" is the number 1.0: switching between them is no change of kind."""
    est = STDPTransformer(**dict(active, threshold="auto")).partial_fit(X_rates)
    est.set_params(threshold=0.3).partial_fit(X_rates)
    assert est.transform(X_rates).sum() > 0
