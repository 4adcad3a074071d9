"""Fixtures for the app tests: a private copy of the demo store, and an app factory.

Every test runs in its own temporary directory (the current directory too, since the
Markdown export writes there), so nothing is ever written into the repository.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from segview.app import SegviewApp

from .helpers import MAIN, NOW, SAMPLE_LOGS


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
def make_app(demo_store: Path) -> Callable[..., SegviewApp]:
    """``make_app(select=..., **kwargs)``: the app on the demo copy (relative path, fixed now)."""

    def make(select: str | None = MAIN, **kwargs: object) -> SegviewApp:
        kwargs.setdefault("now", NOW)
        kwargs.setdefault("watch", False)
        return SegviewApp("sample_logs", select=select, **kwargs)  # type: ignore[arg-type]

    return make
