"""The sample-mode read-out of ``STDPTransformer``, measured on tuning splits.

One default layer of 400 neurons is fitted per seed, and its features are
read out by each variant of the read-out (``readout``, ``readout_inhibition``,
``readout_threshold``: parameters of :meth:`transform` alone, so the learned
weights are the same for every variant of a seed). Each variant is scored
by ``LogisticRegression(max_iter=1000)`` on the validation part of the
tuning splits of ``conv_tuning.py`` (MNIST images 0-5,999 to learn and
6,000-7,999 to score; digits' training part split 70/30), which exclude the
images on which ``learning.py`` reports. Seeds 0-2. The rows are written to
``benchmarks/results/readout_tuning.json``; ``tests/test_rendered_numbers.py``
checks that the user guide quotes only numbers found there.

Run::

    python benchmarks/tuning/readout_tuning.py --mnist path/to/mnist \
        --json benchmarks/results/readout_tuning.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: benchmarks.*

import numpy as np
from sklearn.linear_model import LogisticRegression

from benchmarks.tuning.conv_tuning import run_tuning
from benchmarks.tuning.depression_window import WTA
from sk_stdp import STDPTransformer

VARIANTS = [
    {"readout": "lif"},
    {"readout": "rate", "readout_inhibition": 0.5},
    {"readout": "rate", "readout_inhibition": 0.8},
    {"readout": "cosine", "readout_inhibition": 0.5, "readout_threshold": 0.2},
    {"readout": "cosine", "readout_inhibition": 0.8, "readout_threshold": 0.1},
    {"readout": "cosine", "readout_inhibition": 0.8, "readout_threshold": 0.2},
    {"readout": "cosine", "readout_inhibition": 0.8, "readout_threshold": 0.25},
    {"readout": "cosine", "readout_inhibition": 0.8, "readout_threshold": 0.5},
    {"readout": "cosine", "readout_inhibition": 1.0, "readout_threshold": 0.2},
]


def evaluate(name: str, split, seeds=(0, 1, 2)) -> list[dict]:
    Xtr, ytr, Xval, yval = split
    scores = {i: [] for i in range(len(VARIANTS))}
    for seed in seeds:
        layer = STDPTransformer(400, random_state=seed, **WTA).fit(Xtr)
        for i, params in enumerate(VARIANTS):
            layer.set_params(**params)
            clf = LogisticRegression(max_iter=1000).fit(layer.transform(Xtr), ytr)
            scores[i].append(float(clf.score(layer.transform(Xval), yval)))
            print(f"{name:<7} seed {seed} {json.dumps(params):<75} {scores[i][-1]:.4f}",
                  flush=True)
    rows = [dict(dataset=name, params=params, seeds=list(seeds), scores=scores[i],
                 accuracy=float(np.mean(scores[i])))
            for i, params in enumerate(VARIANTS)]
    for row in rows:
        print(f"{name:<7} {json.dumps(row['params']):<75} {row['accuracy']:.4f}", flush=True)
    return rows


def main(argv=None) -> None:
    run_tuning(argv, __doc__.split("\n\n")[0],
               lambda split: evaluate("digits", split),
               lambda split: evaluate("mnist", split))


if __name__ == "__main__":
    main()
