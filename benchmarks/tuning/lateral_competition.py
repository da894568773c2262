"""Lateral competition in sample mode against winner-take-all, measured on tuning splits.

With lateral competition each spike lowers the other membranes by
``inhibition`` times their thresholds, and the neurons that cross in one
step fire one after another, the furthest above threshold first, each
spike pushing back those still to fire. With ``inhibition=0`` every
neuron that crosses fires, and in sample mode, where the direct code holds
a sample for a whole presentation, neurons with near-equal currents fire
together, learn the same sample and stay alike. The pipeline of
``learning.py``::

    Pipeline([("stdp", STDPTransformer(400, random_state=..., **params)),
              ("clf", LogisticRegression(max_iter=1000))])

with ``params`` empty (``competition="auto"``: lateral in sample mode,
``inhibition=1``), ``competition="wta"``, or another ``inhibition``. The
splits are those of ``conv_tuning.py``: MNIST images 0-5,999 to train and
6,000-7,999 to validate, ``random_state`` 0-2; digits, the inner 70/30 split
of the training part, ``random_state`` 0-4. On MNIST the default and
winner-take-all are also compared in a layer of 100 neurons (rows with
``n_neurons`` 100). A last row (``"twins"``,
digits) holds, per variant, the share of neurons whose weights have a twin
(cosine similarity at least ``SAME_PROTOTYPE``, 0.9999, the threshold of
``fit``'s warning) after ``fit``, averaged over the seeds.

Run::

    python benchmarks/tuning/lateral_competition.py --mnist path/to/mnist \\
        --json benchmarks/results/lateral_competition.json
    python benchmarks/tuning/lateral_competition.py          # digits only, no file
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: benchmarks.*

from benchmarks.render import change_label
from benchmarks.tuning.conv_tuning import run_tuning_by_name, score_variant
from benchmarks.tuning.depression_window import SEEDS
from sk_stdp import STDPTransformer
from sk_stdp._validation import SAME_PROTOTYPE, closest_similarity

VARIANTS = [{}, {"competition": "wta"}, {"inhibition": 0.0}, {"inhibition": 0.25},
            {"inhibition": 0.5}, {"inhibition": 0.75}, {"inhibition": 1.25},
            {"inhibition": 1.5}, {"inhibition": 2.0}]

#: Compared in a layer of 100 neurons too (MNIST).
SMALL_LAYER = [{}, {"competition": "wta"}]


def twin_share(layers) -> float:
    """The share of neurons whose weights have a twin, averaged over the fitted layers."""
    return float(np.mean([np.mean(closest_similarity(layer.components_.T) >= SAME_PROTOTYPE)
                          for layer in layers]))


def scored_layers(name: str, params: dict, split, n_neurons: int = 400):
    """The tuning row of ``params`` and the layers its pipelines fitted (one per seed)."""
    layers = []

    def make_model(seed):
        layers.append(STDPTransformer(n_neurons, random_state=seed, **params))
        return Pipeline([("stdp", layers[-1]), ("clf", LogisticRegression(max_iter=1000))])

    label = name if n_neurons == 400 else f"{name} ({n_neurons} neurons)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the collapse warning of inhibition=0: measured here
        row = score_variant(label, params, make_model, SEEDS[name], split)
    return dict(row, dataset=name), layers


def evaluate(name: str, split) -> list[dict]:
    rows, shares = [], {}
    for params in VARIANTS:
        row, layers = scored_layers(name, params, split)
        rows.append(row)
        shares[change_label(params)] = twin_share(layers)
    if name == "mnist":
        for params in SMALL_LAYER:
            row, _ = scored_layers(name, params, split, n_neurons=100)
            rows.append(dict(row, n_neurons=100))
    if name == "digits":
        print("digits  share of neurons with a twin:", shares, flush=True)
        rows.append(dict(dataset=name, params="twins", seeds=list(SEEDS[name]), shares=shares))
    return rows


def main(argv=None) -> None:
    run_tuning_by_name(argv, __doc__, evaluate)


if __name__ == "__main__":
    main()
