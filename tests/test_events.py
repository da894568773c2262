"""Spike events to rasters: ``bin_spikes``, ``iter_binned``, ``SpikeBinner``."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp

from sk_stdp.events import SpikeBinner, bin_spikes, iter_binned, trains_to_events

N_CHANNELS = 7


def _naive(times, channels, n_channels, bin_width, t_start, n_bins, binary):
    """Bin by the definition: bin k holds t_start + k w <= t < t_start + (k + 1) w."""
    out = np.zeros((n_bins, n_channels), np.float32)
    for t, c in zip(times, channels, strict=True):
        for k in range(n_bins):
            if t_start + k * bin_width <= t < t_start + (k + 1) * bin_width:
                out[k, c] = 1 if binary else out[k, c] + 1
    return out


def _events(seed, n=300, integer=False):
    rng = np.random.default_rng(seed)
    if integer:  # sample indices, as a sorter reports them
        times = np.sort(rng.integers(0, 3000, n))
    else:
        times = np.sort(rng.uniform(0.0, 3.0, n))
    channels = rng.integers(0, N_CHANNELS, n)
    # Bursts: several spikes of one channel in one bin, and spikes at equal times.
    times = np.concatenate([times, times[:20]])
    channels = np.concatenate([channels, channels[:20]])
    order = np.argsort(times, kind="stable")
    return times[order], channels[order]


def _assert_raster_equal(X, expected):
    assert sp.issparse(X) and X.format == "csr" and X.dtype == np.float32
    assert X.has_sorted_indices
    np.testing.assert_array_equal(X.toarray(), expected)


@pytest.mark.parametrize("binary", [False, True], ids=["counts", "binary"])
@pytest.mark.parametrize(
    ("t_start", "t_stop"), [(0.0, None), (0.4, 2.7), (-0.5, 3.5)], ids=["default", "window", "wide"]
)
def test_bin_spikes_equals_naive_binning(binary, t_start, t_stop):
    times, channels = _events(0)
    width = 0.07
    X = bin_spikes(times, channels, N_CHANNELS, width, t_start=t_start, t_stop=t_stop,
                   binary=binary)
    if t_stop is None:
        n_bins = int(np.floor((times.max() - t_start) / width)) + 1
    else:
        n_bins = int(np.ceil((t_stop - t_start) / width))
    assert X.shape == (n_bins, N_CHANNELS)
    inside = times < (np.inf if t_stop is None else t_stop)
    expected = _naive(times[inside], channels[inside], N_CHANNELS, width, t_start, n_bins, binary)
    _assert_raster_equal(X, expected)
    assert X.max() > 1 or binary  # the data has repeated spikes in a bin


def test_bin_spikes_integer_times_are_exact():
    """Sample indices with a bin width in samples: edges are exact (no rounding)."""
    times = np.array([0, 29, 30, 59, 60, 61, 89, 90], dtype=np.int64)
    channels = np.array([0, 0, 1, 1, 2, 2, 0, 1])
    X = bin_spikes(times, channels, 3, bin_width=30, t_start=0)
    expected = np.array([[2, 0, 0], [0, 2, 0], [1, 0, 2], [0, 1, 0]], np.float32)
    _assert_raster_equal(X, expected)
    # And the same as the naive definition on random sample indices.
    times, channels = _events(1, integer=True)
    X = bin_spikes(times, channels, N_CHANNELS, 30, t_start=15, t_stop=2900)
    n_bins = -(-(2900 - 15) // 30)
    keep = times < 2900
    _assert_raster_equal(
        X, _naive(times[keep], channels[keep], N_CHANNELS, 30, 15, n_bins, False)
    )


def test_bin_spikes_edges_and_empty():
    # A spike exactly on an edge belongs to the later bin; t_stop is exclusive.
    X = bin_spikes([0.0, 0.5, 1.0], [0, 0, 0], 1, 0.5, t_stop=1.0)
    _assert_raster_equal(X, np.array([[1], [1]], np.float32))
    # A window longer than a whole number of bins ends with a shorter bin.
    assert bin_spikes([], [], 2, 0.5, t_stop=1.2).shape == (3, 2)
    # No spikes and no t_stop: an empty raster.
    assert bin_spikes(np.array([]), np.array([], int), 4, 1.0).shape == (0, 4)
    # Spikes before t_start are ignored.
    X = bin_spikes([0.5, 1.5], [1, 1], 2, 1.0, t_start=1.0)
    _assert_raster_equal(X, np.array([[0, 1]], np.float32))


@pytest.mark.parametrize("chunk_bins", [1, 5, 16, 1000])
def test_iter_binned_equals_one_shot(chunk_bins):
    times, channels = _events(2)
    width = 0.05
    whole = bin_spikes(times, channels, N_CHANNELS, width, t_start=0.1, t_stop=2.93)
    rng = np.random.default_rng(chunk_bins)
    shuffled = rng.permutation(times.size)  # iter_binned sorts what is not in order
    chunks = list(
        iter_binned(times[shuffled], channels[shuffled], N_CHANNELS, width, chunk_bins,
                    t_start=0.1, t_stop=2.93)
    )
    assert all(c.shape[0] == chunk_bins for c in chunks[:-1])
    assert 1 <= chunks[-1].shape[0] <= chunk_bins
    for c in chunks:
        assert c.format == "csr" and c.dtype == np.float32 and c.has_sorted_indices
    np.testing.assert_array_equal(sp.vstack(chunks).toarray(), whole.toarray())


def _random_pushes(times, channels, rng, width):
    """Split time-ordered events into pushes anywhere (inside bins too), with `until`s."""
    cuts = np.sort(rng.choice(np.arange(1, times.size), size=12, replace=False))
    pieces = np.split(np.arange(times.size), cuts)
    for k, piece in enumerate(pieces):
        until = None
        if k + 1 < len(pieces) and rng.random() < 0.5:
            # Anything up to the next spike is a valid `until` (the next spike may
            # share a bin with it: that bin stays open).
            low = times[piece[-1]] if piece.size else 0.0
            until = rng.uniform(low, times[pieces[k + 1][0]])
        # Within a push the order does not matter.
        piece = rng.permutation(piece)
        yield times[piece], channels[piece], until


@pytest.mark.parametrize("seed", range(6))
def test_spike_binner_equals_one_shot_for_random_splits(seed):
    rng = np.random.default_rng(seed)
    integer = seed % 2 == 1
    times, channels = _events(seed, integer=integer)
    width, t_start = (25, 10) if integer else (0.04, 0.05)
    t_stop = times.max() + (100 if integer else 0.3)  # silent bins at the end
    binary = seed % 3 == 0
    binner = SpikeBinner(N_CHANNELS, width, t_start=t_start, binary=binary)
    out = []
    for t, c, until in _random_pushes(times, channels, rng, width):
        X = binner.push(t, c, until=until)
        assert X.format == "csr" and X.dtype == np.float32 and X.shape[1] == N_CHANNELS
        out.append(X)
        assert binner.n_bins_emitted_ == sum(x.shape[0] for x in out)
    out.append(binner.flush(t_stop=t_stop))
    whole = bin_spikes(times, channels, N_CHANNELS, width, t_start=t_start, t_stop=t_stop,
                       binary=binary)
    np.testing.assert_array_equal(sp.vstack(out).toarray(), whole.toarray())
    assert binner.flush().shape == (0, N_CHANNELS)


def test_spike_binner_emits_complete_bins_only():
    binner = SpikeBinner(2, 1.0)
    assert binner.push([0.5], [0]).shape == (0, 2)  # bin 0 may still get spikes
    assert binner.push([0.9], [1]).shape == (0, 2)
    _assert_raster_equal(binner.push([2.2], [0]), np.array([[1, 1], [0, 0]], np.float32))
    assert binner.t_emitted_ == 2.0
    # `until` closes bins without a spike (a silent period), but not the open one.
    _assert_raster_equal(binner.push([], [], until=4.5), np.array([[1, 0], [0, 0]], np.float32))
    assert binner.n_bins_emitted_ == 4
    # flush() closes the last bin with a spike; flush(t_stop) also adds silent bins.
    assert binner.push([4.7], [1]).shape == (0, 2)
    _assert_raster_equal(binner.flush(t_stop=7.0), np.array([[0, 1], [0, 0], [0, 0]], np.float32))


def test_spike_binner_rejects_late_events_and_stays_unchanged():
    binner = SpikeBinner(3, 1.0)
    binner.push([0.1, 1.2, 2.5], [0, 1, 2])  # bins 0 and 1 returned
    before = pickle.dumps(binner)
    with pytest.raises(ValueError, match="already returned"):
        binner.push([3.0, 1.5], [0, 0])
    with pytest.raises(ValueError, match="out of range"):
        binner.push([3.0], [3])
    assert pickle.dumps(binner) == before
    with pytest.raises(ValueError, match="t_stop"):
        binner.flush(t_stop=2.2)  # a pending spike at 2.5


def test_spike_binner_pickles_mid_stream():
    times, channels = _events(3)
    rng = np.random.default_rng(3)
    pushes = list(_random_pushes(times, channels, rng, 0.1))
    straight, resumed = SpikeBinner(N_CHANNELS, 0.1), SpikeBinner(N_CHANNELS, 0.1)
    for t, c, until in pushes[:5]:
        straight.push(t, c, until=until)
        resumed.push(t, c, until=until)
    resumed = pickle.loads(pickle.dumps(resumed))
    for t, c, until in pushes[5:]:
        np.testing.assert_array_equal(
            straight.push(t, c, until=until).toarray(), resumed.push(t, c, until=until).toarray()
        )
    np.testing.assert_array_equal(straight.flush().toarray(), resumed.flush().toarray())


@pytest.mark.parametrize(
    ("times", "channels", "match"),
    [
        ([0.1, 0.2], [0, 7], "channel 7 is out of range for n_channels=7"),
        ([0.1, 0.2], [0, -1], "non-negative"),
        ([0.1, 0.2], [0, 1.5], "integers"),
        ([0.1, 0.2], ["a", "b"], "integers"),
        ([0.1, np.nan], [0, 1], "NaN"),
        ([0.1, np.inf], [0, 1], "NaN or inf"),
        ([0.1, 0.2], [0], "same length"),
        ([[0.1, 0.2]], [[0, 1]], "1-D"),
    ],
)
def test_invalid_events_raise(times, channels, match):
    for call in (
        lambda: bin_spikes(times, channels, N_CHANNELS, 0.1),
        lambda: list(iter_binned(times, channels, N_CHANNELS, 0.1, 4)),
        lambda: SpikeBinner(N_CHANNELS, 0.1).push(times, channels),
    ):
        with pytest.raises(ValueError, match=match):
            call()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(n_channels=0, bin_width=1.0), "n_channels"),
        (dict(n_channels=2.5, bin_width=1.0), "n_channels"),
        (dict(n_channels=2, bin_width=0.0), "bin_width"),
        (dict(n_channels=2, bin_width=-1.0), "bin_width"),
        (dict(n_channels=2, bin_width=np.nan), "bin_width"),
        (dict(n_channels=2, bin_width=1.0, t_start=np.inf), "t_start"),
    ],
)
def test_invalid_layout_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bin_spikes([0.5], [0], **kwargs)
    with pytest.raises(ValueError, match=match):
        SpikeBinner(**kwargs)
    with pytest.raises(ValueError, match="chunk_bins"):
        list(iter_binned([0.5], [0], 2, 1.0, chunk_bins=0))


def test_float_channels_with_integer_values_are_accepted():
    X = bin_spikes([0.5, 1.5], np.array([1.0, 0.0]), 2, 1.0)
    _assert_raster_equal(X, np.array([[0, 1], [1, 0]], np.float32))


class _Quantity:
    """A minimal stand-in for a neo.SpikeTrain: times in ms with a `rescale`."""

    def __init__(self, ms):
        self.ms = np.asarray(ms, float)

    def rescale(self, units):
        factor = {"ms": 1.0, "s": 1e-3}[units]
        out = _Quantity(self.ms * factor)
        out.magnitude = out.ms
        return out


def test_trains_to_events():
    times, channels = trains_to_events([np.array([0.3, 0.1]), [], [0.2, 0.3]])
    np.testing.assert_array_equal(times, [0.1, 0.2, 0.3, 0.3])
    np.testing.assert_array_equal(channels, [0, 2, 0, 2])
    times, channels = trains_to_events([_Quantity([5.0, 1.0]), _Quantity([2.0])], units="s")
    np.testing.assert_allclose(times, [0.001, 0.002, 0.005])
    np.testing.assert_array_equal(channels, [0, 1, 0])
    with pytest.raises(ValueError, match="units"):
        trains_to_events([_Quantity([1.0])])
    times, channels = trains_to_events([])
    assert times.size == channels.size == 0
    X = bin_spikes(*trains_to_events([[0.1], [0.15, 0.3]]), n_channels=2, bin_width=0.2)
    _assert_raster_equal(X, np.array([[1, 1], [0, 1]], np.float32))
