"""The built wheel works without the repository around it.

The wheel is installed into a fresh virtual environment outside the checkout and
``hazumi-sk demo`` runs there offline, so a missing package-data file, a lookup
next to the source tree or an import of a module the wheel does not ship fails here.
Third-party dependencies come from the test run's own environment (a ``.pth``
file): installing torch afresh would need the network and minutes, and the point is
hazumi-sk's own files.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, check=True, **kwargs)


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory):
    base = tmp_path_factory.mktemp("wheel")
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         str(ROOT), "-w", str(base / "dist")],
    )  # fmt: skip
    wheel = next((base / "dist").glob("hazumi_sk-*.whl"))
    env_dir = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)])
    python = env_dir / "bin" / "python"
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = Path(_run([str(python), "-c", code]).stdout.strip())
    # Dependencies from this environment; hazumi_sk itself only from the wheel (the
    # editable install's finder is a .pth of this site dir, which is not processed).
    (purelib / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "-q", str(wheel)],
    )  # fmt: skip
    return env_dir, base


@pytest.mark.slow
def test_wheel_installs_and_runs_the_demo_outside_the_checkout(wheel_env):
    env_dir, base = wheel_env
    work = base / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "HAZUMI_SK_PAPER_TABLES"}}
    where = _run(
        [str(env_dir / "bin" / "python"), "-c", "import hazumi_sk; print(hazumi_sk.__file__)"],
        cwd=work,
        env=env,
    ).stdout.strip()
    assert where.startswith(str(env_dir)), where  # not the checkout
    result = _run(
        [str(env_dir / "bin" / "hazumi-sk"), "demo", "--tiny", "--out", "demo"],
        cwd=work,
        env=env,
    )
    assert "Report:" in result.stdout
    markdown = (work / "demo" / "report.md").read_text()
    # The paper's numbers come from the wheel's package data: worthwhile's published r.
    assert "0.531" in markdown and "shipped with hazumi-sk" in markdown
    assert str(ROOT) not in markdown
