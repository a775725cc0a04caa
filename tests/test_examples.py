"""Every example script runs to completion (the gallery is rendered, never executed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HAZUMI_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "hazumi"

#: Examples with their own tests elsewhere (tests/test_analysis.py runs them with --out).
TESTED_ELSEWHERE = {"correlation_analysis.py", "synthetic_corpus.py"}
#: Examples that read the real corpus and print what they loaded.
NEEDS_HAZUMI = {"load_hazumi.py"}


def example_scripts() -> list[str]:
    return sorted(p.name for p in EXAMPLES.glob("*.py") if p.name not in TESTED_ELSEWHERE)


def test_every_example_is_covered():
    assert {"ragged_sequences.py", "fit_multitask.py", "grid_search.py"} <= set(example_scripts())


@pytest.mark.slow
@pytest.mark.parametrize("script", example_scripts())
def test_example_runs(script, tmp_path):
    if script in NEEDS_HAZUMI and not (HAZUMI_ROOT / "Hazumi1902").is_dir():
        pytest.skip(f"{script} needs the Hazumi corpus at {HAZUMI_ROOT}")
    # One torch thread per script: the suite runs two xdist workers on two cores.
    env = dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1")
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip(), f"{script} printed nothing"
