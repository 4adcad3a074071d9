"""How a command starts and ends. What it imports: ``segview --help`` and a usage error build
the parser and nothing else; a reading command does not import Textual or pydantic, and the
app does not import pydantic before its first segment; only a write loads ``ctypes``. Each runs in a fresh interpreter, since this process has imported
everything already. How it ends: with all its output, its exit status, and quietly when the
reader of its output stops early."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile import MALFORMED_SCOPE_SEGMENT, write_malformed_scope

ROOT = Path(__file__).resolve().parent.parent
HEAVY = (
    "segview.store.fs_store",
    "segview.store.model",
    "segview.lineage",
    "segview.index",
    "textual",
    "pydantic",
    "sqlite3",
)


def imported_after(argv: list[str], env: dict[str, str] | None = None) -> set[str]:
    """The modules loaded once ``segview ARGV`` has run, as top-level names and the
    ``segview.*`` packages."""
    code = (
        "import sys, contextlib, io\n"
        "from segview.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    main({argv!r})\n"
        "print('\\n'.join(sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=None if env is None else {**os.environ, **env},
    )
    return set(proc.stdout.split())


def loaded(modules: set[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["tree", "--help"], ["export", "--help"], ["show"], ["--version"]],
    ids=["help", "tree-help", "export-help", "usage-error", "version"],
)
def test_help_and_usage_errors_import_only_the_parser(argv: list[str]) -> None:
    modules = imported_after(argv)
    assert "segview.cli.parser" in modules
    assert [name for name in HEAVY if loaded(modules, name)] == []


def test_a_reading_command_on_an_indexed_store_imports_neither_textual_nor_pydantic(
    tmp_path: Path,
) -> None:
    """The first ``tree`` reads every entry (and validates it); the next prints again what it
    printed (``segview.cli.kept``), without the lineage model; after a label is added, the
    tree is made again, from the index: every file is unchanged, so none is read."""
    import shutil

    store = tmp_path / "store"
    shutil.copytree(ROOT / "sample_logs", store)
    env = {"SEGVIEW_CACHE_DIR": str(tmp_path / "cache")}
    first = imported_after(["tree", str(store)], env)
    assert loaded(first, "pydantic")  # it did read the store
    again = imported_after(["tree", str(store)], env)
    segment = sorted(store.glob("*.jsonl"))[0].name[:8]
    subprocess.run(
        [sys.executable, "-m", "segview", "label", str(store), segment, "a label"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, **env},
    )
    made = imported_after(["tree", str(store)], env)
    assert loaded(made, "segview.lineage")
    for modules in (again, made):
        assert not loaded(modules, "textual")
        assert not loaded(modules, "pydantic")
        assert not loaded(modules, "ctypes")  # only a segment being published needs it
    # nor what start-up spares a printed-again tree: the lineage model, logging (imported
    # with the first warning), shutil (argparse asks it the terminal's width)
    assert [m for m in ("segview.lineage", "logging", "shutil") if loaded(again, m)] == []


def test_the_store_cores_warnings_reach_stderr(tmp_path: Path) -> None:
    """``logging`` is imported with the store core's first warning, and the command's
    handler with it: the warning is one ``segview: warning:`` line on stderr, its text from
    the log escaped."""
    store = tmp_path / "store"
    write_malformed_scope(store, rb"\u001b]0;owned\u0007")
    proc = segview("show", str(store), MALFORMED_SCOPE_SEGMENT[:8], "--json", "--no-index")
    assert proc.returncode == 0, proc.stderr
    json.loads(proc.stdout)
    assert proc.stderr.startswith(b"segview: warning: ignoring malformed pod.scope payload: ")
    assert proc.stderr.count(b"\n") == 1 and b"\x1b" not in proc.stderr


def segview(*args: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    """``python -m segview ARGS``, which ends the way the ``segview`` command does."""
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "segview", *args], cwd=ROOT, capture_output=True, **kwargs
    )


def test_the_app_is_imported_without_the_store_models() -> None:
    """What the app's first frame needs (its screens, the tree, an empty pane) imports
    neither pydantic nor the models: the loader's thread imports them with the first
    segment it opens."""
    proc = subprocess.run(
        [sys.executable, "-c", "import sys, segview.app; print('\\n'.join(sys.modules))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    modules = set(proc.stdout.split())
    assert loaded(modules, "textual")
    assert loaded(modules, "segview.app.widgets.conversation")
    assert [name for name in ("pydantic", "segview.store.model") if loaded(modules, name)] == []


def test_the_command_ends_with_all_its_output_and_its_exit_status() -> None:
    listed = segview("ls", "sample_logs", "--json", "--no-index")
    assert listed.returncode == 0 and listed.stderr == b""
    rows = json.loads(listed.stdout)  # the whole list, flushed before the end
    assert len(rows) == len(list((ROOT / "sample_logs").glob("*.jsonl")))
    missing = segview("show", "sample_logs", "no-such-segment")
    assert missing.returncode == 1
    assert missing.stdout == b""
    assert missing.stderr.startswith(b"segview: no segment matches")


def test_a_reader_that_stops_early_ends_it_quietly() -> None:
    """``segview cat … | head``: the pipe closes, the command ends with status 0 and says
    nothing about it."""
    largest = max((ROOT / "sample_logs").glob("*.jsonl"), key=lambda p: p.stat().st_size)
    assert largest.stat().st_size > 256 * 1024  # more than a pipe holds: the writer meets it
    proc = subprocess.Popen(
        [sys.executable, "-m", "segview", "cat", str(largest)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(10) == b'{"kind":"s'
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""
