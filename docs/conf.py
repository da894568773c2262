"""Sphinx configuration of the sk_stdp documentation.

Build (warnings are errors, the gallery examples are run)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Set ``SK_STDP_DOCS_SKIP_GALLERY=1`` to build without running the examples
(a quick check of the prose), and ``SK_STDP_DOCS_INTERSPHINX=1`` to link to
the numpy, scikit-learn, JAX, joblib and matplotlib docs (needs network).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("MPLBACKEND", "Agg")

import sk_stdp  # noqa: E402

project = "sk_stdp"
author = "sk_stdp developers"
copyright = "2026, sk_stdp developers"
release = sk_stdp.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
if os.environ.get("SK_STDP_DOCS_INTERSPHINX"):
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "matplotlib": ("https://matplotlib.org/stable", None),
        "joblib": ("https://joblib.readthedocs.io/en/stable", None),
        "jax": ("https://docs.jax.dev/en/latest", None),
    }

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
default_role = "literal"

# -- autodoc / autosummary / numpydoc -----------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False
# Validate the docstrings of sk_stdp's own public API while building; methods
# inherited from scikit-learn are excluded (their docstrings are sklearn's).
numpydoc_validate = True
numpydoc_validation_checks = {
    "all",
    "GL01",  # summary may start on the line after the opening quotes
    "GL02",
    "ES01",  # an extended summary is welcome, not required
    "SA01",  # a See Also section is welcome, not required
    "EX01",  # classes and functions are checked for examples by tests/test_docs.py
    "RT02",  # "Returns" may name the returned value
}
numpydoc_validation_exclude = {
    r"\.get_params$",
    r"\.set_params$",
    r"\.fit_transform$",
    r"\.set_output$",
    r"\.get_feature_names_out$",
    r"\.get_metadata_routing$",
    r"\.set_\w+_request$",
    r"\.__init__$",
    r"\.__call__$",
    r"\.__\w+__$",
}


_FITTED_NAME_IN_SHAPE = re.compile(r"(?<![`\w])([A-Za-z]\w*_)(?=[,)])")


def _quote_fitted_names_in_shapes(app, what, name, obj, options, lines):
    """Quote ``n_features_in_`` in "of shape (...)" type specs.

    A bare word ending in "_" is an RST link reference; scikit-learn writes
    such names in backquotes. Doing it here keeps docstrings readable as text.
    """
    for i, line in enumerate(lines):
        if " of shape (" in line:
            lines[i] = _FITTED_NAME_IN_SHAPE.sub(r"`\1`", line)


def _measured(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``:m:`0.9335 <learning/mnist stdp 400/accuracy:.4f>```: a measured number.

    The value shows; the reference names where ``benchmarks/render.py`` takes
    it from, and ``tests/test_rendered_numbers.py`` checks that they agree.
    """
    from docutils import nodes

    shown, _, reference = text.partition(" <")
    node = nodes.inline(rawtext, shown.strip(), classes=["measured"])
    node["ids"] = []
    return [node], []


def _cited(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``:cited:`98.4%```: a figure quoted from a publication, not measured here."""
    from docutils import nodes

    return [nodes.inline(rawtext, text, classes=["cited"])], []


def setup(app):
    app.connect("autodoc-process-docstring", _quote_fitted_names_in_shapes)
    app.add_role("m", _measured)
    app.add_role("cited", _cited)


# -- sphinx-gallery ----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # Scripts that need a network or run for long (live_lsl.py) are not part of the
    # gallery: they are neither run nor rendered.
    "ignore_pattern": r"__init__\.py|(^|[/\\])live_\w*\.py$",
    # Every example is run unless explicitly skipped; a failing example fails
    # the build (sphinx-gallery raises at the end of the build).
    "plot_gallery": "False" if os.environ.get("SK_STDP_DOCS_SKIP_GALLERY") else "True",
    "only_warn_on_example_error": False,
    "abort_on_example_error": False,
    "doc_module": ("sk_stdp",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"sk_stdp": None},
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    "within_subsection_order": "FileNameSortKey",
}

# -- HTML --------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sk_stdp {release}"
html_static_path = ["_static"]
html_theme_options = {
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
}
# The section navigation lists a page's sub-pages: of the top-level pages only
# the API reference has any (the gallery and the API entries, below them, keep
# it). On the others it would stand empty beside the text, so they have no
# left sidebar and their text and code get the width.
html_sidebars = {page.stem: [] for page in HERE.glob("*.rst") if page.stem != "api"}
html_show_sourcelink = False
