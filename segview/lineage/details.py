"""A segment's details: the first line read into its node (origin, creation time), and the
whole file read tolerantly, resumed where the last read stopped, into its title, turns,
entries, last activity and problems.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from segview.store.errors import StoreError
from segview.store.fs_store import MAX_PROBLEMS, Problem, TolerantRead

from .indexed import indexed_cursor
from .nodes import DetailsCursor, SegmentNode, entry_title, seed_title
from .problems import first_entry_line

if TYPE_CHECKING:
    from segview.index import StoreIndex

__all__ = ["apply_read", "count_lines", "load_details", "read_first"]


def read_first(node: SegmentNode) -> None:
    """Fill the node's origin and creation time from the first line of its file."""
    from segview.store import SegmentStart

    node.origin = node.parent_id = node.at_turn_index = node.created_ts = None
    node.first_line_problem = node.first_line_kind = node.start_session_id = None
    try:
        entry, problem = node.store.read_first_entry(node.id)
    except StoreError as exc:
        node.first_line_problem, node.first_line_kind = Problem(None, exc.reason), "io"
        return
    except Exception as exc:  # a segment must never break the forest
        message = f"cannot read the first line: {type(exc).__name__}: {exc}"
        node.first_line_problem, node.first_line_kind = Problem(None, message), "io"
        return
    if problem is not None:
        node.first_line_problem = problem
        if problem.line is None:
            node.first_line_kind = "empty"
        else:
            node.first_line_kind = "bad_first_line"
            node.first_line_problem = Problem(
                problem.line, f"first line is not a segment_start: {problem.message}"
            )
        return
    if not isinstance(entry, SegmentStart):
        kind = getattr(entry, "kind", "?")
        line = first_entry_line(node.path)
        node.first_line_problem = Problem(line, f"first entry is a `{kind}`, not a segment_start")
        node.first_line_kind = "bad_first_line"
        node.created_ts = getattr(entry, "ts", None)
        return
    node.created_ts = entry.ts
    node.start_session_id = entry.session_id
    if entry.forked_from is not None:
        node.origin = "fork"
        node.parent_id = entry.forked_from.segment_id
        node.at_turn_index = entry.forked_from.at_turn_index
    elif entry.compacted_from is not None:
        node.origin = "compaction"
        node.parent_id = entry.compacted_from.segment_id
        node.at_turn_index = entry.compacted_from.at_turn_index


def load_details(
    node: SegmentNode,
    read: TolerantRead | None = None,
    *,
    index: StoreIndex | None,
    track_rewrites: bool,
) -> SegmentNode:
    """Fill title, turns, entries, last activity and problems (cached by size and mtime).

    A file that only grew since the last read is read from where that read stopped.
    ``read``, a tolerant read of the file from its start made elsewhere (the timeline of
    the open segment), is used instead of reading the file again.
    """
    key = (node.size, node.mtime)
    if node.details_loaded and node._details_key == key:
        return node
    if read is not None:  # a read of the whole file made elsewhere
        node._cursor_source = None
        cursor = DetailsCursor()
    else:
        if node._cursor is None and node._cursor_source is not None:
            node._cursor = indexed_cursor(index, *node._cursor_source)
            if node._cursor is None:
                node._fingerprint = None
            node._cursor_source = None
        cursor = node._cursor or DetailsCursor()
    try:
        if read is None:
            read = node.store.read_tolerant(
                node.id, offset=cursor.end_offset, first_line=cursor.next_line
            )
    except StoreError as exc:
        node._cursor = node._fingerprint = None
        node.set_details(None, 0, 0, None, [Problem(None, exc.reason)])
        node._details_key = key
        return node
    except Exception as exc:  # a segment must never break the forest
        node._cursor = node._fingerprint = None
        message = f"cannot read: {type(exc).__name__}: {exc}"
        node.set_details(None, 0, 0, None, [Problem(None, message)])
        node._details_key = key
        return node
    apply_read(node, cursor, read, track_rewrites=track_rewrites)
    return node


def apply_read(
    node: SegmentNode, cursor: DetailsCursor, read: TolerantRead, *, track_rewrites: bool
) -> None:
    """Fill the node's details from ``cursor`` (the totals before the read) and ``read``
    (a read resumed at the cursor)."""
    from segview.store import TurnEnd

    key = (node.size, node.mtime)
    tail_line = read.next_line if read.pending_tail else None
    committed = [i for i, n in enumerate(read.lines) if tail_line is None or n < tail_line]
    turn_ends, offsets = cursor.turn_ends, read.offsets
    from_start = cursor.end_offset == 0  # the read's first entry is the file's first
    for i in committed:
        entry = read.entries[i]
        if cursor.title is None:
            cursor.title = entry_title(entry, read.format_version)
        if from_start and i == 0:
            cursor.seed_title = seed_title(entry)
        if isinstance(entry, TurnEnd):
            cursor.turns += 1
            if turn_ends is not None:
                turn_ends.append((entry.turn_count, offsets[i]))
        if entry.ts is not None:
            cursor.last_ts = entry.ts
    cursor.version = read.format_version.value
    cursor.entries += count_lines(read, tail_line) + read.bad_lines_omitted
    found = [p for p in read.problems if p.line is None or tail_line is None or p.line < tail_line]
    room = max(0, MAX_PROBLEMS - len(cursor.problems))
    cursor.problems.extend(found[:room])
    cursor.problems_omitted += read.problems_omitted + max(0, len(found) - room)
    cursor.damage_omitted += read.damage_omitted + sum(not p.is_note for p in found[room:])
    cursor.end_offset, cursor.next_line = read.end_offset, read.next_line
    node._cursor = cursor
    if track_rewrites:
        node.take_fingerprint()
    title, turns, last_ts = cursor.title, cursor.turns, cursor.last_ts
    seed = cursor.seed_title
    entries = cursor.entries
    problems = list(cursor.problems)
    if tail_line is not None:
        for i, n in enumerate(read.lines):
            if n >= tail_line:
                entry = read.entries[i]
                title = title or entry_title(entry, read.format_version)
                if from_start and i == 0:
                    seed = seed_title(entry)
                turns += isinstance(entry, TurnEnd)
                last_ts = entry.ts if entry.ts is not None else last_ts
        entries += count_lines(read, None) - count_lines(read, tail_line)
        problems.extend(p for p in read.problems if p.line is not None and p.line >= tail_line)
    # a segment without user input of its own (a fork made here) is titled from its seed
    node.set_details(title or seed, turns, entries, last_ts, problems)
    node.problems_omitted = cursor.problems_omitted
    node.damage_omitted = cursor.damage_omitted
    node._details_key = key
    node._unindexed = True


def count_lines(read: TolerantRead, below: int | None) -> int:
    """Non-blank lines among the read's entries and problems (lines before ``below``)."""
    lines = {n for n in read.lines if below is None or n < below}
    lines.update(
        p.line for p in read.problems if p.line is not None and (below is None or p.line < below)
    )
    return len(lines)
