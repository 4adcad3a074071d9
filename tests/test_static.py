"""The project's static checks, run as part of the test suite."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    dirs = [d for d in ("segview", "tests", "benchmarks", "tools") if (ROOT / d).is_dir()]
    proc = subprocess.run(
        [ruff, "check", "--no-cache", *dirs],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_model_layers_pass_mypy_strict() -> None:
    """The store core, lineage, timeline, the browsing model, the text helpers, the demo
    generator and the compare, cost and notes models: ``mypy --strict``."""
    from mypy import api

    targets = [*(ROOT / "segview" / f for f in STRICT_MODULES)]
    out, err, status = api.run(
        ["--strict", "--config-file", str(ROOT / "pyproject.toml"), *map(str, targets)]
    )
    assert status == 0, out + err


def test_whole_package_type_checks() -> None:
    from mypy import api

    out, err, status = api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), str(ROOT / "segview")]
    )
    assert status == 0, out + err


def test_developer_tools_type_check() -> None:
    """``tools/`` (outside the package), with what it imports from the tests."""
    from mypy import api

    out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), str(ROOT / "tools")])
    assert status == 0, out + err


STRICT_MODULES = (
    "store",
    "browse",
    "lineage.py",
    "timeline.py",
    "text.py",
    "describe.py",
    "samples",
    "compare.py",
    "cost.py",
    "notes.py",
    "search.py",
)
