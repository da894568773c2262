"""``A_minus="auto"`` for nearest-spike pairing in sample mode, measured on tuning splits.

With the direct code a sample is held for the ``n_steps`` of its
presentation: every active input "spikes" at every step. The pair rule's
pre-synaptic trace sums those events towards ``1 / (1 - trace_decay)``
times the input's value (20 with the defaults; a presentation of
``n_steps`` steps cannot sum more than ``n_steps``), while the nearest-spike
trace stays at the value. With the pair rule's ``A_minus``, depression then
outweighs potentiation many times over, and a neuron moves away from the
very samples it wins. ``A_minus="auto"`` with ``rule="nearest"`` (direct
code, sample mode) is the pair rule's value divided by that factor
(``sk_stdp._config.held_trace_gain``). The pipeline of ``learning.py``::

    Pipeline([("stdp", STDPTransformer(400, rule="nearest", random_state=...,
                                       **params)),
              ("clf", LogisticRegression(max_iter=1000))])

with winner-take-all competition (``depression_window.WTA``) and ``params`` empty
(``A_minus="auto"``) or setting ``A_minus``: the pair
rule's value (``0.00525``), and two, four and eight times the automatic one
(``0.0002625``). The splits are those of ``conv_tuning.py``: MNIST images
0-5,999 to train and 6,000-7,999 to validate, ``random_state`` 0-2; digits,
the inner 70/30 split of the training part, ``random_state`` 0-4. The pair
rule's figures on the same splits are in ``depression_window.json`` (the
``trace_decay_post=0.9`` rows). A last row (``"winner_update"``, digits)
holds the share of single-row updates that moved the winner towards its row
(as in ``depression_window.py``) for each ``A_minus``.

Run::

    python benchmarks/tuning/nearest_balance.py --mnist path/to/mnist \\
        --json benchmarks/results/nearest_balance.json
    python benchmarks/tuning/nearest_balance.py            # digits only, no file
"""

from __future__ import annotations

import sys
from pathlib import Path

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: benchmarks.*

from benchmarks.tuning.conv_tuning import run_tuning_by_name, score_variant
from benchmarks.tuning.depression_window import SEEDS, WTA, winner_update_row
from sk_stdp import STDPTransformer

VARIANTS = [{}, {"A_minus": 0.000525}, {"A_minus": 0.00105}, {"A_minus": 0.0021},
            {"A_minus": 0.00525}]


def evaluate(name: str, split) -> list[dict]:
    rows = []
    for params in VARIANTS:
        def make_model(seed, params=params):
            return Pipeline([
                ("stdp", STDPTransformer(400, rule="nearest", random_state=seed, **WTA,
                                         **params)),
                ("clf", LogisticRegression(max_iter=1000)),
            ])

        rows.append(score_variant(name, params, make_model, SEEDS[name], split))
    if name == "digits":
        rows.append(winner_update_row(name, {str(params.get("A_minus", "auto")):
                                             dict(params, rule="nearest")
                                             for params in VARIANTS}))
    return rows


def main(argv=None) -> None:
    run_tuning_by_name(argv, __doc__, evaluate)


if __name__ == "__main__":
    main()
