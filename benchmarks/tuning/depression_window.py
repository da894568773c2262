"""The sample-mode depression window (``trace_decay_post``), measured on tuning splits.

The pipeline of ``learning.py``::

    Pipeline([("stdp", STDPTransformer(400, random_state=..., **params)),
              ("clf", LogisticRegression(max_iter=1000))])

with the defaults, winner-take-all competition (``WTA``) and
``trace_decay_post``: ``0.95`` is one window for both traces (the value of
``trace_decay``, the default before the depression window had a
sample-mode value of its own), the shorter ones let a
neuron's late spikes in a presentation depress less. The splits are those of
``conv_tuning.py`` (they exclude the images on which ``learning.py``
reports): MNIST images 0-5,999 to train and 6,000-7,999 to validate,
``random_state`` 0-2; digits, the inner 70/30 split of the training part,
``random_state`` 0-4.

On MNIST the two windows are also compared in smaller layers: one of 100
neurons (rows with ``n_neurons`` 100), and four of 25, one per quadrant of
the image, as in the ``stdp-local`` rows of ``learning.py`` (rows with
``n_neurons`` "4 x 25"). Two more rows per data set put the figures in
context:

* ``"kmeans"``: the prototypes of an ideal competitive learner, 400 k-means
  centroids of the unit-normalised training rows (``KMeans(n_init=1)``,
  seeds as above), read out as the rectified cosine similarity less 0.8
  times its mean over the centroids, standardised, then the same
  ``LogisticRegression``;
* ``"winner_update"``: digits, 50 neurons fitted on 600 rows, then 100 more
  rows one ``partial_fit`` at a time; the share of those updates in which
  the winner's weights moved towards the row (cosine similarity up), per
  ``trace_decay_post``.

Run::

    python benchmarks/tuning/depression_window.py --mnist path/to/mnist \\
        --json benchmarks/results/depression_window.json
    python benchmarks/tuning/depression_window.py            # digits only, no file
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler, normalize

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: benchmarks.*

from benchmarks.learning import quadrants
from benchmarks.tuning.conv_tuning import run_tuning_by_name, score_variant
from sk_stdp import STDPTransformer

#: Measured with winner-take-all, the sample-mode competition before lateral
#: competition became the default (``lateral_competition.py``).
WTA = {"competition": "wta"}

WINDOWS = [0.95, 0.9, 0.8, 0.7]
SEEDS = {"mnist": (0, 1, 2), "digits": (0, 1, 2, 3, 4)}


def kmeans_features(centroids: np.ndarray, X: np.ndarray, inhibition: float = 0.8):
    """Rectified cosine similarity to each centroid, less ``inhibition`` times its mean."""
    similarity = normalize(X) @ normalize(centroids).T
    return np.maximum(similarity - inhibition * similarity.mean(axis=1, keepdims=True), 0)


def kmeans_row(name: str, split, seeds) -> dict:
    Xtr, ytr, Xval, yval = split
    scores, times = [], []
    for seed in seeds:
        start = time.perf_counter()
        centroids = KMeans(400, n_init=1, random_state=seed).fit(normalize(Xtr)).cluster_centers_
        scaler = StandardScaler()
        train = scaler.fit_transform(kmeans_features(centroids, Xtr))
        clf = LogisticRegression(max_iter=1000).fit(train, ytr)
        scores.append(float(clf.score(scaler.transform(kmeans_features(centroids, Xval)),
                                      yval)))
        times.append(time.perf_counter() - start)
    print(f"{name:<7} kmeans ideal accuracy {np.mean(scores):.4f}", flush=True)
    return dict(dataset=name, params="kmeans", seeds=list(seeds), scores=scores,
                accuracy=float(np.mean(scores)), fit_s=float(np.mean(times)))


def winner_moves(n_updates: int = 100, **params) -> np.ndarray:
    """Digits, 50 neurons (with ``params``) fitted on 600 rows, then ``n_updates`` more
    rows one ``partial_fit`` at a time: how much each update raised the cosine
    similarity of the winner's weights (the neuron whose weights changed most) to its
    row."""
    X = load_digits().data / 16.0
    layer = STDPTransformer(50, random_state=0, **params).fit(X[:600])
    moves = []
    for x in X[600:600 + n_updates]:
        before = layer.components_.copy()
        after = layer.partial_fit(x[None]).components_
        j = int(np.argmax(np.abs(after - before).sum(axis=1)))
        cosine = [w @ x / np.linalg.norm(w) / np.linalg.norm(x) for w in (before[j], after[j])]
        moves.append(cosine[1] - cosine[0])
    return np.array(moves)


def _pipeline(stdp) -> Pipeline:
    return Pipeline([("stdp", stdp), ("clf", LogisticRegression(max_iter=1000))])


def evaluate(name: str, split) -> list[dict]:
    rows = []
    layers = [(400, WINDOWS)] + ([(100, (0.95, 0.9)), ("4 x 25", (0.95, 0.9))]
                                 if name == "mnist" else [])
    for size, windows in layers:
        for decay in windows:
            params = {"trace_decay_post": decay}

            def make_model(seed, params=params, size=size):
                if size == "4 x 25":
                    return _pipeline(quadrants(28, 25, seed, **WTA, **params))
                return _pipeline(STDPTransformer(size, random_state=seed, **WTA, **params))

            row = score_variant(name, params, make_model, SEEDS[name], split)
            rows.append(row if size == 400 else dict(row, n_neurons=size))
    rows.append(kmeans_row(name, split, SEEDS[name]))
    if name == "digits":
        rows.append(winner_update_row(name, {str(decay): {"trace_decay_post": decay}
                                             for decay in WINDOWS}))
    return rows


def winner_update_row(name: str, variants: dict[str, dict]) -> dict:
    """The ``"winner_update"`` row: for each named set of parameters, the share of
    single-row updates that moved the winner towards its row (:func:`winner_moves`)."""
    shares = {label: float(np.mean(winner_moves(**WTA, **params) > 0))
              for label, params in variants.items()}
    print("winner moved towards its row:", shares, flush=True)
    return dict(dataset=name, params="winner_update", shares=shares)


def main(argv=None) -> None:
    run_tuning_by_name(argv, __doc__, evaluate)


if __name__ == "__main__":
    main()
