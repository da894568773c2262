"""Stream mode end to end: sparse chunks, events to rasters, reset, and a hidden pattern.

The last test is the scientific one (Masquelier, Guyonneau & Thorpe 2008): a
frozen spatio-temporal spike pattern hidden at random times in Poisson noise is
found by STDP alone, streamed chunk by chunk through ``partial_fit``.
"""

import pickle
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

from sk_stdp import STDPTransformer
from sk_stdp._config import describe
from sk_stdp.events import SpikeBinner, iter_binned
from sk_stdp.patterns import choose_neurons, make_pattern_stream, pattern_detection_scores

STATE = ("components_", "theta_", "v_", "trace_pre_", "trace_post_")


def _assert_same_state(a, b, what=""):
    for name in STATE:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=f"{what} {name}")
    assert a.n_samples_seen_ == b.n_samples_seen_


def _splits(n_rows, seed):
    """Chunks of 1 row at the start, then random lengths."""
    rng = np.random.default_rng(seed)
    cuts = np.union1d([1, 2, 3], rng.choice(np.arange(4, n_rows), size=6, replace=False))
    return np.split(np.arange(n_rows), cuts)


# --------------------------------------------------------------------------
# Sparse (CSR) chunks
# --------------------------------------------------------------------------
@pytest.mark.parametrize("kernel", ["dense", "event"])
@pytest.mark.parametrize("competition", ["wta", None])
def test_csr_chunks_equal_dense_chunks(active, X_binary, kernel, competition):
    """CSR and dense chunks of the same rows give bit-identical states, down to 1-row chunks."""
    X = X_binary.copy()
    X[::5, 3] = 2.0  # spike counts above 1 (two spikes in a bin)
    params = dict(active, stream=True, kernel=kernel, competition=competition)
    dense, sparse = STDPTransformer(**params), STDPTransformer(**params)
    for rows in _splits(X.shape[0], seed=len(str(competition))):
        chunk = sp.csr_matrix(X[rows])
        assert sparse.partial_fit(chunk) is sparse
        dense.partial_fit(X[rows])
        _assert_same_state(dense, sparse, f"after row {rows[-1]}")
    assert np.any(sparse.v_) or np.any(sparse.trace_post_)  # a state worth carrying
    assert sparse.kernel_ == kernel
    # And the stream equals one fit over all rows (CSR).
    _assert_same_state(STDPTransformer(**params).fit(sp.csr_matrix(X)), sparse, "fit")
    # transform reads CSR too, identically.
    np.testing.assert_array_equal(sparse.transform(sp.csr_matrix(X)), sparse.transform(X))


def test_non_canonical_csr_is_read_and_left_untouched(active, X_binary):
    """Duplicate entries (summed), stored zeros and unsorted indices: read as scipy means them."""
    X = X_binary[:12]
    rows, cols = np.nonzero(X)
    # Every spike stored as two halves, in reverse column order, plus explicit zeros.
    r = np.concatenate([rows, rows, [0, 5]])
    c = np.concatenate([cols, cols, [0, 1]])
    v = np.concatenate([np.full(rows.size, 0.5), np.full(rows.size, 0.5), [0.0, 0.0]])
    order = np.lexsort((-c, r))
    odd = sp.csr_matrix((v[order], c[order], np.searchsorted(r[order], np.arange(13))),
                        shape=X.shape)
    assert not odd.has_canonical_format
    kept = (odd.data.copy(), odd.indices.copy(), odd.indptr.copy())
    params = dict(active, stream=True, kernel="event")
    a = STDPTransformer(**params).partial_fit(odd)
    b = STDPTransformer(**params).partial_fit(X)
    _assert_same_state(a, b)
    for before, after in zip(kept, (odd.data, odd.indices, odd.indptr), strict=True):
        np.testing.assert_array_equal(before, after)


def _peak_host_memory_of_second_partial_fit(est, X) -> int:
    """Peak traced host memory of ``partial_fit(X)``, after a first call compiled its programs."""
    est.partial_fit(X)
    tracemalloc.start()
    try:
        est.partial_fit(X)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_event_kernel_reads_csr_without_densifying():
    """Host memory of partial_fit on a CSR chunk follows its spikes, not bins x channels."""
    n_rows, n_channels = 4096, 2000  # 4 blocks of 1024 rows
    rng = np.random.default_rng(0)
    X = sp.csr_matrix(rng.random((n_rows, n_channels), dtype=np.float32) < 0.004,
                      dtype=np.float32)  # built dense here, before measuring
    dense_bytes = n_rows * n_channels * 4
    block_bytes = dense_bytes // 4
    est = STDPTransformer(2, stream=True, kernel="event", competition=None, weight_norm=None,
                          theta_plus=0.0, threshold=2.0, random_state=0)
    peak = _peak_host_memory_of_second_partial_fit(est, X)
    assert peak < dense_bytes / 20, f"peak {peak / 1e6:.1f} MB, raster {dense_bytes / 1e6:.0f} MB"

    # The dense kernel densifies blocks of at most 1024 rows (one being read while the
    # previous one is released), never the whole chunk.
    est = STDPTransformer(2, stream=True, kernel="dense", competition=None, weight_norm=None,
                          theta_plus=0.0, threshold=2.0, random_state=0)
    peak = _peak_host_memory_of_second_partial_fit(est, X)
    assert peak < 2.5 * block_bytes, f"peak {peak / 1e6:.1f} MB, one block {block_bytes / 1e6} MB"


def test_csr_chunk_lengths_do_not_recompile_event_kernel():
    """Every new chunk length reuses the programs of the power-of-two block lengths."""
    from sk_stdp import _dynamics

    driver = _dynamics.learn
    if not hasattr(driver, "_cache_size"):
        pytest.skip("this JAX version does not expose the jit cache size")
    # Exactly 3 spikes per bin: every block pads to the same number of event slots.
    rng = np.random.default_rng(0)
    n_rows, n_channels = 64, 20
    cols = np.stack([rng.choice(n_channels, 3, replace=False) for _ in range(n_rows)])
    indptr = np.arange(0, 3 * n_rows + 1, 3)
    X = sp.csr_matrix((np.ones(3 * n_rows, np.float32), cols.ravel(), indptr),
                      shape=(n_rows, n_channels))
    est = STDPTransformer(8, stream=True, kernel="event", threshold=0.5, random_state=0)
    for n in (1, 2, 4, 8, 16, 32):
        est.partial_fit(X[:n])
    compiled = driver._cache_size()
    for n in (3, 5, 7, 11, 13, 23, 31, 63):
        est.partial_fit(X[:n])
    assert driver._cache_size() == compiled


def _raster_with_spikes_per_bin(n_rows, n_channels, per_bin, seed=0):
    rng = np.random.default_rng(seed)
    cols = np.stack([rng.choice(n_channels, per_bin, replace=False) for _ in range(n_rows)])
    indptr = np.arange(0, per_bin * n_rows + 1, per_bin)
    return sp.csr_matrix((np.ones(per_bin * n_rows, np.float32), cols.ravel(), indptr),
                         shape=(n_rows, n_channels))


def test_sparser_chunks_reuse_the_wider_event_programs():
    """The event-list width only grows: quieter chunks after a busy one compile nothing."""
    from sk_stdp import _dynamics

    driver = _dynamics.learn
    if not hasattr(driver, "_cache_size"):
        pytest.skip("this JAX version does not expose the jit cache size")
    busy = _raster_with_spikes_per_bin(16, 20, per_bin=12)
    quiet = _raster_with_spikes_per_bin(16, 20, per_bin=2, seed=1)
    est = STDPTransformer(8, stream=True, kernel="event", threshold=0.5, random_state=0)
    for n in (1, 2, 4, 8, 16):
        est.partial_fit(busy[:n])
    compiled = driver._cache_size()
    for n in (1, 2, 4, 8, 16):
        est.partial_fit(quiet[:n])
    assert driver._cache_size() == compiled


def test_event_lists_have_headroom_and_keep_their_width():
    from sk_stdp._encoding import to_events

    X = np.zeros((3, 200), np.float32)
    X[0, :39] = 1.0
    X[2, 5] = 0.5
    index, value = to_events(X)
    assert index.shape == value.shape == (3, 56)  # ceil(1.25 * 39) = 49, rounded up to 8s
    np.testing.assert_array_equal(index[0, :39], np.arange(39))
    assert np.all(index[0, 39:] == 200) and np.all(index[1] == 200)  # out-of-range padding
    assert index[2, 0] == 5 and value[2, 0] == 0.5 and value.sum() == 39.5
    # The same events from CSR, and a given width kept while the rows fit in it.
    for events in (to_events(sp.csr_matrix(X), min_slots=64), to_events(X, min_slots=64)):
        assert events[0].shape == (3, 64)
        np.testing.assert_array_equal(events[0][:, :56], index)
    assert to_events(X, min_slots=32)[0].shape == (3, 56)  # grows when a row does not fit


# --------------------------------------------------------------------------
# reset_state
# --------------------------------------------------------------------------
def test_reset_state_then_learning_equals_a_fresh_start_from_the_weights(active, X_rates):
    """After reset_state, the stream continues exactly as a new run from rest with those weights."""
    params = dict(active, stream=True, kernel="dense", theta_plus=0.0, weight_norm=None,
                  competition=None, threshold=1.5)
    est = STDPTransformer(**params).partial_fit(X_rates[:30])
    assert np.any(est.v_) and np.any(est.trace_pre_)
    weights = est.components_
    est.reset_state()
    np.testing.assert_array_equal(est.components_, weights)
    est.partial_fit(X_rates[30:])
    fresh = STDPTransformer(**dict(params, init=weights)).fit(X_rates[30:])
    for name in STATE:
        np.testing.assert_array_equal(getattr(est, name), getattr(fresh, name), err_msg=name)


def test_reset_state_keeps_thresholds_and_transform(active, X_rates):
    est = STDPTransformer(**dict(active, stream=True)).partial_fit(X_rates)
    theta, out = est.theta_, est.transform(X_rates)
    assert np.any(theta)
    est.reset_state()
    np.testing.assert_array_equal(est.theta_, theta)
    np.testing.assert_array_equal(est.transform(X_rates), out)  # transform starts from rest


# --------------------------------------------------------------------------
# Events -> rasters -> partial_fit, with a checkpoint in the middle
# --------------------------------------------------------------------------
def test_events_to_partial_fit_with_checkpoint(active):
    """A live source: events in arbitrary pieces -> SpikeBinner -> partial_fit; checkpoint both."""
    rng = np.random.default_rng(7)
    n_channels, duration = 20, 0.2  # seconds, bins of 2 ms: 100 bins
    times = np.sort(rng.uniform(0, duration, 300))
    channels = rng.integers(0, n_channels, times.size)
    pieces = np.array_split(np.arange(times.size), 9)
    params = dict(active, stream=True, kernel="event")

    def run(checkpoint_after=None):
        binner = SpikeBinner(n_channels, 0.002, t_start=0.0)
        est = STDPTransformer(**params)
        for k, piece in enumerate(pieces):
            X = binner.push(times[piece], channels[piece])
            if X.shape[0]:
                est.partial_fit(X)
            if k == checkpoint_after:
                binner, est = pickle.loads(pickle.dumps((binner, est)))
        return est.partial_fit(binner.flush(t_stop=duration))

    straight, resumed = run(), run(checkpoint_after=4)
    _assert_same_state(straight, resumed)
    assert straight.n_samples_seen_ == 100
    # The same as binning everything first and fitting once.
    whole = sp.vstack(list(iter_binned(times, channels, n_channels, 0.002, 32, t_stop=duration)))
    _assert_same_state(straight, STDPTransformer(**params).fit(whole))


# --------------------------------------------------------------------------
# "auto" parameters per mode
# --------------------------------------------------------------------------
def _resolved(est) -> dict:
    """The numbers of the layer an estimator describes, every "auto" resolved."""
    return dict(describe(est.get_params(), 16).values)


def test_auto_rule_values_per_mode():
    sample = _resolved(STDPTransformer(4))
    stream = _resolved(STDPTransformer(4, stream=True))
    assert (sample["A_minus"], sample["trace_decay"], sample["trace_decay_post"]) == (
        0.00525, 0.95, 0.9)
    assert (stream["A_minus"], stream["trace_decay"], stream["trace_decay_post"]) == (
        0.00425, 0.9, 0.95)


def test_auto_depression_of_nearest_pairing_on_a_held_sample():
    """Nearest-spike pairing with the direct code in sample mode: the pre-synaptic trace of
    an input held for n_steps stays at its value, where the pair rule's settles at
    1 / (1 - d) times it (at most n_steps times); A_minus "auto" is divided by that."""
    for decay, n_steps, gain in ((0.95, 20, 20.0), (0.8, 20, 5.0), (0.95, 5, 5.0),
                                 (1.0, 10, 10.0)):
        est = STDPTransformer(4, rule="nearest", trace_decay=decay, n_steps=n_steps)
        assert _resolved(est)["A_minus"] == pytest.approx(0.00525 / gain, rel=1e-12)
    # The rate code, stream mode and a number given keep their values.
    for params, expected in ((dict(encoding="poisson"), 0.00525), (dict(stream=True), 0.00425),
                             (dict(A_minus=0.003), 0.003)):
        assert _resolved(STDPTransformer(4, rule="nearest", **params))["A_minus"] == expected


@pytest.mark.parametrize("stream", [False, True])
def test_depression_window_follows_a_trace_decay_that_is_set(stream):
    """A number for trace_decay sets both windows (the seed rule) unless trace_decay_post is set."""
    est = STDPTransformer(4, stream=stream, trace_decay=0.8)
    assert _resolved(est)["trace_decay_post"] == 0.8
    assert _resolved(est.set_params(trace_decay_post=0.97))["trace_decay_post"] == 0.97


def test_post_synaptic_trace_decays_by_trace_decay_post():
    """One output spike, then silence: the post-synaptic trace falls by trace_decay_post per bin."""
    X = np.zeros((12, 2), np.float32)
    X[0] = 1.0
    params = dict(stream=True, threshold=0.5, competition=None, theta_plus=0.0,
                  weight_norm=None, init=np.ones((1, 2)), learning_rate=0.0)
    for decay, decay_post in ((0.9, 0.95), (0.9, 0.5), (0.7, None)):
        extra = {} if decay_post is None else dict(trace_decay_post=decay_post)
        est = STDPTransformer(1, trace_decay=decay, **extra, **params).fit(X)
        expected = (decay if decay_post is None else decay_post) ** 11
        np.testing.assert_allclose(est.trace_post_, [expected], rtol=1e-5)
        np.testing.assert_allclose(est.trace_pre_, [decay ** 11] * 2, rtol=1e-5)


# --------------------------------------------------------------------------
# Relative thresholds and the calibrated leak, against the numpy reference
# --------------------------------------------------------------------------
#: Stream-mode values set explicitly, so that only threshold and leak are "auto".
RELATIVE_RULE = dict(stream=True, A_plus=0.005, A_minus=0.00425, learning_rate=1.0,
                     trace_decay=0.9, trace_decay_post=0.95, theta_plus=0.05,
                     theta_decay=0.999, weight_norm=0.2, threshold_window=200,
                     random_state=0)


def _relative_run(reference, X, kernel, competition, **params):
    rng = np.random.default_rng(2)
    W0 = rng.uniform(0.0, 1.0, (8, X.shape[1]))
    est = STDPTransformer(8, init=W0, kernel=kernel, competition=competition,
                          **RELATIVE_RULE, **params).fit(X)
    leak = params.get("leak", "auto")
    expected = reference.run(
        X, W0, A_plus=0.005, A_minus=0.00425, learning_rate=1.0, w_min=0.0, w_max=1.0,
        threshold=1e-3, v_reset=0.0, leak=0.9 if leak == "auto" else leak, trace_decay=0.9,
        trace_decay_post=0.95, competition=competition, theta_plus=0.05, theta_decay=0.999,
        weight_norm=0.2, relative=dict(relative_threshold=1.0, threshold_noise=0.5,
                                       threshold_window=200,
                                       membrane_spikes=35.0 if leak == "auto" else None,
                                       readout_floor=params.get("readout_floor", 2.5)))
    return est, expected


#: The kernels that implement relative thresholds here.
RELATIVE_KERNELS = ["dense", "event", "numba"]


@pytest.mark.parametrize("kernel", RELATIVE_KERNELS)
@pytest.mark.parametrize("competition", [None, "wta", "lateral"])
@pytest.mark.parametrize("density", [0.02, 0.3])
def test_relative_thresholds_and_calibrated_leak_match_numpy(reference, kernel, competition,
                                                             density):
    """threshold="auto" and leak="auto" in stream mode: the same weights, thresholds and
    leak as the reference. Sparse input (1.3 spikes per bin from 64 inputs) lengthens
    the membrane time constant to about 35 / 1.3 bins; dense input (19 per bin) keeps
    the floor of 0.9, exactly."""
    rng = np.random.default_rng(int(density * 100))
    X = (rng.random((2048, 64)) < density).astype(np.float32)
    est, expected = _relative_run(reference, X, kernel, competition)
    assert est.kernel_ == kernel
    assert expected["spikes"].sum() >= 10  # the neurons fired
    np.testing.assert_allclose(est.components_, expected["weights"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(est.theta_, expected["theta"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(est.v_, expected["v"], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(est.leak_, expected["leak"], rtol=1e-6)
    np.testing.assert_allclose(est.readout_thresholds_, expected["readout_thresholds"],
                               rtol=1e-4)
    rate = X[-200:].sum(axis=1).mean()
    if density < 0.1:
        np.testing.assert_allclose(est.leak_, 1 - rate / 35.0, atol=0.01)
        assert est.leak_ > 0.94
        # The leak followed the input from the first bins on: it varied, within its range.
        assert expected["leaks"].min() >= np.float32(0.9)
        assert np.ptp(expected["leaks"][100:]) > 0
    else:
        assert est.leak_ == np.float32(0.9) and np.all(expected["leaks"] == np.float32(0.9))


def test_relative_thresholds_with_a_fixed_leak_match_numpy(reference):
    """A leak that is set is used as it is: no calibration, the relative threshold alone."""
    X = (np.random.default_rng(3).random((2048, 64)) < 0.02).astype(np.float32)
    est, expected = _relative_run(reference, X, "event", "wta", leak=0.85)
    assert expected["spikes"].sum() >= 10
    np.testing.assert_allclose(est.components_, expected["weights"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(est.theta_, expected["theta"], rtol=1e-5, atol=1e-5)
    assert est.leak_ == np.float32(0.85) and np.all(expected["leaks"] == np.float32(0.85))


@pytest.mark.parametrize("kernel", RELATIVE_KERNELS)
def test_readout_floor_matches_numpy(reference, kernel):
    """transform fires at the learned threshold or at the noise floor, whichever is
    higher: the running statistics of each input and the floor match the reference, the
    floor binds on input whose channels fire at very different rates, and transform's
    spikes are those of the reference neuron at these thresholds."""
    rng = np.random.default_rng(6)
    rates = rng.uniform(0.002, 0.15, 64)
    X = (rng.random((3000, 64)) < rates).astype(np.float32)
    est, expected = _relative_run(reference, X, kernel, "wta")
    np.testing.assert_allclose(est.components_, expected["weights"], rtol=0, atol=1e-5)
    thresholds = est.readout_thresholds_
    np.testing.assert_allclose(thresholds, expected["readout_thresholds"], rtol=1e-4)
    _, unfloored = _relative_run(reference, X, kernel, "wta", readout_floor=None)
    assert np.all(thresholds >= unfloored["readout_thresholds"] * (1 - 1e-6))
    assert np.any(thresholds > unfloored["readout_thresholds"] * 1.01)  # it binds
    out = est.transform(X[:1000])
    assert out.sum() > 0
    expected_out = reference.respond(X[:1000], est.components_, np.zeros(8, np.float32),
                                     threshold=thresholds, v_reset=0.0, leak=est.leak_,
                                     stream=True)
    np.testing.assert_array_equal(out, expected_out)
    # Switched off, transform fires at the learned thresholds; learning is the same.
    est.set_params(readout_floor=None)
    np.testing.assert_allclose(est.readout_thresholds_, unfloored["readout_thresholds"],
                               rtol=1e-4)
    assert est.transform(X[:1000]).sum() >= out.sum()


def test_transform_freezes_the_calibrated_leak():
    """transform reads with the leak reached, as if it had been set to that number;
    the leak only counts where it is calibrated (stream mode, threshold="auto")."""
    rng = np.random.default_rng(4)
    X = (rng.random((2048, 64)) < 0.02).astype(np.float32)
    est = STDPTransformer(8, stream=True, random_state=0).fit(X)
    assert est.leak_ > 0.94
    out = est.transform(X[:500])
    assert out.sum() > 0
    fixed = est.leak_
    est.set_params(leak=fixed)
    assert est.leak_ == np.float32(fixed)
    np.testing.assert_array_equal(est.transform(X[:500]), out)
    # With a number for the threshold, or in sample mode, "auto" is the fixed value.
    assert STDPTransformer(8, stream=True, threshold=0.5).fit(X).leak_ == np.float32(0.9)
    assert STDPTransformer(8).fit(X[:64]).leak_ == np.float32(0.8)


def test_calibrated_leak_is_the_same_for_any_chunking():
    """The leak follows a running mean, not the first chunk: partial_fit over any chunks
    equals one fit."""
    X = (np.random.default_rng(5).random((600, 64)) < 0.02).astype(np.float32)
    whole = STDPTransformer(8, stream=True, random_state=0).fit(X)
    parts = STDPTransformer(8, stream=True, random_state=0)
    for rows in _splits(len(X), seed=5):
        parts.partial_fit(X[rows])
    _assert_same_state(whole, parts)
    assert whole.leak_ == parts.leak_ and whole.leak_ > 0.94


# --------------------------------------------------------------------------
# The hidden pattern (Masquelier, Guyonneau & Thorpe 2008), default parameters
# --------------------------------------------------------------------------
#: Two recordings of different size and rate (1 ms bins). Only ``stream=True``,
#: ``n_neurons`` and ``random_state`` are set on the estimator.
RECORDINGS = {
    "200 channels, 5-20 Hz, half of them in the pattern": dict(
        n_channels=200, rate=(5.0, 20.0), pattern_bins=50, pattern_channels=0.5),
    "1000 channels, 10-50 Hz": dict(n_channels=1000, rate=(10.0, 50.0), pattern_bins=40),
}
TRAIN_BINS = 120_000


def _detect(recording: dict, seed: int, **params):
    """Stream a recording in 1 s chunks; the best neuron (chosen on held-out data), scored."""
    train = make_pattern_stream(n_bins=TRAIN_BINS, random_state=seed, **recording)
    est = STDPTransformer(4, stream=True, random_state=seed, **params)
    for chunk in train.chunks():
        est.partial_fit(chunk)
    scores = []
    for offset in (1, 2):  # choose on one recording, score on another
        rec = train.resample(20_000, seed + offset)
        scores.append(pattern_detection_scores(est.transform(rec.raster()), rec.onsets,
                                               rec.pattern_bins))
    chosen, scored = scores
    best = int(choose_neurons(chosen, train.pattern_bins)[0])
    return scored["hits"][0, best], scored["false_alarms"][best]


@pytest.mark.parametrize("name", list(RECORDINGS))
def test_hidden_pattern_is_found_with_default_parameters(name):
    hits, false_alarms = _detect(RECORDINGS[name], seed=1)
    print(f"\n{name}: hit rate {hits:.3f}, false alarms {false_alarms:.2f} per 1000 bins")
    assert hits >= 0.9
    assert false_alarms <= 2.0


def test_readout_floor_cuts_false_alarms_on_uneven_sparse_input():
    """On the sparse recording whose channels fire at 5-20 Hz, the floor keeps every
    neuron from firing on chance coincidences of its busiest channels: fewer false
    alarms than at the learned thresholds alone, with the pattern still caught."""
    name = "200 channels, 5-20 Hz, half of them in the pattern"
    hits, false_alarms = _detect(RECORDINGS[name], seed=2)
    unfloored_hits, unfloored_false_alarms = _detect(RECORDINGS[name], seed=2,
                                                     readout_floor=None)
    print(f"\nfloor: hit rate {hits:.3f}, false alarms {false_alarms:.2f}; "
          f"none: {unfloored_hits:.3f}, {unfloored_false_alarms:.2f}")
    assert hits >= 0.9 and false_alarms <= 2.0
    assert false_alarms < 0.8 * unfloored_false_alarms


#: Under one input spike per bin, a 100-bin pattern (the sparsest row of benchmarks/streams.py).
SPARSE_LONG = dict(n_channels=100, rate=(2.0, 16.0), pattern_bins=100, pattern_channels=0.6)


def test_sparse_long_pattern_needs_the_calibrated_leak():
    """The membrane that follows the input rate sums enough of a sparse pattern to keep
    false alarms under the bar; the 10-bin membrane of dense input (leak=0.9) catches
    the pattern too, but fires on chance coincidences outside it."""
    hits, false_alarms = _detect(SPARSE_LONG, seed=1)
    print(f"\ncalibrated leak: hit rate {hits:.3f}, false alarms {false_alarms:.2f}")
    assert hits >= 0.9 and false_alarms <= 2.0
    hits, false_alarms = _detect(SPARSE_LONG, seed=1, leak=0.9)
    print(f"leak=0.9: hit rate {hits:.3f}, false alarms {false_alarms:.2f}")
    assert false_alarms > 2.0


#: The values the "auto" parameters take in sample mode.
SAMPLE_MODE_VALUES = dict(threshold=1.0, leak=0.8, trace_decay=0.95, trace_decay_post=0.95,
                          A_minus=0.00525, theta_plus=0.03, theta_decay=1.0)


def test_sparse_stream_needs_the_stream_defaults():
    """With the sample-mode values of the "auto" parameters (a fixed threshold of 1,
    offsets that rise at every spike and never decay) the sparse recording is not
    learned: the thresholds climb until the layer misses the pattern."""
    name = "200 channels, 5-20 Hz, half of them in the pattern"
    hits, false_alarms = _detect(RECORDINGS[name], seed=1, **SAMPLE_MODE_VALUES)
    print(f"\nsample-mode values: hit rate {hits:.3f}, false alarms {false_alarms:.2f}")
    assert not (hits >= 0.9 and false_alarms <= 2.0)
