"""``segview [STORE | FILE.jsonl | --demo]``: what the app opens, and the errors before it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from segview.app import SegviewApp
from segview.app.widgets.chrome.app_header import DemoNote
from segview.cli import main as cli_main
from segview.cli.app_cmd import default_store_candidates, resolve_target

from . import expected
from .helpers import FORK_MID, MAIN, SAMPLE_LOGS, SIZE, opened

ENV_VARS = ("INSOMNIA_DATA_DIR", "INSOMNIA_HOME", "YOI_DATA_DIR", "YOI_HOME", "XDG_DATA_HOME")


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME with nothing in it, and none of the runtime's variables set."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    return home


def test_a_store_that_does_not_exist_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli_main(["no/such/store"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no/such/store" in err and "Traceback" not in err


def test_a_file_that_is_not_a_store_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    assert cli_main([str(tmp_path / "notes.txt")]) == 2
    assert cli_main([str(tmp_path / "missing.jsonl")]) == 2
    (tmp_path / "not-an-id.jsonl").write_text("{}\n")
    assert cli_main([str(tmp_path / "not-an-id.jsonl")]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3 and all(line.startswith("segview: ") for line in lines)


def test_help_explains_itself_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "segview --demo" in out and "FILE.jsonl" in out
    assert "$YOI_DATA_DIR" in out and "ls" in out and "serve" in out


def test_a_segment_file_opens_its_store_with_that_segment(demo_store: Path) -> None:
    target = resolve_target(f"sample_logs/{FORK_MID}.jsonl", False)
    assert target.store == Path("sample_logs")
    assert target.select == FORK_MID


async def test_the_app_opened_on_a_segment_file_shows_that_segment(demo_store: Path) -> None:
    target = resolve_target(str(demo_store / f"{FORK_MID}.jsonl"), False)
    app = SegviewApp(target.store, select=target.select, now=0, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, FORK_MID)
        assert app.main.ancestry.cursor_node is app.main.ancestry.node_for(FORK_MID)
        last = expected.turn_counts(demo_store, FORK_MID)[-1]
        assert app.main.turn_bar.position == f"turn {last} / {last}"


def test_a_segment_file_in_a_session_directory_opens_that_directory(tmp_path: Path) -> None:
    session = "0193aaaa-0000-7000-8000-000000000001"
    store = tmp_path / "sessions"
    (store / session).mkdir(parents=True)
    shutil.copy(SAMPLE_LOGS / f"{MAIN}.jsonl", store / session / f"{MAIN}.jsonl")
    target = resolve_target(str(store / session / f"{MAIN}.jsonl"), False)
    assert target.store == store / session and target.select == MAIN


def test_the_default_store_is_the_first_data_directory_holding_logs(
    clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YOI_DATA_DIR", str(tmp_path / "ydata"))
    monkeypatch.setenv("YOI_HOME", str(tmp_path / "yhome"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("INSOMNIA_DATA_DIR", str(tmp_path / "idata"))
    monkeypatch.setenv("INSOMNIA_HOME", str(tmp_path / "ihome"))
    order = [
        tmp_path / "ydata",
        tmp_path / "yhome",
        tmp_path / "xdg" / "yoi",
        clean_env / ".local" / "share" / "yoi",
        tmp_path / "idata",
        tmp_path / "ihome",
        clean_env / ".insomnia",
    ]
    assert default_store_candidates() == order
    for place in order:  # a data directory with no logs in it is passed over
        place.mkdir(parents=True)
    assert resolve_target(None, False).note is not None
    for n, place in enumerate(reversed(order)):  # each one wins over every later one
        logs = place / "sessions" if n % 2 else place / "runtime" / "workers"
        logs.mkdir(parents=True)
        target = resolve_target(None, False)
        assert target.store == place and target.note is None and target.select is None


def test_without_argument_or_default_store_a_fresh_demo_copy_opens(clean_env: Path) -> None:
    target = resolve_target(None, False)
    assert target.note is not None and "demo store" in target.note
    assert str(target.store) in target.note and "segview PATH" in target.note
    assert target.select == MAIN
    demo_files = sorted(p.name for p in SAMPLE_LOGS.glob("*.jsonl"))
    assert sorted(p.name for p in target.store.glob("*.jsonl")) == demo_files
    for name in demo_files:
        assert (target.store / name).read_bytes() == (SAMPLE_LOGS / name).read_bytes()
    shutil.rmtree(target.store.parent)


def test_demo_opens_the_demo_even_when_a_default_store_exists(clean_env: Path) -> None:
    (clean_env / ".local" / "share" / "yoi" / "sessions").mkdir(parents=True)
    target = resolve_target(None, True)
    assert target.note is not None and target.store.name == "sample_logs"
    shutil.rmtree(target.store.parent)


async def test_the_demo_note_is_shown_in_the_app(clean_env: Path) -> None:
    target = resolve_target(None, False)
    app = SegviewApp(target.store, select=target.select, note=target.note, now=0, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        note = app.query_one(DemoNote)
        assert note.display and "demo store" in str(note.content)
        assert "segview PATH" in str(note.content)
    shutil.rmtree(target.store.parent)


def test_without_a_terminal_the_app_refuses_to_start(tmp_path: Path) -> None:
    """Run as a script would (stdin from /dev/null, output to a pipe): a one-line message and
    exit status 2, at once, instead of an app spinning with nobody to draw for."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "segview", str(SAMPLE_LOGS)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert proc.stdout == b""
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and "needs a terminal" in err and "segview ls" in err
    assert "\x1b" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("ends_process", [True, False])
async def test_quitting_an_app_that_ends_its_process_skips_collecting(
    demo_store: Path, ends_process: bool
) -> None:
    """Started by the ``segview`` command, the app's process ends with it: ``q`` turns the
    cyclic collector off rather than have it walk a large store's objects on the way out.
    An app that does not end its process (a test, ``serve``) leaves the collector alone."""
    import gc

    app = SegviewApp(demo_store, select=MAIN, now=0, watch=False)
    app.ends_process = ends_process
    try:
        async with app.run_test(size=SIZE) as pilot:
            await opened(pilot, MAIN)
            assert gc.isenabled()
            await pilot.press("q")
        assert gc.isenabled() is not ends_process
    finally:
        gc.enable()
