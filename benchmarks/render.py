"""Render the measured numbers of README.md and docs/*.rst from benchmarks/results/*.json.

No measured number is typed into a document. A benchmark script writes its
results as JSON (``--json``), the JSON is kept in ``benchmarks/results/``, and
this script writes every marked table and every marked number from it.

Tables, built by a function of ``TABLES`` from one or more result files::

    <!-- begin table: NAME -->            (Markdown)
    <!-- end table -->

    .. begin table: NAME                  (reStructuredText)
    .. end table

Numbers, one value each, named by its path in one result file and rendered
with the format that the marker states::

    <!--m FILE/PATH:FORMAT-->VALUE<!--/m-->     (Markdown: invisible markers)
    :m:`VALUE <FILE/PATH:FORMAT>`               (reStructuredText: a role, docs/conf.py)

``FILE`` is the result file's name without ``.json``; ``PATH`` walks into it,
one ``/``-separated step at a time: a key of an object, or an element of a
list, named by its label (``label``: its ``name``, or dataset, method and
size, or the parameters it changes...) or by its index. ``FORMAT`` is a
Python format specification (``.4f``, ``,.0f``, ``.1f``, ``.0%``; ``s`` for a
string such as a version).
Example: ``:m:`0.9335 <learning/mnist stdp 400/accuracy:.4f>```.

Where each result file comes from (command, date, machine, load) is stated
once, in its own ``meta`` object or, for the files that have none, in
``benchmarks/results/provenance.json``, which also holds each such file's
SHA-256: a result file that changes without its provenance fails the check.

Run::

    python benchmarks/render.py            # rewrite the tables and numbers from the JSON
    python benchmarks/render.py --check    # exit 1, saying where, if anything differs
    python benchmarks/render.py --value "learning/mnist stdp 400/accuracy"   # look up a value

``tests/test_rendered_numbers.py`` runs the check, and also fails on a number
that looks measured (a decimal, a ratio such as ``13.8x``, a count such as
``12,345``) but stands in the prose of README.md or a docs page without a
marker. Numbers that are not measurements go in code, inline literals or
math; figures quoted from publications in the ``:cited:`` role.
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
#: The documents whose tables and numbers are rendered: README.md and every docs page.
DOCUMENTS = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.rst")
                                      if p.name != "sg_execution_times.rst")]  # generated
#: The documents whose prose must hold no unmarked measured-looking number. The
#: changelog records what was measured at each release and is history, not rendered;
#: the API page is generated from docstrings, which say what parameters do.
SCANNED = [p for p in DOCUMENTS if p.name not in {"changelog.rst", "api.rst"}]


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


def speed_rules(run: dict) -> tuple[list[str], list[list[str]]]:
    header = ["mode", "rule", "weight dependence", "fit, rows/s", "/ pair rule (additive)",
              "output spikes per row"]
    body, mode = [], None
    for r in run["rules"]:
        body.append([r["mode"] if r["mode"] != mode else "", r["rule"], r["weight_dependence"],
                     _n(r["fit"]), _x(r["vs_pair"]), f"{r['spikes_per_row']:.1f}"])
        mode = r["mode"]
    return header, body


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


def _k(value: float) -> str:
    return f"{value:,.0f}"


PEER_ORDER = ("sk_stdp", "sk_stdp_csr", "brian2_standalone", "brian2_cython", "brainpy",
              "bindsnet")


def peers(run: dict) -> tuple[list[str], list[list[str]]]:
    header = ["workload", "simulator", "steps/s", "sk_stdp / fastest other",
              "output spikes", "max weight difference", "compile or build"]
    body = []
    for workload in run["workloads"]:
        rows = sorted(workload["rows"], key=lambda r: PEER_ORDER.index(r["peer"]))
        for row in rows:
            ratio = f"{row['vs_fastest_peer']:.1f}x" if "vs_fastest_peer" in row else ""
            where = f"{workload['label']}, {workload['n_steps']:,} steps" if row is rows[0] else ""
            body.append([where, row["name"], _k(row["steps_per_s"]), ratio,
                         f"{row['output_spikes']:,}",
                         "reference" if row is rows[0] else
                         f"{row['max_weight_difference']:.1e}", f"{row['compile_s']:.1f} s"])
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


def _accuracy(rows: list[dict], dataset: str, method: str, n: int | None) -> float:
    return _find(rows, f"{dataset} {method} {n}")["accuracy"]


def headline(learning_rows: list[dict], stream_rows: list[dict], live_run: dict,
             peer_run: dict) -> tuple[list[str], list[list[str]]]:
    """README's one table: learning against pixels and the RBM, streams, speed against peers."""
    def acc(dataset, method, n):
        return f"{_accuracy(learning_rows, dataset, method, n):.4f}"

    body = [
        ["digits: test accuracy, logistic regression on the features",
         f"{acc('digits', 'conv', 64)} (`ConvSTDPTransformer`), "
         f"{acc('digits', 'stdp', 400)} (`STDPTransformer(400)`)",
         f"pixels {acc('digits', 'pixels', None)}, "
         f"`BernoulliRBM(100)` {acc('digits', 'rbm', 100)}"],
        ["MNIST, 8,000 / 2,000 images: the same",
         f"{acc('mnist', 'conv', 64)} (`ConvSTDPTransformer`), "
         f"{acc('mnist', 'stdp', 400)} (`STDPTransformer(400)`)",
         f"pixels {acc('mnist', 'pixels', None)}, "
         f"`BernoulliRBM(400)` {acc('mnist', 'rbm', 400)}"],
        ["hidden spike patterns found, default parameters, 1 ms bins",
         f"{sum(r['passed'] for r in stream_rows)} of {len(stream_rows)} synthetic recordings "
         "meet the bar", ""],
        ["the same through the live path (a lab clock, 10 ms packets, late events, "
         "artefacts, a corrupted packet)",
         f"{sum(all(r['targets'].values()) for r in live_run['rows'])} of "
         f"{len(live_run['rows'])} recordings within 0.03 of the clean hit rate and 1 false "
         "alarm per 1000 bins", "the same recordings streamed clean"],
    ]
    for workload in peer_run["workloads"]:
        rows = {r["peer"]: r for r in workload["rows"]}
        mine = max((r for r in workload["rows"] if r["peer"].startswith("sk_stdp")),
                   key=lambda r: r["steps_per_s"])
        others = sorted((r for r in workload["rows"] if not r["peer"].startswith("sk_stdp")),
                        key=lambda r: -r["steps_per_s"])
        how = " (CSR rows)" if mine["peer"] == "sk_stdp_csr" and "sk_stdp" in rows else ""
        body.append([
            f"learning speed, steps/s: {workload['label']}",
            f"{_k(mine['steps_per_s'])}{how}, {mine['vs_fastest_peer']:.1f}x the fastest other",
            ", ".join(f"{r['name']} {_k(r['steps_per_s'])}" for r in others),
        ])
    return ["", "sk_stdp", "compared with"], body


RESULT_FILES = ("learning", "streams", "live", "speed", "peers", "brainevent", "speed-earlier",
                "guide", "depression_window", "conv_tuning", "onelayer_tuning", "readout_tuning",
                "stream_screen", "detector_bound", "conv_filters",
                "nearest_balance", "lateral_competition", "conv_second_layer", "stream_length")


def provenance_table(records: dict) -> tuple[list[str], list[list[str]]]:
    """Where each result file comes from: stated once per file."""
    header = ["result file", "date", "machine", "load"]
    body = []
    for name in RESULT_FILES:
        meta = provenance(name)
        sections = meta.get("sections", {})
        dates = meta["date"] + "".join(f"; {s}: {m['date']}" for s, m in sections.items())
        load = meta.get("load", "")
        if "load_average" in meta:
            start, end = meta["load_average"]
            load = f"load average {start} at the start, {end} at the end"
        load += "".join(f"; {s}: {m['load']}" for s, m in sections.items() if "load" in m)
        body.append([f"{name}.json", dates, meta["machine"], load])
    return header, body


TABLES: dict[str, tuple[Callable, tuple[str, ...]]] = {
    "headline": (headline, ("learning", "streams", "live", "peers")),
    "learning": (learning, ("learning",)),
    "streams": (streams, ("streams",)),
    "stream-screen": (stream_screen, ("stream_screen",)),
    "peers": (peers, ("peers",)),
    "speed-stream": (speed_stream, ("speed",)),
    "speed-firing": (speed_firing, ("speed",)),
    "speed-partial-fit": (speed_partial_fit, ("speed",)),
    "speed-partial-fit-defaults": (speed_partial_fit_defaults, ("speed",)),
    "speed-sample": (speed_sample, ("speed",)),
    "speed-rules": (speed_rules, ("speed",)),
    "speed-rss": (speed_rss, ("speed",)),
    "brainevent": (brainevent, ("brainevent",)),
    "custom-call": (custom_call, ("brainevent",)),
    "live": (live, ("live",)),
    "live-glitches": (live_glitches, ("live",)),
    "provenance": (provenance_table, ("provenance",)),
}


# --------------------------------------------------------------------------
# Result files, their provenance, and values named by their path
# --------------------------------------------------------------------------
def load(name: str):
    """The parsed result file ``benchmarks/results/NAME.json``."""
    path = RESULTS / f"{name}.json"
    if not path.exists():
        raise KeyError(f"no result file benchmarks/results/{name}.json")
    return json.loads(path.read_text())


def sha256(name: str) -> str:
    import hashlib
    return hashlib.sha256((RESULTS / f"{name}.json").read_bytes()).hexdigest()


def provenance(name: str) -> dict:
    """Command, date, machine and load of a result file: its own ``meta``, else its record
    in provenance.json."""
    data = load(name)
    if isinstance(data, dict) and "meta" in data:
        return data["meta"]
    return load("provenance")[f"{name}.json"]


def provenance_problems() -> list[str]:
    """Result files that changed since their provenance was recorded, or have none."""
    records = load("provenance")
    problems = []
    for path in sorted(RESULTS.glob("*.json")):
        name = path.stem
        if name == "provenance":
            continue
        data = load(name)
        if isinstance(data, dict) and "meta" in data:
            continue
        record = records.get(path.name)
        if record is None:
            problems.append(f"benchmarks/results/{path.name} has no record in provenance.json")
        elif record.get("sha256") != sha256(name):
            problems.append(
                f"benchmarks/results/{path.name} changed since its provenance was recorded: "
                f"update its command, date, machine and load in provenance.json, and its "
                f"sha256 to {sha256(name)}")
        elif isinstance(data, dict) and "date" in data and data["date"] != record["date"]:
            problems.append(f"provenance.json dates {path.name} {record['date']}, the file "
                            f"itself {data['date']}")
    return problems


def label(element) -> list[str]:
    """The names by which a path may select this element of a list."""
    if not isinstance(element, dict):
        return []
    names = []
    if "name" in element:
        names.append(str(element["name"]))
        if "seed" in element:
            names.append(f"{element['name']} seed {element['seed']}")
    if "peer" in element:
        names.append(element["peer"])
    if "dataset" in element and "method" in element:
        names.append(f"{element['dataset']} {element['method']} {element['n_components']}")
    if "params" in element:
        params = element["params"]
        change = change_label(params) if isinstance(params, dict) else str(params)
        if "dataset" in element:
            change = f"{element['dataset']} {change}"
        if "n_neurons" in element:
            change = f"{element['n_neurons']} neurons {change}"
        names.append(change)
    if "n_neurons" in element and "density" in element:
        names.append(f"{element['n_neurons']} {element['density']:.0%}")
    for key in ("chunk", "rows_per_call", "seed"):
        if key in element and not names:
            names.append(f"{key} {element[key]}")
    if "n_steps" in element and "readout" in element:
        names.append(f"{element['readout']} {element['n_steps']} steps")
    return names


def _find(items: list, step: str):
    matches = [item for item in items if step in label(item)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise KeyError(f"{step!r} names {len(matches)} elements")
    if step.isdigit() and int(step) < len(items):
        return items[int(step)]
    raise KeyError(f"no element {step!r} among {[label(i)[:1] for i in items]}")


def value(path: str):
    """The value at ``FILE/STEP/STEP...`` (see the module docstring)."""
    name, *steps = path.split("/")
    node = load(name)
    walked = name
    for step in steps:
        try:
            node = node[step] if isinstance(node, dict) else _find(node, step)
        except (KeyError, TypeError) as error:
            raise KeyError(f"{path}: after {walked}: {error}") from None
        walked += "/" + step
    return node


FORMAT = re.compile(r"^(?P<path>.+):(?P<spec>[,_]?(\.\d+)?[dfeg%s]?)$")


def number(reference: str) -> str:
    """``FILE/PATH:FORMAT`` rendered."""
    match = FORMAT.match(reference.strip())
    if not match or not match.group("spec"):
        raise ValueError(f"{reference!r}: a number needs a format, as in FILE/PATH:.4f")
    return format(value(match.group("path")), match.group("spec"))


# --------------------------------------------------------------------------
# Formats and markers
# --------------------------------------------------------------------------
def markdown(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def rst(header: list[str], body: list[list[str]]) -> str:
    def quoted(cells):
        return ", ".join('"{}"'.format(c.replace('"', '""')) for c in cells)

    lines = [".. csv-table::", f"   :header: {quoted(header)}", ""]
    lines += [f"   {quoted(row)}" for row in body]
    return "\n".join(lines)


MARKERS = {  # suffix: begin marker, end marker, format, blank line around the table
    ".md": (r"<!-- begin table: (?P<name>[\w-]+) -->", "<!-- end table -->", markdown, ""),
    ".rst": (r"\.\. begin table: (?P<name>[\w-]+)", ".. end table", rst, "\n"),
}

NUMBERS = {  # suffix: a number marker, its value and its reference
    ".md": re.compile(r"<!--m (?P<ref>[^>]*?)-->(?P<value>.*?)<!--/m-->"),
    ".rst": re.compile(r":m:`(?P<value>[^`<]*?) <(?P<ref>[^`>]*)>`"),
}


def table(name: str) -> tuple[list[str], list[list[str]]]:
    build, files = TABLES[name]
    return build(*(load(f) for f in files))


def _render_number(suffix: str, match: re.Match) -> str:
    rendered_value = number(match.group("ref"))
    if suffix == ".md":
        return f"<!--m {match.group('ref')}-->{rendered_value}<!--/m-->"
    return f":m:`{rendered_value} <{match.group('ref')}>`"


def rendered(path: Path) -> str:
    """The document with every marked table and number rendered from its JSON."""
    begin, end, fmt, gap = MARKERS[path.suffix]
    pattern = re.compile(f"(?P<marker>{begin})\n.*?{re.escape(end)}", re.S)

    def replace(match: re.Match) -> str:
        body = fmt(*table(match.group("name")))
        return f"{match.group('marker')}\n{gap}{body}\n{gap}{end}"

    text = pattern.sub(replace, path.read_text())
    return NUMBERS[path.suffix].sub(lambda m: _render_number(path.suffix, m), text)


def differences(path: Path) -> list[str]:
    """Where the document differs from what its result files render, line by line."""
    import difflib
    old, new = path.read_text().splitlines(), rendered(path).splitlines()
    where = str(path.relative_to(ROOT))
    found = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new).get_opcodes():
        if tag != "equal":
            shown = "\n".join(f"  - {line}" for line in old[i1:i2])
            shown += "\n" + "\n".join(f"  + {line}" for line in new[j1:j2])
            found.append(f"{where}:{i1 + 1}: differs from the results\n{shown}")
    return found


def stale() -> list[str]:
    """The documents whose tables or numbers differ from what their JSON renders."""
    return [str(p.relative_to(ROOT)) for p in DOCUMENTS if rendered(p) != p.read_text()]


# --------------------------------------------------------------------------
# Bare numbers: measured-looking numbers in prose without a marker
# --------------------------------------------------------------------------
MEASURED_LOOKING = re.compile(
    r"(?<![\w.,])(\d+\.\d+(?!\d|\.\d)x?|\d+x\b|\d{1,3}(?:,\d{3})+(?!\d|,\d))")
#: Versions and identifiers are not measurements: a number right after one of these.
VERSIONED = re.compile(r"((Python|JAX|jax|scikit-learn|numpy|NumPy|BrainPy|Brian2|BindsNET|"
                       r"torch|numba|joblib|brainevent|Sphinx|CUDA|version|brainpy) |arXiv:)$")
#: Sizes of data sets and layers are settings: a count followed by one of these words.
SIZES = re.compile(r"^(-image|\s+(images|image|training|test|channels|steps|bins|rows|samples|"
                   r"neurons|inputs|presentations|occurrences))\b")
#: Inline markup whose content is not prose: roles (:m:, :cited:, :math:, :ref:...),
#: inline literals (``x`` and, with the docs' default role, `x`), link targets.
_INLINE_RST = re.compile(r":[\w-]+:`[^`]*`|``.+?``|`[^`]*`_{0,2}", re.S)


def _prose_rst(text: str) -> list[tuple[int, str]]:
    """The prose lines of an RST document: no code, literal blocks, comments, tables
    rendered from results, directives' bodies, roles or inline literals."""
    # Inline markup may span lines: blank it out first, keeping the line breaks.
    text = _INLINE_RST.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    lines = text.splitlines()
    keep = []
    block_indent = None  # inside an indented block that is not prose
    in_table = in_doctest = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if in_doctest:  # a doctest block and its output run to the next blank line
            in_doctest = bool(stripped)
            continue
        if in_table:
            in_table = not stripped.startswith(".. end table")
            continue
        if stripped.startswith(".. begin table:"):
            in_table = True
            continue
        if block_indent is not None:
            if stripped and indent <= block_indent:
                block_indent = None
            else:
                continue
        if stripped.startswith(">>>"):
            in_doctest = True
            continue
        if re.match(r"\.\. (code-block|code|math|highlight|literalinclude|toctree|"
                    r"autosummary|include|raw|image|figure|csv-table)\b", stripped) or (
                stripped.startswith("..") and "::" not in stripped):
            block_indent = indent  # a directive or comment: its body is not prose
            continue
        if stripped.endswith("::"):
            block_indent = indent  # an expanded literal block follows
        keep.append((i + 1, re.sub(r"https?://\S+", "", line)))
    return keep


def _prose_md(text: str) -> list[tuple[int, str]]:
    keep = []
    fenced = in_table = False
    for i, line in enumerate(text.splitlines()):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if in_table:
            in_table = not line.startswith("<!-- end table")
            continue
        if line.startswith("<!-- begin table:"):
            in_table = True
            continue
        if fenced:
            continue
        line = NUMBERS[".md"].sub("", line)
        line = re.sub(r"<!--.*?-->|`[^`]*`|\]\([^)]*\)|https?://\S+", "", line)
        keep.append((i + 1, line))
    return keep


def bare_numbers(path: Path, text: str | None = None) -> list[str]:
    """Measured-looking numbers in the prose of a document that have no marker."""
    text = path.read_text() if text is None else text
    prose = _prose_md(text) if path.suffix == ".md" else _prose_rst(text)
    found = []
    for n, line in prose:
        for match in MEASURED_LOOKING.finditer(line):
            if VERSIONED.search(line[:match.start()]):
                continue
            if "," in match.group(0) and SIZES.match(line[match.end():]):
                continue
            found.append(f"{path.relative_to(ROOT)}:{n}: {match.group(0)!r} in "
                         f"{line.strip()[:100]!r}")
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report what differs")
    parser.add_argument("--value", help="print the value at FILE/PATH")
    args = parser.parse_args(argv)
    if args.value:
        print(json.dumps(value(args.value), indent=1))
        return 0
    if args.check:
        problems = [d for p in DOCUMENTS for d in differences(p)]
        problems += provenance_problems()
        problems += [b for p in SCANNED for b in bare_numbers(p)]
        for problem in problems:
            print(problem)
        if problems:
            print("\nrun python benchmarks/render.py after a benchmark run; mark measured "
                  "numbers (see its docstring)")
        return 1 if problems else 0
    for path in DOCUMENTS:
        text = rendered(path)
        if text != path.read_text():
            path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
