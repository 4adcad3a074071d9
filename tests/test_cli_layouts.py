"""Every command on every layout: a runtime data directory, a directory of session directories,
one session directory, a worker aggregate (and its ``session/`` and ``session/segments/``), a
flat store, and a segment file. Odd entries are reported and never block a command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from segview.cli import main
from segview.store import FsStore, SegmentOrigin, SegmentStart
from tests.conftest import GOLDEN_EXPECTED, GOLDEN_STORES
from tests.layouts import (
    WORKER_ID,
    Built,
    build_data_dir,
    head_sessions,
    session_json,
    sid,
    subset,
    write_segment,
)

Capture = pytest.CaptureFixture[str]


def run(capsys: Capture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- the reference data in every layout -------------------------------------------------------

PARTS = [
    "data directory",
    "sessions",
    "session directory",
    "worker aggregate",
    "worker session",
    "worker segments",
]


def part(built: Built, name: str) -> Built:
    data = built.path
    basic = head_sessions("head_basic")
    (compat,) = head_sessions("head_compat")
    worker = data / "runtime" / "workers" / WORKER_ID
    paths = {
        "data directory": (data, built.order),
        "sessions": (data / "sessions", [i for s in basic for i in s.order]),
        "session directory": (data / "sessions" / basic[1].session_id, basic[1].order),
        "worker aggregate": (worker, compat.order),
        "worker session": (worker / "session", compat.order),
        "worker segments": (worker / "session" / "segments", compat.order),
    }
    path, ids = paths[name]
    return subset(built, path, ids)


@pytest.fixture(scope="module")
def head_data(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_data_dir(tmp_path_factory.mktemp("head"))


def snapshot(root: Path) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            out[str(path.relative_to(root))] = None if path.is_dir() else path.read_bytes()
    return out


@pytest.mark.parametrize("name", PARTS)
def test_ls_lists_in_the_runtimes_order(name: str, head_data: Built, capsys: Capture) -> None:
    built = part(head_data, name)
    code, out, err = run(capsys, "ls", str(built.path), "--json")
    assert (code, err) == (0, "")
    rows = json.loads(out)
    assert [r["id"] for r in rows] == built.order
    for row in rows:
        assert row["entries"] == built.entry_counts[row["id"]]
        assert row["session_id"] == built.sessions[row["id"]]
        assert row["path"] == str(built.files[row["id"]])
    code, out, err = run(capsys, "ls", str(built.path))
    table = out.splitlines()
    assert (code, err) == (0, "") and len(table) == 1 + len(built.order)
    assert [line.split()[0] for line in table[1:]] == built.order


@pytest.mark.parametrize("name", PARTS)
def test_tree_and_check_see_every_segment(name: str, head_data: Built, capsys: Capture) -> None:
    built = part(head_data, name)
    code, out, err = run(capsys, "tree", str(built.path), "--json")
    assert (code, err) == (0, "")
    seen: dict[str, str | None] = {}
    stack = json.loads(out)
    while stack:
        node = stack.pop()
        seen[node["id"]] = node["session_id"]
        stack.extend(node["children"])
    assert seen == built.sessions
    code, out, err = run(capsys, "tree", str(built.path))
    assert code == 0 and "no segments" not in out
    for session_id in set(built.sessions.values()):
        assert f"session {session_id}" in out
    code, out, err = run(capsys, "check", str(built.path), "--json")
    assert code in (0, 1)
    assert {p["segment_id"] for p in json.loads(out)} <= set(built.order)  # nothing skipped


@pytest.mark.parametrize("name", PARTS)
def test_show_and_cat_find_each_segment(name: str, head_data: Built, capsys: Capture) -> None:
    built = part(head_data, name)
    for segment_id in built.order:
        code, out, _err = run(capsys, "show", str(built.path), segment_id, "--json")
        state = json.loads(out)
        assert code == 0 and state["segment_id"] == segment_id and state["entries_count"] >= 1
        code, out, _err = run(capsys, "cat", str(built.path), segment_id[:13])
        assert code in (0, 1) and out.count("\n") >= 1
    # a segment the runtime wrote is reproduced byte for byte, wherever it is
    exact = "0198c1a0-0002-7002-8000-000000000002"
    if exact in built.order:
        code, out, err = run(capsys, "cat", str(built.path), exact)
        assert (code, err) == (0, "") and out.encode() == built.files[exact].read_bytes()


def test_a_segment_file_is_a_store_with_that_segment(head_data: Built, capsys: Capture) -> None:
    for segment_id in head_data.order:
        path = str(head_data.files[segment_id])
        code, out, _err = run(capsys, "ls", path, "--json")
        assert code == 0 and [r["id"] for r in json.loads(out)] == [segment_id]
        code, out, _err = run(capsys, "show", path, "--json")
        assert code == 0 and json.loads(out)["segment_id"] == segment_id
        code, out, _err = run(capsys, "cat", path)
        assert code in (0, 1) and out
        code, out, _err = run(capsys, "check", path, "--json")
        assert {p["segment_id"] for p in json.loads(out)} <= {segment_id}
        code, out, _err = run(capsys, "tree", path, "--json")
        assert code == 0 and segment_id in out  # the forest of its directory
    code, _out, err = run(capsys, "show", str(head_data.path))
    assert code == 2 and "no SEGMENT given" in err


@pytest.mark.parametrize("case", sorted(p.name for p in GOLDEN_STORES.iterdir()))
def test_a_flat_reference_store(case: str, capsys: Capture) -> None:
    listing = json.loads((GOLDEN_EXPECTED / case / "list.json").read_text())
    code, out, _err = run(capsys, "ls", str(GOLDEN_STORES / case), "--json")
    rows = json.loads(out)
    assert code == 0 and [r["id"] for r in rows] == listing["order"]
    assert {r["id"]: r["entries"] for r in rows} == listing["entry_counts"]
    assert {r["session_id"] for r in rows} == {None}


# --- stores written by segview, in every layout: exact output, forks beside their source ------


S1, S2, S3 = sid(901), sid(902), sid(903)


@pytest.fixture
def written(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    """A data directory: two sessions, a worker aggregate, a flat file in sessions/."""
    data = tmp_path / "data"
    files = {
        sid(1): write_segment(data / "sessions" / S1, sid(1), S1, ts=100, turns=3, text="one"),
        sid(2): write_segment(data / "sessions" / S2, sid(2), S2, ts=200, turns=2, text="two"),
        sid(4): write_segment(data / "sessions", sid(4), None, ts=400, turns=1, text="flat"),
    }
    segments = data / "runtime" / "workers" / WORKER_ID / "session" / "segments"
    files[sid(3)] = write_segment(segments, sid(3), S3, ts=300, turns=2, text="three")
    (segments.parent / "session.json").write_bytes(session_json(S3))
    return data, files


def test_every_command_on_a_written_data_directory(
    written: tuple[Path, dict[str, Path]], capsys: Capture
) -> None:
    data, files = written
    order = [sid(3), sid(2), sid(1), sid(4)]  # sessions newest first, the flat file last
    code, out, _err = run(capsys, "ls", str(data), "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == order
    assert [r["session_id"] for r in json.loads(out)] == [S3, S2, S1, None]
    assert run(capsys, "check", str(data))[:2] == (0, "")
    for segment_id, path in files.items():
        code, out, err = run(capsys, "cat", str(data), segment_id[:13])
        assert (code, err) == (0, "") and out.encode() == path.read_bytes()
    code, out, err = run(capsys, "tree", str(data))
    assert code == 0 and err == ""
    assert f"session {S3}" in out and "(outside any session directory)" in out


@pytest.mark.parametrize("source", [1, 3, 4], ids=["session", "worker", "flat"])
def test_fork_writes_beside_its_source(
    source: int, written: tuple[Path, dict[str, Path]], capsys: Capture
) -> None:
    data, files = written
    before = snapshot(data)
    code, out, err = run(capsys, "fork", str(data), sid(source), "--at-turn", "1", "--json")
    assert (code, err) == (0, "")
    new_id = json.loads(out)["segment_id"]
    directory = files[sid(source)].parent
    assert set(snapshot(data)) - set(before) == {
        str((directory / f"{new_id}.jsonl").relative_to(data))
    }
    assert all(snapshot(data)[k] == v for k, v in before.items())
    (start,) = FsStore(directory).read_all(new_id)
    assert isinstance(start, SegmentStart)
    assert start.forked_from == SegmentOrigin(segment_id=sid(source), at_turn_index=1)
    code, out, _err = run(capsys, "tree", str(data), "--json")
    (node,) = [n for n in json.loads(out) if n["id"] == sid(source)]
    assert [c["id"] for c in node["children"]] == [new_id]
    # listed beside its source (in its session), newest first
    code, out, _err = run(capsys, "ls", str(data), "--json")
    rows = json.loads(out)
    session = next(r["session_id"] for r in rows if r["id"] == sid(source))
    assert [r["id"] for r in rows if r["session_id"] == session] == [new_id, sid(source)]


def test_check_reports_a_worker_without_its_session_file(
    written: tuple[Path, dict[str, Path]], capsys: Capture
) -> None:
    data, files = written
    manifest = files[sid(3)].parent.parent / "session.json"
    manifest.unlink()
    code, out, _err = run(capsys, "check", str(data))
    assert code == 1
    assert out == f"{manifest}: missing: its segments are listed without a session id\n"
    code, out, _err = run(capsys, "ls", str(data), "--json")
    rows = {r["id"]: r["session_id"] for r in json.loads(out)}
    assert rows == {sid(1): S1, sid(2): S2, sid(3): None, sid(4): None}


# --- odd entries: reported, never blocking ----------------------------------------------------


def odd_store(root: Path) -> tuple[Path, str]:
    """A session store with a FIFO, a link to a FIFO, a link loop and an upper-case name."""
    write_segment(root / S1, sid(1), S1, ts=100, turns=2, text="fine")
    fifo = sid(7)
    os.mkfifo(root / S1 / f"{fifo}.jsonl")
    os.symlink(root / S1 / f"{fifo}.jsonl", root / S1 / f"{sid(8)}.jsonl")
    os.symlink(root / S1 / f"{sid(10)}.jsonl", root / S1 / f"{sid(9)}.jsonl")
    os.symlink(root / S1 / f"{sid(9)}.jsonl", root / S1 / f"{sid(10)}.jsonl")
    shutil.copy(root / S1 / f"{sid(1)}.jsonl", root / S1 / f"{sid(11).upper()}.jsonl")
    return root, fifo


def test_odd_entries_are_reported_by_check(tmp_path: Path, capsys: Capture) -> None:
    root, fifo = odd_store(tmp_path)
    code, out, err = run(capsys, "check", str(root))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 5 and all(": skipped: " in line for line in lines)
    assert any(f"{fifo}.jsonl: skipped: a FIFO" in line for line in lines)
    assert sum("symbolic link loop" in line for line in lines) == 2
    code, out, err = run(capsys, "ls", str(root), "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == [sid(1)]
    code, _out, err = run(capsys, "show", str(root), fifo)
    assert code == 1 and "no segment matches" in err and "a FIFO" in err


FIFO_COMMANDS = [
    ["ls"],
    ["ls", "--json"],
    ["tree"],
    ["check"],
    ["show", "{fifo}"],
    ["cat", "{fifo}"],
    ["fork", "{fifo}", "--at-turn", "0"],
    ["show", "0190e000"],  # a prefix the FIFO shares with the listed segment
]


@pytest.mark.parametrize("args", FIFO_COMMANDS, ids=" ".join)
def test_a_fifo_named_like_a_segment_never_hangs(args: list[str], tmp_path: Path) -> None:
    """Each command runs in a process of its own: were the FIFO opened, the process would
    wait for a writer forever (the timeout is only a guard against that)."""
    root, fifo = odd_store(tmp_path)
    command, *rest = (a.format(fifo=fifo) for a in args)
    proc = subprocess.run(
        [sys.executable, "-m", "segview", command, str(root), *rest],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode in (0, 1, 2) and "Traceback" not in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "segview", "show", str(root / S1 / f"{fifo}.jsonl")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2 and "a FIFO" in proc.stderr
