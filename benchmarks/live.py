"""Hidden spike patterns learned through the whole live path, beside the same recording clean.

Each of seven recordings of ``streams.py``'s family (seed 0) is learned by
``STDPTransformer(n_neurons, stream=True, random_state=seed)`` with nothing
else set:

- **clean**: its raster in 1 s chunks, as ``streams.py`` streams it;
- **live**: the same spikes as events on a lab clock, through
  ``SpikeBinner`` into ``partial_fit``, as a live source delivers them;
- **late held back**: the same live path, with the late events held back.

The live path: spike ``k`` of bin ``b`` is an event at
``T0 + (b + u) * 1 ms`` (``u`` uniform inside the bin; the recording starts
at ``T0`` = 8123.4 s, as a lab clock reads). The events come in packets of
10 ms, each pushed with ``until`` = the packet's end, which closes its bins
whether they hold spikes or not. In each packet a share of the events, drawn
log-uniformly between 1% and 5% per packet, arrives one packet late: their
bins are closed by then, and ``SpikeBinner(late="drop")`` drops and counts
them. The recording also holds stimulation artefacts (every channel fires in
1 to 3 consecutive bins, 4 times) and silent stretches (the source sends
nothing for 100 to 300 ms, 3 times); both are data, not faults. One packet's
raster is corrupted on its way to the layer (a value of 1e30, or a NaN):
``partial_fit`` refuses it with a ``ValueError``, the benchmark counts it and
goes on, and the layer never learns those bins. Every other chunk goes to
``partial_fit`` as the binner returns it (ten bins or so). The second live
variant holds the late events back instead: ``until`` trails the packet's
end by one packet, so nothing is late.

Both layers are then scored as ``streams.py`` scores them: each pattern's
neuron chosen on one held-out recording and scored on another (clean
rasters), weights and thresholds frozen. The binner's output is checked
against the recording: every row it emits equals the recording's row less
the late events dropped in it, so that with nothing late (the second
variant) the live rasters are the clean raster, plus the artefacts, less the
silent stretches, exactly.

For the recording whose false alarms differ most between live and clean,
and for any that misses a target, the script also measures how far they vary
anyway: the clean layer with four other seeds of its own
(``random_state``), the live path with three other draws of its randomness,
and the live path with only the late events, or with everything but them.

Then, on one learned layer, what a single corrupted value does when it is
not refused (``max_input=np.inf``): the value on the channel the detecting
neuron weighs most, then the hit rate right after it, and after 10 s, 60 s
and 300 s more stream; and the default, which refuses it.

    python benchmarks/live.py --json benchmarks/results/live.json   # about 6 minutes
    python benchmarks/live.py --quick                                # three cases, shorter
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import platform
import sys
import time

import numpy as np
import scipy.sparse as sp
from render import live as live_table
from render import live_glitches as glitch_table
from render import markdown
from streams import MULTI, PAPERS, SINGLE, detection, recordings

from sk_stdp import STDPTransformer
from sk_stdp.events import SpikeBinner
from sk_stdp.patterns import pattern_detection_scores

T0 = 8123.4  # the lab clock at the recording's first bin, in seconds
BIN = 0.001  # seconds
PACKET_BINS = 10  # 10 ms of events per packet
LATE_SHARE = (0.01, 0.05)  # share of a packet's events that come with the next packet
N_ARTEFACTS, ARTEFACT_BINS = 4, (1, 3)  # every channel fires in 1 to 3 consecutive bins
N_SILENT, SILENT_BINS = 3, (100, 300)  # the source sends nothing for 100 to 300 bins
EDGE = 1e-6  # events lie at least this share of a bin from its edges (float rounding)

# Targets: live against clean.
HITS_WITHIN = 0.03
FALSE_ALARMS_WITHIN = 1.0
MIN_SHARE = 0.97
N_VARIATION = 4  # seeds of the clean layer, draws of the live path, where a target is missed

_BY_NAME = {case["name"]: case for case in SINGLE + MULTI + PAPERS}
CASES = [_BY_NAME[name] for name in (
    "100 ch, 32 Hz, 50 bins, all ch",
    "100 ch, 2-16 Hz, 100 bins, 60% ch",
    "500 ch, 10-40 Hz, 30 bins, 10% time",
    "1000 ch, 10-50 Hz, 50 bins, jitter 2",
    "2000 ch, 2-20 Hz, 40 bins, 40% ch, jitter 1",
    "Masquelier et al. 2008",
    "2 patterns, 300 ch, 20-50 Hz, 40 bins",
)]
QUICK = ["100 ch, 32 Hz, 50 bins, all ch", "1000 ch, 10-50 Hz, 50 bins, jitter 2",
         "2 patterns, 300 ch, 20-50 Hz, 40 bins"]
GLITCH_CASE = "1000 ch, 10-50 Hz, 50 bins, jitter 2"
GLITCH_VALUES = (100.0, 1e4, 1e6, 1e30)
GLITCH_AFTER = (10, 60, 300)  # seconds of stream after the glitch, when the layer is scored


# --------------------------------------------------------------------------
# The live recording: the clean raster as events, with artefacts and silences
# --------------------------------------------------------------------------
def disturbances(n_bins: int, n_channels: int, rng: np.random.Generator) -> dict:
    """Where the artefacts, the silent stretches and the corrupted value fall.

    The artefacts and silences each lie at a random place in their own
    stretch of the recording (equal stretches, after the first second and
    before the last), in random order, so that they never overlap.
    """
    kinds = ["artefact"] * N_ARTEFACTS + ["silent"] * N_SILENT
    rng.shuffle(kinds)
    edges = np.linspace(1000, n_bins - 1000, len(kinds) + 1).astype(int)
    artefacts, silences = [], []
    for kind, lo, hi in zip(kinds, edges[:-1], edges[1:], strict=True):
        low, high = ARTEFACT_BINS if kind == "artefact" else SILENT_BINS
        length = int(rng.integers(low, high + 1))
        start = int(rng.integers(lo, hi - length))
        (artefacts if kind == "artefact" else silences).append((start, start + length))
    n_packets = n_bins // PACKET_BINS
    return dict(
        artefacts=artefacts, silences=silences,
        corrupted_packet=int(rng.integers(n_packets // 4, 3 * n_packets // 4)),
        corrupted_row=int(rng.integers(PACKET_BINS)),
        corrupted_channel=int(rng.integers(n_channels)),
    )


def _in_spans(bins: np.ndarray, spans) -> np.ndarray:
    inside = np.zeros(bins.shape, bool)
    for start, stop in spans:
        inside |= (bins >= start) & (bins < stop)
    return inside


def live_blocks(train, plan: dict, rng: np.random.Generator):
    """The live recording, one second at a time: bins and channels of its spikes.

    The clean raster's spikes, every channel once more in each artefact bin,
    nothing in the silent stretches. Yields ``(first_bin, bins, channels)``,
    sorted by bin.
    """
    n_channels = train.n_channels
    for first, chunk in zip(range(0, train.n_bins, train.chunk_bins), train.chunks(),
                            strict=True):
        coo = chunk.tocoo()
        bins = coo.row.astype(np.int64) + first
        channels = coo.col.astype(np.int64)
        stop = first + chunk.shape[0]
        extra = [b for start, end in plan["artefacts"] for b in range(start, end)
                 if first <= b < stop]
        if extra:
            bins = np.concatenate([bins, np.repeat(extra, n_channels)])
            channels = np.concatenate([channels, np.tile(np.arange(n_channels), len(extra))])
        keep = ~_in_spans(bins, plan["silences"])
        bins, channels = bins[keep], channels[keep]
        order = np.argsort(bins, kind="stable")
        yield first, bins[order], channels[order]


class RowCheck:
    """Compares each chunk the binner emits with the recording's rows.

    A chunk must equal the recording's rows less some of the events delayed
    in them (those the binner dropped as late); :attr:`missing` counts the
    events short.
    """

    def __init__(self, n_channels: int):
        empty = sp.csr_matrix((0, n_channels), dtype=np.float32)
        self.rows, self.delayed = empty, empty.copy()
        self.ok = True
        self.missing = 0

    def add(self, rows: sp.csr_matrix, delayed: sp.csr_matrix) -> None:
        self.rows = sp.vstack([self.rows, rows], format="csr")
        self.delayed = sp.vstack([self.delayed, delayed], format="csr")

    def compare(self, X: sp.csr_matrix) -> None:
        n = X.shape[0]
        if n > self.rows.shape[0]:
            self.ok = False
            return
        short = (self.rows[:n] - X).tocsr()
        if short.nnz:
            self.ok &= bool(short.min() >= 0 and (self.delayed[:n] - short).min() >= 0)
            self.missing += int(short.sum())
        self.rows, self.delayed = self.rows[n:], self.delayed[n:]


def _raster(bins, channels, first, n_rows, n_channels) -> sp.csr_matrix:
    X = sp.csr_matrix((np.ones(bins.size, np.float32), (bins - first, channels)),
                      shape=(n_rows, n_channels))
    X.sum_duplicates()
    return X


def run_live(train, n_neurons: int, seed: int, index: int, hold: bool, *,
             draw: int = 0, late: bool = True, events: bool = True) -> tuple:
    """Learn the recording through the live path; the layer and what happened on the way.

    ``index`` (the recording's place in ``CASES``) and ``draw`` seed the
    live path's own randomness (which events are late, where the artefacts,
    silences and the corrupted value fall); the corrupted value is 1e30 for
    even indices, a NaN for odd ones;
    ``late=False`` delays no event, ``events=False`` leaves out the
    artefacts, the silent stretches and the corrupted packet.
    """
    rng = np.random.default_rng([seed, 7, index, draw])
    corrupt_with = 1e30 if index % 2 == 0 else float("nan")
    plan = disturbances(train.n_bins, train.n_channels, rng)
    if not events:
        plan.update(artefacts=[], silences=[], corrupted_packet=None)
    binner = SpikeBinner(train.n_channels, BIN, t_start=T0, late="drop")
    est = STDPTransformer(n_neurons, stream=True, random_state=seed)
    check = RowCheck(train.n_channels)
    stats = dict(events_sent=0, events_delayed=0, events_in_rasters=0, silent_packets=0,
                 packets=0, chunks=0, corrupted_refused=0, rows_refused=0,
                 max_bins_open_after_push=0, error=None)
    latency = PACKET_BINS if hold else 0
    carried_t, carried_c = np.zeros(0), np.zeros(0, np.int64)
    log_low, log_high = np.log(LATE_SHARE[0]), np.log(LATE_SHARE[1])

    def learn(X, packet):
        check.compare(X)
        stats["events_in_rasters"] += int(X.sum())
        stats["chunks"] += 1
        if packet == plan["corrupted_packet"] and X.shape[0]:
            bad = X.tolil()
            bad[plan["corrupted_row"] % X.shape[0], plan["corrupted_channel"]] = corrupt_with
            try:
                est.partial_fit(bad.tocsr())
            except ValueError as exc:  # refused: the layer goes on as if it had not come
                stats["corrupted_refused"] += 1
                stats["rows_refused"] += X.shape[0]
                stats["error"] = str(exc).split(". ")[0]
                return
            plan["corrupted_packet"] = None  # taken (it should not be): reported as 0 refused
            return
        if X.shape[0]:
            est.partial_fit(X)

    started = time.perf_counter()
    for first, bins, channels in live_blocks(train, plan, rng):
        n_rows = min(train.chunk_bins, train.n_bins - first)
        times = T0 + (bins + rng.uniform(EDGE, 1 - EDGE, bins.size)) * BIN
        packet = (bins - first) // PACKET_BINS
        n_packets = -(-n_rows // PACKET_BINS)
        share = np.exp(rng.uniform(log_low, log_high, n_packets))
        delayed = rng.random(bins.size) < share[packet]
        if not late:
            delayed[:] = False
        check.add(_raster(bins, channels, first, n_rows, train.n_channels),
                  _raster(bins[delayed], channels[delayed], first, n_rows, train.n_channels))
        stats["events_sent"] += int(bins.size)
        stats["events_delayed"] += int(delayed.sum())
        edges = np.searchsorted(packet, np.arange(n_packets + 1))
        for p in range(n_packets):
            lo, hi = edges[p], edges[p + 1]
            now = delayed[lo:hi]
            t = np.concatenate([carried_t, times[lo:hi][~now]])
            c = np.concatenate([carried_c, channels[lo:hi][~now]])
            carried_t, carried_c = times[lo:hi][now], channels[lo:hi][now]
            end_bin = first + min((p + 1) * PACKET_BINS, n_rows)
            X = binner.push(t, c, until=T0 + (end_bin - latency) * BIN)
            stats["packets"] += 1
            stats["silent_packets"] += int(t.size == 0)
            stats["max_bins_open_after_push"] = max(stats["max_bins_open_after_push"],
                                                    end_bin - latency - binner.n_bins_emitted_)
            learn(X, first // PACKET_BINS + p)
    learn(binner.push(carried_t, carried_c), None)  # the last packet's stragglers
    learn(binner.flush(T0 + train.n_bins * BIN), None)
    seconds = time.perf_counter() - started
    stats.update(
        rows_emitted=int(binner.n_bins_emitted_), rows_learned=int(est.n_samples_seen_),
        late_dropped=int(binner.n_late_), rows_match=bool(check.ok and not check.rows.shape[0]),
        missing_events=check.missing, artefacts=len(plan["artefacts"]),
        artefact_bins=int(sum(b - a for a, b in plan["artefacts"])),
        silent_stretches=len(plan["silences"]),
        silent_bins=int(sum(b - a for a, b in plan["silences"])),
        corrupted_value=repr(corrupt_with), seconds=seconds,
    )
    return est, stats


def run_case(case: dict, seed: int, quick: bool) -> dict:
    """Clean and live learning of one recording, scored the same way."""
    index = CASES.index(case)
    train, val, test, n_neurons = recordings(case, seed, quick)
    started = time.perf_counter()
    clean = STDPTransformer(n_neurons, stream=True, random_state=seed)
    for chunk in train.chunks():
        clean.partial_fit(chunk)
    clean_seconds = time.perf_counter() - started
    row = dict(name=case["name"], seed=seed, n_neurons=n_neurons, n_bins=int(train.n_bins),
               n_channels=int(train.n_channels), clean=detection(clean, val, test),
               clean_seconds=clean_seconds)
    for variant in ("drop", "hold"):
        est, stats = run_live(train, n_neurons, seed, index, hold=variant == "hold")
        stats["patterns"] = detection(est, val, test)
        row[variant] = stats
    row["targets"] = targets(row)
    return row


def gap(row: dict) -> float:
    """The largest difference in false alarms between live and clean, over the patterns."""
    return max(abs(a["false_alarms"] - b["false_alarms"])
               for a, b in zip(row["clean"], row["drop"]["patterns"], strict=True))


def variation(case: dict, seed: int, quick: bool) -> dict:
    """Where a difference between live and clean comes from.

    The clean layer with other seeds of its own (``random_state``), the live
    path with other draws of its randomness, and the live path with only the
    late events, or with everything but them. Run for the recording with the
    largest difference in false alarms and for any that misses a target.
    """
    train, val, test, n_neurons = recordings(case, seed, quick)
    index = CASES.index(case)
    clean = []
    for random_state in range(seed + 1, seed + 1 + N_VARIATION):
        est = STDPTransformer(n_neurons, stream=True, random_state=random_state)
        for chunk in train.chunks():
            est.partial_fit(chunk)
        clean.append(dict(random_state=random_state, patterns=detection(est, val, test)))
    draws = []
    for draw in range(1, N_VARIATION):
        est, _ = run_live(train, n_neurons, seed, index, hold=False, draw=draw)
        draws.append(dict(draw=draw, patterns=detection(est, val, test)))
    late_only, _ = run_live(train, n_neurons, seed, index, hold=False, events=False)
    without_late, _ = run_live(train, n_neurons, seed, index, hold=False, late=False)
    return dict(clean_random_state=clean, live_draws=draws,
                late_only=detection(late_only, val, test),
                without_late=detection(without_late, val, test))


def targets(row: dict) -> dict:
    """Which targets the live path (dropping late events) meets on this recording."""
    live = row["drop"]
    return dict(
        hits=all(abs(a["hits"] - b["hits"]) <= HITS_WITHIN + 1e-12
                 for a, b in zip(row["clean"], live["patterns"], strict=True)),
        false_alarms=all(abs(a["false_alarms"] - b["false_alarms"]) <= FALSE_ALARMS_WITHIN
                         for a, b in zip(row["clean"], live["patterns"], strict=True)),
        rows=live["rows_emitted"] == row["n_bins"] and live["rows_match"],
        share=live["events_in_rasters"] / live["events_sent"] >= MIN_SHARE,
    )


# --------------------------------------------------------------------------
# One corrupted value that is not refused
# --------------------------------------------------------------------------
def glitches(seed: int, quick: bool) -> dict:
    """What one large value does to a learned layer when ``max_input`` lets it through.

    The layer learns a recording; the neuron that detects its pattern is
    chosen on the held-out recording, and the value goes to the channel it
    weighs most, in the first second of more stream of the same channels and
    pattern. The layer is scored right after that second and after more
    stream, each time as ``streams.py`` scores it (the neuron chosen again:
    over tens of seconds of stream the role of detector passes from one
    neuron to another), and the neuron chosen before the value came is
    followed too.
    """
    case = _BY_NAME[GLITCH_CASE]
    train, val, test, n_neurons = recordings(case, seed, quick)
    est = STDPTransformer(n_neurons, stream=True, random_state=seed)
    for chunk in train.chunks():
        est.partial_fit(chunk)
    before = detection(est, val, test)[0]
    neuron = before["neuron"]
    channel = int(np.argmax(est.components_[neuron]))
    more = list(train.resample(1000 * (1 + max(GLITCH_AFTER)), seed + 3000).chunks())

    def fixed(layer):
        s = pattern_detection_scores(layer.transform(test.raster()), test.onsets,
                                     test.pattern_bins, test.labels)
        return float(s["hits"][0, neuron]), float(s["false_alarms"][neuron])

    rows = []
    for value in (None, *GLITCH_VALUES):  # None: the default bound, which refuses 1e30
        layer = copy.deepcopy(est)
        if value is not None:
            layer.set_params(max_input=np.inf)
        glitch = more[0].toarray()
        glitch[500, channel] = 1e30 if value is None else value
        try:
            layer.partial_fit(glitch)
            refused = False
        except ValueError:
            refused = True
        row = dict(value=value, refused=refused, hits=[], false_alarms=[], neuron_hits=[],
                   neuron_false_alarms=[])
        done = 1
        for after in (0, *GLITCH_AFTER):
            for chunk in more[done:after + 1]:
                layer.partial_fit(chunk)
            done = max(done, after + 1)
            best = detection(layer, val, test)[0]
            row["hits"].append(best["hits"])
            row["false_alarms"].append(best["false_alarms"])
            hits, false_alarms = fixed(layer)
            row["neuron_hits"].append(hits)
            row["neuron_false_alarms"].append(false_alarms)
        row["readout_finite"] = bool(np.isfinite(layer.readout_thresholds_).all())
        rows.append(row)
    return dict(name=case["name"], seed=seed, neuron=neuron, channel=channel,
                n_bins=int(train.n_bins), after_seconds=[0, *GLITCH_AFTER],
                before=dict(hits=before["hits"], false_alarms=before["false_alarms"]),
                rows=rows)


def _fa(patterns: list[dict]) -> str:
    return " / ".join(f"{p['false_alarms']:.2f}" for p in patterns)


def machine() -> str:
    import os

    import jax

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()}-core {platform.machine()}, {memory:.0f} GiB, Python "
            f"{platform.python_version()}, JAX {jax.__version__} ({jax.default_backend()})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="three cases, shorter streams")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", help="run the cases whose name contains this text")
    parser.add_argument("--no-glitches", action="store_true", help="skip the glitch table")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)
    cases = [c for c in CASES if c["name"] in QUICK] if args.quick else CASES
    if args.only:
        cases = [c for c in cases if args.only in c["name"]]
    started = time.perf_counter()
    run = dict(date=datetime.date.today().isoformat(), machine=machine(), quick=args.quick,
               targets=dict(hits_within=HITS_WITHIN, false_alarms_within=FALSE_ALARMS_WITHIN,
                            min_share=MIN_SHARE),
               settings=dict(t0=T0, bin_width=BIN, packet_bins=PACKET_BINS,
                             late_share=list(LATE_SHARE), artefacts=N_ARTEFACTS,
                             artefact_bins=list(ARTEFACT_BINS), silent_stretches=N_SILENT,
                             silent_bins=list(SILENT_BINS)),
               rows=[])
    print(markdown(live_table(run)[0], []))
    for case in cases:
        row = run_case(case, args.seed, args.quick)
        run["rows"].append(row)
        print("| " + " | ".join(live_table(dict(run, rows=[row]))[1][0]) + " |", flush=True)
        print(f"    clean {row['clean_seconds']:.1f} s, live {row['drop']['seconds']:.1f} s; "
              f"targets {row['targets']}", flush=True)
    worst = max(run["rows"], key=gap) if run["rows"] else None
    for row in run["rows"]:
        if row is worst or not all(row["targets"].values()):
            row["variation"] = variation(_BY_NAME[row["name"]], args.seed, args.quick)
            print(f"    {row['name']}: false alarms of the clean layer with random_state "
                  + ", ".join(_fa(v["patterns"]) for v in row["variation"]["clean_random_state"])
                  + "; live, other draws: "
                  + ", ".join(_fa(v["patterns"]) for v in row["variation"]["live_draws"])
                  + f"; late events only: {_fa(row['variation']['late_only'])}"
                  + f"; all but them: {_fa(row['variation']['without_late'])}", flush=True)
    if not args.no_glitches:
        run["glitches"] = glitches(args.seed, args.quick)
        print()
        print(markdown(*glitch_table(run)))
    run["seconds"] = time.perf_counter() - started
    missed = [r["name"] for r in run["rows"] if not all(r["targets"].values())]
    print(f"\n{len(run['rows']) - len(missed)} of {len(run['rows'])} recordings meet every "
          f"target" + (f"; missed: {', '.join(missed)}" if missed else "")
          + f" ({run['seconds'] / 60:.1f} min)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(run, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
