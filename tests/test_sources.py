"""Adapters from neo, spikeinterface and event cameras, tested with the real packages."""

import pickle
import re
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from sk_stdp import STDPTransformer
from sk_stdp.events import SpikeEvents, bin_spikes
from sk_stdp.sources import (
    container_hint,
    events_from_neo,
    events_from_sensor,
    events_from_sorting,
    sensor_channels,
    sensor_coordinates,
)


def _off_edge_times(rng, n, low, high, width):
    """Random times at least 1% of a bin away from every bin edge counted from ``low``:
    float rounding of unit conversions cannot move them to a neighbouring bin."""
    bins = rng.integers(0, int(round((high - low) / width)), n)
    return low + (bins + rng.uniform(0.01, 0.99, n)) * width


# --------------------------------------------------------------------------
# neo
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def neo_trains():
    neo = pytest.importorskip("neo")
    pq = pytest.importorskip("quantities")
    rng = np.random.default_rng(0)
    trains = []
    for c in range(4):  # a recording from 5 s to 7 s; channel 2 in ms, channel 3 silent
        t = np.sort(_off_edge_times(rng, 30 if c != 3 else 0, 5.0, 7.0, 0.001))
        if c == 2:
            trains.append(neo.SpikeTrain(t * 1000 * pq.ms, t_start=5000 * pq.ms,
                                         t_stop=7000 * pq.ms, name=f"unit{c}"))
        else:
            trains.append(neo.SpikeTrain(t * pq.s, t_start=5 * pq.s, t_stop=7 * pq.s,
                                         name=f"unit{c}"))
    return trains


def _expected_raster(trains, width, t_start, t_stop):
    times = [np.asarray(t.rescale("s").magnitude) for t in trains]
    channels = [np.full(t.size, c) for c, t in enumerate(times)]
    return bin_spikes(np.concatenate(times), np.concatenate(channels), len(trains), width,
                      t_start=t_start, t_stop=t_stop).toarray()


def test_neo_spike_trains_keep_their_window(neo_trains):
    events = events_from_neo(neo_trains)
    assert (events.t_start, events.t_stop, events.unit) == (5.0, 7.0, "s")
    assert events.n_channels == 4 and events.n_spikes == 90
    assert list(events.channel_ids) == ["unit0", "unit1", "unit2", "unit3"]
    X = events.bin(0.001)
    assert X.shape == (2000, 4)  # from 5 s, not 5000 leading silent bins
    np.testing.assert_array_equal(X.toarray(), _expected_raster(neo_trains, 0.001, 5.0, 7.0))
    # The first spike of channel 0, at 5.0xx s, is in row int((t - 5) / 0.001).
    first = float(neo_trains[0][0].rescale("s").magnitude)
    assert X[int((first - 5.0) / 0.001), 0] == 1


def test_neo_segment_and_units(neo_trains):
    neo = pytest.importorskip("neo")
    pq = pytest.importorskip("quantities")
    segment = neo.Segment()
    segment.spiketrains.extend(neo_trains)
    from_segment = events_from_neo(segment)
    from_list = events_from_neo(neo_trains)
    np.testing.assert_array_equal(from_segment.bin(0.001).toarray(),
                                  from_list.bin(0.001).toarray())
    in_ms = events_from_neo(segment, unit="ms")
    assert (in_ms.t_start, in_ms.t_stop, in_ms.unit) == (5000.0, 7000.0, "ms")
    # A quantity bin width means the same in any unit of the events.
    np.testing.assert_array_equal(in_ms.bin(1 * pq.ms).toarray(),
                                  from_list.bin(1 * pq.ms).toarray())
    np.testing.assert_array_equal(in_ms.bin(1.0).toarray(), from_list.bin(0.001).toarray())
    with pytest.raises(ValueError, match="trains_to_events"):
        events_from_neo([np.array([0.1, 0.2])])
    with pytest.raises(ValueError, match="no spike trains"):
        events_from_neo(neo.Segment())
    with pytest.raises(ValueError, match=r"pass a list, \[train\]"):
        events_from_neo(neo_trains[0])
    block = neo.Block()
    block.segments.append(segment)
    with pytest.raises(ValueError, match=r"block.segments\[i\]"):
        events_from_neo(block)
    with pytest.raises(ValueError, match="does not convert"):
        events_from_neo(segment, unit="Hz")


# --------------------------------------------------------------------------
# spikeinterface
# --------------------------------------------------------------------------
def test_spikeinterface_sorting():
    si = pytest.importorskip("spikeinterface.core")
    fs = 30_000.0
    rng = np.random.default_rng(1)
    samples, labels = [], []
    for n_samples in (90_000, 45_000):  # two segments, 3 s and 1.5 s
        # Sample indices off the edges of 30-sample (1 ms) bins: 1 to 29 samples into a bin.
        s = np.sort(rng.integers(0, n_samples // 30, 200) * 30 + rng.integers(1, 30, 200))
        samples.append(s)
        labels.append(rng.choice(np.array(["b", "a", "c"]), s.size))
    sorting = si.NumpySorting.from_samples_and_labels(samples, labels, sampling_frequency=fs,
                                                      unit_ids=["b", "a", "c"])
    events = events_from_sorting(sorting, segment_index=1)
    assert list(events.channel_ids) == ["b", "a", "c"]
    assert events.t_start == 0.0 and events.t_stop is None and events.unit == "s"
    np.testing.assert_allclose(events.times, samples[1] / fs)
    channel_of = {"b": 0, "a": 1, "c": 2}
    np.testing.assert_array_equal(events.channels, [channel_of[u] for u in labels[1]])
    # 1 ms bins are 30 samples: the same raster as integer binning of the sample indices.
    expected = bin_spikes(samples[1], events.channels, 3, 30).toarray()
    np.testing.assert_array_equal(events.bin(0.001).toarray(), expected)

    # With a recording registered, the segment's length gives t_stop; a shifted start, t_start.
    recording = si.NumpyRecording([np.zeros((90_000, 1), np.float32),
                                   np.zeros((45_000, 1), np.float32)], sampling_frequency=fs)
    sorting.register_recording(recording)
    sorting.shift_times(2.0)
    events = events_from_sorting(sorting, segment_index=0)
    assert events.t_start == pytest.approx(2.0) and events.t_stop == pytest.approx(5.0)
    X = events.bin(0.001)
    assert X.shape == (3000, 3)
    np.testing.assert_array_equal(
        X.toarray(), bin_spikes(samples[0], events.channels, 3, 30, t_stop=90_000).toarray())
    for bad in (2, -1, 0.5):
        with pytest.raises(ValueError, match="segment_index"):
            events_from_sorting(sorting, segment_index=bad)
    with pytest.raises(ValueError, match="spikeinterface sorting"):
        events_from_sorting(np.zeros(3))


# --------------------------------------------------------------------------
# Event cameras
# --------------------------------------------------------------------------
SENSOR = (5, 4, 2)  # width, height, polarities


@pytest.fixture(scope="module")
def camera_events():
    tonic = pytest.importorskip("tonic")
    rng = np.random.default_rng(2)
    n = 400
    t = np.sort(_off_edge_times(rng, n, 0, 20_000, 1000).astype(np.int64)) + 1_000_000
    t[0] = 1_000_000  # the clock starts on an edge: at the first event
    x, y, p = rng.integers(0, 5, n), rng.integers(0, 4, n), rng.integers(0, 2, n).astype(bool)
    return tonic.io.make_structured_array(x, y, t, p)  # tonic's own dtype: x, y, t, p


def test_event_camera_arrays_match_tonic_frames(camera_events):
    tonic = pytest.importorskip("tonic")
    events = events_from_sensor(camera_events, SENSOR)
    assert events.n_channels == 40 and events.unit == "s" and events.t_start is None
    X = events.bin(0.001)  # 1 ms bins from the first event
    to_frame = tonic.transforms.ToFrame(sensor_size=SENSOR, time_window=1000,
                                        include_incomplete=True)
    frames = to_frame(camera_events.copy())  # (n_bins, polarities, height, width)
    assert frames.shape == (X.shape[0], 2, 4, 5) and X.shape[0] == 20
    np.testing.assert_array_equal(X.toarray(), frames.reshape(len(frames), -1))
    # The layout: a row reshaped to (polarities, height, width) is tonic's frame.
    np.testing.assert_array_equal(X[3].toarray().reshape(2, 4, 5), frames[3])


def test_sensor_channel_layout_round_trips(camera_events):
    width, height, n_pol = SENSOR
    x, y, p = np.meshgrid(np.arange(width), np.arange(height), np.arange(n_pol), indexing="ij")
    channels = sensor_channels(x.ravel(), y.ravel(), p.ravel(), SENSOR)
    assert sorted(channels) == list(range(width * height * n_pol))  # one channel per pixel
    for got, want in zip(sensor_coordinates(channels, SENSOR), (x, y, p), strict=True):
        np.testing.assert_array_equal(got, want.ravel())
    # A weight vector shows as (polarity, row, column) images.
    weights = np.zeros(width * height * n_pol)
    weights[sensor_channels([4], [1], [1], SENSOR)] = 1.0
    assert np.argwhere(weights.reshape(n_pol, height, width)).tolist() == [[1, 1, 4]]
    # Polarities merged: one channel per pixel.
    merged = events_from_sensor(camera_events, (width, height, 1))
    assert merged.n_channels == 20
    np.testing.assert_array_equal(merged.channels, camera_events["y"] * width
                                  + camera_events["x"])


def test_event_camera_validation(camera_events):
    with pytest.raises(ValueError, match=r"x must hold integers in \[0, 4\)"):
        events_from_sensor(camera_events, (4, 4, 2))
    signed = camera_events.astype([("x", "<i2"), ("y", "<i2"), ("t", "<i8"), ("p", "<i2")])
    signed["p"] = np.where(camera_events["p"], 1, -1)
    with pytest.raises(ValueError, match="Map polarities to 0 and 1"):
        events_from_sensor(signed, SENSOR)
    with pytest.raises(ValueError, match=r"fields \['p', 't', 'x', 'y'\]"):
        events_from_sensor(camera_events[["x", "y", "t"]], SENSOR)
    with pytest.raises(ValueError, match="sensor_size"):
        events_from_sensor(camera_events, (5, 4))
    with pytest.raises(ValueError, match="time_unit"):
        events_from_sensor(camera_events, SENSOR, time_unit="minutes")
    in_ms = events_from_sensor(camera_events, SENSOR, time_unit="ms")
    np.testing.assert_allclose(in_ms.times, camera_events["t"] * 1e-3)


# --------------------------------------------------------------------------
# Containers passed where a raster is expected
# --------------------------------------------------------------------------
def _containers(neo_trains, camera_events):
    neo = pytest.importorskip("neo")
    si = pytest.importorskip("spikeinterface.core")
    segment = neo.Segment()
    segment.spiketrains.extend(neo_trains)
    block = neo.Block()
    block.segments.append(segment)
    sorting = si.NumpySorting.from_samples_and_labels(
        [np.array([1, 5])], [np.array([0, 1])], sampling_frequency=1000.0)
    return {
        "list of neo.SpikeTrain": (neo_trains, "events_from_neo(trains)"),
        "one neo.SpikeTrain": (neo_trains[0], "events_from_neo([train, ...])"),
        "neo.Segment": (segment, "events_from_neo(segment)"),
        "neo.Block": (block, "events_from_neo(block.segments[0])"),
        "spikeinterface sorting": (sorting, "events_from_sorting(sorting, segment_index=0)"),
        "camera events": (camera_events, "events_from_sensor(events, sensor_size="),
        "SpikeEvents": (SpikeEvents([0.1], [0], 1), "events.bin(bin_width)"),
    }


def test_fit_on_an_event_container_names_the_adapter(neo_trains, camera_events):
    for name, (container, adapter) in _containers(neo_trains, camera_events).items():
        est = STDPTransformer(n_neurons=2, stream=True, random_state=0)
        for method in (est.fit, est.partial_fit):
            with pytest.raises(ValueError, match="not a raster") as info:
                method(container)
            assert adapter in str(info.value), name
            with pytest.raises(NotFittedError):
                check_is_fitted(est)


def test_a_fitted_estimator_is_unchanged_by_an_event_container(neo_trains, camera_events, snap):
    X = (np.random.default_rng(3).random((40, 4)) < 0.2).astype(np.float32)
    est = STDPTransformer(n_neurons=2, stream=True, random_state=0).partial_fit(X)
    before = snap.take(est)
    for container, adapter in _containers(neo_trains, camera_events).values():
        for method in (est.partial_fit, est.fit, est.transform):
            with pytest.raises(ValueError, match=re.escape(adapter)):
                method(container)
    snap.same(before, snap.take(est))


def test_container_hint_leaves_rasters_alone():
    for X in (np.zeros((3, 4)), sp.csr_matrix((3, 4)), [[0.0, 1.0]], [], np.zeros(3),
              np.zeros(2, dtype=[("a", "f8"), ("b", "f8")])):
        assert container_hint(X) is None


def test_importing_the_package_imports_no_optional_dependency():
    code = (
        "import sys, numpy as np, sk_stdp, sk_stdp.sources as s; "
        "s.container_hint(np.zeros(2, dtype=[('t', 'i8'), ('x', 'i2')])); "
        "print(sorted(m for m in ('neo', 'quantities', 'spikeinterface', 'tonic', 'pylsl') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_spike_events_of_an_adapter_pickle(neo_trains):
    events = events_from_neo(neo_trains)
    restored = pickle.loads(pickle.dumps(events))
    np.testing.assert_array_equal(restored.bin(0.001).toarray(), events.bin(0.001).toarray())
    assert list(restored.channel_ids) == list(events.channel_ids)
