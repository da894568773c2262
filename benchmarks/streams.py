"""Hidden spike patterns in live streams, learned with default parameters.

A family of synthetic recordings at 1 ms bins (``sk_stdp.patterns``): channel
counts, rates, pattern lengths, the share of channels carrying a pattern, how
often it comes, jitter and spontaneous noise all vary, and some recordings hide
several patterns at once. Each is streamed through ``partial_fit`` in 1 s
chunks by ``STDPTransformer(n_neurons, stream=True, random_state)`` and nothing
else set. Per case:

- the neuron of each pattern is chosen on a held-out recording and scored on
  another one, with frozen weights (``transform``): hit rate (share of the
  occurrences during which it fires), false alarms (its spikes per 1000 bins
  outside every occurrence), median latency from the onset to its first spike;
- how many occurrences it took to become selective, from the output of each
  chunk computed before learning from it (test, then train): the first
  occurrence from which every later window of 20 occurrences has hit rate
  >= 0.9 and false alarms within the bar.

Two rows reproduce Masquelier, Guyonneau & Thorpe (2008, one pattern, 2000
afferents) and (2009, three patterns, winner-take-all).

    python benchmarks/streams.py            # the whole family (about 20 minutes)
    python benchmarks/streams.py --quick    # four cases, shorter streams
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: benchmarks.*

import numpy as np

from benchmarks.render import markdown, misses_bar
from benchmarks.render import streams as stream_table
from sk_stdp import STDPTransformer
from sk_stdp.patterns import (
    choose_neurons,
    make_pattern_stream,
    pattern_detection_scores,
    selectivity_onset,
)

SINGLE_BAR = dict(hits=0.95, false_alarms=2.0)
MULTI_BAR = dict(hits=0.90, false_alarms=5.0)
MIN_PATTERN_SPIKES = 25  # below this a pattern is reported as a limit, not a failure
WINDOW = 20  # occurrences per window of the learning curve

# One pattern; each line varies what the family asks to vary.
SINGLE = [
    dict(name="100 ch, 32 Hz, 50 bins, all ch", n_channels=100, rate=32.0, pattern_bins=50),
    dict(name="100 ch, 2-16 Hz, 100 bins, 60% ch", n_channels=100, rate=(2.0, 16.0),
         pattern_bins=100, pattern_channels=0.6),
    dict(name="200 ch, 5-20 Hz, 50 bins, 50% ch", n_channels=200, rate=(5.0, 20.0),
         pattern_bins=50, pattern_channels=0.5),
    dict(name="300 ch, 64 Hz, 20 bins, 30% ch", n_channels=300, rate=64.0, pattern_bins=20,
         pattern_channels=0.3),
    dict(name="500 ch, 50 Hz, 50 bins, all ch", n_channels=500, rate=50.0, pattern_bins=50),
    dict(name="500 ch, 10-40 Hz, 30 bins, 10% time", n_channels=500, rate=(10.0, 40.0),
         pattern_bins=30, pattern_fraction=0.1),
    dict(name="1000 ch, 10-50 Hz, 50 bins, jitter 2", n_channels=1000, rate=(10.0, 50.0),
         pattern_bins=50, jitter=2),
    dict(name="1000 ch, 2-8 Hz, 80 bins, 30% time", n_channels=1000, rate=(2.0, 8.0),
         pattern_bins=80, pattern_fraction=0.3),
    dict(name="1000 ch, 40-64 Hz, 100 bins, 30% ch, noise 10 Hz", n_channels=1000,
         rate=(40.0, 64.0), pattern_bins=100, pattern_channels=0.3, noise_rate=10.0),
    dict(name="2000 ch, 2-20 Hz, 40 bins, 40% ch, jitter 1", n_channels=2000, rate=(2.0, 20.0),
         pattern_bins=40, pattern_channels=0.4, jitter=1),
    dict(name="2000 ch, 20-64 Hz, 60 bins, 70% ch, 15% time", n_channels=2000,
         rate=(20.0, 64.0), pattern_bins=60, pattern_channels=0.7, pattern_fraction=0.15),
]
# Several patterns at once: n_neurons = 2 x patterns.
MULTI = [
    dict(name="2 patterns, 300 ch, 20-50 Hz, 40 bins", n_channels=300, rate=(20.0, 50.0),
         pattern_bins=40, n_patterns=2, pattern_fraction=0.3),
    dict(name="3 patterns, 1000 ch, 10-30 Hz, 50 bins, 50% ch", n_channels=1000,
         rate=(10.0, 30.0), pattern_bins=50, n_patterns=3, pattern_channels=0.5,
         pattern_fraction=0.3),
    dict(name="4 patterns, 2000 ch, 5-40 Hz, 30 bins, jitter 1", n_channels=2000,
         rate=(5.0, 40.0), pattern_bins=30, n_patterns=4, jitter=1, pattern_fraction=0.3),
]
# Masquelier, Guyonneau & Thorpe 2008 and 2009.
PAPERS = [
    dict(name="Masquelier et al. 2008", n_channels=2000, rate=(30.0, 90.0), noise_rate=10.0,
         pattern_bins=50, pattern_channels=0.5, pattern_fraction=0.25, jitter=1,
         n_occurrences=1000),
    dict(name="Masquelier et al. 2009 (3 patterns)", n_channels=2000, rate=(30.0, 90.0),
         noise_rate=10.0, pattern_bins=50, pattern_channels=0.5, pattern_fraction=0.25,
         jitter=1, n_patterns=3, n_neurons=9, n_occurrences=600),
]
QUICK = ["100 ch, 32 Hz, 50 bins, all ch", "1000 ch, 10-50 Hz, 50 bins, jitter 2",
         "2 patterns, 300 ch, 20-50 Hz, 40 bins", "Masquelier et al. 2008"]

GENERATOR_KEYS = ("n_channels", "rate", "noise_rate", "n_patterns", "pattern_bins",
                  "pattern_channels", "pattern_fraction", "jitter")


def recordings(case: dict, seed: int = 0, quick: bool = False):
    """The recordings of one case and the size of its layer.

    Returns ``(train, val, test, n_neurons)``: the layer learns ``train``;
    each pattern's neuron is chosen on ``val`` and scored on ``test``, two
    held-out recordings of the same channels and patterns.
    """
    n_patterns = case.get("n_patterns", 1)
    n_neurons = case.get("n_neurons", max(4, 2 * n_patterns))
    gen = {k: case[k] for k in GENERATOR_KEYS if k in case}
    fraction = gen.get("pattern_fraction", 0.25)
    # Enough bins for the requested occurrences of each pattern.
    n_occ = case.get("n_occurrences", 400) // (2 if quick else 1)
    bins_per_occurrence = gen["pattern_bins"] / fraction * n_patterns
    n_bins = int(min(n_occ * bins_per_occurrence, 600_000 if not quick else 150_000))
    n_bins = max(1000, n_bins // 1000 * 1000)
    train = make_pattern_stream(n_bins=n_bins, random_state=seed, **gen)
    val = train.resample(30_000, seed + 1000)
    test = train.resample(30_000, seed + 2000)
    return train, val, test, n_neurons


def detection(est, val, test) -> list[dict]:
    """Each pattern's neuron, chosen on ``val`` and scored on ``test`` with frozen weights.

    One dict per pattern: ``neuron``, ``hits`` (share of the occurrences
    during which it fires), ``false_alarms`` (its spikes per 1000 bins outside
    every occurrence) and ``latency`` (median bins from the onset).
    """
    def scores(rec):
        return pattern_detection_scores(est.transform(rec.raster()), rec.onsets,
                                        rec.pattern_bins, rec.labels)

    chosen = choose_neurons(scores(val), val.pattern_bins)
    t = scores(test)
    return [dict(neuron=int(j), hits=float(t["hits"][p, j]),
                 false_alarms=float(t["false_alarms"][j]), latency=float(t["latency"][p, j]))
            for p, j in enumerate(chosen)]


def run_case(case: dict, seed: int = 0, params: dict | None = None, quick: bool = False,
             return_layer: bool = False):
    """Stream one case through a default layer; scores of the neuron chosen per pattern.

    With ``return_layer``: ``(result, layer, train, test)``, the learned layer
    with the recording it learned and the one it was scored on.
    """
    bar = MULTI_BAR if case.get("n_patterns", 1) > 1 else SINGLE_BAR
    train, val, test, n_neurons = recordings(case, seed, quick)
    n_bins = train.n_bins

    est = STDPTransformer(n_neurons, stream=True, random_state=seed, **(params or {}))
    outputs = []
    started = time.perf_counter()
    for k, chunk in enumerate(train.chunks()):
        if k:  # test, then train (the first chunk meets an unfitted layer)
            outputs.append(est.transform(chunk))
        else:
            outputs.append(np.zeros((chunk.shape[0], n_neurons), np.float32))
        est.partial_fit(chunk)
    seconds = time.perf_counter() - started
    curve = np.vstack(outputs)

    per_pattern = detection(est, val, test)
    for p, r in enumerate(per_pattern):
        r["selective_after"] = selectivity_onset(curve, train.onsets, train.pattern_bins,
                                                 r["neuron"], train.labels, p, window=WINDOW,
                                                 max_false_alarms=bar["false_alarms"])
    passed = all(r["hits"] >= bar["hits"] and r["false_alarms"] <= bar["false_alarms"]
                 for r in per_pattern)
    pattern_spikes = train.mean_pattern_spikes
    result = dict(
        name=case["name"], seed=seed, n_neurons=n_neurons, n_bins=n_bins,
        occurrences=int(len(train.onsets)), input_spikes_per_bin=float(train.rates.sum()
                                                                       + train.noise_rate
                                                                       * train.n_channels),
        pattern_spikes=pattern_spikes, limit=pattern_spikes < MIN_PATTERN_SPIKES,
        passed=passed, seconds=seconds, patterns=per_pattern,
    )
    return (result, est, train, test) if return_layer else result


def table_row(result: dict) -> str:
    """The result as a row of the table that ``render.py`` writes into the docs."""
    return "| " + " | ".join(stream_table([result])[1][0]) + " |"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="four cases, shorter streams")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", help="run the cases whose name contains this text")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)
    cases = SINGLE + MULTI + PAPERS
    if args.quick:
        cases = [c for c in cases if c["name"] in QUICK]
    if args.only:
        cases = [c for c in cases if args.only in c["name"]]
    print(markdown(stream_table([])[0], []))
    results = []
    for case in cases:
        r = run_case(case, seed=args.seed, quick=args.quick)
        results.append(r)
        print(table_row(r), flush=True)
    failed = [r["name"] for r in results if misses_bar(r)]
    print(f"\n{len(results) - len(failed)} of {len(results)} cases meet the bar or are limits"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
