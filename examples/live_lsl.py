"""
Learning from a live lab-streaming-layer stream
===============================================

A spike pattern hidden in a live stream of spike events, learned as the
events arrive: an LSL stream (:class:`sk_stdp.sources.LSLSource`) feeds a
:class:`sk_stdp.events.SpikeBinner`, whose closed bins go to
``STDPTransformer(stream=True).partial_fit``.

Without arguments the script simulates the source: a thread of this process
streams a 60 s recording of 250 channels (5–20 Hz) with a 50 ms pattern on
half of them, as an LSL outlet on this machine, ten times faster than real
time; at the end the learned layer is scored on held-out recordings of the
same channels and pattern. Pass ``--name`` (or ``--source-id``) to learn
from a real stream instead — one whose samples are spike channel ids, as
:func:`sk_stdp.sources.spike_stream_info` describes::

    pip install "sk_stdp[lsl]"
    python examples/live_lsl.py                         # simulated source
    python examples/live_lsl.py --speed 1               # ... in real time
    python examples/live_lsl.py --name spikes --n-channels 384 --idle 10

While the stream is quiet, the bins still close as time passes: the source
reads the sender's clock and yields empty packets whose ``until`` moves on
(``--latency`` must cover the time from a spike's timestamp to its arrival:
the sender's buffering and the network; ``--no-wall-clock`` waits for the
next spike instead).

This script needs a network stack and runs for several seconds, so the
documentation build does not run it.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import uuid

import numpy as np

from sk_stdp import STDPTransformer
from sk_stdp.events import SpikeBinner
from sk_stdp.patterns import choose_neurons, make_pattern_stream, pattern_detection_scores
from sk_stdp.sources import lsl_loopback


def simulated_source(recording, bin_width, speed, source_id, stop):
    """Stream the recording's spikes on an LSL outlet, ``speed`` times faster than real time."""
    import pylsl

    from sk_stdp.sources import spike_stream_info

    raster = recording.raster().tocoo()
    rng = np.random.default_rng(0)
    offsets = (raster.row + rng.random(raster.nnz)) * bin_width  # seconds into the recording
    order = np.argsort(offsets)
    offsets, channels = offsets[order], raster.col[order].astype(np.int32)
    info = spike_stream_info("sk_stdp simulated spikes", recording.n_channels,
                             source_id=source_id)
    outlet = pylsl.StreamOutlet(info, max_buffered=10_000)

    def send():
        outlet.wait_for_consumers(10.0)
        t0, wall0 = pylsl.local_clock(), time.monotonic()
        step = 0.1  # seconds of recording per push
        for start in np.arange(0.0, offsets[-1] + step, step):
            lo, hi = np.searchsorted(offsets, [start, start + step])
            if hi > lo:  # each spike stamped with its own time in the sender's clock
                outlet.push_chunk(channels[lo:hi, None], (t0 + offsets[lo:hi]).tolist())
            time.sleep(max(0.0, wall0 + (start + step) / speed - time.monotonic()))
        stop.wait(60.0)  # keep the stream open until the reader is done

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return offsets.size


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("--name", help="name of a real LSL stream to learn from")
    parser.add_argument("--source-id", help="source id of a real LSL stream")
    parser.add_argument("--n-channels", type=int, help="channels of the real stream "
                        "(default: from its description)")
    parser.add_argument("--bin-width", type=float, default=0.001, help="seconds (default 1 ms)")
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds a spike may arrive after its timestamp (the sender's "
                        "buffering and the network)")
    parser.add_argument("--no-wall-clock", action="store_true",
                        help="close bins only as timestamps arrive, not as time passes")
    parser.add_argument("--idle", type=float, default=3.0,
                        help="stop after this many seconds without a spike")
    parser.add_argument("--speed", type=float, default=10.0,
                        help="simulated source: times faster than real time")
    args = parser.parse_args()
    simulate = args.name is None and args.source_id is None
    if simulate and "LSLAPICFG" not in os.environ:  # before pylsl loads liblsl
        lsl_loopback()

    from sk_stdp.sources import LSLSource

    stop = threading.Event()
    if simulate:
        recording = make_pattern_stream(250, 60_000, rate=(5.0, 20.0), pattern_bins=50,
                                        pattern_channels=0.5, random_state=0)
        source_id = f"sk_stdp-example-{uuid.uuid4()}"
        n_sent = simulated_source(recording, args.bin_width, args.speed, source_id, stop)
        query = dict(source_id=source_id)
    else:
        query = dict(name=args.name, source_id=args.source_id)

    stdp = STDPTransformer(n_neurons=4, stream=True, random_state=0)
    with LSLSource(**query, timeout=10.0, latency=args.latency,
                   wall_clock=not args.no_wall_clock) as source:
        n_channels = args.n_channels or source.n_channels
        if n_channels is None:
            parser.error("the stream does not say how many channels it has: pass --n-channels")
        print(f"connected to {source.info.name()!r}: {n_channels} channels")
        binner = SpikeBinner(n_channels, args.bin_width)  # the clock starts at the first spike
        reported = time.monotonic()
        for times, channels, until in source.packets(idle_timeout=args.idle):
            stdp.partial_fit(binner.push(times, channels, until=until))
            if time.monotonic() - reported > 1.0:
                reported = time.monotonic()
                print(f"  {source.n_events_:>8} spikes received, {stdp_bins(stdp):>6} bins "
                      f"learned, {binner.n_late_} late")
            if simulate and source.n_events_ == n_sent:
                break
        stdp.partial_fit(binner.flush())
    stop.set()
    print(f"done: {source.n_events_} spikes, {stdp_bins(stdp)} bins, {binner.n_late_} late")

    if simulate:
        scores = []
        for seed in (1, 2):  # choose the neuron on one held-out recording, score on another
            held_out = recording.resample(20_000, random_state=seed)
            spikes = stdp.transform(held_out.raster())
            scores.append(pattern_detection_scores(spikes, held_out.onsets, 50))
        best = int(choose_neurons(scores[0], 50)[0])
        print(f"neuron {best}: hit rate {scores[1]['hits'][0, best]:.3f}, "
              f"{scores[1]['false_alarms'][best]:.2f} false alarms per 1000 bins")


def stdp_bins(stdp) -> int:
    return getattr(stdp, "n_samples_seen_", 0)


if __name__ == "__main__":
    main()
