"""How far the convolutional filters are from the ideal filters of their size.

``ConvSTDPTransformer`` learns its filters by STDP with competition: a
competitive learner, whose ideal is k-means on the same patches. This
script fits the default pipeline of ``conv_tuning.py``::

    Pipeline([("stdp", ConvSTDPTransformer(image_shape=..., n_filters=k,
                                           random_state=...)),
              ("clf", LogisticRegression())])

for several numbers of filters ``k``, and the same pipeline with the
filters replaced by the ideal ones (rows with ``"filters": "kmeans"``): the
k-means centroids (``KMeans(k, n_init=1)``, same seed) of the unit-normalised
ON/OFF training patches the layer would have learned from, their negative
parts dropped and each scaled to the layer's weight total. Those centroids
are frozen (``learning_rate=0``) and presented to the patch layer exactly
as the learned filters are, so that the layer's homeostasis sets their
thresholds over the same patches; the pooling, standardisation and
read-out are the estimator's own. A row with ``"filters": "stdp"`` is the
estimator as it is.

The splits are those of ``conv_tuning.py`` (they exclude the images on
which ``learning.py`` reports): MNIST images 0-5,999 to train and
6,000-7,999 to validate, ``random_state`` 0-1; digits, the inner 70/30
split of the training part, ``random_state`` 0-2.

Run::

    python benchmarks/tuning/conv_filters.py --mnist path/to/mnist \\
        --json benchmarks/results/conv_filters.json
    python benchmarks/tuning/conv_filters.py            # digits only, no file
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import normalize

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: benchmarks.*

from benchmarks.tuning.conv_tuning import run_tuning, score_variant
from sk_stdp import ConvSTDPTransformer, STDPTransformer

SIZES = {"mnist": (64, 128, 256), "digits": (32, 64, 128)}
SEEDS = {"mnist": (0, 1), "digits": (0, 1, 2)}


class KMeansLayer(STDPTransformer):
    """A patch layer whose weights are the k-means centroids of the rows it is fitted
    on, frozen; only its homeostatic thresholds adapt while they are presented."""

    def fit(self, X, y=None):
        centroids = KMeans(self.n_neurons, n_init=1, random_state=self.random_state).fit(
            normalize(X)).cluster_centers_
        weights = np.maximum(centroids, 0)
        total = self.weight_norm * X.shape[1]
        weights *= total / np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
        self.set_params(init=weights, learning_rate=0.0)
        return super().fit(X)


class KMeansConv(ConvSTDPTransformer):
    """``ConvSTDPTransformer`` with its filters replaced by :class:`KMeansLayer`."""

    def _layer(self, seed: int) -> STDPTransformer:
        return KMeansLayer(**super()._layer(seed).get_params())


def evaluate(name: str, split, side: int) -> list[dict]:
    rows = []
    for size in SIZES[name]:
        for filters, model in (("stdp", ConvSTDPTransformer), ("kmeans", KMeansConv)):
            def make_model(seed, model=model, size=size):
                return Pipeline([
                    ("stdp", model(image_shape=(side, side), n_filters=size, random_state=seed)),
                    ("clf", LogisticRegression()),
                ])

            rows.append(score_variant(name, {"n_filters": size, "filters": filters},
                                      make_model, SEEDS[name], split))
    return rows


def main(argv=None) -> None:
    run_tuning(argv, __doc__.split("\n\n")[0], lambda split: evaluate("digits", split, 8),
               lambda split: evaluate("mnist", split, 28))


if __name__ == "__main__":
    main()
