"""A real second process appends to a segment (as a running agent does) while segview reads
it, refreshes a timeline, forks from it and, as a second writer, switches to a new segment."""

from __future__ import annotations

import hashlib
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from segview.store import (
    AlreadyExists,
    AssistantItem,
    FsStore,
    LogEntry,
    MessageItem,
    RequestConfig,
    RestoredState,
    SegmentOrigin,
    SegmentStart,
    TextPart,
    TextSegment,
    TurnEnd,
    UserInput,
    collect_state,
    create_segment_with_id,
    encode_entry,
    ensure_head_or_fork,
    fork_at,
    restore,
)
from segview.timeline import Timeline
from tests.reliability.writer import ENTRIES_PER_TURN, TS, script_entries, split_point

REPO = Path(__file__).resolve().parents[2]
SOURCE = "0190d000-0000-7000-8000-000000000001"
HANG_GUARD_S = 60.0  # a writer that stops talking is a failure, not a hang


class LiveWriter:
    """The writer process (``tests/reliability/writer.py``) and its little protocol."""

    def __init__(self, root: Path, segment_id: str, count: int, first_turn: int = 1) -> None:
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "tests.reliability.writer"),
                *(str(root), segment_id, str(count), str(first_turn)),
            ],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.buffer = b""
        self.deadline = time.monotonic() + HANG_GUARD_S

    def message(self, wait: float) -> str | None:
        """The writer's next message, or None if it said nothing within ``wait`` seconds."""
        assert time.monotonic() < self.deadline, "the writer process stopped responding"
        assert self.proc.stdout is not None
        until = time.monotonic() + wait
        while b"\n" not in self.buffer:
            left = until - time.monotonic()
            ready, _, _ = select.select([self.proc.stdout], [], [], max(left, 0))
            if not ready:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                assert self.proc.stderr is not None
                raise AssertionError(f"the writer ended: {self.proc.stderr.read().decode()}")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()

    def finish(self) -> None:
        assert self.proc.wait(timeout=HANG_GUARD_S) == 0
        assert self.proc.stderr is not None
        assert self.proc.stderr.read() == b""

    def run_to_end(self) -> None:
        while (msg := self.message(1.0)) != "done":
            if msg is not None and msg.startswith("partial"):
                self.go()
        self.finish()


def start_source(store: FsStore, sid: str = SOURCE) -> tuple[SegmentStart, bytes]:
    state = RestoredState(
        system_prompt="You are an agent.", config=RequestConfig(stop_sequences=[])
    )
    create_segment_with_id(store, sid, state, ts=TS - 1)
    (start,) = store.read_all(sid)
    assert isinstance(start, SegmentStart)
    return start, store.path_for(sid).read_bytes()


def lines_of(entries: list[LogEntry]) -> bytes:
    return b"".join(encode_entry(e) + b"\n" for e in entries)


def test_reading_and_refreshing_while_an_agent_appends(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    start, head = start_source(store)
    script = script_entries(60)
    expected: list[LogEntry] = [start, *script]
    expected_bytes = head + lines_of(script)
    read = store.read_tolerant(SOURCE)
    timeline = Timeline.load(store, SOURCE)
    partials = 0

    def step() -> None:
        read.extend(store.read_tolerant(SOURCE, offset=read.end_offset, first_line=read.next_line))
        timeline.refresh()
        data = store.path_for(SOURCE).read_bytes()
        assert data == expected_bytes[: len(data)]  # only the writer's bytes, in its order
        for entries, lines, problems in (
            (read.entries, read.lines, read.problems),
            (timeline.entries, timeline.lines, timeline.problems),
        ):
            assert entries == expected[: len(entries)]  # in order, never twice
            assert lines == list(range(1, len(entries) + 1))
            for p in problems:  # only the line being written can look damaged
                assert p.line == len(entries) + 1 and "truncated" in p.message

    writer = LiveWriter(tmp_path, SOURCE, len(script))
    while (msg := writer.message(0.002)) != "done":
        step()
        if msg is not None and msg.startswith("partial"):
            index = int(msg.split()[1])  # entries before it are whole; it is half-written
            partials += 1
            cut = split_point(index, encode_entry(script[index]) + b"\n")
            assert read.pending_tail
            if cut == len(encode_entry(script[index])):  # all but the newline: readable
                assert read.tail_is_entry and len(read.entries) == index + 2
                assert read.problems == []
            else:
                assert len(read.entries) == index + 1
                assert [p.line for p in read.problems] == [index + 2]
                assert len(timeline.entries) == index + 1
            writer.go()
    writer.finish()
    step()
    assert partials == sum(
        split_point(i, encode_entry(e) + b"\n") is not None for i, e in enumerate(script)
    )
    assert read.entries == expected and read.problems == [] and not read.pending_tail
    assert timeline.entries == expected and timeline.problems == []
    assert [t.turn_count for t in timeline.turns] == list(range(1, 11))
    assert timeline.state_at(10) == collect_state(expected)
    assert store.path_for(SOURCE).read_bytes() == expected_bytes
    assert os.listdir(tmp_path) == [f"{SOURCE}.jsonl"]  # segview wrote nothing


def user_says(text: str, ts: int) -> UserInput:
    return UserInput(ts=ts, segments=[TextSegment(content=text)])


def answer(text: str, ts: int) -> AssistantItem:
    return AssistantItem(ts=ts, item=MessageItem(role="assistant", content=[TextPart(text=text)]))


def test_a_second_writer_with_a_stale_tally_forks_instead_of_interleaving(
    tmp_path: Path,
) -> None:
    store = FsStore(tmp_path)
    _, head = start_source(store)
    # writer B opens the segment: its tally and its in-memory state
    tally = store.read_entry_count(SOURCE)
    state = restore(store, SOURCE)
    assert tally == 1
    # writer A, a real process, starts a turn: one entry whole, the next half-written
    script_a = script_entries(ENTRIES_PER_TURN * 2)
    writer = LiveWriter(tmp_path, SOURCE, len(script_a))
    assert writer.message(HANG_GUARD_S) == "partial 1"
    # B now logs its own turn, checking the head before every append, as the runtime does
    mine: list[LogEntry] = [user_says("B's question", TS + 500), answer("B's answer", TS + 501)]
    state.history.append(MessageItem(role="user", content=[TextPart(text="B's question")]))
    segment = SOURCE
    new_id = "0190d000-0000-7000-8000-0000000000b2"
    for entry in [*mine, TurnEnd(ts=TS + 502, turn_count=1)]:
        segment, tally = ensure_head_or_fork(
            store, segment, tally, state, ts=TS + 499, new_id=new_id
        )
        store.append(segment, entry)
        tally += 1
    writer.go()
    writer.run_to_end()
    assert segment == new_id
    assert store.path_for(SOURCE).read_bytes() == head + lines_of(script_a)  # only A's entries
    forked = store.read_all(new_id)
    assert forked[0] == SegmentStart(
        ts=TS + 499,
        system_prompt=state.system_prompt,
        config=state.config,
        history=state.history,
    )
    assert forked[1:] == [*mine, TurnEnd(ts=TS + 502, turn_count=1)]
    assert forked[0].origin is None  # no origin in the reference version
    assert sorted(os.listdir(tmp_path)) == sorted([f"{SOURCE}.jsonl", f"{new_id}.jsonl"])


def test_a_writer_alone_keeps_its_segment(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    start_source(store)
    segment, tally = SOURCE, store.read_entry_count(SOURCE)
    for i in range(3):
        segment, tally = ensure_head_or_fork(store, segment, tally, RestoredState())
        store.append(segment, user_says(f"q{i}", TS + i))
        tally += 1
    assert segment == SOURCE and tally == 4 == len(store.read_all(SOURCE))
    assert os.listdir(tmp_path) == [f"{SOURCE}.jsonl"]


def test_fork_here_while_the_source_grows(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    start, head = start_source(store)
    script = script_entries(ENTRIES_PER_TURN * 6)
    expected: list[LogEntry] = [start, *script]
    expected_bytes = head + lines_of(script)
    taken = "0190d000-0000-7000-8000-0000000000ee"
    (tmp_path / f"{taken}.jsonl").write_bytes(b"another program's file\n")
    read = store.read_tolerant(SOURCE)
    forks: list[tuple[str, int]] = []
    forked_at_partial_lines = 0

    def check_fork(new_id: str, turn: int) -> None:
        cut = next(
            i + 1 for i, e in enumerate(expected) if isinstance(e, TurnEnd) and e.turn_count == turn
        )
        want = collect_state(expected[:cut])
        (new_start,) = store.read_all(new_id)  # complete: one whole segment_start line
        assert new_start == SegmentStart(
            ts=new_start.ts,
            system_prompt=want.system_prompt,
            config=want.config,
            history=want.history,
            forked_from=SegmentOrigin(segment_id=SOURCE, at_turn_index=turn),
        )
        forks.append((new_id, turn))

    writer = LiveWriter(tmp_path, SOURCE, len(script))
    while (msg := writer.message(0.002)) != "done":
        read.extend(store.read_tolerant(SOURCE, offset=read.end_offset, first_line=read.next_line))
        turns = [e.turn_count for e in read.entries if isinstance(e, TurnEnd)]
        if turns:
            # the app's way: fork from the entries already read (tolerant)
            check_fork(fork_at(store, SOURCE, turns[-1], entries=list(read.entries)), turns[-1])
            # the runtime's way: a strict read, which leaves a half-written last line out
            # (a write in progress), never refusing it as a corrupt entry
            check_fork(fork_at(store, SOURCE, turns[0]), turns[0])
            forked_at_partial_lines += msg is not None
            with pytest.raises(AlreadyExists):
                fork_at(store, SOURCE, turns[0], entries=list(read.entries), segment_id=taken)
        if msg is not None and msg.startswith("partial"):
            writer.go()
    writer.finish()
    assert forks and {t for _, t in forks} >= {1}
    assert store.path_for(SOURCE).read_bytes() == expected_bytes
    assert (tmp_path / f"{taken}.jsonl").read_bytes() == b"another program's file\n"
    names = sorted(os.listdir(tmp_path))
    assert names == sorted([f"{SOURCE}.jsonl", f"{taken}.jsonl", *(f"{i}.jsonl" for i, _ in forks)])
    assert forked_at_partial_lines > 0  # the writer waits at each half-written line


WATCHER = """
import hashlib, os, sys
path = sys.argv[1]
print("ready", flush=True)
while True:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        continue
    print(len(data), hashlib.sha256(data).hexdigest(), flush=True)
    break
"""


def test_a_new_fork_never_appears_partly_written(tmp_path: Path) -> None:
    """Another process watching for the new file sees it whole the first time it sees it."""
    store = FsStore(tmp_path)
    start_source(store)
    big = "x" * (8 * 1024 * 1024)
    store.append(SOURCE, user_says(big, TS + 1))
    store.append(SOURCE, answer(big, TS + 2))
    store.append(SOURCE, TurnEnd(ts=TS + 3, turn_count=1))
    new_id = "0190d000-0000-7000-8000-0000000000f1"
    watcher = subprocess.Popen(
        [sys.executable, "-c", WATCHER, str(store.path_for(new_id))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stdout is not None
        assert watcher.stdout.readline().strip() == "ready"
        fork_at(store, SOURCE, 1, segment_id=new_id)
        seen = watcher.stdout.readline().split()
        assert watcher.wait(timeout=HANG_GUARD_S) == 0
    finally:
        if watcher.poll() is None:
            watcher.kill()
    data = store.path_for(new_id).read_bytes()
    assert seen == [str(len(data)), hashlib.sha256(data).hexdigest()]
    assert data.count(b"\n") == 1 and len(data) > 16 * 1024 * 1024
    assert sorted(os.listdir(tmp_path)) == sorted([f"{SOURCE}.jsonl", f"{new_id}.jsonl"])
