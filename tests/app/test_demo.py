"""``segview --demo``: a temporary copy of the committed demo store, removed on exit unless
something was written into it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

import segview.samples.committed as committed
from segview.app import SegviewApp
from segview.app.screens.fork_dialog import ForkDialog
from segview.cli import app_cmd
from segview.cli import main as cli_main
from segview.cli.app_cmd import DemoCopy, resolve_target
from segview.samples import DEMO_SEGMENTS, committed_store, copy_demo_store
from segview.store import FsStore, fork_at

from .helpers import MAIN, NOW, SAMPLE_LOGS, SIZE, opened, press, wait_for

DEMO_FILES = sorted(f"{segment_id}.jsonl" for segment_id in DEMO_SEGMENTS.values())


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The directory where temporary directories are made, so a test can see what is left."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def app_runs(
    monkeypatch: pytest.MonkeyPatch, during: Callable[[Path], object] | None = None
) -> list[Path]:
    """Replace running the app (which needs a terminal) by ``during(store)``; returns the
    stores the app was opened on."""
    opened_on: list[Path] = []

    def run(app: SegviewApp) -> None:
        opened_on.append(app.store_path)
        if during is not None:
            during(app.store_path)

    monkeypatch.setattr(SegviewApp, "run", run)
    monkeypatch.setattr(app_cmd, "has_terminal", lambda: True)
    return opened_on


def test_demo_with_a_store_is_a_usage_error(
    temp_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["--demo", "sample_logs"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("segview: ") and "Traceback" not in err
    assert "--demo" in err and "sample_logs" in err and "leave out --demo" in err
    assert list(temp_root.iterdir()) == []  # nothing was copied


def test_demo_copies_exactly_the_committed_store(temp_root: Path) -> None:
    assert Path(str(committed_store())) == SAMPLE_LOGS  # a checkout reads sample_logs/ itself
    target = resolve_target(None, True)
    assert target.demo is not None and target.store == target.demo.store
    assert target.store.parent.parent == temp_root and target.store.name == "sample_logs"
    assert sorted(p.name for p in target.store.iterdir()) == DEMO_FILES
    for name in DEMO_FILES:
        assert (target.store / name).read_bytes() == (SAMPLE_LOGS / name).read_bytes()
    assert target.select == MAIN


def test_only_the_demos_own_files_are_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "committed"
    copy_demo_store(source)
    (source / "0193aaaa-0000-7000-8000-000000000001.jsonl").write_bytes(b"a fork made there\n")
    monkeypatch.setattr(committed, "committed_store", lambda: source)
    assert copy_demo_store(tmp_path / "copy") == list(DEMO_SEGMENTS.values())
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == DEMO_FILES


def test_copying_never_overwrites(tmp_path: Path) -> None:
    main_file = tmp_path / f"{MAIN}.jsonl"
    main_file.write_bytes(b"mine\n")
    with pytest.raises(FileExistsError):
        copy_demo_store(tmp_path)
    assert main_file.read_bytes() == b"mine\n"


def test_an_untouched_demo_copy_is_removed_on_exit(
    temp_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened_on = app_runs(monkeypatch)
    assert cli_main(["--demo"]) == 0
    (store,) = opened_on
    assert store.parent.parent == temp_root
    assert not store.parent.exists()
    assert list(temp_root.iterdir()) == []
    assert capsys.readouterr().out == ""


def test_a_demo_copy_with_a_fork_is_kept_and_the_exit_says_where(
    temp_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    forks: list[str] = []
    opened_on = app_runs(monkeypatch, lambda store: forks.append(fork_at(FsStore(store), MAIN, 2)))
    assert cli_main(["--demo"]) == 0
    (store,) = opened_on
    assert sorted(p.name for p in store.iterdir()) == sorted([*DEMO_FILES, f"{forks[0]}.jsonl"])
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("segview: ") and str(store) in out


def test_the_default_demo_is_removed_on_exit_too(
    temp_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = temp_root.parent / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in ("INSOMNIA_DATA_DIR", "INSOMNIA_HOME", "YOI_DATA_DIR", "YOI_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(var, raising=False)
    opened_on = app_runs(monkeypatch)
    assert cli_main([]) == 0
    assert opened_on and opened_on[0].parent.parent == temp_root
    assert list(temp_root.iterdir()) == []


def test_a_copy_that_fails_is_one_line_and_leaves_nothing(
    temp_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def missing() -> Path:
        raise FileNotFoundError("the demo store is not part of this installation of segview")

    monkeypatch.setattr(committed, "committed_store", missing)
    assert cli_main(["--demo"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot copy the demo store" in err and "Traceback" not in err
    assert list(temp_root.iterdir()) == []


@pytest.fixture
def demo_copy(temp_root: Path) -> DemoCopy:
    return DemoCopy.create()


def app_on(demo: DemoCopy) -> SegviewApp:
    return SegviewApp(demo.store, select=MAIN, now=NOW, watch=False)


async def test_forking_in_the_app_keeps_the_copy(demo_copy: DemoCopy) -> None:
    app = app_on(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "g", "2", "enter")
        await press(pilot, "f")
        assert isinstance(app.screen, ForkDialog)
        await press(pilot, "enter")
        await wait_for(pilot, lambda: app.main.segment_id not in (None, MAIN), "the fork is opened")
    assert demo_copy.finish() == demo_copy.store
    assert len(list(demo_copy.store.iterdir())) == len(DEMO_FILES) + 1


async def test_browsing_and_exporting_leave_nothing_behind(
    demo_copy: DemoCopy, temp_root: Path, tmp_path: Path
) -> None:
    app = app_on(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "e", "m")  # the Markdown export of the last turn
        await wait_for(pilot, lambda: app.main.last_export is not None, "the export written")
    assert app.main.last_export is not None
    assert app.main.last_export.parent == tmp_path  # exports go to the current directory
    assert demo_copy.finish() is None
    assert list(temp_root.iterdir()) == []
