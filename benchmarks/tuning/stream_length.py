"""How the one recording the stream defaults miss fares as its stream gets longer.

The 20-bin pattern on 30% of 300 channels at 64 Hz is the recording of
``streams.py`` that the defaults miss on tuning seeds (``stream_screen.py``).
``detector_bound.py`` finds that a hand-made detector meets its bar at a
threshold of its choosing, but not at the threshold the layer's homeostasis
settles at. The stream of ``streams.py`` (400 occurrences) is too short for
the homeostatic offsets ``theta_`` to settle (their time constant is
``1 / (1 - theta_decay)`` = 10,000 bins). This script streams the same
recording for 400, 1,600 and 4,000 occurrences, on seed 0 and the tuning
seeds 100-103, with the defaults and with weaker homeostasis (``theta_plus``
0.005 and 0.003: ``theta_plus / (1 - theta_decay)`` 50 and 30, where
``detector_bound.py`` finds a settled detector within the bar), and records
the hit rate and false alarms of each pattern's neuron (chosen and scored as
in ``streams.py``) and the layer's ``theta_`` at the end.

    python benchmarks/tuning/stream_length.py --json benchmarks/results/stream_length.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: benchmarks.*

from benchmarks import streams
from benchmarks.render import change_label
from benchmarks.tuning.stream_screen import HARD

SEEDS = (0, 100, 101, 102, 103)
OCCURRENCES = (400, 1600, 4000)
VARIANTS = ({}, {"theta_plus": 0.005}, {"theta_plus": 0.003})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)
    case = next(c for c in streams.SINGLE if c["name"] == HARD)
    rows = []
    for params in VARIANTS:
        for occurrences in OCCURRENCES:
            name = f"{occurrences} occurrences" + (f", {change_label(params)}" if params else "")
            for seed in SEEDS:
                result, layer, _, _ = streams.run_case(dict(case, n_occurrences=occurrences),
                                                       seed=seed, params=params,
                                                       return_layer=True)
                pattern = result["patterns"][0]
                rows.append(dict(name=name, occurrences=occurrences, params=params, seed=seed,
                                 n_bins=result["n_bins"], passed=result["passed"],
                                 hits=pattern["hits"], false_alarms=pattern["false_alarms"],
                                 theta=[float(t) for t in layer.theta_]))
                print(f"{name}, seed {seed}: hits {pattern['hits']:.3f}, "
                      f"false alarms {pattern['false_alarms']:.2f}, "
                      f"{'meets' if result['passed'] else 'misses'} the bar", flush=True)
    if args.json:
        out = dict(date=datetime.date.today().isoformat(), recording=HARD, seeds=list(SEEDS),
                   rows=rows)
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
