"""Accuracy and fit time of STDP features against two baselines.

Five pipelines, side by side, on the same split:

* ``Pipeline([("stdp", STDPTransformer(...)), ("clf", LogisticRegression())])``
  with default parameters (only ``random_state`` and, on MNIST, ``n_neurons``
  set);
* ``stdp-local``: the same layer size split over the four quadrants of the
  image, one ``STDPTransformer(n_neurons // 4)`` per quadrant (local receptive
  fields, composed with ``ColumnTransformer``), then ``LogisticRegression``;
* ``conv``: ``Pipeline([("stdp", ConvSTDPTransformer(image_shape=(side,
  side))), ("clf", LogisticRegression())])`` with default parameters (only
  ``random_state`` set), the convolutional layer's out-of-the-box pipeline;
* ``LogisticRegression`` on the raw pixels;
* ``BernoulliRBM`` + ``LogisticRegression``, scikit-learn's own unsupervised
  feature learner, configured as in the reference numbers: on digits
  ``BernoulliRBM(100, learning_rate=0.06, n_iter=10)`` with ``C=6000`` (the
  settings of scikit-learn's RBM example), on MNIST ``BernoulliRBM(n)`` with
  its defaults and the default ``C``.

Datasets and protocols:

* digits: ``load_digits``, X / 16, ``train_test_split(test_size=0.3,
  random_state=0, stratify=y)``; the STDP and RBM rows average over
  ``random_state`` 0-4.
* MNIST: the 10,000-image test set, first 8,000 images to train, last 2,000 to
  test, X / 255; ``n_neurons`` 100 and 400 (the conv and pixel rows do not
  depend on it and run once). Read from IDX files
  (``--mnist DIR`` holding ``t10k-images-idx3-ubyte.gz`` and
  ``t10k-labels-idx1-ubyte.gz``) or, with ``--mnist openml``, from
  ``fetch_openml("mnist_784")`` (the last 10,000 rows are the test set).

Run::

    python benchmarks/learning.py --mnist path/to/mnist          # full
    python benchmarks/learning.py --quick                        # digits, one seed
    python benchmarks/learning.py --mnist path/to/mnist --json out.json
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import struct
import time
from pathlib import Path

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.datasets import fetch_openml, load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import Pipeline

from sk_stdp import ConvSTDPTransformer, STDPTransformer


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (optionally gzip-compressed) as a numpy array."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        _, dtype_code, n_dims = struct.unpack(">HBB", f.read(4))
        if dtype_code != 0x08:
            raise ValueError(f"{path}: only unsigned-byte IDX files are supported")
        shape = struct.unpack(f">{n_dims}I", f.read(4 * n_dims))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(shape)


def load_mnist(source: str) -> tuple[np.ndarray, np.ndarray]:
    """The 10,000-image MNIST test set, X / 255 flattened to 784 columns."""
    if source == "openml":
        X, y = fetch_openml("mnist_784", version=1, return_X_y=True, as_frame=False)
        X, y = X[-10_000:], y[-10_000:].astype(int)
    else:
        folder = Path(source)
        X = read_idx(folder / "t10k-images-idx3-ubyte.gz").reshape(-1, 784)
        y = read_idx(folder / "t10k-labels-idx1-ubyte.gz").astype(int)
    return X.astype(np.float64) / 255.0, y


def quadrants(side: int, n_neurons: int, seed: int, **params) -> ColumnTransformer:
    """One STDP layer per quadrant of a ``side`` x ``side`` image (``params``: of each layer)."""
    pixels = np.arange(side * side).reshape(side, side)
    half = side // 2
    return ColumnTransformer([
        (f"quadrant{r}{c}", STDPTransformer(n_neurons, random_state=seed, **params),
         pixels[r * half:(r + 1) * half, c * half:(c + 1) * half].ravel())
        for r in range(2) for c in range(2)
    ])


def pipelines(dataset: str, n_components: int, seed: int) -> dict[str, Pipeline]:
    side = 8 if dataset == "digits" else 28
    if dataset == "digits":
        rbm = BernoulliRBM(100, learning_rate=0.06, n_iter=10, random_state=seed)
        rbm_readout = LogisticRegression(C=6000, max_iter=1000)
    else:
        rbm = BernoulliRBM(n_components, random_state=seed)
        rbm_readout = LogisticRegression(max_iter=1000)
    return {
        "stdp": Pipeline([
            ("stdp", STDPTransformer(n_components, random_state=seed)),
            ("clf", LogisticRegression(max_iter=1000)),
        ]),
        "stdp-local": Pipeline([
            ("stdp", quadrants(side, n_components // 4, seed)),
            ("clf", LogisticRegression(max_iter=1000)),
        ]),
        "conv": Pipeline([
            ("stdp", ConvSTDPTransformer(image_shape=(side, side), random_state=seed)),
            ("clf", LogisticRegression()),
        ]),
        "pixels": Pipeline([("clf", LogisticRegression(max_iter=1000))]),
        "rbm": Pipeline([("rbm", rbm), ("clf", rbm_readout)]),
    }


def fit_and_score(make_model, seeds, Xtr, ytr, Xte, yte) -> tuple[list[float], list[float]]:
    """Test accuracy and fit seconds of ``make_model(seed)`` for each seed."""
    scores, times = [], []
    for seed in seeds:
        model = make_model(seed)
        started = time.perf_counter()
        model.fit(Xtr, ytr)
        times.append(time.perf_counter() - started)
        scores.append(float(model.score(Xte, yte)))
    return scores, times


def evaluate(name, Xtr, ytr, Xte, yte, n_components, seeds, methods) -> list[dict]:
    rows = []
    for method in methods:
        # Raw-pixel LogisticRegression is deterministic: one seed is enough.
        method_seeds = seeds[:1] if method == "pixels" else seeds
        scores, times = fit_and_score(lambda seed, m=method: pipelines(name, n_components, seed)[m],
                                      method_seeds, Xtr, ytr, Xte, yte)
        size = {"pixels": None, "conv": 64, "rbm": 100 if name == "digits" else n_components}
        row = dict(dataset=name, method=method, n_components=size.get(method, n_components),
                   seeds=list(method_seeds), scores=scores,
                   accuracy=float(np.mean(scores)), accuracy_std=float(np.std(scores)),
                   fit_s=float(np.mean(times)))
        rows.append(row)
        size = "" if row["n_components"] is None else f"({row['n_components']})"
        print(f"{name:<7} {method + size:<16} accuracy {row['accuracy']:.4f} "
              f"± {row['accuracy_std']:.4f} over {len(scores)} seed(s)  "
              f"fit {row['fit_s']:7.1f} s   scores {np.round(scores, 4).tolist()}",
              flush=True)
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="digits only (and MNIST at 100 neurons if --mnist), one seed")
    parser.add_argument("--mnist", metavar="DIR|openml",
                        help="folder with the MNIST t10k IDX gzip files, or 'openml'")
    parser.add_argument("--seeds", type=int, default=5,
                        help="random_state 0..SEEDS-1 on digits (default 5)")
    parser.add_argument("--mnist-seeds", type=int, default=1,
                        help="random_state 0..N-1 on MNIST (default 1)")
    parser.add_argument("--methods", default="stdp,stdp-local,conv,pixels,rbm",
                        help="comma-separated subset of stdp,stdp-local,conv,pixels,rbm")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    methods = args.methods.split(",")
    print(f"# sk_stdp learning benchmark, {time.strftime('%Y-%m-%d')}, "
          f"{platform.machine()}, {platform.python_version()}", flush=True)

    rows = []
    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X / 16.0, y, test_size=0.3, random_state=0,
                                          stratify=y)
    seeds = list(range(1 if args.quick else args.seeds))
    rows += evaluate("digits", Xtr, ytr, Xte, yte, 400, seeds, methods)

    if args.mnist:
        X, y = load_mnist(args.mnist)
        Xtr, ytr, Xte, yte = X[:8000], y[:8000], X[8000:], y[8000:]
        seeds = list(range(1 if args.quick else args.mnist_seeds))
        for k, n_components in enumerate([100] if args.quick else [100, 400]):
            # Raw pixels and the conv layer do not depend on n_components: one row.
            sized = [m for m in methods if k == 0 or m not in ("pixels", "conv")]
            rows += evaluate("mnist", Xtr, ytr, Xte, yte, n_components, seeds, sized)

    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
