"""Shared fixtures: the golden reference stores (copied from the Rust crate's output)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
GOLDEN_STORES = GOLDEN / "stores"
GOLDEN_EXPECTED = GOLDEN / "expected"
GOLDEN_CASES = sorted(p.name for p in GOLDEN_STORES.iterdir())


def golden_segment_files() -> list[Path]:
    return sorted(GOLDEN_STORES.glob("*/*.jsonl"))


@pytest.fixture
def golden_copy(tmp_path: Path):
    """A function copying one golden store into a temp dir (tests never write to tests/)."""

    def copy(case: str) -> Path:
        dest = tmp_path / case
        shutil.copytree(GOLDEN_STORES / case, dest)
        return dest

    return copy


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's own config file (prices) never reaches a test; a test sets its own."""
    monkeypatch.setenv("SEGVIEW_CONFIG", str(tmp_path / "no-segview-config.toml"))


@pytest.fixture(autouse=True)
def _own_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's remembered state (the theme) is the test's own: never the user's file, and
    outside the test's own temporary directory."""
    monkeypatch.setenv("SEGVIEW_STATE_DIR", str(tmp_path_factory.mktemp("segview-state")))


@pytest.fixture(autouse=True)
def _own_index(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has an index directory of its own (never the user's cache, and outside the
    test's own temporary directory, which some tests compare before and after)."""
    monkeypatch.setenv("SEGVIEW_CACHE_DIR", str(tmp_path_factory.mktemp("segview-cache")))
    monkeypatch.delenv("SEGVIEW_NO_INDEX", raising=False)


@pytest.fixture(autouse=True)
def _own_temp_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Temporary files a test's code makes in process (a demo copy the test does not remove,
    an export's fallback directory) go under pytest's own temporary directories, which pytest
    prunes, never into the machine's /tmp."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("tmp")))
