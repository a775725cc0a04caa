"""The Sphinx site: every public name is in the API page, and the build has no warnings."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
SUBPACKAGES = [
    "hazumi_sk.datasets",
    "hazumi_sk.vocabulary",
    "hazumi_sk.utils",
    "hazumi_sk.sequences",
    "hazumi_sk.features",
    "hazumi_sk.preprocessing",
    "hazumi_sk.model",
    "hazumi_sk.persistence",
    "hazumi_sk.analysis",
    "hazumi_sk.evaluation",
    "hazumi_sk.reproduction",
    "hazumi_sk.leaderboard",
    "hazumi_sk.cli",
]


def _api_entries() -> dict[str, set[str]]:
    """Names listed under each ``.. currentmodule::`` of docs/api.rst."""
    entries: dict[str, set[str]] = {}
    module = None
    for line in (DOCS / "api.rst").read_text().splitlines():
        match = re.match(r"\.\. currentmodule:: ([\w.]+)", line)
        if match:
            module = match.group(1)
            entries[module] = set()
        elif module and re.match(r"^   [A-Za-z_]\w*$", line):
            entries[module].add(line.strip())
    return entries


@pytest.mark.parametrize("module", SUBPACKAGES)
def test_api_page_lists_every_public_name(module):
    public = set(importlib.import_module(module).__all__)
    listed = _api_entries().get(module, set())
    assert public - listed == set(), f"add these {module} names to docs/api.rst"
    assert listed - public == set(), f"docs/api.rst lists names not in {module}.__all__"


def test_index_links_every_page():
    index = (DOCS / "index.rst").read_text() + (DOCS / "user_guide.rst").read_text()
    for page in sorted(p.stem for p in DOCS.glob("*.rst")):
        if page != "index":
            assert re.search(rf"^   {page}$", index, re.M), f"{page}.rst is in no toctree"


def test_gallery_is_not_executed():
    conf = (DOCS / "conf.py").read_text()
    assert '"filename_pattern": r"^$"' in conf and '"plot_gallery"' in conf
    assert (DOCS.parent / "examples" / "README.rst").is_file()


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx", reason="sphinx not installed (pip install '.[docs]')")
    pytest.importorskip("numpydoc", reason="numpydoc not installed")
    pytest.importorskip("sphinx_gallery", reason="sphinx-gallery not installed")
    pytest.importorskip("pydata_sphinx_theme", reason="pydata-sphinx-theme not installed")
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
           "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-5000:]
    assert (tmp_path / "html" / "api.html").is_file()
    assert (tmp_path / "html" / "auto_examples" / "index.html").is_file()
