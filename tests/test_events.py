"""Spike events to rasters: ``bin_spikes``, ``iter_binned``, ``SpikeBinner``."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp

from sk_stdp.events import SpikeBinner, SpikeEvents, bin_spikes, iter_binned, trains_to_events

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
    binner = SpikeBinner(2, 1.0, t_start=0.0)
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


def test_late_raise_refuses_the_whole_push_and_leaves_the_binner_unchanged():
    binner = SpikeBinner(3, 1.0, late="raise")
    binner.push([0.1, 1.2, 2.5], [0, 1, 2])  # clock from 0.1: bins 0 and 1 returned
    before = pickle.dumps(binner)
    # One late spike among good ones: nothing of the push is taken.
    with pytest.raises(ValueError, match=r"1 of 3 events are late.*t=1\.5.*t=2\.1.*refused"):
        binner.push([3.0, 1.5, 2.2], [0, 0, 1])
    with pytest.raises(ValueError, match="late"):
        binner.push([0.0], [0])  # before the clock's start
    with pytest.raises(ValueError, match="out of range"):
        binner.push([3.0], [3])
    with pytest.raises(ValueError, match="until must be a finite number"):
        binner.push([3.0], [0], until=np.nan)
    assert pickle.dumps(binner) == before
    assert binner.n_late_ == 0
    with pytest.raises(ValueError, match="t_stop"):
        binner.flush(t_stop=2.2)  # a pending spike at 2.5
    assert pickle.dumps(binner) == before
    # The pushes that were refused left no trace: the stream goes on as if they never came.
    _assert_raster_equal(binner.push([3.2], [1]), np.array([[0, 0, 1]], np.float32))  # bin 2


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
    # Whatever the late policy, a binner mid-stream is left exactly as it was.
    for late in ("drop", "raise"):
        binner = SpikeBinner(N_CHANNELS, 0.1, late=late)
        binner.push([0.01, 0.05, 0.23], [0, 1, 2])
        before = pickle.dumps(binner)
        with pytest.raises(ValueError, match=match):
            binner.push(times, channels, until=0.3)
        assert pickle.dumps(binner) == before


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


def test_trains_to_events():
    times, channels = trains_to_events([np.array([0.3, 0.1]), [], [0.2, 0.3]])
    np.testing.assert_array_equal(times, [0.1, 0.2, 0.3, 0.3])
    np.testing.assert_array_equal(channels, [0, 2, 0, 2])
    times, channels = trains_to_events([])
    assert times.size == channels.size == 0
    X = bin_spikes(*trains_to_events([[0.1], [0.15, 0.3]]), n_channels=2, bin_width=0.2)
    _assert_raster_equal(X, np.array([[1, 1], [0, 1]], np.float32))


# --------------------------------------------------------------------------
# The clock of a live source
# --------------------------------------------------------------------------
def test_default_clock_starts_at_the_first_event():
    """A source whose clock reads 1426.3 s at its first spike: no leading silent rows."""
    times, channels = _events(4)
    times = times + 1426.3
    binner = SpikeBinner(N_CHANNELS, 0.05)
    assert binner.t_start_ is None and binner.t_emitted_ is None
    out = [binner.push(times[:100], channels[:100])]
    assert binner.t_start_ == times[0]
    out += [binner.push(times[100:], channels[100:]), binner.flush()]
    X = sp.vstack(out)
    assert X.shape[0] == int((times[-1] - times[0]) / 0.05) + 1  # about 3 s of 50 ms bins
    assert X[0, channels[0]] >= 1  # the first spike is in row 0
    n_bins = X.shape[0]
    _assert_raster_equal(X, _naive(times, channels, N_CHANNELS, 0.05, times[0], n_bins, False))
    assert binner.n_late_ == 0


def test_default_clock_keeps_integer_times_exact():
    binner = SpikeBinner(2, 30)
    out = [binner.push(np.array([1_000_007, 1_000_036, 1_000_037]), [0, 1, 1])]
    assert binner.t_start_ == 1_000_007 and isinstance(binner.t_start_, int)
    out.append(binner.flush())  # 1_000_037 opens bin 1 exactly on its edge
    _assert_raster_equal(sp.vstack(out).tocsr(), np.array([[1, 1], [0, 1]], np.float32))


@pytest.mark.parametrize("seed", range(4))
def test_late_events_are_dropped_counted_and_the_rest_is_binned_as_one_shot(seed):
    """Pushes in order, with some events arriving after their bin was returned."""
    rng = np.random.default_rng(seed)
    times, channels = _events(seed)
    binner = SpikeBinner(N_CHANNELS, 0.04, binary=seed % 2 == 1)
    out, taken = [], []
    for t, c, until in _random_pushes(times, channels, rng, 0.04):
        if binner.t_emitted_ is not None and rng.random() < 0.5:
            # Stragglers: spikes stamped up to 0.2 before the first open bin.
            stale = binner.t_emitted_ - rng.uniform(0.0, 0.2, 3)
            t, c = np.concatenate([t, stale]), np.concatenate([c, [0, 1, 2]])
        on_time = np.ones(t.size, bool) if binner.t_emitted_ is None else t >= binner.t_emitted_
        n_late = binner.n_late_
        out.append(binner.push(t, c, until=until))
        assert binner.n_late_ == n_late + np.count_nonzero(~on_time)
        taken.append((t[on_time], c[on_time]))
    out.append(binner.flush())
    assert binner.n_late_ > 0
    t_taken = np.concatenate([t for t, _ in taken])
    c_taken = np.concatenate([c for _, c in taken])
    whole = bin_spikes(t_taken, c_taken, N_CHANNELS, 0.04, t_start=binner.t_start_,
                       binary=seed % 2 == 1)
    np.testing.assert_array_equal(sp.vstack(out).toarray(), whole.toarray())


@pytest.mark.parametrize("late", ["drop", "raise"])
def test_events_before_t_start_follow_the_late_policy(late):
    binner = SpikeBinner(2, 1.0, t_start=10.0, late=late)
    before = pickle.dumps(binner)
    if late == "raise":
        with pytest.raises(ValueError, match=r"1 of 2 events are late.*before t=10\.0"):
            binner.push([9.5, 10.5], [0, 1])
        assert pickle.dumps(binner) == before
        return
    assert binner.push([9.5, 10.5], [0, 1]).shape == (0, 2)
    assert binner.n_late_ == 1
    _assert_raster_equal(binner.flush(), np.array([[0, 1]], np.float32))


def test_until_closes_silent_bins_and_is_ignored_before_the_clock_starts():
    binner = SpikeBinner(2, 0.5)
    before = pickle.dumps(binner)
    assert binner.push([], [], until=1426.0).shape == (0, 2)  # no clock yet: nothing to close
    assert pickle.dumps(binner) == before
    binner.push([1426.2], [1])
    X = binner.push([], [], until=1428.2)  # the clock started at 1426.2: 4 bins end by 1428.2
    _assert_raster_equal(X, np.array([[0, 1], [0, 0], [0, 0], [0, 0]], np.float32))
    assert binner.t_emitted_ == 1428.2
    assert binner.push([], [], until=1427.0).shape == (0, 2)  # an earlier until closes nothing
    # With a given t_start the clock runs from the start: until emits its silent bins.
    given = SpikeBinner(2, 0.5, t_start=0.0)
    assert given.push([], [], until=1.2).shape == (2, 2)
    # Before the clock starts, flush has no bins to return either.
    assert SpikeBinner(2, 0.5).flush(t_stop=3.0).shape == (0, 2)


def test_late_must_be_drop_or_raise():
    with pytest.raises(ValueError, match="late must be 'drop' or 'raise'"):
        SpikeBinner(2, 1.0, late="ignore")


# --------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pq():
    return pytest.importorskip("quantities")


def test_quantities_in_any_time_unit_give_the_same_raster(pq):
    times, channels = _events(5)
    plain = bin_spikes(times, channels, N_CHANNELS, 0.05, t_start=0.1, t_stop=2.9)
    for unit, scale in (("s", 1.0), ("ms", 1e3)):
        X = bin_spikes(pq.Quantity(times * scale, unit), channels, N_CHANNELS,
                       pq.Quantity(50, "ms"), t_start=pq.Quantity(100, "ms"),
                       t_stop=pq.Quantity(2.9, "s"))
        np.testing.assert_array_equal(X.toarray(), plain.toarray())
    chunks = iter_binned(pq.Quantity(times, "s"), channels, N_CHANNELS, 0.05 * pq.s, 7,
                         t_start=0.1 * pq.s, t_stop=2.9 * pq.s)
    np.testing.assert_array_equal(sp.vstack(list(chunks)).toarray(), plain.toarray())
    # The default t_start=0.0 is zero in every unit.
    np.testing.assert_array_equal(
        bin_spikes(times * pq.s, channels, N_CHANNELS, 50 * pq.ms).toarray(),
        bin_spikes(times, channels, N_CHANNELS, 0.05).toarray())


def test_a_binner_with_units(pq):
    """A bin width in ms, a clock and times in seconds: the same as plain numbers."""
    times, channels = _events(6)
    times = times + 1426.3
    binner = SpikeBinner(N_CHANNELS, 40 * pq.ms, t_start=1426.3 * pq.s)
    plain = SpikeBinner(N_CHANNELS, 0.04, t_start=1426.3)
    for piece in np.array_split(np.arange(times.size), 5):
        until = times[piece[-1]] + 0.01
        X = binner.push(times[piece] * pq.s, channels[piece], until=until * pq.s)
        np.testing.assert_array_equal(
            X.toarray(), plain.push(times[piece], channels[piece], until=until).toarray())
    np.testing.assert_array_equal(binner.flush(t_stop=1430 * pq.s).toarray(),
                                  plain.flush(t_stop=1430).toarray())
    assert binner.t_start_.dimensionality.string == "ms"
    assert abs(float(binner.t_start_.rescale("s").magnitude) - 1426.3) < 1e-9
    assert binner.t_emitted_.rescale("s").magnitude == pytest.approx(plain.t_emitted_)


def test_mixing_units_and_plain_numbers_raises_with_what_to_pass(pq):
    times = np.array([0.1, 0.2])
    with pytest.raises(ValueError, match="pass bin_width as a quantity"):
        bin_spikes(times * pq.s, [0, 1], 2, 0.001)
    with pytest.raises(ValueError, match=r"pass times as a quantity.*or bin_width as a plain "
                                         r"number in the unit of the times"):
        bin_spikes(times, [0, 1], 2, 1 * pq.ms)
    with pytest.raises(ValueError, match="t_start=5.0 s carries a unit but bin_width is a plain"):
        bin_spikes(times, [0, 1], 2, 0.001, t_start=5 * pq.s)
    with pytest.raises(ValueError, match="t_stop=3.0 is a plain number"):
        bin_spikes(times * pq.s, [0, 1], 2, 1 * pq.ms, t_stop=3.0)
    with pytest.raises(ValueError, match="times is in Hz, which does not convert to ms"):
        bin_spikes(times * pq.Hz, [0, 1], 2, 1 * pq.ms)
    # The unit of trains_to_events' output travels with the times.
    trains = [np.array([1.0, 2.0]) * pq.ms]
    times_ms, channels = trains_to_events(trains, units="ms")
    with pytest.raises(ValueError, match="times carry a unit"):
        bin_spikes(times_ms, channels, 1, 0.001)  # would have been 1 us bins
    X = bin_spikes(times_ms, channels, 1, 0.001 * pq.s)
    _assert_raster_equal(X, np.array([[0], [1], [1]], np.float32))
    # A binner refuses the same mixtures and stays as it was.
    binner = SpikeBinner(2, 1 * pq.ms)
    binner.push([0.1] * pq.s, [0])
    before = pickle.dumps(binner)
    for call in (lambda: binner.push([0.2], [0]), lambda: binner.push([], [], until=0.3),
                 lambda: binner.flush(t_stop=1.0)):
        with pytest.raises(ValueError, match="is a quantity"):
            call()
    assert pickle.dumps(binner) == before
    with pytest.raises(ValueError, match="t_start=1.0 is a plain number"):
        SpikeBinner(2, 1 * pq.ms, t_start=1.0)
    with pytest.raises(ValueError, match="carries a unit"):
        SpikeBinner(2, 0.001, t_start=1 * pq.s)


def test_trains_to_events_keeps_the_unit_and_bin_spikes_takes_a_train_t_start(pq):
    neo = pytest.importorskip("neo")
    trains = [neo.SpikeTrain([5.3, 5.0012] * pq.s, t_start=5 * pq.s, t_stop=6 * pq.s),
              neo.SpikeTrain([5002.5] * pq.ms, t_start=5 * pq.s, t_stop=6 * pq.s)]
    times, channels = trains_to_events(trains)  # in the unit of the first train
    assert times.dimensionality.string == "s"
    np.testing.assert_allclose(times.magnitude, [5.0012, 5.0025, 5.3])
    np.testing.assert_array_equal(channels, [0, 1, 0])
    X = bin_spikes(times, channels, 2, 1 * pq.ms, t_start=trains[0].t_start,
                   t_stop=trains[0].t_stop)
    assert X.shape == (1000, 2)
    assert X[1, 0] == 1 and X[2, 1] == 1 and X[300, 0] == 1 and X.nnz == 3
    in_ms, _ = trains_to_events(trains, units="ms")
    np.testing.assert_allclose(in_ms.magnitude, [5001.2, 5002.5, 5300.0])
    with pytest.raises(ValueError, match="some trains carry units"):
        trains_to_events([trains[0], [5.5]])


# --------------------------------------------------------------------------
# SpikeEvents
# --------------------------------------------------------------------------
def test_spike_events_bin_within_their_window():
    rng = np.random.default_rng(8)
    times = rng.uniform(5.0, 6.0, 200)
    channels = rng.integers(0, 3, 200)
    events = SpikeEvents(times, channels, 3, t_start=5.0, t_stop=6.5, unit="s")
    assert np.all(np.diff(events.times) >= 0) and len(events) == 200
    X = events.bin(0.01)
    assert X.shape == (150, 3)  # from 5 s to 6.5 s, the silent end included
    expected = bin_spikes(times, channels, 3, 0.01, t_start=5.0, t_stop=6.5)
    np.testing.assert_array_equal(X.toarray(), expected.toarray())
    chunks = list(events.iter_binned(0.01, chunk_bins=40))
    assert [c.shape[0] for c in chunks] == [40, 40, 40, 30]
    np.testing.assert_array_equal(sp.vstack(chunks).toarray(), expected.toarray())
    restored = pickle.loads(pickle.dumps(events))
    np.testing.assert_array_equal(restored.bin(0.01).toarray(), expected.toarray())
    # Without t_start the window opens at the first spike.
    first = SpikeEvents(times, channels, 3, unit="s").bin(0.01)
    np.testing.assert_array_equal(
        first.toarray(), bin_spikes(times, channels, 3, 0.01, t_start=times.min()).toarray())


def test_spike_events_take_a_quantity_bin_width(pq):
    events = SpikeEvents(np.array([10, 999, 1000, 2500]), [0, 0, 1, 1], 2, t_start=0,
                         unit="us")
    X = events.bin(1 * pq.ms)  # 1000 us: integer arithmetic, the spike at 1000 is in bin 1
    _assert_raster_equal(X, np.array([[2, 0], [0, 1], [0, 1]], np.float32))
    with pytest.raises(ValueError, match="no time unit"):
        SpikeEvents([1.0], [0], 1).bin(1 * pq.ms)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(t_start=5.5), "before t_start"),
        (dict(t_stop=5.5), "after t_stop"),
        (dict(t_start=6.0, t_stop=6.0), "must be after t_start"),
        (dict(unit=1), "unit must be a string"),
        (dict(channel_ids=["a"]), "one entry per channel"),
    ],
)
def test_spike_events_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SpikeEvents([5.2, 5.9], [0, 1], 2, **kwargs)


def test_spike_events_refuse_quantities(pq):
    with pytest.raises(ValueError, match="pass times.magnitude and unit='ms'"):
        SpikeEvents([1.0, 2.0] * pq.ms, [0, 1], 2)
    with pytest.raises(ValueError, match="t_start as a plain number"):
        SpikeEvents([1.0, 2.0], [0, 1], 2, t_start=0 * pq.ms)
