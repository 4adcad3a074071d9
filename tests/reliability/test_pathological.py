"""Pathological inputs, each named: a FIFO, devices behind symlinks, a million bad lines, a
100 MB line without a newline, a ts of u64 max, arguments nested 300 deep, a fork killed while
it writes, a filesystem without hard links, a private source segment, an export directory that
cannot be written.

Every command and every reader call runs with a time limit (``fuzz.run_cli`` or ``in_time``):
a call that blocks fails its test instead of blocking the suite. No test asserts a speed.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

import segview.store.publish as publishing
from segview.app.export import export_file
from segview.lineage import Lineage
from segview.store import (
    AlreadyExists,
    Corrupt,
    FsStore,
    MessageItem,
    RequestConfig,
    RestoredState,
    StoreIOError,
    TextPart,
    TextSegment,
    ToolCallItem,
    collect_state,
    create_segment,
    fork_at,
    save_delta,
    save_turn_end,
    save_user_input,
)
from segview.store.fs_store import MAX_LINE_BYTES, MAX_PROBLEMS, TEMP_NAME_RE, temporary_target
from segview.store.model import U64_MAX
from tests.reliability.fuzz import UNSAFE, run_cli
from tests.reliability.test_readonly import can_create_in, fail_writes_under

T = TypeVar("T")
TS = 1_750_000_000_000
GOOD = "0190c000-0000-7000-8000-000000000001"
BAD = "0190c000-0000-7000-8000-0000000000ba"
NEW = "0190c000-0000-7000-8000-0000000000ee"
VALID = 9  # lines of write_segment
LIMIT = 60.0  # seconds: far beyond any of these commands, short of a hang
UMASK = publishing._UMASK


def write_segment(store: FsStore, segment_id: str, *, ts: int = TS, arguments: str = "{}") -> None:
    """A valid two-turn segment (``VALID`` lines) through the store's own write operations."""
    state = RestoredState(system_prompt="be brief", config=RequestConfig(stop_sequences=[]))
    create_segment(store, state, ts=ts, segment_id=segment_id)
    for turn in (1, 2):
        save_user_input(store, segment_id, [TextSegment(content=f"hello {turn}")], ts=TS + turn)
        items = [
            ToolCallItem(call_id=f"c{turn}", name="read", arguments=arguments),
            MessageItem(role="assistant", content=[TextPart(text="hi")]),
        ]
        save_delta(store, segment_id, items, ts=TS + turn)
        save_turn_end(store, segment_id, turn, ts=TS + turn)


def in_time(func: Callable[[], T], seconds: float = LIMIT) -> T:
    """``func()`` in a thread; a call still running after ``seconds`` fails the test."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = func()
        except BaseException as exc:
            result["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"still running after {seconds:g} s: blocked")
    if "error" in result:
        raise result["error"]
    return result["value"]  # type: ignore[no-any-return]


def cli(*argv: str | Path) -> tuple[int, str, str]:
    """The command in-process with a time limit: (exit status, stdout, stderr); no traceback,
    no control character on either stream."""
    code, out, err, tb, finished = run_cli([str(a) for a in argv], LIMIT)
    assert finished, f"segview {argv} still running after {LIMIT:g} s"
    assert tb is None, tb
    assert code in (0, 1, 2), code
    text_out, text_err = out.decode(), err.decode()
    assert UNSAFE.search(text_out) is None and UNSAFE.search(text_err) is None
    return code, text_out, text_err


ALL_READERS: list[tuple[str, Callable[[FsStore, str], object]]] = [
    ("read_tolerant", lambda s, i: s.read_tolerant(i)),
    ("read_all", lambda s, i: s.read_all(i)),
    ("read_entry_count", lambda s, i: s.read_entry_count(i)),
    ("read_first_entry", lambda s, i: s.read_first_entry(i)),
    ("read_raw_lines", lambda s, i: s.read_raw_lines(i, [0])),
    ("fork_at", lambda s, i: fork_at(s, i, 0)),
]


# --- files that are not regular files ---------------------------------------------------------


@pytest.mark.parametrize("target", ["fifo", "socket", "/dev/zero", "/dev/urandom"])
def test_a_fifo_a_socket_or_a_device_named_like_a_segment_is_never_read(
    target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    root.mkdir()
    monkeypatch.chdir(root)  # a socket's path must be short
    store = FsStore(root)
    write_segment(store, GOOD)
    bad, trace = root / f"{BAD}.jsonl", root / f"{GOOD}.trace.jsonl"
    sockets = []
    for path in (bad, trace):
        if target == "fifo":
            os.mkfifo(path)
        elif target == "socket":
            sockets.append(socket.socket(socket.AF_UNIX))
            sockets[-1].bind(path.name)
        else:
            path.symlink_to(target)  # a device behind a symlink: /dev/zero never ends
    kind = {"fifo": "a FIFO", "socket": "a socket"}.get(target, "a character device")
    names = sorted(os.listdir(root))
    for name, read in ALL_READERS:
        with pytest.raises(StoreIOError) as info:
            in_time(lambda read=read: read(store, BAD))  # type: ignore[misc]
        assert f"not a regular file ({kind})" in str(info.value), name
    with pytest.raises(StoreIOError, match="not a regular file"):
        in_time(lambda: store.read_trace(GOOD))

    # every command finishes, reports the file and goes on with the others
    code, out, _err = cli("ls", root)
    assert code == 0 and GOOD in out
    code, out, _err = cli("tree", root)
    assert code == 0 and GOOD[:8] in out
    code, out, _err = cli("check", root)
    assert code == 1 and BAD in out and "not a regular file" in out
    for argv in (
        ("show", root, BAD),
        ("cat", root, BAD),
        ("fork", root, BAD, "--at-turn", "0"),
        ("show", bad),
    ):
        code, out, err = cli(*argv)
        assert code != 0 and out == "" and err.count("\n") == 1, (argv, err)
    code, out, _err = cli("show", root, GOOD)
    assert code == 0 and "hello 2" in out
    assert sorted(os.listdir(root)) == names
    for sock in sockets:
        sock.close()


# --- a million bad lines ----------------------------------------------------------------------

BAD_LINES = 1_000_000


@pytest.fixture(scope="module")
def million(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid segment, then a million lines of ``x`` (2 MB), beside a valid segment."""
    root = tmp_path_factory.mktemp("million")
    store = FsStore(root)
    write_segment(store, GOOD)
    write_segment(store, BAD)
    with open(store.path_for(BAD), "ab") as f:
        f.write(b"x\n" * BAD_LINES)
    return root


def test_a_million_bad_lines_keep_a_thousand_problems_and_count_the_rest(million: Path) -> None:
    read = in_time(lambda: FsStore(million).read_tolerant(BAD))
    assert len(read.entries) == VALID
    assert len(read.problems) == MAX_PROBLEMS
    assert [p.line for p in read.problems] == list(range(VALID + 1, VALID + 1 + MAX_PROBLEMS))
    assert read.problems_omitted == read.bad_lines_omitted == BAD_LINES - MAX_PROBLEMS
    assert (read.end_offset, read.next_line) == (
        million.joinpath(f"{BAD}.jsonl").stat().st_size,
        VALID + BAD_LINES + 1,
    )

    lineage = Lineage.open(million)
    node = lineage.load_details(lineage.nodes[BAD])
    assert len(node.problems) == MAX_PROBLEMS and node.problems_omitted == BAD_LINES - MAX_PROBLEMS
    assert node.entries == VALID + BAD_LINES  # every non-blank line counted, as the Rust crate does
    assert sum(p.count for p in lineage.problems()) == BAD_LINES


def test_a_million_bad_lines_through_every_command(million: Path) -> None:
    path = million / f"{BAD}.jsonl"
    code, out, err = cli("check", million)
    lines = out.splitlines()
    assert code == 1 and len(lines) == MAX_PROBLEMS + 1
    assert (
        lines[0] == f"{path}:{VALID + 1}: {FsStore(million).read_tolerant(BAD).problems[0].message}"
    )
    assert lines[-1] == (
        f"{path}: … and {BAD_LINES - MAX_PROBLEMS:,} more problems (the first 1,000 of a file "
        "are listed)"
    )
    assert err == "segview: 2 segments checked: 1,000,000 problems in 1 file\n"

    code, out, err = cli("show", million, BAD)
    warnings = err.splitlines()
    assert code == 0 and "hello 2" in out and len(warnings) == MAX_PROBLEMS + 1
    assert warnings[-1].endswith(
        f"… and {BAD_LINES - MAX_PROBLEMS:,} more problems (the first 1,000 of a file are listed)"
    )
    code, out, err = cli("cat", million, BAD)
    assert (
        code == 1 and len(out.splitlines()) == VALID and len(err.splitlines()) == MAX_PROBLEMS + 1
    )
    for command in ("ls", "tree"):
        code, out, _err = cli(command, million)
        assert code == 0 and "[1,000,000 problems]" in out, command


# --- a 100 MB line ----------------------------------------------------------------------------

HUGE = 100 * 1024 * 1024


def huge_line_store(root: Path, *, terminated: bool) -> Path:
    """A valid segment whose file then holds a 100 MB line of zero bytes (a sparse file: no
    time, no disk), with a newline and one more valid entry after it when ``terminated``."""
    store = FsStore(root)
    write_segment(store, GOOD)
    write_segment(store, BAD)
    path = store.path_for(BAD)
    last = path.read_bytes().splitlines(keepends=True)[-1]
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size + HUGE)
        if terminated:
            f.seek(0, os.SEEK_END)
            f.write(b"\n" + last)
    return path


def peak_of(func: Callable[[], T]) -> tuple[T, int]:
    tracemalloc.start()
    try:
        result = func()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("terminated", [True, False], ids=["terminated", "no newline"])
def test_a_100_mb_line_is_skipped_without_being_held_whole(
    terminated: bool, tmp_path: Path
) -> None:
    huge_line_store(tmp_path, terminated=terminated)
    store = FsStore(tmp_path)
    read, peak = peak_of(lambda: store.read_tolerant(BAD))
    assert peak < MAX_LINE_BYTES + (16 << 20)  # at most the limit at once, never the line
    assert len(read.entries) == VALID + terminated
    (problem,) = read.problems
    assert problem.line == VALID + 1
    if terminated:
        assert problem.message == (
            f"line of {HUGE:,} bytes, longer than the 64 MiB segview reads (line skipped)"
        )
        assert not read.pending_tail and read.next_line == VALID + 3
    else:
        assert problem.message.startswith(f"truncated last line ({HUGE:,} bytes, no newline)")
        assert read.pending_tail and read.next_line == VALID + 1
        assert read.end_offset == store.path_for(BAD).stat().st_size - HUGE

    with pytest.raises(Corrupt) as info:
        store.read_all(BAD)
    assert (
        info.value.line == VALID + 1
        and "longer than the 64 MiB segview reads" in info.value.message
    )
    assert store.read_entry_count(BAD) == VALID + 1 + terminated
    (_entry, first_problem), peak = peak_of(lambda: store.read_first_entry(BAD))
    assert first_problem is None

    code, out, err = cli("show", tmp_path, BAD)
    assert code == 0 and "hello 2" in out and "longer than" in err
    code, out, _err = cli("check", tmp_path)
    assert code == 1 and f"{BAD}.jsonl:{VALID + 1}: " in out


# --- values at the end of their range ---------------------------------------------------------


def test_a_ts_of_u64_max_is_printed_as_its_number(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    write_segment(store, GOOD)
    write_segment(store, BAD, ts=U64_MAX)
    code, out, _err = cli("ls", tmp_path)
    (row,) = [line for line in out.splitlines() if line.startswith(BAD)]
    assert code == 0 and f"ts {U64_MAX}" in row
    for argv in (("tree", tmp_path), ("check", tmp_path), ("show", tmp_path, BAD)):
        assert cli(*argv)[0] == 0, argv
    code, out, _err = cli("ls", tmp_path, "--json")
    assert {s["id"]: s["created_ts"] for s in json.loads(out)}[BAD] == U64_MAX


def test_arguments_nested_300_deep_are_printed_as_given(tmp_path: Path) -> None:
    deep = "[" * 300 + "]" * 300
    store = FsStore(tmp_path)
    write_segment(store, BAD, arguments=deep)
    code, out, _err = cli("show", tmp_path, BAD)
    assert code == 0 and f"── tool call read [c1]\n{deep}\n" in out
    code, out, _err = cli("show", tmp_path, BAD, "--json")
    calls = [i for i in json.loads(out)["history"] if i.get("kind") == "tool_call"]
    assert code == 0 and [c["arguments"] for c in calls] == [deep, deep]


# --- forks ------------------------------------------------------------------------------------

KILLED_FORK = """
import os, sys, time
from segview.store import FsStore, fork_at

def stall(fd):
    print("writing", flush=True)
    time.sleep(600)

os.fsync = stall
fork_at(FsStore(sys.argv[1]), sys.argv[2], 1, segment_id=sys.argv[3])
"""


def test_a_fork_killed_while_it_writes_leaves_only_a_recognisable_temporary_file(
    tmp_path: Path,
) -> None:
    store = FsStore(tmp_path)
    write_segment(store, GOOD)
    before = sorted(os.listdir(tmp_path))
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_FORK, str(tmp_path), GOOD, NEW],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"writing\n"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(LIMIT)
    (left,) = sorted(set(os.listdir(tmp_path)) - set(before))
    assert TEMP_NAME_RE.fullmatch(left) and temporary_target(left) == f"{NEW}.jsonl"
    assert left.startswith(".") and not left.endswith(".jsonl")
    assert stat.S_IMODE((tmp_path / left).stat().st_mode) == 0o600  # private while written
    assert store.list_segments() == [GOOD] and not store.exists(NEW)

    # the commands list what is there, check names the leftover, and a new fork works
    assert GOOD in cli("ls", tmp_path)[1]
    code, out, _err = cli("check", tmp_path)
    assert code == 1 and left in out
    assert fork_at(store, GOOD, 1, segment_id=NEW) == NEW
    assert store.read_all(NEW)[0].forked_from is not None  # type: ignore[attr-defined]


def visible_segments(root: Path) -> dict[str, int]:
    return {n: (root / n).stat().st_size for n in os.listdir(root) if not n.startswith(".")}


@pytest.mark.parametrize("publish", ["renameat2", "placeholder"])
def test_without_hard_links_no_partial_segment_is_ever_visible(
    publish: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FsStore(tmp_path)
    write_segment(store, GOOD)
    seen: list[dict[str, int]] = []

    def no_link(src: Any, dst: Any, **kwargs: Any) -> None:
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        seen.append(visible_segments(tmp_path))
        real_fsync(fd)

    def replace(src: Any, dst: Any, **kwargs: Any) -> None:
        seen.append(visible_segments(tmp_path))
        real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "link", no_link)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    if publish == "placeholder":
        monkeypatch.setattr(publishing, "_renameat2", lambda: None)
    code, out, _err = cli("fork", tmp_path, GOOD, "--at-turn", "2")
    assert code == 0
    new = out.strip()
    assert seen[0] == {f"{GOOD}.jsonl": store.path_for(GOOD).stat().st_size}  # not yet there
    if publish == "placeholder":  # an empty placeholder, replaced by the whole file at once
        assert seen[1][f"{new}.jsonl"] == 0
    assert sorted(os.listdir(tmp_path)) == sorted([f"{GOOD}.jsonl", f"{new}.jsonl"])
    (start,) = store.read_all(new)
    assert start.history == collect_state(store.read_all(GOOD)).history  # type: ignore[attr-defined]

    # an existing file is never replaced, whichever way the file is published
    before = store.path_for(new).read_bytes()
    with pytest.raises(AlreadyExists):
        fork_at(store, GOOD, 1, segment_id=new)
    other = tmp_path / ".other"
    other.write_bytes(b"other\n")
    with pytest.raises(FileExistsError):
        publishing._publish(str(other), store.path_for(new))
    other.unlink()
    assert store.path_for(new).read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == sorted([f"{GOOD}.jsonl", f"{new}.jsonl"])


@pytest.mark.parametrize("where", ["fsync", "link", "renameat2", "replace"])
def test_a_fork_interrupted_anywhere_leaves_nothing(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FsStore(tmp_path)
    write_segment(store, GOOD)
    before = sorted(os.listdir(tmp_path))

    def interrupt(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    def no_link(src: Any, dst: Any, **kwargs: Any) -> None:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    if where == "fsync":
        monkeypatch.setattr(os, "fsync", interrupt)
    elif where == "link":
        monkeypatch.setattr(os, "link", interrupt)
    elif where == "renameat2":
        monkeypatch.setattr(os, "link", no_link)
        monkeypatch.setattr(publishing, "_rename_noreplace", interrupt)
    else:  # the placeholder is claimed, then the rename over it is interrupted
        monkeypatch.setattr(os, "link", no_link)
        monkeypatch.setattr(publishing, "_renameat2", lambda: None)
        monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        fork_at(store, GOOD, 1, segment_id=NEW)
    assert sorted(os.listdir(tmp_path)) == before


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o644])
def test_a_fork_has_the_permission_bits_of_its_source(mode: int, tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    write_segment(store, GOOD)
    store.path_for(GOOD).chmod(mode)
    code, out, _err = cli("fork", tmp_path, GOOD, "--at-turn", "1")
    assert code == 0
    assert stat.S_IMODE(store.path_for(out.strip()).stat().st_mode) == mode & ~UMASK
    new = fork_at(store, GOOD, 2, entries=store.read_all(GOOD))  # the app's way
    assert stat.S_IMODE(store.path_for(new).stat().st_mode) == mode & ~UMASK


# --- export -----------------------------------------------------------------------------------


def test_an_export_from_a_read_only_directory_goes_to_a_private_directory_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, here, temp = tmp_path / "store", tmp_path / "here", tmp_path / "tmp"
    for d in (store, here, temp):
        d.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    here.chmod(0o555)
    try:
        with pytest.MonkeyPatch.context() as patch:
            if can_create_in(here):  # chmod does not bind this user (root): simulate
                fail_writes_under(patch, here, errno.EACCES)
            exported = export_file("# text\n", store, "segview-x", cwd=here)
    finally:
        here.chmod(0o755)
    assert os.listdir(here) == []
    assert exported.fallback is not None
    assert exported.fallback.startswith("the current directory is not writable (")
    assert exported.fallback.endswith("written to a private temporary directory instead")
    private = exported.path.parent
    assert private.parent == temp and private.name.startswith("segview-export-")
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert stat.S_IMODE(exported.path.stat().st_mode) == 0o600
    assert exported.path.read_text() == "# text\n" and exported.path.name == "segview-x.md"

    # inside the store: never written there, and said so
    inside = export_file("# text\n", store, "segview-x", cwd=store)
    assert os.listdir(store) == []
    assert inside.fallback is not None and "inside the store" in inside.fallback
    assert inside.path.parent != private and inside.path.parent.parent == temp

    # a writable directory: the file is there, no fallback
    plain = export_file("# text\n", store, "segview-x", cwd=here)
    assert plain == type(plain)(here / "segview-x.md", None)
