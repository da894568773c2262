"""What one neuron of the layer could detect, next to what STDP made of it.

For a one-pattern recording of ``streams.py``, the default layer learns the
stream as there; then hand-made detectors with the same neuron model (the
learned layer's leak, reset to zero, no competition) and the same weight
budget (each neuron's weights sum to ``weight_norm * n_channels``, none above
``w_max``) are scored on the same test recording. Each puts ``w_max`` on the
pattern's channels that fire inside one window of the pattern (every window
of 2 to 10 bins, at every offset), spreads the rest of the budget evenly over
the other channels, and fires at one of a grid of thresholds. The best of
them is a lower bound on what the neuron model allows with learned weights:
when it meets the bar and the learned neuron does not, the shortfall is in
the learning, not in the neuron or its weight budget.

Reported per case: the learned neuron's hit rate and false alarms (as in
``streams.py``), the share of each learned neuron's weight on the channels
that fire in the pattern, and the best detector: the highest hit rate with
false alarms within the bar, and among those the fewest false alarms.

    python benchmarks/detector_bound.py            # every one-pattern case (about 3 minutes)
    python benchmarks/detector_bound.py --only "300 ch"
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import streams

from sk_stdp import STDPTransformer
from sk_stdp.patterns import pattern_detection_scores

WINDOWS = (2, 3, 4, 5, 6, 8, 10)
THRESHOLDS = np.linspace(0.3, 1.2, 19)  # in units of the detector's weight on the window


def window_detectors(channels: np.ndarray, bins: np.ndarray, pattern_bins: int,
                     n_channels: int, budget: float, w_max: float):
    """Weights of every window detector and a description of each."""
    weights, described = [], []
    for length in WINDOWS:
        for start in range(0, max(1, pattern_bins - length + 1)):
            inside = np.unique(channels[(bins >= start) & (bins < start + length)])
            inside = inside[: int(budget // w_max)]
            if len(inside) == 0:
                continue
            w = np.zeros(n_channels)
            w[inside] = w_max
            others = np.setdiff1d(np.arange(n_channels), inside)
            w[others] = (budget - w_max * len(inside)) / len(others)
            weights.append(w)
            described.append(dict(window=length, start=start, channels=int(len(inside))))
    return np.array(weights), described


def best_detector(test, weights: np.ndarray, described: list, leak: float,
                  max_false_alarms: float) -> dict:
    """The detector and threshold with the highest hit rate within the false-alarm bar."""
    # A neuron with weights w / t and threshold 1 fires exactly when one with
    # weights w fires at threshold t: one layer scores every threshold at once.
    on_window = np.array([d["channels"] for d in described], float)
    scales = (on_window[:, None] * THRESHOLDS[None, :]).ravel()
    layer = np.repeat(weights, len(THRESHOLDS), axis=0) / scales[:, None]
    detector = STDPTransformer(
        layer.shape[0], stream=True, init=layer, threshold=1.0, leak=leak, learning_rate=0.0,
        weight_norm=None, w_max=float(layer.max()), theta_plus=0.0, competition=None,
    ).fit(np.zeros((1, layer.shape[1])))
    scores = pattern_detection_scores(detector.transform(test.raster()), test.onsets,
                                      test.pattern_bins)
    hits, false_alarms = scores["hits"][0], scores["false_alarms"]
    within = np.flatnonzero(false_alarms <= max_false_alarms)
    # The highest hit rate, and among those the fewest false alarms.
    k = within[np.lexsort((false_alarms[within], -hits[within]))[0]]
    which, level = divmod(k, len(THRESHOLDS))
    best = dict(described[which])
    best.update(threshold=float(THRESHOLDS[level] * on_window[which]), hits=float(hits[k]),
                false_alarms=float(false_alarms[k]))
    return best


def run_case(case: dict, seed: int = 0) -> dict:
    if case.get("n_patterns", 1) != 1:
        raise ValueError(f"{case['name']}: the window detectors are for one-pattern cases")
    learned, est, train, test = streams.run_case(case, seed=seed, return_layer=True)
    channels, bins = train.patterns[0]
    carriers = np.unique(channels)
    components = est.components_
    share = components[:, carriers].sum(1) / components.sum(1)
    budget = est.weight_norm * train.n_channels
    weights, described = window_detectors(channels, bins, train.pattern_bins, train.n_channels,
                                          budget, est.w_max)
    bound = best_detector(test, weights, described, float(est.leak_),
                          streams.SINGLE_BAR["false_alarms"])
    return dict(name=case["name"], seed=seed, leak=float(est.leak_),
                learned=learned["patterns"][0], carrier_share=[float(s) for s in share],
                carrier_fraction=float(len(carriers) / train.n_channels), detector=bound)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="the one-pattern cases whose name contains this text")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)
    cases = [c for c in streams.SINGLE if not args.only or args.only in c["name"]]
    results = []
    for case in cases:
        r = run_case(case, args.seed)
        results.append(r)
        d, n = r["detector"], r["learned"]
        print(f"{r['name']} (seed {r['seed']}, leak {r['leak']:.3f}): learned neuron hits "
              f"{n['hits']:.3f}, {n['false_alarms']:.2f} false alarms; weight on the pattern's "
              f"channels {', '.join(f'{s:.2f}' for s in r['carrier_share'])} "
              f"(they are {r['carrier_fraction']:.2f} of the channels); best window detector "
              f"hits {d['hits']:.3f}, {d['false_alarms']:.2f} false alarms "
              f"({d['channels']} channels of a {d['window']}-bin window)", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
