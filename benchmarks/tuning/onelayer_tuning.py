"""Sample-mode parameters of ``STDPTransformer``, measured on tuning splits.

The accuracy of the pipeline of ``learning.py``::

    Pipeline([("stdp", STDPTransformer(400, random_state=..., **params)),
              ("clf", LogisticRegression(max_iter=1000))])

with the defaults (``params={}``) and with variants that change one
parameter (or two), all read out by ``readout="rate"`` (the rows measure
learning parameters; ``readout_tuning.py`` compares the read-outs),
measured on splits that exclude the images on which ``learning.py``
reports, so that a default can be chosen without looking at them. The
rows are written to ``benchmarks/results/onelayer_tuning.json``;
``tests/test_rendered_numbers.py`` checks that the user guide quotes only
numbers found there.

The splits are those of ``conv_tuning.py``:

* MNIST: the 10,000-image test set, X / 255; train on images 0-5,999,
  validate on 6,000-7,999 (the protocol's test images, 8,000-9,999, are not
  read); ``random_state=0``, and 0-2 for the rows of ``MNIST_SEEDS``. The row
  ``"pixels"`` is the raw-pixel ``LogisticRegression`` of ``learning.py`` on
  the same split.
* digits: ``load_digits``, X / 16, ``train_test_split(test_size=0.3,
  random_state=0, stratify=y)`` as in ``learning.py``; its training part is
  split again 70/30 (stratified, ``random_state=0``); the figures are means
  over ``random_state`` 0-2 of the layer.

Each row holds the data set, the changed parameters, the validation
accuracy (mean and per seed) and the mean fit time in seconds of the whole
pipeline (on two shared CPU cores an MNIST row takes 0.5-4 minutes; the
times vary with the load of the machine).

Run::

    python benchmarks/tuning/onelayer_tuning.py --mnist path/to/mnist \
        --json benchmarks/results/onelayer_tuning.json
    python benchmarks/tuning/onelayer_tuning.py            # digits only, no file
"""

from __future__ import annotations

import sys
from pathlib import Path

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: benchmarks.*

from benchmarks.tuning.conv_tuning import run_tuning, score_variant
from benchmarks.tuning.depression_window import WTA
from sk_stdp import STDPTransformer

_CHANGES = [{"A_minus": 0.0045}, {"A_minus": 0.00475}, {"A_minus": 0.005},
            {"A_minus": 0.005, "learning_rate": 1.0}, {"learning_rate": 0.5},
            {"learning_rate": 1.0}, {"learning_rate": 1.5}, {"max_iter": 2}, {"max_iter": 4},
            {"max_iter": 5}, {"learning_rate": 1.0, "max_iter": 5}, {"theta_plus": 0.01},
            {"theta_plus": 0.1}, {"theta_decay": 0.99999}, {"weight_norm": 0.07},
            {"weight_norm": 0.15}, {"n_steps": 40}, {"trace_decay": 0.9}, {"leak": 0.9},
            {"readout_inhibition": 0.6}]

# {} is the defaults.
VARIANTS = {
    "mnist": ["pixels", {}] + _CHANGES,
    "digits": [{}] + _CHANGES + [{"learning_rate": 3.0}, {"readout_inhibition": 0.3},
                                 {"readout_inhibition": 0.7}],
}

#: MNIST rows measured over random_state 0-2 (the others: 0).
MNIST_SEEDS = [{}, {"A_minus": 0.005}, {"max_iter": 4}]


def evaluate(name, split, variants, seeds_of) -> list[dict]:
    rows = []
    for params in variants:
        def make_model(seed, params=params):
            clf = ("clf", LogisticRegression(max_iter=1000))
            if params == "pixels":
                return Pipeline([clf])
            params = {"readout": "rate", **WTA, **params}
            return Pipeline([("stdp", STDPTransformer(400, random_state=seed, **params)), clf])

        rows.append(score_variant(name, params, make_model, seeds_of(params), split))
    return rows


def main(argv=None) -> None:
    run_tuning(argv, __doc__.split("\n\n")[0],
               lambda split: evaluate("digits", split, VARIANTS["digits"],
                                      lambda params: (0, 1, 2)),
               lambda split: evaluate("mnist", split, VARIANTS["mnist"],
                                      lambda params: (0, 1, 2) if params in MNIST_SEEDS else (0,)))


if __name__ == "__main__":
    main()
