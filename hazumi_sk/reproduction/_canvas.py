"""Figures drawn without pyplot, so writing a report never switches the user's backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure


def new_axes(figsize: tuple[float, float]) -> tuple[Figure, Any]:
    """A standalone figure and its axes (no pyplot state, works headless)."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots()


def save_figure(fig: Figure, path: Path, *, tight: bool = False) -> Path:
    """Write ``fig`` as PNG; ``tight`` crops to the drawn area (legends outside the axes)."""
    fig.tight_layout()
    fig.savefig(path, dpi=100, bbox_inches="tight" if tight else None)
    return path
