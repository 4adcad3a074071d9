"""The readers' limits at their edges, with ``MAX_LINE_BYTES`` made small so that every case is
a few kilobytes: a line at the limit and one byte over, blank and invalid overlong lines, a
character split between chunks, overlong last lines, and the count of problems past
``MAX_PROBLEMS`` across resumed reads of a growing file."""

from __future__ import annotations

from pathlib import Path

import pytest

import segview.store.lines as line_reading
from segview.lineage import Lineage
from segview.store import Corrupt, FsStore, StoreIOError, TolerantRead
from segview.store.fs_store import MAX_PROBLEMS, LongLine, read_lines
from tests.reliability.test_pathological import GOOD, VALID, write_segment

SMALL = 1000  # MAX_LINE_BYTES in these tests


@pytest.fixture
def small_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(line_reading, "MAX_LINE_BYTES", SMALL)
    monkeypatch.setattr(line_reading, "_CHUNK", 64)  # chunks far smaller than a line


def store_with(root: Path, *extra: bytes, terminated: bool = True) -> FsStore:
    """A store in ``root`` (created) whose segment holds valid lines (``VALID``), then
    ``extra`` lines and one more valid line."""
    root.mkdir()
    store = FsStore(root)
    write_segment(store, GOOD)
    path = store.path_for(GOOD)
    lines = path.read_bytes().splitlines()
    data = b"\n".join([*lines, *extra, lines[-1]])
    path.write_bytes(data + (b"\n" if terminated else b""))
    return store


def padded(line: bytes, size: int) -> bytes:
    """A valid entry line padded with trailing spaces to ``size`` bytes."""
    return line + b" " * (size - len(line))


@pytest.mark.usefixtures("small_lines")
def test_a_line_at_the_limit_is_read_and_one_byte_more_is_skipped(tmp_path: Path) -> None:
    entry = store_with(tmp_path / "probe").path_for(GOOD).read_bytes().splitlines()[1]
    store = store_with(tmp_path / "store", padded(entry, SMALL), padded(entry, SMALL + 1))
    read = store.read_tolerant(GOOD)
    assert read.lines == [*range(1, VALID + 2), VALID + 3]
    (problem,) = read.problems
    assert problem.line == VALID + 2
    assert problem.message == (
        f"line of {SMALL + 1:,} bytes, longer than the {SMALL:,} bytes segview reads (line skipped)"
    )
    last = store.path_for(GOOD).read_bytes().splitlines(keepends=True)[-1]
    assert read.offsets[-1] == store.path_for(GOOD).stat().st_size - len(last)
    with pytest.raises(Corrupt) as info:
        store.read_all(GOOD)
    assert info.value.line == VALID + 2
    assert store.read_entry_count(GOOD) == VALID + 3
    lines = list(read_lines(open(store.path_for(GOOD), "rb")))  # noqa: SIM115
    kinds = [type(content).__name__ for _n, _s, _e, content, _t in lines]
    assert kinds == ["bytes"] * (VALID + 1) + ["LongLine", "bytes"]
    assert [end - start for _n, start, end, _c, _t in lines][VALID + 1] == SMALL + 2
    raw = store.read_raw_lines(GOOD, [read.offsets[VALID]])
    assert raw == [padded(entry, SMALL)]


@pytest.mark.usefixtures("small_lines")
def test_overlong_lines_that_are_blank_or_not_utf8(tmp_path: Path) -> None:
    blank = b" \t" * SMALL + "\u3000".encode() * 10  # Unicode White_Space only: a blank line
    split = b"x" * 63 + "é".encode() * SMALL  # a two-byte character across every chunk edge
    invalid = b"y" * (2 * SMALL) + b"\xff"
    store = store_with(tmp_path / "a", blank, split)
    read = store.read_tolerant(GOOD)
    assert [p.line for p in read.problems] == [VALID + 2]  # the blank line is no problem
    assert store.read_entry_count(GOOD) == VALID + 2  # nor an entry
    with pytest.raises(Corrupt):
        store.read_all(GOOD)
    lines = list(read_lines(open(store.path_for(GOOD), "rb")))  # noqa: SIM115
    assert lines[VALID][3] == LongLine(len(blank), blank=True, utf8=True)
    assert lines[VALID + 1][3] == LongLine(len(split), blank=False, utf8=True)

    store = store_with(tmp_path / "b", invalid)
    assert [p.line for p in store.read_tolerant(GOOD).problems] == [VALID + 1]
    for strict in (store.read_all, store.read_entry_count):
        with pytest.raises(StoreIOError, match="valid UTF-8"):
            strict(GOOD)


@pytest.mark.usefixtures("small_lines")
def test_an_overlong_last_line_is_a_pending_tail(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    write_segment(store, GOOD)
    path = store.path_for(GOOD)
    size = path.stat().st_size
    with open(path, "ab") as f:
        f.write(b'{"kind":"turn_end","ts":1,' + b"z" * 2 * SMALL)  # a writer in progress
    read = store.read_tolerant(GOOD)
    (problem,) = read.problems
    assert problem.line == VALID + 1 and problem.message.startswith("truncated last line (2,")
    assert read.pending_tail and (read.end_offset, read.next_line) == (size, VALID + 1)
    # the writer finishes with a newline: a resumed read replaces the tail's problem
    with open(path, "ab") as f:
        f.write(b"\n")
    more = store.read_tolerant(GOOD, offset=read.end_offset, first_line=read.next_line)
    read.extend(more)
    (problem,) = read.problems
    assert problem.message.startswith(f"line of {2 * SMALL + 26:,} bytes")
    assert not read.pending_tail and read.end_offset == path.stat().st_size


def bad_lines(n: int, start: int = 0) -> bytes:
    return b"".join(b"bad %d\n" % i for i in range(start, start + n))


def test_problems_past_the_limit_are_counted_across_resumed_reads(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    write_segment(store, GOOD)
    path = store.path_for(GOOD)
    lineage = Lineage.open(tmp_path)
    grown = TolerantRead()
    total = 0
    for part in (700, 600, 900):  # the limit is passed in the second part
        with open(path, "ab") as f:
            f.write(bad_lines(part, total) + b'{"kind":"future_entry","ts":1}\n')
        total += part + 1
        more = store.read_tolerant(GOOD, offset=grown.end_offset, first_line=grown.next_line)
        grown.extend(more)
        lineage.refresh()
        lineage.load_details(lineage.nodes[GOOD])
    whole = store.read_tolerant(GOOD)
    assert len(whole.problems) == MAX_PROBLEMS
    assert whole.problems_omitted == total - MAX_PROBLEMS
    assert whole.bad_lines_omitted == total - MAX_PROBLEMS - 2  # two unknown kinds: entries
    assert grown.problems == whole.problems and grown.entries == whole.entries
    assert (grown.problems_omitted, grown.bad_lines_omitted) == (
        whole.problems_omitted,
        whole.bad_lines_omitted,
    )
    node = lineage.nodes[GOOD]
    assert node.problems == whole.problems and node.problems_omitted == whole.problems_omitted
    assert node.entries == VALID + total  # every non-blank line


def test_the_problems_of_an_unterminated_last_line_are_always_kept(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    write_segment(store, GOOD)
    with open(store.path_for(GOOD), "ab") as f:
        f.write(bad_lines(MAX_PROBLEMS + 500) + b'{"kind":')
    read = store.read_tolerant(GOOD)
    assert len(read.problems) == MAX_PROBLEMS + 1 and read.problems_omitted == 500
    assert read.problems[-1].line == VALID + MAX_PROBLEMS + 501
    assert read.problems[-1].message.startswith("truncated last line")
