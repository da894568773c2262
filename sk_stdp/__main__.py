"""``python -m sk_stdp``: fit the STDP pipeline and print its score beside baselines.

With no arguments it uses scikit-learn's embedded digits dataset. With
``--data FILE`` it reads spike patterns (or rates in [0, 1]) and labels from
a ``.npy``/``.npz``/``.csv`` file.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import Pipeline

from . import STDPTransformer


def load_table(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read ``X`` and ``y`` from a file; the label is the last column of a table.

    ``.npz`` files must hold arrays named ``X`` and ``y``. ``.npy`` and
    ``.csv`` files hold one table, one row per sample, label last.
    """
    suffix = path.suffix.lower()
    if suffix == ".npz":
        with np.load(path) as data:
            if "X" not in data or "y" not in data:
                raise ValueError(f"{path}: an .npz file needs arrays named 'X' and 'y'.")
            return np.asarray(data["X"], dtype=float), np.asarray(data["y"])
    if suffix == ".npy":
        table = np.load(path)
    elif suffix == ".csv":
        table = np.loadtxt(path, delimiter=",", ndmin=2)
    else:
        raise ValueError(f"{path}: expected a .npy, .npz or .csv file, got '{suffix}'.")
    if table.ndim != 2 or table.shape[1] < 2:
        raise ValueError(f"{path}: expected a 2-D table with features then a label column.")
    return np.asarray(table[:, :-1], dtype=float), table[:, -1]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sk_stdp",
        description=(
            "Fit Pipeline([STDPTransformer, LogisticRegression]) and print its test accuracy "
            "beside LogisticRegression on the raw inputs and a BernoulliRBM pipeline. "
            "Without --data it uses scikit-learn's digits (8x8 images, scaled to [0, 1])."
        ),
    )
    parser.add_argument(
        "--data", type=Path,
        help="spike patterns with labels: .npz with arrays X and y, or a .npy/.csv table "
        "whose last column is the label. Values must be non-negative (0/1 spikes or rates).",
    )
    parser.add_argument("--n-neurons", type=int, default=400, help="STDP neurons (default 400)")
    parser.add_argument("--test-size", type=float, default=0.3, help="held-out fraction (0.3)")
    parser.add_argument("--random-state", type=int, default=0, help="seed for split and model")
    parser.add_argument("--no-rbm", action="store_true", help="skip the BernoulliRBM baseline")
    parser.add_argument("--verbose", type=int, default=0, help="STDPTransformer verbosity")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.data is None:
        X, y = load_digits(return_X_y=True)
        X = X / 16.0
        source = "digits (load_digits, X/16)"
    else:
        try:
            X, y = load_table(args.data)
        except (OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        source = str(args.data)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=args.test_size, random_state=args.random_state, stratify=y
    )
    print(f"data: {source}: {X_train.shape[0]} train / {X_test.shape[0]} test, "
          f"{X.shape[1]} features, {len(np.unique(y))} classes")

    models = {
        "STDPTransformer + LogisticRegression": Pipeline([
            ("stdp", STDPTransformer(args.n_neurons, random_state=args.random_state,
                                     verbose=args.verbose)),
            ("clf", LogisticRegression(max_iter=1000)),
        ]),
        "LogisticRegression on raw inputs": LogisticRegression(max_iter=1000),
    }
    if not args.no_rbm:
        models["BernoulliRBM + LogisticRegression"] = Pipeline([
            ("rbm", BernoulliRBM(n_components=100, learning_rate=0.06, n_iter=10,
                                 random_state=args.random_state)),
            ("clf", LogisticRegression(C=6000, max_iter=1000)),
        ])
    print(f"{'model':<40} {'accuracy':>9} {'fit time':>9}")
    for name, model in models.items():
        started = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X_train, y_train)
        except ValueError as exc:
            print(f"error: {name}: {exc}", file=sys.stderr)
            return 2
        seconds = time.perf_counter() - started
        print(f"{name:<40} {model.score(X_test, y_test):>9.4f} {seconds:>8.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
