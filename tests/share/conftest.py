"""Fixtures for the sharing tests: a private copy of the demo store, and a headless Chromium.

The browser tests drive Debian's Chromium (``/usr/bin/chromium``, or ``$SEGVIEW_CHROMIUM``)
through Playwright. Where no Chromium is installed they skip, saying how to install it; under
CI (``$CI`` set), where ``.ci/run`` installs it, a missing browser fails instead.

Screenshots go to the test's temporary directory; with ``SEGVIEW_SCREENSHOTS=DIR`` they are
written into DIR (``SEGVIEW_SCREENSHOTS=screenshots python -m pytest tests/share`` refreshes
the README's pictures).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_LOGS = ROOT / "sample_logs"
CHROMIUM = Path(os.environ.get("SEGVIEW_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _work_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def demo_store(tmp_path: Path) -> Path:
    """A copy of the committed demo store, as ``./sample_logs`` of the test's directory."""
    dest = tmp_path / "sample_logs"
    shutil.copytree(SAMPLE_LOGS, dest)
    return dest


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where a test saves its screenshots."""
    wanted = os.environ.get("SEGVIEW_SCREENSHOTS")
    out = Path(wanted) if wanted else tmp_path / "screenshots"
    if not out.is_absolute():
        out = ROOT / out
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium (Playwright's sync API), shared by a module's tests (and closed
    after them: Playwright's sync API keeps an event loop running while it is open)."""
    if not CHROMIUM.exists():
        reason = (
            f"no Chromium at {CHROMIUM}: install Debian's chromium package "
            "(apt-get install chromium) or set SEGVIEW_CHROMIUM"
        )
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI installs it: see .ci/run)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        try:
            yield b
        finally:
            b.close()
