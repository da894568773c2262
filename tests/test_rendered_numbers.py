"""Measured numbers in README.md and the docs come from the result files, exactly.

``benchmarks/render.py`` renders every marked table and every marked number
from ``benchmarks/results/*.json`` (a number names its path in one result
file and its format). These tests fail when a document differs from what its
results render, when a measured-looking number stands in the prose without a
marker, and when a result file changed without its provenance (date, machine).
They also check that each check notices what it is there to notice.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import render  # noqa: E402


def _markers(path: Path) -> list[re.Match]:
    return list(render.NUMBERS[path.suffix].finditer(path.read_text()))


def test_documents_equal_what_their_results_render():
    problems = [d for p in render.DOCUMENTS for d in render.differences(p)]
    assert not problems, "run python benchmarks/render.py\n" + "\n".join(problems)


def test_every_table_is_in_a_document_and_readme_has_the_headline():
    text = "\n".join(p.read_text() for p in render.DOCUMENTS)
    for name in render.TABLES:
        assert re.search(rf"(<!-- |\.\. )begin table: {re.escape(name)}\b", text), name
    readme = (ROOT / "README.md").read_text()
    assert "<!-- begin table: headline -->" in readme
    assert ".. begin table: peers" in (ROOT / "docs" / "benchmarks.rst").read_text()


def test_readme_and_the_docs_mark_their_measured_numbers():
    # The pages that quote measurements do so through markers, not by hand.
    for page in ("benchmarks.rst", "defaults.rst"):
        assert len(_markers(ROOT / "docs" / page)) >= 5, page
    for path in render.DOCUMENTS:
        for match in _markers(path):
            assert render.number(match.group("ref")) == match.group("value"), match.group(0)


@pytest.mark.parametrize("path", render.DOCUMENTS, ids=lambda p: p.name)
def test_any_number_changed_by_hand_is_noticed(path, tmp_path, monkeypatch):
    """Change each marked number of a document in turn: the check fails every time."""
    text = path.read_text()
    matches = list(render.NUMBERS[path.suffix].finditer(text))
    if path.name in ("README.md",):
        assert matches or "<!-- begin table:" in text
    copy = tmp_path / path.name
    monkeypatch.setattr(render, "ROOT", tmp_path)
    for match in matches:
        start, end = match.span("value")
        value = match.group("value")
        changed = re.sub(r"\d(?=\D*$)", lambda d: str((int(d.group(0)) + 1) % 10), value)
        assert changed != value
        copy.write_text(text[:start] + changed + text[end:])
        assert render.rendered(copy) != copy.read_text(), match.group(0)
        assert render.rendered(copy) == text


@pytest.mark.parametrize("path", [ROOT / "README.md", ROOT / "docs" / "benchmarks.rst"],
                         ids=lambda p: p.name)
def test_a_table_edited_by_hand_is_noticed(path, tmp_path):
    text = path.read_text()
    begin = re.search(render.MARKERS[path.suffix][0], text)
    assert begin
    # A digit of the first rendered table's body changed by hand.
    at = begin.end() + re.search(r"\d", text[begin.end():]).start()
    digit = str((int(text[at]) + 1) % 10)
    copy = tmp_path / path.name
    copy.write_text(text[:at] + digit + text[at + 1:])
    assert render.rendered(copy) == text


def test_no_measured_looking_number_stands_unmarked_in_the_prose():
    found = [b for p in render.SCANNED for b in render.bare_numbers(p)]
    assert not found, ("mark these (see benchmarks/render.py), or write settings as "
                       "literals:\n" + "\n".join(found))


@pytest.mark.parametrize(("suffix", "prose", "literal"), [
    (".md", "On MNIST it scores 0.9335 with 400 neurons.", "Use `A_minus=0.00525` here."),
    (".md", "The kernel runs 13.8x faster, 34,992 steps/s.", "```\nscore: 0.9335\n```"),
    (".rst", "On MNIST it scores 0.9335 with 400 neurons.", "Use ``A_minus=0.00525`` here."),
    (".rst", "The kernel runs 13.8x faster, 34,992 steps/s.",
     ".. code-block:: text\n\n    score: 0.9335\n"),
    (".rst", "A figure over two\nlines: 0.87.", ">>> round(0.9335, 2)\n0.93\n"),
])
def test_the_bare_number_check_tells_prose_from_code(suffix, prose, literal, tmp_path,
                                                      monkeypatch):
    monkeypatch.setattr(render, "ROOT", tmp_path)
    path = tmp_path / f"page{suffix}"
    assert render.bare_numbers(path, f"Title\n\n{prose}\n") != []
    assert render.bare_numbers(path, f"Title\n\n{literal}\n") == []
    assert render.bare_numbers(path, "Trained on 8,000 images, Python 3.10.\n") == []


def test_the_bare_number_check_sees_the_real_documents():
    """An unmarked accuracy added to README.md or a docs page is found."""
    for path in (ROOT / "README.md", ROOT / "docs" / "user_guide.rst",
                 ROOT / "docs" / "benchmarks.rst"):
        text = path.read_text() + "\nThe default layer scores 0.9335 on MNIST.\n"
        assert render.bare_numbers(path, text), path.name


def test_every_result_file_has_its_provenance():
    assert render.provenance_problems() == []
    for name in render.RESULT_FILES:
        meta = render.provenance(name)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta["date"]), name
        assert meta["machine"] and meta["command"].startswith("python benchmarks/"), name
    listed = {f"{n}.json" for n in render.RESULT_FILES} | {"provenance.json"}
    assert {p.name for p in render.RESULTS.glob("*.json")} == listed


def test_a_result_file_changed_without_its_provenance_is_noticed(tmp_path, monkeypatch):
    for path in render.RESULTS.glob("*.json"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(render, "RESULTS", tmp_path)
    assert render.provenance_problems() == []
    learning = tmp_path / "learning.json"
    rows = json.loads(learning.read_text())
    rows[0]["accuracy"] += 1e-4
    learning.write_text(json.dumps(rows, indent=2))
    assert any("learning.json changed" in p for p in render.provenance_problems())


def test_a_path_names_one_value():
    assert render.value("learning/mnist stdp 400/accuracy") == pytest.approx(0.957)
    assert render.number("learning/mnist stdp 400/accuracy:.4f") == "0.9570"
    with pytest.raises(KeyError):
        render.value("learning/mnist stdp 401/accuracy")
    with pytest.raises(ValueError, match="format"):
        render.number("learning/mnist stdp 400/accuracy")


def _readme_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    usage = readme[readme.index("## Three uses"):readme.index("## Results")]
    return re.findall(r"```python\n(.*?)```\n", usage, flags=re.DOTALL)


def test_readme_pipeline_prints_the_score_its_comment_shows_without_warnings():
    blocks = _readme_blocks()
    assert len(blocks) == 3  # pipeline, grid search, live streaming
    for code in blocks:
        compile(code, "README.md", "exec")
    shown = re.search(r"print\(.*\)\s*# (\d\.\d+)", blocks[0]).group(1)
    out = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(out):
        warnings.simplefilter("error")
        exec(compile(blocks[0], "README.md", "exec"), {})
    printed = float(out.getvalue().split()[-1])
    # The comment shows two decimals: the third differs between CPUs.
    assert len(shown) == 4
    assert abs(printed - float(shown)) <= 0.005 + 1e-9, f"README: {shown}, printed: {printed}"


def test_readme_starts_with_the_two_commands_and_stays_short():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```bash\n(.*?)```", readme, flags=re.DOTALL)
    commands = first_block.group(1).splitlines()
    assert commands[0].startswith("pip install -e . && python -m sk_stdp")
    assert commands[1].startswith('pip install -e ".[test]" && python -m pytest ')
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^python -m pytest$", ci, flags=re.MULTILINE)
    assert commands[1].split("#")[0].split("&&")[1].strip() == "python -m pytest"
    # What, install, the three uses, the results, the documentation: in that order.
    order = [readme.index(s) for s in ("```bash", "## Three uses", "## Results",
                                       "## Documentation")]
    assert order == sorted(order)
    assert len(readme.splitlines()) <= 150
