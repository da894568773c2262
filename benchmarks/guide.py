"""The figures quoted in the user guide, measured.

Each figure of the user guide's prose that comes from a run (the cost of
competition at read-out, how many rows a small layer leaves silent) is
computed here and written to ``benchmarks/results/guide.json``;
``tests/test_rendered_numbers.py`` checks that the guide quotes only numbers
found there.

* ``readout``: the MNIST protocol of ``learning.py``, the default layer of
  400 neurons read out by its learning neurons (``readout="lif"``), by
  rate-coding twins (``readout="rate"``) and by the default cosine read-out
  (``readout="cosine"``), each followed by the benchmark's
  ``LogisticRegression``.
* ``small_layer_readout``: a layer of 32 neurons after one pass over 512
  digits (``n_steps`` 10 and 20), read out by ``readout="rate"`` and
  ``readout="cosine"``: accuracy of ``LogisticRegression`` on 256 other
  digits and the share of counts at their maximum, ``n_steps``.
* ``readout_competition``: the digits protocol of ``learning.py`` (seeds
  0-2), the default pipeline with and without ``transform_competition``.
* ``silent_rows``: the MNIST protocol of ``learning.py`` with small layers
  (10 and 25 neurons, and 10 with ``theta_plus=0.003``): the share of
  training rows on which no neuron fires at ``transform``, and the test
  accuracy of ``LogisticRegression(C=0.1)`` on the features.
* ``quadrant_silent_rows``: the same share for each quadrant layer of the
  ``stdp-local`` row with 25 neurons per quadrant.

Run::

    python benchmarks/guide.py --mnist path/to/mnist --json benchmarks/results/guide.json
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: benchmarks.*

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from benchmarks.learning import load_mnist, quadrants
from sk_stdp import STDPTransformer


def readout(X, y) -> dict:
    Xtr, ytr, Xte, yte = X[:8000], y[:8000], X[8000:], y[8000:]
    stdp = STDPTransformer(400, random_state=0).fit(Xtr)
    scores = {}
    for name in ("lif", "rate", "cosine"):
        layer = copy.deepcopy(stdp).set_params(readout=name)
        clf = LogisticRegression(max_iter=1000).fit(layer.transform(Xtr), ytr)
        scores[name] = clf.score(layer.transform(Xte), yte)
    print(scores, flush=True)
    return scores


def small_layer_readout() -> list[dict]:
    """A small layer after one short pass: 32 neurons, 512 digits, by read-out and ``n_steps``."""
    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(X))
    X, y = X[order] / 16.0, y[order]
    Xtr, ytr, Xte, yte = X[:512], y[:512], X[1024:1280], y[1024:1280]
    rows = []
    for n_steps in (10, 20):
        layer = STDPTransformer(32, max_iter=1, n_steps=n_steps, random_state=0).fit(Xtr)
        for name in ("rate", "cosine"):
            layer.set_params(readout=name)
            features = layer.transform(Xtr)
            clf = LogisticRegression(max_iter=1000).fit(features, ytr)
            rows.append(dict(n_steps=n_steps, readout=name,
                             saturated_share=float(np.mean(features == n_steps)),
                             accuracy=clf.score(layer.transform(Xte), yte)))
            print(rows[-1], flush=True)
    return rows


def readout_competition(seeds=(0, 1, 2)) -> list[dict]:
    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X / 16.0, y, test_size=0.3, random_state=0,
                                          stratify=y)
    rows = []
    for seed in seeds:
        pipe = Pipeline([("stdp", STDPTransformer(random_state=seed)),
                         ("clf", LogisticRegression(max_iter=1000))]).fit(Xtr, ytr)
        competing = copy.deepcopy(pipe["stdp"]).set_params(transform_competition=True)
        clf = LogisticRegression(max_iter=1000).fit(competing.transform(Xtr), ytr)
        rows.append(dict(seed=seed, accuracy=pipe.score(Xte, yte),
                         accuracy_with_competition=clf.score(competing.transform(Xte), yte)))
        print(rows[-1], flush=True)
    return rows


def silent_rows(X, y) -> list[dict]:
    Xtr, ytr, Xte, yte = X[:8000], y[:8000], X[8000:], y[8000:]
    rows = []
    for n_neurons, params in [(10, {}), (25, {}), (10, {"theta_plus": 0.003})]:
        stdp = STDPTransformer(n_neurons, random_state=0, **params).fit(Xtr)
        Ftr = stdp.transform(Xtr)
        clf = LogisticRegression(C=0.1, max_iter=1000).fit(Ftr, ytr)
        rows.append(dict(n_neurons=n_neurons, params=params,
                         silent_share=float(np.mean(Ftr.sum(axis=1) == 0)),
                         accuracy=clf.score(stdp.transform(Xte), yte)))
        print(rows[-1], flush=True)
    return rows


def quadrant_silent_rows(X) -> dict:
    layers = quadrants(28, 25, 0).fit(X[:8000])
    shares = {}
    for name, layer, columns in layers.transformers_:
        counts = layer.transform(X[:8000][:, columns])
        shares[name] = float(np.mean(counts.sum(axis=1) == 0))
    print(shares, flush=True)
    return shares


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mnist", metavar="DIR|openml", required=True,
                        help="folder with the MNIST t10k IDX gzip files, or 'openml'")
    parser.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    args = parser.parse_args(argv)
    X, y = load_mnist(args.mnist)
    results = dict(date=time.strftime("%Y-%m-%d"),
                   readout=readout(X, y),
                   small_layer_readout=small_layer_readout(),
                   readout_competition=readout_competition(),
                   silent_rows=silent_rows(X, y),
                   quadrant_silent_rows=quadrant_silent_rows(X))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
