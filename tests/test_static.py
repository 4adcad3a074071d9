"""The project's static checks, run as part of the test suite."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tokenize
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


HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{3,6}\b")
PALETTES = ROOT / "segview" / "app" / "themes.py"  # where the themes' colours are declared
DEMO_TEXT = ROOT / "segview" / "samples"  # the demo's log text ("deploy #212"), not colours
STRINGS = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def hex_colours(source: bytes) -> list[tuple[int, str]]:
    """(line, string) of each string in Python ``source`` holding a hex colour (comments are
    not strings)."""
    return [
        (token.start[0], token.string)
        for token in tokenize.tokenize(io.BytesIO(source).readline)
        if token.type in STRINGS and HEX_COLOUR.search(token.string)
    ]


def test_no_colour_is_written_in_python() -> None:
    """Every colour comes from the theme: no hex colour in a string of the package's Python,
    but in the palettes of segview's own themes. The HTML replay's CSS is a file of its own
    (``segview/share/assets``), outside this check."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: {string}"
        for path in sorted((ROOT / "segview").rglob("*.py"))
        if path != PALETTES and DEMO_TEXT not in path.parents
        for line, string in hex_colours(path.read_bytes())
    ]
    assert found == []


def test_the_colour_check_reads_strings_not_comments() -> None:
    source = b'x = "bold #e06c75"  # not "#61afef", a comment\ny = f"{x} on #fff"\nz = "#1"\n'
    assert [line for line, _string in hex_colours(source)] == [1, 2]
