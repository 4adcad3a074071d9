"""FsStore against FORMAT.md sections 1, 2b and 8: listing, strict and tolerant reading."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from segview.store import (
    AlreadyExists,
    Corrupt,
    FsStore,
    NotFound,
    RequestConfig,
    SegmentStart,
    StoreIOError,
    TraceEntry,
    TurnEnd,
    UnknownEntry,
)

A = "0190a1b2-0000-7000-8000-00000000000a"
B = "0190a1b2-0000-7000-8000-00000000000b"
C = "0190a1b2-0000-7000-8000-00000000000c"
START = (
    '{"kind":"segment_start","ts":1,"system_prompt":null,"config":{"max_tokens":null,'
    '"temperature":null,"top_p":null,"top_k":null,"stop_sequences":[],"reasoning":null},"history":[]}'
)
TURN1 = '{"kind":"turn_end","ts":2,"turn_count":1}'
TURN2 = '{"kind":"turn_end","ts":3,"turn_count":2}'


def write(root: Path, segment_id: str, data: str | bytes) -> Path:
    path = root / f"{segment_id}.jsonl"
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_listing_follows_the_rust_rules(tmp_path: Path) -> None:
    for sid in (A, C, B):
        write(tmp_path, sid, START + "\n")
    write(tmp_path, A.upper(), START + "\n")  # listed by Rust but unreadable: reported instead
    (tmp_path / f"{A}.trace.jsonl").write_text("{}\n")
    (tmp_path / f"{B}.JSONL").write_text(START + "\n")
    (tmp_path / f"{B}.jsonl.bak").write_text(START + "\n")
    (tmp_path / "notes.jsonl").write_text("x\n")
    (tmp_path / "0190a1b2-0000-7000-8000-00000000000d.jsonl").mkdir()
    store = FsStore(tmp_path)
    assert store.list_segments() == [C, B, A]
    skipped = {s.name: s.reason for s in store.list_skipped()}
    assert set(skipped) == {
        f"{A.upper()}.jsonl",
        "notes.jsonl",
        "0190a1b2-0000-7000-8000-00000000000d.jsonl",
    }
    assert "lower-case" in skipped[f"{A.upper()}.jsonl"]
    assert "directory" in skipped["0190a1b2-0000-7000-8000-00000000000d.jsonl"]


def test_missing_store_and_missing_segment(tmp_path: Path) -> None:
    with pytest.raises(StoreIOError):
        FsStore(tmp_path / "nope").list_segments()
    with pytest.raises(NotFound):
        FsStore(tmp_path).read_all(A)


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    blank_lines = ["", "   ", "\t", "\u3000", "\u00a0", "\u0085", "\u2028", "\r"]
    data = START + "\n" + "\n".join(blank_lines) + "\n" + TURN1 + "\r\n" + "not json\n"
    write(tmp_path, A, data)
    store = FsStore(tmp_path)
    with pytest.raises(Corrupt) as exc:
        store.read_all(A)
    assert exc.value.line == 2 + len(blank_lines) + 1
    assert str(tmp_path / f"{A}.jsonl") in str(exc.value)
    assert store.read_entry_count(A) == 3


def test_separators_inside_strings_do_not_split_lines(tmp_path: Path) -> None:
    # str.splitlines() would split this line at U+2028, U+2029 and U+0085
    line = '{"kind":"turn_end","ts":2,"turn_count":1,"note":"a\u2028b\u0085c\u2029d"}'
    assert len(line.splitlines()) == 4
    write(tmp_path, A, START + "\n" + line + "\n")
    entries = FsStore(tmp_path).read_all(A)
    assert [e.kind for e in entries] == ["segment_start", "turn_end"]


def test_a_line_holding_a_file_separator_is_corrupt(tmp_path: Path) -> None:
    write(tmp_path, A, START + "\n\u001c\n")
    with pytest.raises(Corrupt) as exc:
        FsStore(tmp_path).read_all(A)
    assert exc.value.line == 2


def test_bom_makes_line_one_corrupt_strictly_but_not_tolerantly(tmp_path: Path) -> None:
    write(tmp_path, A, b"\xef\xbb\xbf" + (START + "\n" + TURN1 + "\n").encode())
    store = FsStore(tmp_path)
    with pytest.raises(Corrupt) as exc:
        store.read_all(A)
    assert exc.value.line == 1
    read = store.read_tolerant(A)
    assert [e.kind for e in read.entries] == ["segment_start", "turn_end"]
    assert [p.line for p in read.problems] == [1]
    assert "byte-order mark" in read.problems[0].message


def test_invalid_utf8_is_an_io_error_even_after_a_corrupt_line(tmp_path: Path) -> None:
    write(tmp_path, A, (START + "\nnot json\n").encode() + b'{"x":"\xff"}\n')
    store = FsStore(tmp_path)
    with pytest.raises(StoreIOError) as exc:
        store.read_all(A)
    assert "UTF-8" in str(exc.value)
    read = store.read_tolerant(A)
    assert [p.line for p in read.problems] == [2, 3]
    assert "UTF-8" in read.problems[1].message


def test_truncated_last_line(tmp_path: Path) -> None:
    write(tmp_path, A, START + "\n" + TURN1 + "\n" + TURN2[:20])
    store = FsStore(tmp_path)
    with pytest.raises(Corrupt) as exc:
        store.read_all(A)
    assert exc.value.line == 3
    read = store.read_tolerant(A)
    assert len(read.entries) == 2
    assert read.problems[0].line == 3 and "truncated" in read.problems[0].message
    # the writer finishes the line: a resumed read picks it up and the problem goes away
    with open(store.path_for(A), "ab") as f:
        f.write(TURN2[20:].encode() + b"\n")
    more = store.read_tolerant(A, offset=read.end_offset, first_line=read.next_line)
    read.extend(more)
    assert [e.kind for e in read.entries] == ["segment_start", "turn_end", "turn_end"]
    assert read.lines == [1, 2, 3]
    assert read.problems == []


def test_complete_unterminated_tail_is_read_and_not_duplicated_on_resume(tmp_path: Path) -> None:
    write(tmp_path, A, START + "\n" + TURN1)
    store = FsStore(tmp_path)
    assert len(store.read_all(A)) == 2  # the Rust reader reads it too
    read = store.read_tolerant(A)
    assert len(read.entries) == 2 and read.problems == []
    with open(store.path_for(A), "ab") as f:
        f.write(b"\n" + TURN2.encode() + b"\n")
    read.extend(store.read_tolerant(A, offset=read.end_offset, first_line=read.next_line))
    assert [getattr(e, "turn_count", None) for e in read.entries] == [None, 1, 2]
    assert read.lines == [1, 2, 3]


def test_unknown_kinds_are_kept_by_the_tolerant_reader(tmp_path: Path) -> None:
    odd = '{"kind":"future_thing","ts":9,"data":[1,2]}'
    write(tmp_path, A, START + "\n" + odd + "\n" + '{"kind":"paused_turn_abandoned","ts":10}\n')
    store = FsStore(tmp_path)
    with pytest.raises(Corrupt):
        store.read_all(A)
    read = store.read_tolerant(A)
    unknown = read.entries[1]
    assert isinstance(unknown, UnknownEntry)
    assert unknown.kind == "future_thing" and unknown.ts == 9 and unknown.raw["data"] == [1, 2]
    assert unknown.encode() == odd.encode()
    assert read.entries[2].kind == "paused_turn_abandoned"
    assert [(p.line, "future_thing" in p.message) for p in read.problems] == [(2, True)]


def test_raw_lines_by_offset(tmp_path: Path) -> None:
    write(tmp_path, A, START + "\n\n" + TURN1 + "\r\n")
    store = FsStore(tmp_path)
    read = store.read_tolerant(A)
    assert read.lines == [1, 3]
    assert store.read_raw_lines(A, read.offsets) == [START.encode(), TURN1.encode()]


def test_append_creates_and_appends_one_line_each(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    start = SegmentStart(ts=1, config=RequestConfig(stop_sequences=[]), history=[])
    store.append(A, start)
    store.append(A, TurnEnd(ts=2, turn_count=1))
    assert store.path_for(A).read_text() == START + "\n" + TURN1 + "\n"
    assert store.read_all(A) == [start, TurnEnd(ts=2, turn_count=1)]


def test_create_segment_is_exclusive_and_leaves_no_temp_files(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    start = SegmentStart(ts=1, config=RequestConfig(stop_sequences=[]), history=[])
    store.create_segment(A, [start, TurnEnd(ts=2, turn_count=1)])
    assert store.path_for(A).read_text() == START + "\n" + TURN1 + "\n"
    original = store.path_for(A).read_bytes()
    with pytest.raises(AlreadyExists):
        store.create_segment(A, [start])
    assert store.path_for(A).read_bytes() == original
    assert sorted(os.listdir(tmp_path)) == [f"{A}.jsonl"]


def test_new_files_get_the_usual_permissions(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    store.create_segment(
        A, [SegmentStart(ts=1, config=RequestConfig(stop_sequences=[]), history=[])]
    )
    plain = tmp_path / "plain"
    plain.write_bytes(b"")  # what a plain open() creates under the process umask
    assert store.path_for(A).stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_trace_files_are_beside_and_never_listed(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    store.create_segment(
        A, [SegmentStart(ts=1, config=RequestConfig(stop_sequences=[]), history=[])]
    )
    store.append_trace(A, TraceEntry(ts=5, turn=1, event={"type": "delta", "b": 1.5, "a": None}))
    assert store.trace_path_for(A).read_text() == (
        '{"ts":5,"turn":1,"event":{"a":null,"b":1.5,"type":"delta"}}\n'
    )
    assert store.list_segments() == [A]
    assert store.read_trace(A) == [
        {"ts": 5, "turn": 1, "event": {"a": None, "b": 1.5, "type": "delta"}}
    ]
