"""The project's static checks, run as part of the test suite."""

from __future__ import annotations

import re
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


def test_package_passes_mypy_strict() -> None:
    """The whole package, the app and the command line included: ``mypy --strict``."""
    from mypy import api

    out, err, status = api.run(
        ["--strict", "--config-file", str(ROOT / "pyproject.toml"), str(ROOT / "segview")]
    )
    assert status == 0, out + err


def test_developer_tools_pass_mypy_strict() -> None:
    """``tools/`` (outside the package), with what it imports from the tests."""
    from mypy import api

    out, err, status = api.run(
        ["--strict", "--config-file", str(ROOT / "pyproject.toml"), str(ROOT / "tools")]
    )
    assert status == 0, out + err


def test_type_ignores_name_their_error_code() -> None:
    """No blanket ``type: ignore``: each one names the error it silences."""
    blanket = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("segview", "tools")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"type:\s*ignore(?!\[)", line)
    ]
    assert blanket == []
