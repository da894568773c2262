"""``transform`` computes the read-out of the user guide, checked against plain numpy.

``tests/_reference.py`` runs the fitted weights and thresholds forward
independently: sample-mode spike counts and stream-mode spikes. The fitted
layer has learned thresholds far from zero, so a read-out that ignored them
would fail here.
"""

import numpy as np
import pytest

from sk_stdp import STDPTransformer

N_IN, N_OUT = 20, 8


def _data(seed, graded):
    rng = np.random.default_rng(seed)
    X = (rng.random((64, N_IN)) < 0.3).astype(np.float64)
    if graded:
        X *= rng.uniform(0.2, 1.0, X.shape)
    return X


CASES = [
    pytest.param(stream, encoding, kernel, graded, competition, readout,
                 id=f"{'stream' if stream else 'sample'}-{encoding}-{kernel}"
                    f"-{'graded' if graded else 'binary'}-{competition}-{readout}")
    for stream in (False, True)
    for kernel in ("dense", "event")
    for encoding, graded in (("direct", True), ("direct", False), ("poisson", False))
    for competition in (None, "wta", "lateral")
    # The cosine read-out is the sample-mode default without read-out competition.
    for readout in (("cosine", "rate", "lif") if not (stream or competition) else ("lif",))
]


@pytest.mark.parametrize(("stream", "encoding", "kernel", "graded", "competition", "readout"),
                         CASES)
def test_transform_matches_numpy(reference, stream, encoding, kernel, graded, competition,
                                 readout):
    """With 0/1 input the rate code is deterministic (a probability of 0 or 1)."""
    X = _data(0, graded)
    est = STDPTransformer(
        N_OUT, stream=stream, encoding=encoding, kernel=kernel, n_steps=5, threshold=0.8, leak=0.8,
        theta_plus=0.2, weight_norm=0.3, learning_rate=1.0,
        competition=competition or "wta", transform_competition=competition is not None,
        inhibition=0.4, max_iter=2, shuffle=False, random_state=0,
        readout="auto" if readout == "cosine" else readout, readout_inhibition=0.3,
        readout_threshold=0.05,
    ).fit(X)
    assert est.theta_.max() > 0.3  # thresholds learned: the read-out must use them
    X_new = _data(1, graded)
    expected = reference.respond(
        X_new, est.components_, est.theta_, threshold=est.threshold, v_reset=est.v_reset,
        leak=est.leak, stream=stream, n_steps=est.n_steps, competition=competition,
        inhibition=est.inhibition, readout=readout, readout_inhibition=est.readout_inhibition,
        readout_threshold=est.readout_threshold,
    )
    assert expected.sum() > 20 and np.any(expected == 0)
    out = est.transform(X_new)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(est.predict(X_new), (expected > 0).astype(np.float32))


def test_cosine_readout_depends_on_the_shape_of_a_row_not_its_intensity():
    X = _data(0, graded=True)
    est = STDPTransformer(N_OUT, n_steps=10, theta_plus=0.2, random_state=0).fit(X)
    X_new = _data(1, graded=True)
    out = est.transform(X_new)
    assert out.sum() > 20 and np.any(out == 0) and np.any((out > 0) & (out < 10))
    # Doubling a row doubles both the currents and the row's norm.
    np.testing.assert_array_equal(est.transform(2 * X_new), out)
    # The unnormalised rate read-out does see the intensity.
    rate = est.set_params(readout="rate")
    assert not np.array_equal(rate.transform(2 * X_new), rate.transform(X_new))
    # An all-zero row gives no spikes.
    assert est.set_params(readout="cosine").transform(np.zeros((1, N_IN))).sum() == 0


def test_readout_inhibition_auto_resolves_per_readout():
    X = _data(0, graded=True)
    est = STDPTransformer(N_OUT, n_steps=10, theta_plus=0.2, random_state=0).fit(X)
    X_new = _data(1, graded=True)
    for readout, value in (("cosine", 0.8), ("rate", 0.5)):
        est.set_params(readout=readout, readout_inhibition="auto")
        auto = est.transform(X_new)
        explicit = est.set_params(readout_inhibition=value).transform(X_new)
        np.testing.assert_array_equal(auto, explicit)
        assert not np.array_equal(auto, est.set_params(readout_inhibition=0.2).transform(X_new))
