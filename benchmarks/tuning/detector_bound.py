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

The layer does not choose its thresholds freely, though: in stream mode a
neuron fires at ``(relative_threshold + theta) * V + threshold_noise *
sqrt(w_max * V)`` (``V`` the mean potential under the input), and the
homeostatic offset ``theta`` settles where it balances the neuron's own rate
``r``: ``theta = theta_plus * r / (1 - theta_decay)``. A detector held by this
homeostasis fires at the threshold where the two agree (its rate there read
off the grid). So each detector is also scored at that settled threshold,
with the layer's ``theta_plus / (1 - theta_decay)`` and with a range of other
values of that ratio: the largest ratio at which some detector still settles
within the bar says how strong the homeostasis may be for this recording.

Reported per case: the learned neuron's hit rate and false alarms (as in
``streams.py``), and the same neuron's with the read-out floor switched off
(``readout_floor=None``: the learned thresholds alone), the share of each
learned neuron's weight on the channels that fire in the pattern, the best
detector (the highest hit rate with false alarms within the bar, and among
those the fewest false alarms), the best detector at the threshold the
layer's homeostasis settles at, and the largest homeostatic ratio at which
one settles within the bar.

    python benchmarks/tuning/detector_bound.py            # every one-pattern case (about 3 minutes)
    python benchmarks/tuning/detector_bound.py --only "300 ch"
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: benchmarks.*

import numpy as np

from benchmarks import streams
from sk_stdp import STDPTransformer
from sk_stdp import _neurons as neurons
from sk_stdp.patterns import pattern_detection_scores

WINDOWS = (2, 3, 4, 5, 6, 8, 10)
THRESHOLDS = np.linspace(0.2, 2.0, 37)  # in units of the detector's weight on the window
RATIOS = np.arange(0.0, 301.0, 5.0)  # values of theta_plus / (1 - theta_decay) tried


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


def score_detectors(test, weights: np.ndarray, described: list, leak: float) -> dict:
    """Hit rate, false alarms and output rate of every detector at every threshold.

    Arrays of shape ``(n_detectors, len(THRESHOLDS))``; ``threshold`` holds
    the thresholds in units of potential.
    """
    # A neuron with weights w / t and threshold 1 fires exactly when one with
    # weights w fires at threshold t: one layer scores every threshold at once.
    on_window = np.array([d["channels"] for d in described], float)
    thresholds = on_window[:, None] * THRESHOLDS[None, :]
    layer = np.repeat(weights, len(THRESHOLDS), axis=0) / thresholds.ravel()[:, None]
    detector = STDPTransformer(
        layer.shape[0], stream=True, init=layer, threshold=1.0, leak=leak, learning_rate=0.0,
        weight_norm=None, w_max=float(layer.max()), theta_plus=0.0, competition=None,
    ).fit(np.zeros((1, layer.shape[1])))
    raster = test.raster()
    spikes = detector.transform(raster)
    scores = pattern_detection_scores(spikes, test.onsets, test.pattern_bins)
    shape = thresholds.shape
    return dict(threshold=thresholds, hits=scores["hits"][0].reshape(shape),
                false_alarms=scores["false_alarms"].reshape(shape),
                rate=(np.asarray(spikes.sum(0)).ravel() / raster.shape[0]).reshape(shape),
                mean_current=np.asarray(raster @ weights.T).mean(0))


def best_detector(scores: dict, described: list, max_false_alarms: float,
                  level: np.ndarray | None = None) -> dict | None:
    """The detector with the highest hit rate within the false-alarm bar (then the fewest).

    Each detector at every threshold of the grid, or at ``level[d]`` (an index
    into the grid, -1 for none) only.
    """
    hits, false_alarms = scores["hits"], scores["false_alarms"]
    n_levels = hits.shape[1]
    allowed = np.ones_like(hits, bool)
    if level is not None:
        allowed = np.arange(n_levels)[None, :] == level[:, None]
    within = np.flatnonzero((false_alarms <= max_false_alarms).ravel() & allowed.ravel())
    if len(within) == 0:
        return None
    flat_hits, flat_false = hits.ravel()[within], false_alarms.ravel()[within]
    k = within[np.lexsort((flat_false, -flat_hits))[0]]
    which, at = divmod(k, n_levels)
    best = dict(described[which])
    best.update(threshold=float(scores["threshold"][which, at]), hits=float(hits.ravel()[k]),
                false_alarms=float(false_alarms.ravel()[k]))
    return best


def settled_levels(scores: dict, layer: STDPTransformer, leak: float, ratio: float) -> np.ndarray:
    """Where the layer's homeostasis holds each detector: an index into the grid, or -1.

    The lowest threshold of the grid at or above the layer's threshold
    (``_neurons.thresholds``, with the learned leak) for the offset ``theta =
    ratio * r``, ``r`` the detector's output rate at that threshold: the rate
    falls as the threshold rises and the threshold the offset asks for falls
    with it, so this is where the two meet.
    """
    lif = layer._params(layer.n_features_in_).neuron._replace(leak=np.float32(leak))
    # thresholds() reads only the offsets and the running mean current.
    detector = neurons.NeuronState(
        v=None, theta=ratio * scores["rate"], drive=scores["mean_current"][:, None],
        drive_weight=np.float32(1.0), input_rate=None, input_mean=None, input_power=None,
    )
    asked = np.asarray(neurons.thresholds(detector, lif, relative=True))
    reached = scores["threshold"] >= asked
    return np.where(reached.any(1), reached.argmax(1), -1)


def without_floor(layer, test, neuron: int) -> dict:
    """Hit rate and false alarms of the chosen neuron read out with ``readout_floor=None``."""
    floor = layer.readout_floor
    layer.set_params(readout_floor=None)
    try:
        scores = pattern_detection_scores(layer.transform(test.raster()), test.onsets,
                                          test.pattern_bins, test.labels)
    finally:
        layer.set_params(readout_floor=floor)
    return dict(hits=float(scores["hits"][0, neuron]),
                false_alarms=float(scores["false_alarms"][neuron]))


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
    leak, bar = float(est.leak_), streams.SINGLE_BAR
    scores = score_detectors(test, weights, described, leak)
    ratio = est._mode_value("theta_plus") / (1 - est._mode_value("theta_decay"))

    def settled(ratio):
        return best_detector(scores, described, bar["false_alarms"],
                             settled_levels(scores, est, leak, ratio))

    def meets(found):
        return found is not None and found["hits"] >= bar["hits"]

    largest = [float(r) for r in RATIOS if meets(settled(r))]
    return dict(name=case["name"], seed=seed, leak=leak,
                learned=learned["patterns"][0], learned_without_floor=without_floor(
                    est, test, learned["patterns"][0]["neuron"]),
                carrier_share=[float(s) for s in share],
                carrier_fraction=float(len(carriers) / train.n_channels),
                detector=best_detector(scores, described, bar["false_alarms"]),
                homeostatic_ratio=float(ratio), settled=settled(ratio),
                largest_ratio=max(largest) if largest else None)


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
        u = r["learned_without_floor"]
        print(f"    the learned neuron without the read-out floor: hits {u['hits']:.3f}, "
              f"{u['false_alarms']:.2f} false alarms", flush=True)
        h = r["settled"]
        print(f"    at the threshold the homeostasis settles at (theta_plus / (1 - theta_decay) "
              f"= {r['homeostatic_ratio']:.0f}): "
              + (f"hits {h['hits']:.3f}, {h['false_alarms']:.2f} false alarms" if h else "none")
              + f"; within the bar up to a ratio of {r['largest_ratio']}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
