"""What the index (``segview.index``) keeps of the forest: a node's record, written after a
read (``index_row``) and taken back for a file that is unchanged or only grew (``restore``,
``indexed_cursor``), and what commands read of one file (``IndexedFile``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from segview.index import from_number
from segview.store.fs_store import Problem
from segview.store.layout import FileStat, SegmentFile, prefix_fingerprint
from segview.store.version import FormatVersion

from .nodes import DetailsCursor, OriginKind, SegmentNode

if TYPE_CHECKING:
    from segview.index import IndexRow, StoreIndex

__all__ = ["IndexedFile", "index_row", "indexed_cursor", "indexed_file", "restore"]


def restore(node: SegmentNode, row: IndexRow, index: StoreIndex | None) -> bool:
    """Fill a new node from its index record when the file is still the one indexed
    (its details too) or only had lines appended since (its first line, and where to
    resume reading). False when the record does not apply: the file is read."""
    st = node._stat
    if st is None:
        return False
    exact = row.identity == tuple(st)
    if not exact and not (
        row.dev == st.dev
        and row.ino == st.ino
        and st.size > row.size
        and row.fp_end is not None
        and st.size >= row.fp_end
        and prefix_fingerprint(node.path, row.fp_end) == row.fp
    ):
        return False
    if not exact and row.first_problem is not None:
        return False  # a first line unreadable before (still being written): read it
    try:
        at_turn, created_ts, last_ts = (
            from_number(row.at_turn),
            from_number(row.created_ts),
            from_number(row.last_ts),
        )
        first_problem = problems_of(row.first_problem)
        problems = problems_of(row.problems) or []
        check_types(
            (row.origin, row.parent_id, row.start_session, row.first_kind, row.title),
            (row.turns, row.entries, row.problems_omitted, row.damage_omitted),
        )
        cursor = None
        if not exact:
            blob = index.extra(row.path, "cursor", row.identity) if index else None
            if blob is None:
                return False
            cursor = cursor_of(blob)
    except (ValueError, TypeError, IndexError, KeyError):
        return False
    # the origin as written (``_check_types`` checked that it is a text)
    node.origin = cast("OriginKind | None", row.origin)
    node.parent_id, node.at_turn_index = row.parent_id, at_turn
    node.created_ts, node.start_session_id = created_ts, row.start_session
    node.first_line_problem = first_problem[0] if first_problem else None
    node.first_line_kind = row.first_kind
    node._fingerprint = (row.fp_end, row.fp) if row.fp_end is not None and row.fp else None
    if exact:
        node._cursor_source = (row.path, row.identity)
        node.set_details(row.title, row.turns, row.entries, last_ts, problems)
        node.problems_omitted, node.damage_omitted = row.problems_omitted, row.damage_omitted
        node._details_key = (node.size, node.mtime)
        return True
    assert cursor is not None
    known = index.extra(row.path, "turn_ends", row.identity) if index is not None else None
    if known is not None:
        try:
            import orjson

            cursor.turn_ends = [(int(t), int(o)) for t, o in orjson.loads(known)]
        except (ValueError, TypeError):
            cursor.turn_ends = None
    node._cursor = cursor
    return True


def indexed_cursor(
    index: StoreIndex | None, key: str, identity: tuple[int, int, int, int, int]
) -> DetailsCursor | None:
    """Where the indexed read of a file stopped (to resume it), if the index still has it."""
    blob = index.extra(key, "cursor", identity) if index is not None else None
    if blob is None:
        return None
    try:
        return cursor_of(blob)
    except (ValueError, TypeError, IndexError):
        return None


def index_row(node: SegmentNode, path: str) -> tuple[IndexRow, bytes | None] | None:
    """The index record of what was read of ``node`` (its file at ``path``), and its
    ``turn_end`` offsets; None when there is nothing to keep or the file changed since."""
    from segview.index import IndexRow, number

    cursor, args, st = node._cursor, node._details_args, node._stat
    if cursor is None or args is None or st is None or not node.details_loaded:
        return None
    try:  # the file must still be the one read: else it is indexed next time
        if FileStat.of(os.stat(path)) != st:
            return None
    except OSError:
        return None
    end = cursor.end_offset
    fingerprint = node._fingerprint
    if fingerprint is None or fingerprint[0] != end:
        digest = prefix_fingerprint(path, end)
        fingerprint = None if digest is None else (end, digest)
    import orjson

    first_problem = node.first_line_problem
    title, turns, entries, last_ts, problems = args
    saved = [
        cursor.end_offset,
        cursor.next_line,
        cursor.turns,
        cursor.entries,
        cursor.title,
        cursor.last_ts,
        [problem_json(p) for p in cursor.problems],
        cursor.version,
        cursor.problems_omitted,
        cursor.damage_omitted,
        cursor.seed_title,
    ]
    try:
        blob = orjson.dumps(saved)
        row = IndexRow(
            path,
            st.dev,
            st.ino,
            st.size,
            st.mtime_ns,
            st.ctime_ns,
            None if fingerprint is None else fingerprint[0],
            None if fingerprint is None else fingerprint[1],
            node.origin,
            node.parent_id,
            number(node.at_turn_index),
            number(node.created_ts),
            node.start_session_id,
            node.first_line_kind,
            None if first_problem is None else orjson.dumps([problem_json(first_problem)]),
            title,
            turns,
            entries,
            number(last_ts),
            orjson.dumps([problem_json(p) for p in problems]) if problems else None,
            node.problems_omitted,
            node.damage_omitted,
            blob,
        )
    except TypeError:  # a number too large for JSON: not indexed
        return None
    turn_ends = None if cursor.turn_ends is None else orjson.dumps(cursor.turn_ends)
    return row, turn_ends


@dataclass(frozen=True)
class IndexedFile:
    """What the index holds of one file as it is now: the problems a whole tolerant read of
    it reports, the format version that read applied, and where its ``turn_end`` lines are."""

    key: str
    identity: tuple[int, int, int, int, int]
    problems: list[Problem]
    version: FormatVersion
    index: StoreIndex
    problems_omitted: int = 0
    damage_omitted: int = 0

    def turn_end_offset(self, turn_count: int) -> int | None:
        """The byte offset of the first ``turn_end`` with ``turn_count`` (None: unknown)."""
        blob = self.index.extra(self.key, "turn_ends", self.identity)
        if blob is None:
            return None
        import orjson

        try:
            for count, offset in orjson.loads(blob):
                if count == turn_count and type(offset) is int:
                    return offset
        except (orjson.JSONDecodeError, TypeError, ValueError):
            return None
        return None


def indexed_file(index: StoreIndex | None, found: SegmentFile) -> IndexedFile | None:
    """The index's record of a segment file, if it has one for the file as it is now."""
    if index is None:
        return None
    key = f"{os.path.abspath(found.store.root)}{os.sep}{found.id}.jsonl"
    row = index.row(key)
    st = found.stat
    identity = (st.dev, st.ino, st.size, st.mtime_ns, st.ctime_ns)
    if row is None or row.identity != identity:
        return None
    blob = index.extra(key, "cursor", identity)
    try:
        problems = problems_of(row.problems) or []
        cursor = cursor_of(blob) if blob is not None else None
        version = FormatVersion(cursor.version) if cursor and cursor.version else None
    except (ValueError, TypeError, IndexError):
        return None
    if version is None:
        return None
    if type(row.damage_omitted) is not int:
        return None
    return IndexedFile(
        key, identity, problems, version, index, row.problems_omitted, row.damage_omitted
    )


def check_types(texts: tuple[Any, ...], counts: tuple[Any, ...]) -> None:
    """Raise ``ValueError`` unless an index record's values have the types written."""
    for text in texts:
        if text is not None and type(text) is not str:
            raise ValueError("not a text")
    for count in counts:
        if type(count) is not int or count < 0:
            raise ValueError("not a count")


def problems_of(blob: bytes | None) -> list[Problem] | None:
    if blob is None:
        return None
    import orjson

    return [problem_of(p) for p in orjson.loads(blob)]


def cursor_of(blob: bytes) -> DetailsCursor:
    """Where an indexed read stopped (``index_row``); raises ``ValueError``."""
    import orjson

    saved = orjson.loads(blob)
    cursor = DetailsCursor(
        end_offset=saved[0],
        next_line=saved[1],
        turns=saved[2],
        entries=saved[3],
        title=saved[4],
        last_ts=saved[5],
        problems=[problem_of(p) for p in saved[6]],
        turn_ends=None,
        version=saved[7],
        problems_omitted=saved[8],
        damage_omitted=saved[9],
        seed_title=saved[10],
    )
    check_types(
        (cursor.title, cursor.version, cursor.seed_title),
        (
            cursor.end_offset,
            cursor.next_line,
            cursor.turns,
            cursor.entries,
            cursor.problems_omitted,
            cursor.damage_omitted,
        ),
    )
    if cursor.last_ts is not None and type(cursor.last_ts) is not int:
        raise ValueError("not a number")
    return cursor


def problem_json(problem: Problem) -> list[Any]:
    return [problem.line, problem.message, problem.kind]


def problem_of(value: Any) -> Problem:
    line, message, kind = value
    if not (line is None or type(line) is int) or not isinstance(message, str):
        raise ValueError("not a problem")
    if not (kind is None or isinstance(kind, str)):
        raise ValueError("not a problem")
    return Problem(line, message, kind)
