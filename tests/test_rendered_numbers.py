"""Measured numbers in README.md and the docs come from executed code.

Tables are rendered from ``benchmarks/results/*.json`` by
``benchmarks/render.py`` (see the contributor guide); numbers quoted in the
prose of those sections must be roundings of numbers in the same JSON; the
README's usage example prints the score its comment shows.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _render():
    spec = importlib.util.spec_from_file_location("_sk_stdp_render", ROOT / "benchmarks" /
                                                  "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tables_equal_what_their_json_renders():
    render = _render()
    assert render.stale() == [], "run python benchmarks/render.py after a benchmark run"
    # Every table has its markers in both documents.
    for name in render.TABLES:
        assert f"<!-- begin table: {name} -->" in (ROOT / "README.md").read_text()
        assert f".. begin table: {name}" in (ROOT / "docs" / "benchmarks.rst").read_text()


def test_render_notices_a_table_edited_by_hand(tmp_path, monkeypatch):
    render = _render()
    readme = tmp_path / "README.md"
    readme.write_text((ROOT / "README.md").read_text().replace("| digits |", "| digitz |", 1))
    monkeypatch.setattr(render, "ROOT", tmp_path)
    monkeypatch.setattr(render, "DOCUMENTS", [readme])
    assert render.stale() == ["README.md"]


def _section(text: str, start: str, stop: str) -> str:
    return text[text.index(start):text.index(stop)]


def _prose_numbers(section: str) -> list[str]:
    prose = [line for line in section.splitlines()
             if not line.lstrip().startswith(("|", '"'))]
    return re.findall(r"(?<![\d.])0\.\d{2,4}(?![\d])", "\n".join(prose))


def test_prose_numbers_of_the_learning_sections_come_from_the_results():
    rows = json.loads((ROOT / "benchmarks" / "results" / "learning.json").read_text())
    measured = [r["accuracy"] for r in rows] + [s for r in rows for s in r["scores"]]
    # The read-out comparison of the guide's figures (benchmarks/guide.py).
    measured += json.loads((ROOT / "benchmarks" / "results" / "guide.json").read_text()
                           )["readout"].values()
    allowed = {f"{value:.{digits}f}" for value in measured for digits in (2, 3, 4)}
    readme = _section((ROOT / "README.md").read_text(), "### Learning", "### Streams")
    docs = _section((ROOT / "docs" / "benchmarks.rst").read_text(), "Learning\n~~~",
                    "Streams\n~~~")
    guide = _section((ROOT / "docs" / "user_guide.rst").read_text(), ".. _local-fields:",
                     "Progress, interruption and state")
    assert _prose_numbers(guide)
    for where, section in (("README.md", readme), ("docs/benchmarks.rst", docs),
                           ("docs/user_guide.rst", guide)):
        for number in _prose_numbers(section):
            assert number in allowed, f"{where}: {number} is not in benchmarks/results"


def test_prose_numbers_of_the_stream_sections_come_from_the_results():
    rows = json.loads((ROOT / "benchmarks" / "results" / "streams.json").read_text())
    measured = [p[key] for r in rows for p in r["patterns"] for key in ("hits", "false_alarms")]
    # What one neuron could detect, beside what it learned (benchmarks/tuning/detector_bound.py).
    bounds = json.loads((ROOT / "benchmarks" / "results" / "detector_bound.json").read_text())
    measured += [s for r in bounds for s in r["carrier_share"]]
    measured += [r[which][key] for r in bounds
                 for which in ("detector", "settled", "learned_without_floor")
                 if r[which] for key in ("hits", "false_alarms")]
    # Changes to the defaults on the tuning seeds (benchmarks/tuning/stream_screen.py).
    screen = json.loads((ROOT / "benchmarks" / "results" / "stream_screen.json").read_text())
    measured += [value for variant in screen["variants"] for r in variant["rows"]
                 for key in ("hits", "false_alarms") for value in r[key]]
    allowed = {f"{value:.{digits}f}" for value in measured for digits in (2, 3)}
    readme = _section((ROOT / "README.md").read_text(), "### Streams", "### Speed")
    docs = _section((ROOT / "docs" / "benchmarks.rst").read_text(), "Streams\n~~~",
                    "Throughput")
    for where, section in (("README.md", readme), ("docs/benchmarks.rst", docs)):
        for number in _prose_numbers(section):
            assert number in allowed, f"{where}: {number} is not in benchmarks/results"


def test_readme_usage_prints_the_scores_its_comments_show():
    readme = (ROOT / "README.md").read_text()
    usage = readme[readme.index("## Usage"):readme.index("Two row semantics")]
    # The one-layer example, then the convolutional one that reuses its split.
    blocks = re.findall(r"```python\n(.*?)```\n", usage, flags=re.DOTALL)
    assert len(blocks) == 2
    namespace: dict = {}
    for code in blocks:
        shown = re.search(r"print\(.*\)\s*# (\d\.\d+)", code).group(1)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), namespace)
        printed = float(out.getvalue().split()[-1])
        # The comments show two decimals: the third differs between CPUs.
        assert len(shown) == 4
        assert abs(printed - float(shown)) <= 0.005 + 1e-9, f"README: {shown}, printed: {printed}"


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield float(value)


def test_prose_numbers_of_the_speed_sections_come_from_the_results():
    """Speed-ups ("13.8x") and counts ("34,992") quoted in the prose are in the speed JSON."""
    results = ROOT / "benchmarks" / "results"
    values = [v for name in ("speed.json", "speed-earlier.json", "brainevent.json")
              for v in _leaves(json.loads((results / name).read_text()))]
    allowed = {f"{v:.1f}x" for v in values} | {f"{v:.2f}x" for v in values}
    allowed |= {f"{round(v):,}" for v in values}
    readme = _section((ROOT / "README.md").read_text(), "### Speed", "## Layout")
    docs = _section((ROOT / "docs" / "benchmarks.rst").read_text(), "Throughput\n~~~",
                    "Published results")
    found = 0
    for where, section in (("README.md", readme), ("docs/benchmarks.rst", docs)):
        prose = "\n".join(line for line in section.splitlines()
                          if not line.lstrip().startswith(("|", '"')))
        for number in re.findall(r"(?<![\d.,])(\d+\.\d+x|\d{1,3}(?:,\d{3})+)(?![\d])", prose):
            found += 1
            assert number in allowed, f"{where}: {number} is not in benchmarks/results"
    assert found


def test_prose_numbers_of_the_user_guide_come_from_the_results():
    """Accuracies ("0.68") and shares of rows ("71%") in the guide's measured paragraphs.

    They come from ``benchmarks/guide.py``, ``benchmarks/learning.py`` or, for
    the choice of the read-out's parameters, ``benchmarks/tuning/readout_tuning.py``
    (the tuning splits); parameter values are inline literals and are skipped.
    """
    results = ROOT / "benchmarks" / "results"
    values = list(_leaves(json.loads((results / "guide.json").read_text())))
    values += list(_leaves(json.loads((results / "learning.json").read_text())))
    values += list(_leaves(json.loads((results / "readout_tuning.json").read_text())))
    allowed = {f"{v:.{digits}f}" for v in values for digits in (2, 3, 4)}
    allowed |= {f"{100 * v:.{digits}f}%" for v in values for digits in (0, 1)}
    text = (ROOT / "docs" / "user_guide.rst").read_text()
    sections = [_section(text, ".. _read-out:", "In both modes ``transform``"),
                _section(text, "Competition at read-out", "Homeostasis: "),
                _section(text, "**Silent neurons.**", "**Learning speed.**"),
                _section(text, ".. _local-fields:", "Progress, interruption and state")]
    found = 0
    for section in sections:
        prose = re.sub(r"``[^`]*``", "````", section)
        for number in re.findall(r"(?<![\d.])(0\.\d{2,4}|\d+(?:\.\d)?%)(?![\d])", prose):
            found += 1
            assert number in allowed, f"docs/user_guide.rst: {number} is not in benchmarks/results"
    assert found


def test_prose_numbers_of_the_conv_section_come_from_the_results():
    """Accuracies ("0.9903"), and fit times should it quote one ("41 s"), in the conv section.

    The figures come from ``benchmarks/tuning/conv_tuning.py`` (the tuning splits) or
    ``benchmarks/learning.py`` (the protocol). Parameter values are written as
    inline literals (theta_decay=0.999 between double backquotes) and are
    skipped; the published results the section cites are percentages ("98.4%").
    """
    results = ROOT / "benchmarks" / "results"
    rows = json.loads((results / "conv_tuning.json").read_text())["rows"]
    rows += json.loads((results / "learning.json").read_text())
    accuracies = [r["accuracy"] for r in rows] + [s for r in rows for s in r["scores"]]
    allowed = {f"{v:.{digits}f}" for v in accuracies for digits in (2, 3, 4)}
    seconds = {f"{r['fit_s']:.{digits}f} s" for r in rows for digits in (0, 1)}
    section = _section((ROOT / "docs" / "user_guide.rst").read_text(), ".. _conv-features:",
                       "The layer in a BrainPy network")
    prose = re.sub(r"``[^`]*``", "````", section)
    numbers = _prose_numbers(prose)
    assert numbers
    for number in numbers:
        assert number in allowed, f"docs/user_guide.rst: {number} is not in benchmarks/results"
    for number in re.findall(r"(?<![\d.])\d+(?:\.\d)? s\b", prose):
        assert number in seconds, f"docs/user_guide.rst: {number} is not in benchmarks/results"


def test_prose_numbers_of_the_amplitude_balance_come_from_the_tuning_results():
    """Accuracies in the guide's paragraph on the balance of ``A_minus`` and ``A_plus``.

    They come from ``benchmarks/tuning/onelayer_tuning.py`` (the tuning splits);
    parameter values are inline literals and are skipped.
    """
    rows = json.loads((ROOT / "benchmarks" / "results" / "onelayer_tuning.json").read_text()
                      )["rows"]
    accuracies = [r["accuracy"] for r in rows] + [s for r in rows for s in r["scores"]]
    allowed = {f"{v:.{digits}f}" for v in accuracies for digits in (2, 3, 4)}
    section = _section((ROOT / "docs" / "user_guide.rst").read_text(),
                       "**Balance of the amplitudes.**", "**Timing window.**")
    numbers = _prose_numbers(re.sub(r"``[^`]*``", "````", section))
    assert numbers
    for number in numbers:
        assert number in allowed, f"docs/user_guide.rst: {number} is not in benchmarks/results"
