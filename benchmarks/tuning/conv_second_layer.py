"""Whether a second convolutional layer lifts the features of the first one.

``ConvSTDPTransformer`` is one layer of filters. Kheradpisheh et al. (2018) and
Falez et al. (2019) stack a second layer of STDP filters on the first one's
pooled maps. This script builds that stack from two of the estimators:

- the first layer with its defaults, except that its maps are pooled over
  2 x 2 positions only (``pooling=12`` on MNIST's 24 x 24 positions,
  ``pyramid=False``, ``standardize=False``): a 12 x 12 image with one channel
  per filter;
- the second layer, ``ConvSTDPTransformer(image_shape=(12, 12, n_filters))``
  with its defaults or one change, learning from those maps; rows with
  ``"filters": "kmeans"`` replace its filters with the ideal ones of
  ``conv_filters.py`` (k-means centroids of the same patches, frozen).

Each is scored with a LogisticRegression read-out as in ``conv_tuning.py``:
the second layer's features alone (``"features": "layer 2"``), next to the
first layer's default features (``"layers 1+2"``, a ``FeatureUnion``), and the
first layer alone as the reference (``"layer 1"``). The first layer learns the
same filters in both branches: pooling does not change what it learns.

MNIST tuning split only (images 0-5,999 to train, 6,000-7,999 to validate,
``random_state`` 0-1): on digits' 8 x 8 images the first layer's maps are
6 x 6 positions, too few for a second layer to see more than the first.

Run::

    python benchmarks/tuning/conv_second_layer.py --mnist path/to/mnist \\
        --json benchmarks/results/conv_second_layer.json
"""

from __future__ import annotations

import sys
from pathlib import Path

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: benchmarks.*

from benchmarks.tuning.conv_filters import KMeansConv
from benchmarks.tuning.conv_tuning import run_tuning, score_variant
from sk_stdp import ConvSTDPTransformer

SEEDS = (0, 1)
SIDE = 28
MAP_POOLING = 12  # 24 x 24 positions of 5 x 5 filters on 28 x 28 images -> 12 x 12 maps
#: The second layer's filters and parameters in each variant.
SECOND = [("stdp", {}), ("stdp", {"n_filters": 128, "kernel_size": 5}),
          ("kmeans", {}), ("kmeans", {"n_filters": 128})]


def first_layer(seed: int, **params) -> ConvSTDPTransformer:
    return ConvSTDPTransformer(image_shape=(SIDE, SIDE), random_state=seed, **params)


def stacked(seed: int, filters: str, params: dict) -> Pipeline:
    """The first layer's 2 x 2-pooled maps, then a second layer on them."""
    maps = first_layer(seed, pooling=MAP_POOLING, pyramid=False, standardize=False)
    n_maps = maps.get_params()["n_filters"]
    model = KMeansConv if filters == "kmeans" else ConvSTDPTransformer
    second = model(image_shape=(MAP_POOLING, MAP_POOLING, n_maps), random_state=seed, **params)
    return Pipeline([("maps", maps), ("layer2", second)])


def evaluate(split) -> list[dict]:
    def read_out(features):
        return Pipeline([("features", features), ("clf", LogisticRegression())])

    rows = [score_variant("mnist", {"features": "layer 1"},
                          lambda seed: read_out(first_layer(seed)), SEEDS, split)]
    for filters, params in SECOND:
        label = {"filters": filters, **params}
        rows.append(score_variant(
            "mnist", {"features": "layer 2", **label},
            lambda seed, f=filters, p=params: read_out(stacked(seed, f, p)), SEEDS, split))
        rows.append(score_variant(
            "mnist", {"features": "layers 1+2", **label},
            lambda seed, f=filters, p=params: read_out(FeatureUnion([
                ("layer1", first_layer(seed)), ("layer2", stacked(seed, f, p))])),
            SEEDS, split))
    return rows


def no_digits_rows(split) -> list[dict]:
    print("digits: no rows (its 6 x 6 maps are too small for a second layer); "
          "MNIST rows with --mnist DIR", flush=True)
    return []


def main(argv=None) -> None:
    run_tuning(argv, __doc__.split("\n\n")[0], no_digits_rows, evaluate)


if __name__ == "__main__":
    main()
