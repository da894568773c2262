"""Documentation checks: every public object has a numpy-style docstring with an
example, the examples run as doctests, and the code in the guide pages runs.

The full Sphinx build (warnings as errors, gallery executed) runs in .ci/run.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re
import runpy
import warnings
from pathlib import Path

import pytest

import sk_stdp

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _public_modules():
    yield sk_stdp
    for info in pkgutil.iter_modules(sk_stdp.__path__):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"sk_stdp.{info.name}")


def _public_objects():
    seen = set()
    for module in _public_modules():
        names = getattr(module, "__all__", None)
        if names is None:
            continue
        for name in names:
            obj = getattr(module, name)
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            yield f"{obj.__module__}.{obj.__qualname__}", obj, f"{module.__name__}.{name}"


PUBLIC = sorted(_public_objects(), key=lambda item: item[2])
PUBLIC_IDS = [public_name for _, _, public_name in PUBLIC]


def _own_public_methods(cls):
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        if inspect.isfunction(member) or isinstance(member, (classmethod, staticmethod)):
            yield name


def test_there_is_a_public_api():
    assert "sk_stdp.STDPTransformer" in PUBLIC_IDS
    assert any(name.startswith("sk_stdp.plotting.") for name in PUBLIC_IDS)


@pytest.mark.parametrize(("qualified", "obj", "public_name"), PUBLIC, ids=PUBLIC_IDS)
def test_public_object_has_numpy_docstring_with_runnable_example(qualified, obj, public_name):
    docscrape = pytest.importorskip("numpydoc.docscrape")
    if public_name.startswith("sk_stdp.plotting."):
        pytest.importorskip("matplotlib")
    doc = inspect.getdoc(obj)
    assert doc, f"{public_name} has no docstring"
    parsed = docscrape.ClassDoc(obj) if inspect.isclass(obj) else docscrape.FunctionDoc(obj)
    assert parsed["Summary"], f"{public_name}: no summary line"
    assert "\n".join(parsed["Examples"]).strip(), f"{public_name}: no Examples section"
    if inspect.isclass(obj):
        assert parsed["Parameters"] or not inspect.signature(obj).parameters
    # The examples are doctests, and they pass.
    tests = [t for t in doctest.DocTestFinder(recurse=False).find(obj, public_name) if t.examples]
    assert tests, f"{public_name}: the Examples section has no >>> example"
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in tests:
        runner.run(test)
    assert runner.failures == 0, f"{public_name}: {runner.failures} doctest failure(s)"


def _validation_config():
    conf = runpy.run_path(str(DOCS / "conf.py"))
    checks = conf["numpydoc_validation_checks"]
    exclude = [re.compile(p) for p in conf["numpydoc_validation_exclude"]]
    return checks, exclude


def _validated_names():
    for qualified, obj, _ in PUBLIC:
        yield qualified
        if inspect.isclass(obj):
            for method in _own_public_methods(obj):
                yield f"{qualified}.{method}"


def test_numpydoc_validation_of_public_api():
    """The same checks as the Sphinx build runs (docs/conf.py), without building."""
    validate = pytest.importorskip("numpydoc.validate")
    pytest.importorskip("matplotlib")
    checks, exclude = _validation_config()
    assert "all" in checks
    ignored = checks - {"all"}
    problems = []
    for name in _validated_names():
        if any(p.search(name) for p in exclude):
            continue
        for code, message in validate.validate(name)["errors"]:
            if code not in ignored:
                problems.append(f"{name}: {code} {message}")
    assert not problems, "\n".join(problems)


#: Optional packages whose adapters a page shows in examples (installed by the test extra).
PAGE_NEEDS = {"streaming.rst": ["quantities", "neo", "spikeinterface.core", "tonic"]}


@pytest.mark.parametrize("page", ["getting_started.rst", "user_guide.rst", "streaming.rst"])
def test_guide_pages_code_runs_without_warnings(page):
    """The pages' examples run, and warn of nothing (a pipeline shown in the docs
    should not teach a ConvergenceWarning)."""
    for module in PAGE_NEEDS.get(page, []):
        pytest.importorskip(module)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = doctest.testfile(
            str(DOCS / page), module_relative=False, optionflags=FLAGS, verbose=False,
            report=True,
        )
    assert result.attempted > 0
    assert result.failed == 0


def test_every_page_is_in_the_toctree():
    index = (DOCS / "index.rst").read_text()
    toctree = index[index.index(".. toctree::"):]
    for page in DOCS.glob("*.rst"):
        if page.stem not in {"index", "sg_execution_times"}:
            assert f"\n   {page.stem}\n" in toctree, f"{page.name} is not in index.rst's toctree"
    assert "auto_examples/index" in toctree


def test_gallery_examples_have_a_title_and_use_the_package():
    examples = sorted((ROOT / "examples").glob("plot_*.py"))
    assert len(examples) >= 4
    for path in examples:
        source = path.read_text()
        docstring = source.split('"""')[1].strip().splitlines()
        assert len(docstring) >= 2 and set(docstring[1]) == {"="}, f"{path.name}: no title"
        assert "sk_stdp" in source, path.name


def test_live_examples_stay_out_of_the_gallery():
    """Scripts that need a network or run for long are neither run nor rendered by the build."""
    conf = runpy.run_path(str(DOCS / "conf.py"))["sphinx_gallery_conf"]
    live = sorted((ROOT / "examples").glob("live_*.py"))
    assert live
    for path in live:
        for name in (path.name, str(path)):
            assert re.search(conf["ignore_pattern"], name), name
        assert not re.search(conf["filename_pattern"], str(path))
    for path in (ROOT / "examples").glob("plot_*.py"):
        assert not re.search(conf["ignore_pattern"], path.name)


def test_ci_builds_the_docs_with_warnings_as_errors():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python -m pytest" in ci
    assert re.search(r"python -m sphinx -W --keep-going -b html docs docs/_build/html", ci)
    assert ".[test,docs]" in ci
