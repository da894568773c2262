"""A live lab-streaming-layer source end to end, on the loopback interface only.

An LSL outlet in another thread streams a recording with a hidden spike pattern,
faster than real time (each spike carries its own timestamp); LSLSource receives
it, SpikeBinner bins it, and STDPTransformer learns from it chunk by chunk.
"""

import os
import threading
import time
import uuid

import numpy as np
import pytest

from sk_stdp import STDPTransformer
from sk_stdp.events import SpikeBinner
from sk_stdp.patterns import choose_neurons, make_pattern_stream, pattern_detection_scores
from sk_stdp.sources import lsl_loopback


@pytest.fixture(scope="module")
def pylsl(tmp_path_factory):
    """pylsl, with liblsl configured for the loopback interface before it loads."""
    previous = os.environ.get("LSLAPICFG")
    lsl_loopback(str(tmp_path_factory.mktemp("lsl")))
    try:
        yield pytest.importorskip("pylsl")
    finally:
        if previous is None:
            os.environ.pop("LSLAPICFG", None)
        else:
            os.environ["LSLAPICFG"] = previous


def _outlet(pylsl, n_channels, width=1):
    from sk_stdp.sources import spike_stream_info

    source_id = f"sk_stdp-test-{uuid.uuid4()}"
    info = spike_stream_info("sk_stdp test spikes", n_channels, source_id=source_id,
                             width=width)
    # Irregular-rate streams count their buffer in hundreds of samples: room for 1e6.
    return pylsl.StreamOutlet(info, max_buffered=10_000), source_id


def test_hidden_pattern_learned_from_a_live_lsl_stream(pylsl):
    from sk_stdp.sources import LSLSource

    started = time.perf_counter()
    n_channels, bin_width = 250, 0.001
    recording = make_pattern_stream(n_channels, 60_000, rate=(5.0, 20.0), pattern_bins=50,
                                    pattern_channels=0.5, random_state=0)
    raster = recording.raster().tocoo()
    rng = np.random.default_rng(0)
    offsets = (raster.row + rng.random(raster.nnz)) * bin_width  # spike times in 60 s
    order = np.argsort(offsets)
    offsets, channels = offsets[order], raster.col[order].astype(np.int32)

    outlet, source_id = _outlet(pylsl, n_channels)
    source = LSLSource(source_id=source_id, timeout=5.0, latency=0.01)
    assert source.n_channels == n_channels
    assert outlet.wait_for_consumers(5.0)
    received = threading.Event()
    n_stale = 1

    def send():
        t0 = pylsl.local_clock()  # the sender's clock: seconds since this machine booted
        half = offsets.size // 2
        for lo in range(0, offsets.size, 2000):
            hi = min(lo + 2000, offsets.size)
            outlet.push_chunk(channels[lo:hi, None], (t0 + offsets[lo:hi]).tolist())
            if lo < half <= hi:  # a spike stamped 20 s in the past: late on arrival
                outlet.push_chunk(np.array([[7]], np.int32), [t0 + offsets[half] - 20.0])
        received.wait(30.0)  # keep the stream open until everything was read

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    binner = SpikeBinner(n_channels, bin_width)
    stdp = STDPTransformer(n_neurons=4, stream=True, random_state=0)
    n_packets = 0
    for times, ids, until in source.packets(idle_timeout=5.0):
        stdp.partial_fit(binner.push(times, ids, until=until))
        n_packets += 1
        if source.n_events_ == offsets.size + n_stale:
            break
    stdp.partial_fit(binner.flush())
    received.set()
    sender.join(10.0)
    source.close()

    # Every spike arrived; the stale one was dropped and counted, no other.
    assert source.n_events_ == offsets.size + n_stale
    assert binner.n_late_ == n_stale
    assert n_packets > 1
    # The binner's clock started at the first spike: the recording's 60 s, no leading silence.
    span = (offsets[-1] - offsets[0]) / bin_width
    assert abs(stdp.n_samples_seen_ - span) <= 2
    # The learned layer, scored on held-out recordings of the same channels and pattern.
    scores = []
    for seed in (1, 2):
        held_out = recording.resample(20_000, random_state=seed)
        spikes = stdp.transform(held_out.raster())
        scores.append(pattern_detection_scores(spikes, held_out.onsets, held_out.pattern_bins))
    best = int(choose_neurons(scores[0], recording.pattern_bins)[0])
    hits, false_alarms = scores[1]["hits"][0, best], scores[1]["false_alarms"][best]
    elapsed = time.perf_counter() - started
    print(f"\nLSL: {source.n_events_} spikes in {n_packets} packets, {binner.n_late_} late; "
          f"hit rate {hits:.3f}, false alarms {false_alarms:.2f} per 1000 bins; {elapsed:.1f} s")
    assert hits >= 0.9
    assert false_alarms <= 2.0
    assert elapsed < 60.0


def test_wide_samples_carry_simultaneous_spikes_and_padding(pylsl):
    from sk_stdp.sources import LSLSource

    outlet, source_id = _outlet(pylsl, n_channels=5, width=3)
    with LSLSource(source_id=source_id, timeout=5.0, latency=0.5) as source:
        assert outlet.wait_for_consumers(5.0)
        t0 = pylsl.local_clock()
        samples = np.array([[0, 4, -1], [2, -1, -1], [1, 1, 3]], np.int32)
        outlet.push_chunk(samples, [t0, t0 + 1.0, t0 + 2.0])
        packets = []
        for packet in source.packets(idle_timeout=1.0):
            packets.append(packet)
            if source.n_samples_ == 3:
                break
    times = np.concatenate([p[0] for p in packets]) - t0
    ids = np.concatenate([p[1] for p in packets])
    np.testing.assert_allclose(times, [0, 0, 1, 2, 2, 2], atol=1e-6)
    np.testing.assert_array_equal(ids, [0, 4, 2, 1, 1, 3])
    assert source.n_events_ == 6
    assert packets[-1][2] == pytest.approx(t0 + 2.0 - 0.5)  # newest timestamp less latency


def test_a_missing_stream_times_out(pylsl):
    from sk_stdp.sources import LSLSource

    started = time.perf_counter()
    with pytest.raises(TimeoutError, match="no LSL stream with source_id='nothing-here"):
        LSLSource(source_id=f"nothing-here-{uuid.uuid4()}", timeout=0.3)
    assert time.perf_counter() - started < 5.0
    with pytest.raises(ValueError, match="at least one of name"):
        LSLSource()


def _quiet_stretch(pylsl, wall_clock, quiet=0.6, latency=0.05):
    """Three spikes, a quiet stretch of ``quiet`` s, one more spike: what the binner emits."""
    import scipy.sparse as sp

    from sk_stdp.sources import LSLSource

    outlet, source_id = _outlet(pylsl, n_channels=4)
    with LSLSource(source_id=source_id, timeout=5.0, latency=latency,
                   wall_clock=wall_clock) as source:
        assert outlet.wait_for_consumers(5.0)
        t0 = pylsl.local_clock()
        outlet.push_chunk(np.array([[0], [1], [2]], np.int32), [t0, t0 + 0.0025, t0 + 0.0045])
        binner = SpikeBinner(4, 0.001)
        rows, ahead = [], []
        started = time.monotonic()
        for times, ids, until in source.packets(idle_timeout=quiet, poll_interval=0.002):
            rows.append(binner.push(times, ids, until=until))
            # until never passes the sender's clock less the latency (one machine: one clock)
            ahead.append(until - (pylsl.local_clock() - latency))
        quiet_seconds = time.monotonic() - started
        emitted_while_quiet = binner.n_bins_emitted_
        assert source.n_samples_ == 3  # nothing came in the quiet stretch
        t1 = pylsl.local_clock()
        outlet.push_chunk(np.array([[3]], np.int32), [t1])
        for times, ids, until in source.packets(idle_timeout=5.0, poll_interval=0.002):
            rows.append(binner.push(times, ids, until=until))
            if source.n_samples_ == 4:
                break
        rows.append(binner.flush())
    X = sp.vstack(rows, format="csr").toarray()
    return dict(X=X, t0=t0, t1=t1, emitted_while_quiet=emitted_while_quiet,
                quiet_seconds=quiet_seconds, ahead=max(ahead), n_late=binner.n_late_)


def test_a_quiet_stream_closes_its_silent_bins_as_time_passes(pylsl):
    """While no spike comes, the sender's clock closes the bins: the silent bins of the
    pause reach the binner during it, and the next spike still lands in its own bin."""
    quiet = 0.6
    run = _quiet_stretch(pylsl, wall_clock=True, quiet=quiet)
    assert run["quiet_seconds"] < quiet + 2.0
    # About (quiet - latency) s of 1 ms bins closed while nothing arrived; slack for a busy CPU.
    assert run["emitted_while_quiet"] >= 300
    # until trails the sender's clock by the latency, to within the estimate of the clock
    # offset (time_correction: about a millisecond on a busy machine), far below 50 ms.
    assert run["ahead"] <= 0.01
    X = run["X"]
    spike_bin = int(np.floor((run["t1"] - run["t0"]) / 0.001))
    assert X.shape[0] == spike_bin + 1
    assert run["n_late"] == 0
    expected = np.zeros_like(X)
    expected[[0, 2, 4], [0, 1, 2]] = 1
    expected[spike_bin, 3] = 1
    np.testing.assert_array_equal(X, expected)


def test_without_the_wall_clock_a_quiet_stream_holds_its_bins(pylsl):
    run = _quiet_stretch(pylsl, wall_clock=False, quiet=0.3)
    # until follows the timestamps only: the newest (t0 + 4.5 ms) less 50 ms closes nothing.
    assert run["emitted_while_quiet"] == 0
    X = run["X"]
    spike_bin = int(np.floor((run["t1"] - run["t0"]) / 0.001))
    assert X.shape[0] == spike_bin + 1 and X.sum() == 4 and run["n_late"] == 0


def test_the_sender_clock_is_this_clock_less_the_time_correction(pylsl, monkeypatch):
    """pylsl's time_correction() is what must be added to a sender's timestamp to read it on
    this machine's clock: the sender's present time is local_clock() less it."""
    from sk_stdp.sources import LSLSource

    class Info:
        def channel_format(self):
            return pylsl.cf_int32

        def channel_count(self):
            return 1

        def nominal_srate(self):
            return pylsl.IRREGULAR_RATE

        def desc(self):
            return self

        def child_value(self, name):
            return "4"

    class Inlet:
        """A stream whose sender's clock reads 100 s less than this machine's."""

        def __init__(self, info, **kwargs):
            self.pulls = 0

        def open_stream(self, timeout):
            pass

        def info(self, timeout):
            return Info()

        def pull_chunk(self, timeout, max_samples, dest_obj):
            self.pulls += 1
            if self.pulls == 1:  # one spike of channel 2, stamped 998.0 by the sender
                dest_obj[0, 0] = 2
                return dest_obj, [998.0]
            return dest_obj, []

        def time_correction(self, timeout):
            return 100.0

        def close_stream(self):
            pass

    monkeypatch.setattr(pylsl, "resolve_bypred", lambda *args: [Info()])
    monkeypatch.setattr(pylsl, "StreamInlet", Inlet)
    monkeypatch.setattr(pylsl, "local_clock", lambda: 1100.0)
    source = LSLSource("spikes", latency=0.05)
    packets = source.packets(poll_interval=0.0)
    times, channels, until = next(packets)
    assert times.tolist() == [998.0] and channels.tolist() == [2]
    assert until == pytest.approx(998.0 - 0.05)
    times, channels, until = next(packets)  # nothing came: the sender's clock reads 1000.0
    assert times.size == 0 and channels.size == 0
    assert until == pytest.approx(1000.0 - 0.05)
    assert source.until_ == until
    quiet = LSLSource("spikes", latency=0.05, wall_clock=False)
    assert list(quiet.packets(idle_timeout=0.05, poll_interval=0.01))[0][2] == pytest.approx(
        998.0 - 0.05)
