"""Render the result tables of README.md and the docs from benchmarks/results/*.json.

Measured numbers are never typed into the documents: a benchmark script writes
its results as JSON (``--json``), the JSON is kept in ``benchmarks/results/``,
and this script writes the tables between the markers::

    <!-- begin table: NAME -->        (README.md)
    <!-- end table -->

    .. begin table: NAME              (reStructuredText)
    .. end table

Run::

    python benchmarks/render.py            # rewrite the tables from the JSON
    python benchmarks/render.py --check    # exit 1 if a table differs from its JSON

``tests/test_rendered_numbers.py`` runs the check, so a new result that is not
rendered, or a table edited by hand, fails the test suite.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DOCUMENTS = [ROOT / "README.md", ROOT / "docs" / "benchmarks.rst", ROOT / "docs" / "streaming.rst"]


# --------------------------------------------------------------------------
# Tables: name -> (JSON file, function from the JSON to a header and rows)
# --------------------------------------------------------------------------
def _model(row: dict) -> str:
    n = row["n_components"]
    return {
        "stdp": f"STDPTransformer + LogisticRegression ({n})",
        "stdp-local": f"4 × STDPTransformer({n // 4 if n else n}) on quadrants + "
                      "LogisticRegression",
        "conv": f"ConvSTDPTransformer + LogisticRegression ({n} filters)",
        "pixels": "LogisticRegression on pixels",
        "rbm": f"BernoulliRBM + LogisticRegression ({n})",
    }[row["method"]]


def learning(rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    # Accuracy only: fit times depend on what else the machine runs, and the
    # speed benchmark measures throughput under controlled conditions.
    header = ["data", "model", "test accuracy"]
    body = []
    for row in rows:
        accuracy = f"{row['accuracy']:.4f}"
        if len(row["scores"]) > 1:
            accuracy += f" ± {row['accuracy_std']:.4f} ({len(row['scores'])} seeds)"
        data = {"digits": "digits", "mnist": "MNIST"}[row["dataset"]]
        body.append([data, _model(row), accuracy])
    return header, body


def _per_pattern(row: dict, key: str, fmt: str) -> str:
    cells = []
    for p in row["patterns"]:
        value = p[key]
        cells.append("–" if value is None or value != value else fmt.format(value))
    return " / ".join(cells)


def misses_bar(row: dict) -> bool:
    """A stream result that fails the bar (a pattern too small to count is a limit)."""
    return not row["passed"] and not row["limit"]


def streams(rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    header = ["recording", "input spikes per bin", "spikes in a pattern", "hit rate",
              "false alarms per 1000 bins", "median latency (bins)",
              "selective after (occurrences)", "meets the bar"]
    body = []
    for row in rows:
        verdict = "yes" if row["passed"] else ("limit" if row["limit"] else "no")
        body.append([
            row["name"], f"{row['input_spikes_per_bin']:.1f}", f"{row['pattern_spikes']:.0f}",
            _per_pattern(row, "hits", "{:.3f}"), _per_pattern(row, "false_alarms", "{:.2f}"),
            _per_pattern(row, "latency", "{:.0f}"), _per_pattern(row, "selective_after", "{}"),
            verdict,
        ])
    return header, body


def _n(value: float) -> str:
    return f"{value:.0f}"


def _x(value: float) -> str:
    return f"{value:.1f}x"


def speed_stream(run: dict) -> tuple[list[str], list[list[str]]]:
    kernel = run["stream"][0]["kernel"]
    header = ["layer", "density", f"fit (auto: {kernel})", "numba", "event", "dense",
              "dense jax.lax.scan", "numpy loop", "fit / numpy", "fit / scan",
              "first-call compile"]
    body = [[f"784 → {r['n_neurons']}", f"{r['density']:.0%}", _n(r["fit"]),
             _n(r["kernels"]["numba"]), _n(r["kernels"]["event"]), _n(r["kernels"]["dense"]),
             _n(r["dense_scan"]), _n(r["numpy"]), _x(r["fit_vs_numpy"]), _x(r["fit_vs_scan"]),
             f"{r['compile_s']:.2f} s"] for r in run["stream"]]
    return header, body


def speed_firing(run: dict) -> tuple[list[str], list[list[str]]]:
    r = run["firing"]
    header = [f"fit (auto: {r['kernel']})", "numba", "event", "dense", "dense jax.lax.scan",
              "numpy loop", "auto / fastest kernel", "auto / numpy"]
    return header, [[_n(r["fit"]), _n(r["kernels"]["numba"]), _n(r["kernels"]["event"]),
                     _n(r["kernels"]["dense"]), _n(r["dense_scan"]), _n(r["numpy"]),
                     f"{r['auto_vs_fastest']:.2f}x", _x(r["auto_vs_numpy"])]]


def speed_partial_fit(run: dict) -> tuple[list[str], list[list[str]]]:
    header = ["rows per call", "rows/s", "median latency", "p99 latency"]
    return header, [[str(r["chunk"]), _n(r["rows_per_s"]), f"{r['latency_ms_median']:.3f} ms",
                     f"{r['latency_ms_p99']:.3f} ms"] for r in run["partial_fit"]]


def speed_partial_fit_defaults(run: dict) -> tuple[list[str], list[list[str]]]:
    header = ["rows per call", "auto kernel", "rows/s", "event kernel (JAX), rows/s",
              "auto / event"]
    return header, [[str(r["chunk"]), r["auto_kernel"], _n(r["auto"]), _n(r["event"]),
                     _x(r["ratio"])] for r in run["partial_fit_defaults"]]


def speed_sample(run: dict) -> tuple[list[str], list[list[str]]]:
    r = run["sample"]
    header = [f"fit (auto: {r['kernel']})", "numba", "dense (JAX)", "event (JAX)",
              "dense jax.lax.scan, same configuration", "fit / scan", "transform"]
    return header, [[_n(r["fit"]), _n(r["kernels"]["numba"]), _n(r["kernels"]["dense"]),
                     _n(r["kernels"]["event"]), _n(r["dense_scan"]), _x(r["fit_vs_scan"]),
                     _n(r["transform"])]]


def speed_rss(run: dict) -> tuple[list[str], list[list[str]]]:
    header = ["rows", "input", "peak RSS", "peak beyond the input"]
    body = [[f"{int(rows):,}", f"{r['input_mb']:.0f} MB", f"{r['peak_mb']:.0f} MB",
             f"{r['beyond_input_mb']:.0f} MB"]
            for rows, r in run["rss"].items() if rows != "ratio"]
    return header, body + [["ratio", "", "", f"{run['rss']['ratio']:.2f}x"]]


def brainevent(run: dict) -> tuple[list[str], list[list[str]]]:
    header = ["layer", "brainevent scan", "fit", "dense jax.lax.scan", "fit / brainevent",
              "max weight difference"]
    return header, [[f"784 → {r['n_neurons']}", _n(r["brainevent"]), _n(r["fit"]),
                     _n(r["dense_scan"]), _x(r["fit"] / r["brainevent"]),
                     f"{r['max_weight_difference']:.1e}"] for r in run["brainevent"]]


def custom_call(run: dict) -> tuple[list[str], list[list[str]]]:
    header = ["rows per call", "XLA custom call (brainevent.numba_kernel)",
              "direct call (as fit)", "direct / custom call"]
    return header, [[str(r["rows_per_call"]), _n(r["custom_call"]), _n(r["direct"]),
                     _x(r["direct"] / r["custom_call"])] for r in run["custom_call"]]


def change_label(params: dict) -> str:
    """How a variant of ``stream_screen.py`` differs from the defaults."""
    return ", ".join(f"{name}={value!r}" for name, value in params.items()) or "defaults"


def stream_screen(run: dict) -> tuple[list[str], list[list[str]]]:
    seeds = ", ".join(str(s) for s in run["seeds"])
    header = ["change to the defaults", f"{run['hard']}: hit rate, seeds {seeds}",
              "meets the bar (of seeds)",
              "other recordings missing the bar (recording and seed pairs)"]
    body = []
    for variant in run["variants"]:
        hard = [r for r in variant["rows"] if r["name"] == run["hard"]]
        others = [r for r in variant["rows"] if r["name"] != run["hard"]]
        missed = [r for r in others if misses_bar(r)]
        recordings = len({r["name"] for r in missed})
        where = f" ({recordings} recording{'s' if recordings > 1 else ''})" if missed else ""
        body.append([
            change_label(variant["params"]), " / ".join(f"{r['hits'][0]:.3f}" for r in hard),
            str(sum(r["passed"] for r in hard)),
            f"{len(missed)} of {len(others)}{where}",
        ])
    return header, body


def _per_pattern_of(patterns: list[dict], key: str, fmt: str) -> str:
    return " / ".join(fmt.format(p[key]) for p in patterns)


def live(run: dict) -> tuple[list[str], list[list[str]]]:
    header = ["recording", "hit rate: clean", "live", "late held back",
              "false alarms per 1000 bins: clean", "live", "late held back",
              "rows emitted / bins", "events in the rasters", "late events dropped",
              "artefacts (bins)", "corrupted chunks refused", "targets met"]
    body = []
    for row in run["rows"]:
        drop, hold = row["drop"], row["hold"]
        sent = drop["events_sent"]
        missed = [name for name, met in row["targets"].items() if not met]
        body.append([
            row["name"],
            *(_per_pattern_of(r, "hits", "{:.3f}")
              for r in (row["clean"], drop["patterns"], hold["patterns"])),
            *(_per_pattern_of(r, "false_alarms", "{:.2f}")
              for r in (row["clean"], drop["patterns"], hold["patterns"])),
            f"{drop['rows_emitted']:,} / {row['n_bins']:,}",
            f"{drop['events_in_rasters'] / sent:.2%}",
            f"{drop['late_dropped']:,} ({drop['late_dropped'] / sent:.2%})",
            f"{drop['artefacts']} ({drop['artefact_bins']})",
            f"{drop['corrupted_refused']} ({drop['corrupted_value']})",
            "yes" if not missed else "no: " + ", ".join(missed),
        ])
    return header, body


def _value(value: float) -> str:
    exponent = round(math.log10(value))
    return f"{value:g}" if value < 1e4 or value != 10.0 ** exponent else f"1e{exponent}"


def live_glitches(run: dict) -> tuple[list[str], list[list[str]]]:
    glitch = run["glitches"]
    after = glitch["after_seconds"]
    header = ["one value in one bin, on the neuron's strongest channel", "max_input"]
    header += [f"hit rate {'right after' if s == 0 else f'after {s} s'}" for s in after]
    header += ["false alarms per 1000 bins " + ("right after" if s == 0 else f"after {s} s")
               for s in after]
    header += [f"read-out thresholds after {after[-1]} s"]
    body = []
    for row in glitch["rows"]:
        value = row["value"]
        cells = ["1e30" if value is None else _value(value),
                 "default (100): refused" if row["refused"] else
                 ("default (100)" if value is None else "inf: taken")]
        cells += [f"{h:.3f}" for h in row["hits"]]
        cells += [f"{f:.2f}" for f in row["false_alarms"]]
        cells += ["finite" if row["readout_finite"] else "not finite"]
        body.append(cells)
    return header, body


TABLES: dict[str, tuple[str, Callable]] = {
    "learning": ("learning.json", learning),
    "streams": ("streams.json", streams),
    "stream-screen": ("stream_screen.json", stream_screen),
    "speed-stream": ("speed.json", speed_stream),
    "speed-firing": ("speed.json", speed_firing),
    "speed-partial-fit": ("speed.json", speed_partial_fit),
    "speed-partial-fit-defaults": ("speed.json", speed_partial_fit_defaults),
    "speed-sample": ("speed.json", speed_sample),
    "speed-rss": ("speed.json", speed_rss),
    "brainevent": ("brainevent.json", brainevent),
    "custom-call": ("brainevent.json", custom_call),
    "live": ("live.json", live),
    "live-glitches": ("live.json", live_glitches),
}


# --------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------
def markdown(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def rst(header: list[str], body: list[list[str]]) -> str:
    def quoted(cells):
        return ", ".join(f'"{c}"' for c in cells)

    lines = [".. csv-table::", f"   :header: {quoted(header)}", ""]
    lines += [f"   {quoted(row)}" for row in body]
    return "\n".join(lines)


MARKERS = {  # suffix: begin marker, end marker, format, blank line around the table
    ".md": (r"<!-- begin table: (?P<name>[\w-]+) -->", "<!-- end table -->", markdown, ""),
    ".rst": (r"\.\. begin table: (?P<name>[\w-]+)", ".. end table", rst, "\n"),
}


def table(name: str) -> tuple[list[str], list[list[str]]]:
    filename, build = TABLES[name]
    return build(json.loads((RESULTS / filename).read_text()))


def rendered(path: Path) -> str:
    """The document with every marked table rendered from its JSON."""
    begin, end, fmt, gap = MARKERS[path.suffix]
    pattern = re.compile(f"(?P<marker>{begin})\n.*?{re.escape(end)}", re.S)

    def replace(match: re.Match) -> str:
        body = fmt(*table(match.group("name")))
        return f"{match.group('marker')}\n{gap}{body}\n{gap}{end}"

    return pattern.sub(replace, path.read_text())


def stale() -> list[str]:
    """The documents whose tables differ from what their JSON renders."""
    return [str(p.relative_to(ROOT)) for p in DOCUMENTS if rendered(p) != p.read_text()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale documents")
    args = parser.parse_args(argv)
    if args.check:
        names = stale()
        for name in names:
            print(f"{name}: tables differ from benchmarks/results; run benchmarks/render.py")
        return 1 if names else 0
    for path in DOCUMENTS:
        path.write_text(rendered(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
