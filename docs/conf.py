"""Sphinx configuration of the hazumi-sk documentation.

Build with ``make -C docs html`` or
``sphinx-build -W --keep-going -b html docs docs/_build/html`` (warnings are errors).
The example gallery is rendered from ``examples/`` *without executing* the scripts
(``plot_gallery = False``) so the build stays fast and needs no data.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import hazumi_sk  # noqa: E402

project = "hazumi-sk"
author = "hazumi-sk developers"
copyright = "2026, hazumi-sk developers"  # noqa: A001 - Sphinx's name
release = hazumi_sk.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "_contracts.md", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip"]  # fmt: skip
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"

# autodoc / autosummary / numpydoc
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"  # numpydoc renders the documented types
numpydoc_show_class_members = False  # members are listed by autosummary stubs, not twice
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()
# Type fields such as "ndarray of shape (n_features_in_,)" would otherwise be read as
# reST references (trailing underscore); the xref pass renders them as literal words.
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"
# numpydoc's default aliases point into the Python/NumPy docs through intersphinx, which
# needs the network; link those words nowhere instead (the build must work offline).
from numpydoc.xref import DEFAULT_LINKS  # noqa: E402

numpydoc_xref_aliases = {word: word for word in DEFAULT_LINKS}

# sphinx-gallery: render examples/ as a gallery, never run them during the docs build.
sphinx_gallery_conf = {
    "examples_dirs": str(HERE.parent / "examples"),
    "gallery_dirs": str(HERE / "auto_examples"),
    "filename_pattern": r"^$",  # execute nothing even if plot_gallery is switched on
    "plot_gallery": os.environ.get("HAZUMI_SK_RUN_GALLERY", "False"),
    "download_all_examples": False,
    "write_computation_times": False,  # no sg_execution_times.rst in the source tree
    "within_subsection_order": "FileNameSortKey",
}

html_theme = "pydata_sphinx_theme"
html_title = f"hazumi-sk {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
}
html_static_path: list[str] = []


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Document only what hazumi-sk defines: inherited scikit-learn/skorch methods have
    docstrings with cross-references into *their* docs (glossary terms, labels) that
    cannot resolve here."""
    module = getattr(obj, "__module__", None)
    if what == "class" and isinstance(module, str) and not module.startswith("hazumi_sk"):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)
