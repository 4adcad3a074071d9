"""The index never changes what a command prints: cold, warm, stale, damaged, of another
schema, or written by another process while the command runs."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from segview.cli import main
from segview.index import INDEX_NAME, StoreIndex
from segview.store import FsStore, TurnEnd, UserInput, fork_at
from segview.store.model import TextSegment
from tests.conftest import GOLDEN_STORES

REPO = Path(__file__).resolve().parent.parent
HEAD_STORES = Path(__file__).parent / "golden_head" / "stores"

STORES = {
    "sample_logs": REPO / "sample_logs",
    "basic": GOLDEN_STORES / "basic",
    "legacy": GOLDEN_STORES / "legacy",
    "head_basic": HEAD_STORES / "head_basic",
    "head_compat": HEAD_STORES / "head_compat",
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def commands(store: Path) -> list[list[str]]:
    """Every command that reads through the index, on every segment with a turn."""
    out = [
        ["tree", str(store)],
        ["tree", str(store), "--json"],
        ["ls", str(store)],
        ["ls", str(store), "--json"],
        ["check", str(store)],
        ["check", str(store), "--json"],
    ]
    for path in sorted(store.rglob("*.jsonl")):
        if path.name.endswith(".trace.jsonl"):
            continue
        out.append(["cat", str(path)])
        out.append(["show", str(path), "--json"])
        turns = [
            line.split(b'"turn_count":')[1].split(b",")[0].split(b"}")[0]
            for line in path.read_bytes().splitlines()
            if line.startswith(b'{"kind":"turn_end"') and b'"turn_count":' in line
        ]
        for turn in dict.fromkeys(turns[:2] + turns[-1:]):
            out.append(["show", str(path), "--turn", turn.decode()])
    return out


def without_index(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    return run(capsys, *argv, "--no-index")


def cache(monkeypatch: pytest.MonkeyPatch, where: Path) -> Path:
    monkeypatch.setenv("SEGVIEW_CACHE_DIR", str(where))
    return where / INDEX_NAME


@pytest.mark.parametrize("name", sorted(STORES))
def test_cold_and_warm_print_what_no_index_prints(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / name
    shutil.copytree(STORES[name], store)
    db = cache(monkeypatch, tmp_path / "cache")
    for argv in commands(store):
        expected = without_index(capsys, argv)
        assert run(capsys, *argv) == expected, argv  # cold, then warm
        assert run(capsys, *argv) == expected, argv
    assert db.exists()
    assert not list(store.rglob(INDEX_NAME))


def damage(db: Path, how: str) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    if how == "truncated":
        data = db.read_bytes()
        db.write_bytes(data[: len(data) // 3])
    elif how == "garbage":
        db.write_bytes(os.urandom(8192))
    elif how == "older schema":
        db.unlink()
        old = sqlite3.connect(db)
        old.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "INSERT INTO meta VALUES ('version', '0:0.0.1');"
            "CREATE TABLE files (path TEXT PRIMARY KEY, summary BLOB);"
        )
        old.commit()
        old.close()
    elif how == "another version":
        db_ = sqlite3.connect(db)
        db_.execute("UPDATE meta SET value = '2:9.9.9' WHERE key = 'version'")
        # what that version might have kept: rows this one must not trust
        db_.execute("UPDATE files SET turns = turns + 7, title = 'not from this file'")
        db_.commit()
        db_.close()
    elif how == "empty file":
        db.write_bytes(b"")


@pytest.mark.parametrize(
    "how", ["truncated", "garbage", "older schema", "another version", "empty file"]
)
def test_a_damaged_index_is_rebuilt_and_changes_nothing(
    how: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    shutil.copytree(STORES["sample_logs"], store)
    db = cache(monkeypatch, tmp_path / "cache")
    argvs = commands(store)
    expected = [without_index(capsys, argv) for argv in argvs]
    for argv in argvs:
        run(capsys, *argv)
    damage(db, how)
    got = [run(capsys, *argv) for argv in argvs]
    assert got == expected
    assert [run(capsys, *argv) for argv in argvs] == expected  # the rebuilt index
    index = StoreIndex.open(store)
    assert index is not None and index.rows_under(str(store.resolve()))
    index.close()


def test_appended_and_rewritten_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Appended files resume where the index stopped; files rewritten in place (shorter, at
    the same size with the time set back, replaced by a rename) are read again."""
    store = tmp_path / "store"
    shutil.copytree(STORES["sample_logs"], store)
    cache(monkeypatch, tmp_path / "cache")
    fs = FsStore(store)
    main_id = next(i for i in fs.list_segments() if i.startswith("01926b80"))
    fork_id = fork_at(fs, main_id, 2)

    def same_as_without_index() -> None:
        for argv in commands(store):
            assert run(capsys, *argv) == without_index(capsys, argv), argv

    for argv in commands(store):
        run(capsys, *argv)
    # appended: a turn more in the fork, written as the runtime appends
    fs.append(fork_id, UserInput(ts=1_900_000_000_000, segments=[TextSegment(content="more")]))
    fs.append(fork_id, TurnEnd(ts=1_900_000_000_001, turn_count=3))
    same_as_without_index()
    same_as_without_index()
    # rewritten at the same size, the modification time set back
    path = fs.path_for(fork_id)
    st = path.stat()
    data = path.read_bytes()
    path.write_bytes(data.replace(b"more", b"MORE"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    same_as_without_index()
    # shorter: the last two lines gone
    path.write_bytes(b"".join(data.splitlines(keepends=True)[:-2]))
    same_as_without_index()
    # replaced by a rename (another inode), same size and time
    other = tmp_path / "other.jsonl"
    other.write_bytes(data.replace(b"more", b"mOrE"))
    os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(other, path)
    same_as_without_index()
    # a write in progress: a last line without its newline, then completed
    with open(path, "ab") as f:
        f.write(b'{"kind":"turn_end","ts":1900000000002,')
    same_as_without_index()
    with open(path, "ab") as f:
        f.write(b'"turn_count":4}\n')
    same_as_without_index()


def test_another_process_writing_the_index_meanwhile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second segview process keeps writing the same index (every record, from scratch,
    again and again) while this one runs every command: every output is unchanged."""
    store = tmp_path / "store"
    shutil.copytree(STORES["sample_logs"], store)
    shutil.copytree(STORES["basic"], store / "basic-copy")
    db = cache(monkeypatch, tmp_path / "cache")
    argvs = commands(store)
    expected = [without_index(capsys, argv) for argv in argvs]
    script = (
        "import sqlite3, sys, time\n"
        "from segview.cli import main\n"
        "from segview.index import StoreIndex\n"
        "end = time.monotonic() + float(sys.argv[2])\n"
        "while time.monotonic() < end:\n"
        "    index = StoreIndex.open(sys.argv[1])\n"
        "    if index is not None:\n"
        "        try:\n"  # (segview itself rebuilds an index it finds damaged)
        "            index.connection.execute('DELETE FROM files')\n"
        "            index.connection.execute('DELETE FROM extra')\n"
        "        except sqlite3.DatabaseError:\n"
        "            pass\n"
        "        index.close()\n"
        "    for argv in (['tree', sys.argv[1], '--json'], ['ls', sys.argv[1]]):\n"
        "        main(argv)\n"
    )
    env = dict(os.environ, SEGVIEW_CACHE_DIR=str(db.parent))
    writer = subprocess.Popen(
        # it writes until it is killed (the limit only ends an orphan): on a loaded machine
        # the rounds below can take longer than any short limit
        [sys.executable, "-c", script, str(store), "600"],
        env=env,
        stdout=subprocess.DEVNULL,
        cwd=REPO,
    )
    try:
        time.sleep(0.5)
        rounds = 0
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline or rounds < 2:
            assert writer.poll() is None, "the writing process ended early"
            for argv, want in zip(argvs, expected, strict=True):
                assert run(capsys, *argv) == want, argv
            rounds += 1
    finally:
        writer.kill()
        writer.wait()


def test_the_index_is_never_inside_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    shutil.copytree(STORES["sample_logs"], store)
    before = sorted(p.name for p in store.rglob("*"))
    cache(monkeypatch, store / ".cache")
    expected = without_index(capsys, ["tree", str(store)])
    assert run(capsys, "tree", str(store)) == expected
    assert sorted(p.name for p in store.rglob("*")) == before


def test_no_index_by_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = cache(monkeypatch, tmp_path / "cache")
    monkeypatch.setenv("SEGVIEW_NO_INDEX", "1")
    run(capsys, "tree", str(STORES["sample_logs"]))
    assert not db.exists()
    monkeypatch.delenv("SEGVIEW_NO_INDEX")
    run(capsys, "tree", str(STORES["sample_logs"]))
    assert db.exists() and (db.stat().st_mode & 0o777) == 0o600


def test_a_file_with_more_problems_than_are_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The problems counted beyond the first 1,000 of a file come from the index as read."""
    store = tmp_path / "store"
    shutil.copytree(STORES["sample_logs"], store)
    cache(monkeypatch, tmp_path / "cache")
    path = next(store.glob("01926b80-*.jsonl"))
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:5]) + b"not json\n" * 1_500 + b"".join(lines[5:]))
    for argv in commands(store):
        expected = without_index(capsys, argv)
        assert run(capsys, *argv) == expected, argv
        assert run(capsys, *argv) == expected, argv


WARM_MODULES = (
    "import io, sys\n"
    "from contextlib import redirect_stdout\n"
    "from segview.cli import main\n"
    "with redirect_stdout(io.StringIO()) as out:\n"
    "    code = main(sys.argv[1:])\n"
    "loaded = sorted(m for m in ('pydantic', 'segview.store.model') if m in sys.modules)\n"
    "print(code, len(out.getvalue().splitlines()), *loaded)\n"
)


@pytest.mark.parametrize("layout", ["flat", "data directory"])
@pytest.mark.parametrize("command", ["tree", "ls", "check"])
def test_a_warm_listing_loads_neither_pydantic_nor_the_models(
    layout: str, command: str, tmp_path: Path
) -> None:
    """With the index warm, listing a store (flat, or a runtime data directory with session
    directories and a worker aggregate) decodes no entry, so it imports no model."""
    from tests.layouts import build_data_dir

    if layout == "flat":
        store = tmp_path / "store"
        shutil.copytree(STORES["sample_logs"], store)
    else:
        store = build_data_dir(tmp_path).path
    env = dict(os.environ, SEGVIEW_CACHE_DIR=str(tmp_path / "cache"))
    argv = [sys.executable, "-c", WARM_MODULES, command, str(store)]
    cold = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True, check=True)
    warm = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True, check=True)
    code, lines, *cold_loaded = cold.stdout.split()
    assert int(code) in (0, 1) and int(lines) > 0 and "pydantic" in cold_loaded
    assert warm.stdout.split() == [code, lines], warm.stdout


def test_a_locked_index_is_left_to_the_process_holding_it(tmp_path: Path) -> None:
    """An index another process is writing (here: rebuilding it, which needs the write lock)
    is not damage: this process goes without it, and the files stay, whole, for the other."""
    directory = tmp_path / "cache"
    first = StoreIndex.open(directory=directory)
    assert first is not None
    first.close()
    path = directory / INDEX_NAME
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("UPDATE meta SET value = 'another segview' WHERE key = 'version'")
    other.execute("BEGIN IMMEDIATE")  # what a process rebuilding the index holds
    try:
        assert StoreIndex.open(directory=directory) is None  # busy: no index here
        assert path.exists()
        assert other.execute("SELECT value FROM meta").fetchall() == [("another segview",)]
    finally:
        other.execute("COMMIT")
        other.close()
    again = StoreIndex.open(directory=directory)  # once free, it is rebuilt and used
    assert again is not None and again.connection is not None
    again.close()
