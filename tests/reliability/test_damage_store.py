"""The damage matrix against the store's readers: the strict reader fails as the Rust crate
does (naming the file and the 1-based line), the tolerant reader keeps every good entry and
reports each problem with its line, and a resumed read of a file that grows in pieces finds
exactly what one whole read finds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from segview.store import (
    Corrupt,
    FsStore,
    LogEntry,
    NotFound,
    SegmentStart,
    StoreError,
    StoreIOError,
    UnknownEntry,
)
from tests.reliability.damage import (
    CASE_NAMES,
    SEGMENT_CASES,
    Built,
    build,
    build_all,
)

READABLE = [n for n in SEGMENT_CASES if n not in ("dangling_symlink", "directory_named_jsonl")]


def kinds_of(entries: list[LogEntry | UnknownEntry] | list[LogEntry | str]) -> list[str]:
    return [e if isinstance(e, str) else e.kind for e in entries]


def assert_keeps_good_entries(entries: list[LogEntry | UnknownEntry], b: Built) -> None:
    assert kinds_of(entries) == kinds_of(b.good)
    for got, want in zip(entries, b.good, strict=True):
        if isinstance(want, str):
            assert isinstance(got, UnknownEntry) and got.kind == want
        else:
            assert got == want


@pytest.mark.parametrize("case", SEGMENT_CASES)
def test_strict_reader(case: str, tmp_path: Path) -> None:
    b = build(case, tmp_path / "store")
    assert b.segment_id is not None
    store = FsStore(b.root)
    if b.strict.outcome == "ok":
        assert store.read_all(b.segment_id) == b.strict_entries
        return
    with pytest.raises(StoreError) as info:
        store.read_all(b.segment_id)
    err = info.value
    assert "\n" not in str(err)
    if b.strict.outcome == "corrupt":
        assert isinstance(err, Corrupt)
        assert (err.path, err.line) == (b.path, b.strict.line)
        assert str(err).startswith(f"{b.path}:{b.strict.line}: ")
    elif b.strict.outcome == "io":
        assert isinstance(err, StoreIOError) and err.path == b.path
        assert str(err).startswith(f"{b.path}: ")
    else:
        assert isinstance(err, NotFound) and str(b.path) in str(err)


@pytest.mark.parametrize("case", READABLE)
def test_tolerant_reader_keeps_every_good_entry(case: str, tmp_path: Path) -> None:
    b = build(case, tmp_path / "store")
    assert b.segment_id is not None
    read = FsStore(b.root).read_tolerant(b.segment_id)
    assert_keeps_good_entries(read.entries, b)
    assert [p.line for p in read.problems] == b.line_problems
    for p in read.problems:
        assert p.message and "\n" not in p.message
    # line numbers are physical lines of the file, and the offsets point at those lines
    raw = b.path.read_bytes()
    starts = [0] + [i + 1 for i, ch in enumerate(raw) if ch == 0x0A]
    for line, offset in zip(read.lines, read.offsets, strict=True):
        assert starts[line - 1] == offset


@pytest.mark.parametrize("case", ["dangling_symlink", "directory_named_jsonl"])
def test_unreadable_files_raise_only_store_errors(case: str, tmp_path: Path) -> None:
    b = build(case, tmp_path / "store")
    assert b.segment_id is not None
    store = FsStore(b.root)
    expected = NotFound if b.strict.outcome == "not_found" else StoreIOError
    for read in (
        store.read_tolerant,
        store.read_all,
        store.read_entry_count,
        store.read_first_entry,
    ):
        with pytest.raises(expected) as info:
            read(b.segment_id)  # type: ignore[operator]
        assert str(b.path) in str(info.value)


@pytest.mark.parametrize("case", READABLE)
def test_first_entry_and_entry_count(case: str, tmp_path: Path) -> None:
    b = build(case, tmp_path / "store")
    assert b.segment_id is not None
    store = FsStore(b.root)
    raw = b.path.read_bytes()
    nonblank = [line for line in raw.split(b"\n") if line.strip(b" \t\r\n")]
    if b.strict.outcome == "io":
        with pytest.raises(StoreIOError):  # invalid UTF-8 fails the count, as in Rust
            store.read_entry_count(b.segment_id)
    else:
        assert store.read_entry_count(b.segment_id) == len(nonblank)
    first, problem = store.read_first_entry(b.segment_id)
    if not b.good:
        assert first is None and problem is not None and problem.line is None
    elif b.line_problems[:1] == [1] and case != "utf8_bom":
        assert first is None and problem is not None and problem.line == 1
    else:
        assert problem is None and first == b.good[0]
        assert isinstance(first, SegmentStart) == (case != "first_line_not_start")


@pytest.mark.parametrize("case", READABLE)
def test_resumed_reads_of_a_growing_file_equal_one_read(case: str, tmp_path: Path) -> None:
    """The damaged bytes arrive in pieces (cut anywhere, even inside a character)."""
    b = build(case, tmp_path / "store")
    assert b.segment_id is not None
    store = FsStore(b.root)
    whole = store.read_tolerant(b.segment_id)
    data = b.path.read_bytes()
    cuts = sorted({len(data) * k // 7 for k in range(1, 7)} | {1, 2, 3})
    os.unlink(b.path)  # a symlinked segment becomes a plain file here: same bytes
    b.path.write_bytes(b"")
    read = store.read_tolerant(b.segment_id)
    written = 0
    for cut in [*cuts, len(data)]:
        if cut <= written:
            continue
        with open(b.path, "ab") as f:
            f.write(data[written:cut])
        written = cut
        more = store.read_tolerant(b.segment_id, offset=read.end_offset, first_line=read.next_line)
        read.extend(more)
    assert read.entries == whole.entries
    assert read.lines == whole.lines and read.offsets == whole.offsets
    assert read.problems == whole.problems
    assert b.path.read_bytes() == data


def test_listing_a_store_of_every_case(tmp_path: Path) -> None:
    built = build_all(tmp_path / "store")
    store = FsStore(tmp_path / "store")
    listed = sorted(
        (f.removesuffix(".jsonl") for b in built.values() if b.listed for f in b.files),
        reverse=True,
    )
    assert store.list_segments() == listed
    skipped = {s.name: s.reason for s in store.list_skipped()}
    assert set(skipped) == {f for b in built.values() if not b.listed for f in b.files}
    assert all(reason and "\n" not in reason for reason in skipped.values())
    assert len(CASE_NAMES) == len(built)


HOSTILE_LINES = {
    "kind_with_controls": rb'{"kind":"evil\u001b[2J\nkind\r","ts":1}',
    "item_kind_with_newline": rb'{"kind":"assistant_item","ts":1,"item":{"kind":"x\ny\u2028z"}}',
    "huge_string_value": b'"' + b"A\\n" * 200_000 + b'"',
    "system_kind_with_csi": rb'{"kind":"system_item","ts":1,"item":{"kind":"\u009b31m","body":""}}',
    "role_with_bell": rb'{"kind":"assistant_item","ts":1,"item":{"kind":"message","role":"\u0007","content":[]}}',
}


def is_one_clean_line(text: str) -> bool:
    """No line breaks, no terminal control characters, and a readable length."""
    controls = [ch for ch in text if ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F]
    return not controls and "\u2028" not in text and "\u2029" not in text and len(text) < 1000


@pytest.mark.parametrize("name", list(HOSTILE_LINES))
def test_problem_messages_stay_one_clean_line(name: str, tmp_path: Path) -> None:
    """Text from the file that ends up in a message cannot break the line or drive the terminal."""
    store = FsStore(tmp_path)
    sid = "0190c000-0000-7000-8000-0000000000ff"
    from tests.reliability.damage import write_valid

    write_valid(store, sid, ts=1, title="hostile")
    with open(store.path_for(sid), "ab") as f:
        f.write(HOSTILE_LINES[name] + b"\n")
    with pytest.raises(Corrupt) as info:
        store.read_all(sid)
    assert info.value.line == 13
    assert is_one_clean_line(str(info.value))
    read = store.read_tolerant(sid)
    assert [p.line for p in read.problems] == [13]
    assert is_one_clean_line(read.problems[0].message)
