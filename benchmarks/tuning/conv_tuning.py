"""The defaults of ``ConvSTDPTransformer``, measured on tuning splits.

The user guide's section on the convolutional layer explains each default
of :class:`sk_stdp.ConvSTDPTransformer` with the accuracy of the default
pipeline::

    Pipeline([("stdp", ConvSTDPTransformer(image_shape=..., random_state=...)),
              ("clf", LogisticRegression())])

against the same pipeline with one parameter changed. This script measures
those figures and writes them to ``benchmarks/results/conv_tuning.json``;
``tests/test_rendered_numbers.py`` checks that the section quotes only
numbers found there (or in ``learning.json``).

The splits exclude the images on which ``learning.py`` reports:

* MNIST: the 10,000-image test set, X / 255; train on images 0-5,999,
  validate on 6,000-7,999 (the protocol's test images, 8,000-9,999, are not
  read); ``random_state=0``.
* digits: ``load_digits``, X / 16, ``train_test_split(test_size=0.3,
  random_state=0, stratify=y)`` as in ``learning.py``; its training part is
  split again 70/30 (stratified, ``random_state=0``); the figures are means
  over ``random_state`` 0-2 of the layer.

Each row holds the data set, the changed parameters (``{}`` for the
defaults), the validation accuracy (mean and per seed) and the mean fit
time in seconds (on two shared CPU cores an MNIST fit takes 10-40 s, the
whole run about ten minutes; the times vary with the load of the machine).

Run::

    python benchmarks/tuning/conv_tuning.py --mnist path/to/mnist \
        --json benchmarks/results/conv_tuning.json
    python benchmarks/tuning/conv_tuning.py            # digits only, no file
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: benchmarks.*

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from benchmarks.learning import fit_and_score, load_mnist
from sk_stdp import ConvSTDPTransformer

# One parameter changed from the defaults per row; {} is the defaults.
VARIANTS = {
    "mnist": [{}, {"pyramid": False}, {"kernel_size": 3}, {"pooling": 3}, {"pooling": 5},
              {"theta_decay": 0.999}, {"theta_decay": 0.99}, {"theta_plus": 0.03},
              {"theta_plus": 0.3}, {"standardize": False}, {"n_filters": 96},
              {"learning_rate": 0.5}],
    "digits": [{}, {"pyramid": False}, {"kernel_size": 5}, {"pooling": 3},
               {"pooling": 2}, {"theta_decay": 0.999}, {"theta_plus": 0.03},
               {"theta_plus": 0.2}, {"standardize": False}, {"learning_rate": 0.5}],
}


def mnist_split(source: str):
    X, y = load_mnist(source)
    return X[:6000], y[:6000], X[6000:8000], y[6000:8000]


def digits_split():
    X, y = load_digits(return_X_y=True)
    Xtr, _, ytr, _ = train_test_split(X / 16.0, y, test_size=0.3, random_state=0,
                                      stratify=y)
    Xfit, Xval, yfit, yval = train_test_split(Xtr, ytr, test_size=0.3, random_state=0,
                                              stratify=ytr)
    return Xfit, yfit, Xval, yval


def evaluate(name, split, side, seeds) -> list[dict]:
    rows = []
    for params in VARIANTS[name]:
        def make_model(seed, params=params):
            return Pipeline([
                ("stdp", ConvSTDPTransformer(image_shape=(side, side), random_state=seed,
                                             **params)),
                ("clf", LogisticRegression()),
            ])

        rows.append(score_variant(name, params, make_model, seeds, split))
    return rows


def score_variant(name, params, make_model, seeds, split) -> dict:
    """One tuning row: validation accuracy of ``make_model(seed)`` over the seeds, printed."""
    Xtr, ytr, Xval, yval = split
    scores, times = fit_and_score(make_model, seeds, Xtr, ytr, Xval, yval)
    row = dict(dataset=name, params=params, seeds=list(seeds), scores=scores,
               accuracy=float(np.mean(scores)), fit_s=float(np.mean(times)))
    print(f"{name:<7} {json.dumps(params):<40} accuracy {row['accuracy']:.4f}  "
          f"fit {row['fit_s']:6.1f} s   scores {np.round(scores, 4).tolist()}", flush=True)
    return row


def run_tuning(argv, description, digits_rows, mnist_rows) -> None:
    """The command line of the tuning scripts: the digits rows always, the MNIST
    rows with ``--mnist DIR``, all of them written to ``--json FILE``.

    ``digits_rows(split)`` and ``mnist_rows(split)`` return the rows of a split.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--mnist", metavar="DIR|openml",
                        help="folder with the MNIST t10k IDX gzip files, or 'openml' "
                             "(without it, digits only)")
    parser.add_argument("--json", metavar="FILE", help="write the rows as JSON")
    args = parser.parse_args(argv)
    rows = digits_rows(digits_split())
    if args.mnist:
        rows += mnist_rows(mnist_split(args.mnist))
    if args.json:
        Path(args.json).write_text(json.dumps(dict(date=time.strftime("%Y-%m-%d"),
                                                   rows=rows), indent=2))


def run_tuning_by_name(argv, doc: str, evaluate) -> None:
    """:func:`run_tuning` for a script whose rows are ``evaluate(name, split)``, with
    ``name`` "digits" or "mnist"; its description is the first paragraph of ``doc``."""
    run_tuning(argv, doc.split("\n\n")[0], lambda split: evaluate("digits", split),
               lambda split: evaluate("mnist", split))


def main(argv=None) -> None:
    run_tuning(argv, __doc__.split("\n\n")[0],
               lambda split: evaluate("digits", split, 8, seeds=(0, 1, 2)),
               lambda split: evaluate("mnist", split, 28, seeds=(0,)))


if __name__ == "__main__":
    main()
