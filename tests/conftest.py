"""Shared pytest fixtures: the real Hazumi corpus, loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

# Tests run two xdist workers on two cores: one torch thread each avoids the
# oversubscription that made CPU fits tens of times slower under load here, and
# the Agg backend keeps plotting headless.
matplotlib.use("Agg")


def pytest_configure(config: pytest.Config) -> None:
    import torch

    torch.set_num_threads(1)


#: The public corpora live beside the repository, never inside it.
HAZUMI_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "hazumi"


@pytest.fixture(scope="session")
def hazumi_root() -> Path:
    """Folder holding ``Hazumi1902/`` and ``Hazumi1911/``; skips when absent."""
    if not (HAZUMI_ROOT / "Hazumi1902").is_dir() or not (HAZUMI_ROOT / "Hazumi1911").is_dir():
        pytest.skip(f"Hazumi corpus not found at {HAZUMI_ROOT} (needs Hazumi1902/, Hazumi1911/).")
    return HAZUMI_ROOT


@pytest.fixture(scope="session")
def hazumi_real(hazumi_root: Path):
    """The loader's Bunch for versions 1902 + 1911 (default options), loaded once."""
    from hazumi_sk.datasets import load_hazumi

    return load_hazumi(hazumi_root, versions=["1902", "1911"], progress=False)
