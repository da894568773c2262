"""Changes to the stream defaults, each scored on the whole family of ``streams.py``.

Every variant changes one or two parameters of the default layer and streams
every recording of ``streams.py`` (one pattern, several, and the two published
ones) on the tuning seeds 100-103, which the reported table (seed 0) does not
use. Per variant it records, for each recording and seed, whether the layer
meets the bar, and the hit rate and false alarms of the neuron chosen for each
pattern. The rendered table lists, per variant, the hit rates of the
20-bin pattern on 30% of 300 channels at 64 Hz (the one recording that the
defaults miss on tuning seeds) and the (recording, seed) pairs of the other
recordings that miss the bar.

    python benchmarks/tuning/stream_screen.py --json benchmarks/results/stream_screen.json
    python benchmarks/tuning/stream_screen.py --variants 3   # the first three (a quick look)
    python benchmarks/tuning/stream_screen.py --rerun 14 \
        --json benchmarks/results/stream_screen.json         # one variant again, in place

About 40 minutes on two cores (``--processes``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: benchmarks.*

from benchmarks import streams
from benchmarks.render import change_label, markdown, misses_bar, stream_screen

SEEDS = (100, 101, 102, 103)
HARD = "300 ch, 64 Hz, 20 bins, 30% ch"

#: Parameters of each variant: the defaults first, then one or two changes at a time.
VARIANTS = [
    {},
    {"theta_plus": 0.005},
    {"theta_plus": 0.0075},
    {"theta_plus": 0.0125},
    {"theta_plus": 0.015},
    {"A_minus": 0.003},
    {"A_minus": 0.005},
    {"A_plus": 0.01},
    {"weight_norm": 0.05},
    {"weight_norm": 0.07},
    {"relative_threshold": 0.9},
    {"relative_threshold": 1.1},
    {"threshold_noise": 0.25},
    {"threshold_noise": 1.0},
    {"competition": "lateral"},
    {"leak": 0.8},
    {"leak": 0.8, "weight_norm": 0.05},
]


def run_variant_seed(job: tuple[dict, int]) -> list[dict]:
    params, seed = job
    rows = []
    for case in streams.SINGLE + streams.MULTI + streams.PAPERS:
        r = streams.run_case(case, seed=seed, params=params)
        rows.append(dict(
            name=r["name"], seed=seed, passed=r["passed"], limit=r["limit"],
            hits=[p["hits"] for p in r["patterns"]],
            false_alarms=[p["false_alarms"] for p in r["patterns"]],
        ))
    print(f"{change_label(params)}, seed {seed}: {sum(map(misses_bar, rows))} of {len(rows)} miss",
          flush=True)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", type=int, help="only the first this many variants")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--rerun", type=int, nargs="+", metavar="INDEX",
                        help="rerun only these variants (0: the defaults) and replace "
                             "their rows in the --json file")
    args = parser.parse_args(argv)
    if args.rerun:
        if not args.json:
            parser.error("--rerun replaces rows of the file given by --json")
        variants = [VARIANTS[i] for i in args.rerun]
    else:
        variants = VARIANTS[:args.variants] if args.variants else VARIANTS
    jobs = [(params, seed) for params in variants for seed in SEEDS]
    with ProcessPoolExecutor(args.processes) as pool:
        results = list(pool.map(run_variant_seed, jobs))
    if args.rerun:
        with open(args.json) as f:
            out = json.load(f)
        out["rerun"] = dict(date=datetime.date.today().isoformat(),
                            variants=[change_label(p) for p in variants])
    else:
        out = dict(date=datetime.date.today().isoformat(), seeds=list(SEEDS), hard=HARD,
                   variants=[dict(params=params) for params in variants])
    per_seed = iter(results)  # in the order of the jobs
    for params in variants:
        rows = [row for _ in SEEDS for row in next(per_seed)]
        slot = next(v for v in out["variants"] if v["params"] == params)
        slot["rows"] = rows
    print(markdown(*stream_screen(out)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
