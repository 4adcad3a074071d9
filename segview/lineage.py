"""The ancestry forest of a store (FORMAT.md sections 1, 7 and 9).

Each segment's ``segment_start`` names its parent through ``forked_from`` or
``compacted_from``. The forest is built from the first line of each file only; everything
that needs the whole log (title, turns, entries, problems) is filled lazily by
``Lineage.load_details`` and cached by file size and modification time.

Bad structure is kept visible, never fatal: a parent that is not in the store makes the
node a root flagged ``parent_missing``; a fork cycle is flagged and broken at one edge; a
file whose first line is not a ``segment_start`` becomes a flagged root; what the store
scanner did not list is kept in ``unlisted``. Only an unreadable store root raises
(``StoreError``).

The files come from the store scanner (``segview.store.layout``), so every layout is read:
flat stores, session directories, runtime data directories and worker aggregates; segments
with a session id are grouped by session.

Segments are not only appended to: the runtime rewrites one in place on a rewind. ``refresh``
tells a file that grew from one rewritten (replaced, shrunk, changed at the same size, or
changed before the point already read, by a fingerprint of the bytes read), and reads a
rewritten one again from the start.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from segview.gcpause import gc_paused
from segview.index import from_number
from segview.store.errors import StoreError
from segview.store.fs_store import (
    MAX_PROBLEMS,
    NEWER_VERSION_KIND,
    FsStore,
    LongLine,
    Problem,
    TolerantRead,
    UnknownEntry,
    is_blank,
    open_regular,
    read_lines,
)
from segview.store.layout import (
    FileStat,
    LayoutKind,
    SegmentFile,
    StoreScan,
    Unlisted,
    prefix_fingerprint,
    resolve_id,
    scan_store,
)
from segview.store.version import FormatVersion

if TYPE_CHECKING:
    from segview.index import IndexRow, StoreIndex
    from segview.store import LogEntry

__all__ = [
    "TITLE_WIDTH",
    "Lineage",
    "LineageChange",
    "OriginKind",
    "IndexedFile",
    "SegmentNode",
    "StoreProblem",
    "classify_problem",
    "indexed_file",
    "title_of",
]

OriginKind = Literal["fork", "compaction"]
TITLE_WIDTH = 80

_TAIL_MARK = "truncated last line"


def classify_problem(problem: Problem) -> str:
    """The kind of a problem the tolerant reader reported (see ``StoreProblem.kind``)."""
    if problem.kind is not None:
        return problem.kind
    message = problem.message
    if message.startswith(_TAIL_MARK):
        return "truncated"
    if message.startswith("UTF-8 byte-order mark"):
        return "bom"
    if problem.line is None:
        return "io"
    return "corrupt"


@dataclass(eq=False)
class SegmentNode:
    """One segment file in the forest; details (title, turns, ...) are filled lazily."""

    id: str
    store: FsStore
    session_id: str | None
    origin: OriginKind | None
    parent_id: str | None
    at_turn_index: int | None
    created_ts: int | None
    size: int
    mtime: float
    parent_missing: bool = False
    in_cycle: bool = False
    first_line_problem: Problem | None = None
    children: list[SegmentNode] = field(default_factory=list)
    parent: SegmentNode | None = None
    title: str | None = None
    turns: int | None = None
    entries: int | None = None
    last_ts: int | None = None
    problems: list[Problem] = field(default_factory=list)
    problems_omitted: int = 0  # found beyond the MAX_PROBLEMS kept, counted exactly
    damage_omitted: int = 0  # how many of those are damage (the rest are notes)
    details_loaded: bool = False
    layout: LayoutKind = "flat"
    start_session_id: str | None = field(default=None, repr=False)
    first_line_kind: str | None = field(default=None, repr=False)
    cycle_broken_here: bool = field(default=False, repr=False)
    _details_key: tuple[int, float] | None = field(default=None, repr=False)
    _cursor: _DetailsCursor | None = field(default=None, repr=False)
    _stat: FileStat | None = field(default=None, repr=False)
    # (end, digest): the fingerprint of the bytes [0, end) as read (layout.prefix_fingerprint)
    _fingerprint: tuple[int, bytes] | None = field(default=None, repr=False)
    # what _set_details was given (kept for the index), and whether the index lacks it
    _details_args: tuple[Any, ...] | None = field(default=None, repr=False)
    # (key, identity) of the index record whose cursor was not read yet
    _cursor_source: tuple[str, tuple[int, int, int, int, int]] | None = field(
        default=None, repr=False
    )
    _unindexed: bool = field(default=False, repr=False)

    @property
    def path(self) -> Path:
        return self.store.path_for(self.id)

    @property
    def flagged(self) -> bool:
        return bool(
            self.parent_missing or self.in_cycle or self.first_line_problem or self.problems
        )

    def depth(self) -> int:
        depth = 0
        node = self.parent
        while node is not None:
            depth += 1
            node = node.parent
        return depth

    def sort_ts(self) -> float:
        """Creation time for ordering: the ``segment_start`` ts, else the id's v7 time."""
        if self.created_ts is not None:
            return float(self.created_ts)
        if self.id[14:15] == "7":
            return float(int(self.id[:8] + self.id[9:13], 16))
        return self.mtime * 1000.0


@dataclass(frozen=True)
class StoreProblem:
    """One problem of a store, for ``segview check`` and the app's problem list.

    ``kind`` is one of ``corrupt``, ``truncated``, ``newer_version``, ``bom``, ``io``,
    ``empty``, ``bad_first_line``, ``missing_parent``, ``cycle``, ``session_mismatch``, or,
    for what the store scanner did not list, ``skipped``, ``temp_file`` (left by an
    interrupted fork), ``unreadable`` (a directory) and ``session_file`` (a worker's
    ``session.json``). ``newer_version`` is a note, not damage: what a newer runtime version
    wrote (an unknown entry kind, unknown keys or nested kinds), kept as read (``is_note``).
    A file with more than ``MAX_PROBLEMS`` problems ends with ``omitted`` (the damage found
    but not kept) and ``omitted_notes`` (the notes), whose ``count`` says how many.
    """

    path: Path
    line: int | None
    message: str
    segment_id: str | None
    kind: str
    count: int = 1

    @classmethod
    def of_unlisted(cls, entry: Unlisted) -> StoreProblem:
        """A problem for what the store scanner did not list (``kind`` as the entry's)."""
        if entry.kind in ("temp_file", "session_file"):  # no segment was left out
            return cls(entry.path, None, entry.reason, None, entry.kind)
        return cls(entry.path, None, f"skipped: {entry.reason}", None, entry.kind)

    @property
    def is_note(self) -> bool:
        return self.kind in (NEWER_VERSION_KIND, "omitted_notes")

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.message}"

    def to_json(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "line": self.line,
            "message": self.message,
            "kind": self.kind,
            "segment_id": self.segment_id,
            **({"count": self.count} if self.kind in _OMITTED else {}),
        }


@dataclass
class LineageChange:
    """What a ``refresh`` found: ids of new, grown, rewritten and removed files.

    ``rewritten`` files were replaced or changed before the point already read (a rewind):
    they are read again from the start. A changed file that cannot be told apart is counted
    as grown and read again too.
    """

    added: list[str] = field(default_factory=list)
    grown: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.grown or self.removed or self.rewritten)

    @property
    def updated(self) -> list[str]:
        """Every id whose details need loading again (added, grown or rewritten)."""
        return self.added + self.grown + self.rewritten


@dataclass
class _DetailsCursor:
    """Where a details read stopped, and the totals of every line before that point."""

    end_offset: int = 0
    next_line: int = 1
    turns: int = 0
    entries: int = 0
    title: str | None = None
    last_ts: int | None = None
    problems: list[Problem] = field(default_factory=list)
    problems_omitted: int = 0
    damage_omitted: int = 0
    # (turn_count, byte offset) of every turn_end before end_offset; None when not known
    turn_ends: list[tuple[int, int]] | None = field(default_factory=list)
    version: str | None = None  # the format version the reads applied


def _title(
    entry: LogEntry | UnknownEntry, version: FormatVersion = FormatVersion.REFERENCE
) -> str | None:
    """The title a segment's first user input gives it: the input as the model saw it
    (flattened by the rules of ``version``), cut to ``TITLE_WIDTH`` characters; displays
    fold it with ``one_line``."""
    from segview.store import UserInput, flatten_segments

    if isinstance(entry, UserInput):
        return flatten_segments(entry.segments, version)[:TITLE_WIDTH]
    return None


def title_of(
    entries: list[LogEntry | UnknownEntry], version: FormatVersion = FormatVersion.REFERENCE
) -> str | None:
    """The title of a segment from its entries (see ``_title``), or None without user input."""
    from segview.store import UserInput

    for entry in entries:
        if isinstance(entry, UserInput):
            return _title(entry, version)
    return None


def _count_lines(read: TolerantRead, below: int | None) -> int:
    """Non-blank lines among the read's entries and problems (lines before ``below``)."""
    lines = {n for n in read.lines if below is None or n < below}
    lines.update(
        p.line for p in read.problems if p.line is not None and (below is None or p.line < below)
    )
    return len(lines)


class Lineage:
    """The ancestry forest of one store (any layout the store scanner recognises).

    ``track_rewrites`` (the default) keeps a fingerprint of what was read of each file, so a
    later ``refresh`` tells a file that grew from one rewritten in place and resumes reading
    only the former; a one-shot reader that never refreshes can turn it off.
    """

    def __init__(
        self, root: Path, *, track_rewrites: bool = True, index: StoreIndex | None = None
    ) -> None:
        self.root = root
        self.track_rewrites = track_rewrites
        self.index = index
        self._abs_roots: dict[str, str] = {}
        self.layout: Literal["flat", "sessions"] = "flat"
        self.nodes: dict[str, SegmentNode] = {}
        self.roots: list[SegmentNode] = []
        self.unlisted: list[Unlisted] = []
        self.sessions: dict[str, list[SegmentNode]] = {}
        self.scan: StoreScan | None = None

    @classmethod
    def open(
        cls, root: str | Path, *, track_rewrites: bool = True, index: StoreIndex | None = None
    ) -> Lineage:
        """Scan ``root`` (a store in any layout, or a segment file: its directory is the
        store); raises ``StoreError`` only if it cannot be opened. With an ``index``
        (``segview.index``), what it holds of unchanged files is used instead of reading
        them, and ``save_index`` keeps what was read."""
        lineage = cls(Path(root), track_rewrites=track_rewrites, index=index)
        lineage.refresh()
        return lineage

    @property
    def skipped(self) -> list[tuple[Path, str]]:
        """What the scanner did not list, as (path, reason)."""
        return [(entry.path, entry.reason) for entry in self.unlisted]

    @property
    def scan_root(self) -> Path:
        """The directory scanned (the store's directory for a segment-file path)."""
        return self.scan.root if self.scan is not None else self.root

    @property
    def selected(self) -> str | None:
        """The segment a segment-file path selected (None for a directory)."""
        return self.scan.selected if self.scan is not None else None

    def _read_first(self, node: SegmentNode) -> None:
        """Fill the node's origin and creation time from the first line of its file."""
        from segview.store import SegmentStart

        node.origin = node.parent_id = node.at_turn_index = node.created_ts = None
        node.first_line_problem = node.first_line_kind = node.start_session_id = None
        try:
            entry, problem = node.store.read_first_entry(node.id)
        except StoreError as exc:
            node.first_line_problem, node.first_line_kind = Problem(None, str(exc)), "io"
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
            line = _first_entry_line(node.path)
            node.first_line_problem = Problem(
                line, f"first entry is a `{kind}`, not a segment_start"
            )
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

    def refresh(self) -> LineageChange:
        """Re-scan the store: read the first line of new files, note grown, rewritten and
        removed ones.

        Unchanged files are not read. A grown file keeps its first line (it only had entries
        appended) unless that line was unreadable before (a file still being written); a
        rewritten file (see ``LineageChange``) is read again from its first line.
        """
        with gc_paused():
            return self._refresh()

    def _refresh(self) -> LineageChange:
        scan = scan_store(self.root)
        watching = self.scan is not None and self.track_rewrites
        change = LineageChange()
        relink = False
        for segment_id in list(self.nodes):
            if scan.get(segment_id) is None:
                del self.nodes[segment_id]
                change.removed.append(segment_id)
                relink = True
        nodes = self.nodes
        rows: dict[str, IndexRow] | None = None
        for found in scan.segments:
            segment_id, file_stat = found.id, found.stat
            node = nodes.get(segment_id)
            if node is None:
                node = SegmentNode(
                    id=segment_id,
                    store=found.store,
                    session_id=found.session_id,
                    origin=None,
                    parent_id=None,
                    at_turn_index=None,
                    created_ts=None,
                    size=file_stat.size,
                    mtime=file_stat.mtime_ns / 1e9,
                    layout=found.layout,
                    _stat=file_stat,
                )
                if self.index is not None and rows is None:
                    rows = self.index.rows_under(self._abs_root(scan.root))
                row = rows.get(self.index_key(node)) if rows else None
                if row is None or not self._restore(node, row):
                    self._read_first(node)
                nodes[segment_id] = node
                change.added.append(segment_id)
                relink = True
                continue
            if node._stat == file_stat and node.store.root == found.store.root:
                if watching and node._fingerprint is None:
                    self._take_fingerprint(node)
                continue
            how = self._how_changed(node, found)
            node.size, node.mtime, node._stat = found.stat.size, found.stat.mtime, found.stat
            node.store, node.session_id, node.layout = found.store, found.session_id, found.layout
            node.details_loaded = False
            if how == "grown" and node.first_line_problem is None:
                change.grown.append(segment_id)
                continue
            if how != "grown":
                node._cursor = node._fingerprint = None
            before = (node.parent_id, node.created_ts)
            self._read_first(node)
            relink = relink or (node.parent_id, node.created_ts) != before
            (change.rewritten if how == "rewritten" else change.grown).append(segment_id)
        self.scan = scan
        self.unlisted = scan.unlisted
        self.layout = "sessions" if any(f.session_id for f in scan.segments) else "flat"
        if relink:
            self._link()
        for ids in (change.added, change.grown, change.removed, change.rewritten):
            ids.sort(reverse=True)
        return change

    @staticmethod
    def _how_changed(
        node: SegmentNode, found: SegmentFile
    ) -> Literal["grown", "rewritten", "unknown"]:
        """Whether a changed file only grew (what was read is intact) or was rewritten.

        Rewritten: replaced by another file (a rename, or moved), shorter than what was read,
        changed at the same size (appends always add bytes), or different before the point
        already read. Unknown: no fingerprint was kept (it is read again, from the start).
        """
        old, new = node._stat, found.stat
        if old is None or node.store.root != found.store.root or not new.same_file(old):
            return "rewritten"
        if new.size <= old.size:  # appends add bytes: a shorter or same-size file was rewritten
            return "rewritten"
        fingerprint = node._fingerprint
        if fingerprint is None:
            return "unknown"
        end, digest = fingerprint
        if new.size < end or prefix_fingerprint(found.path, end) != digest:
            return "rewritten"
        return "grown"

    @staticmethod
    def _take_fingerprint(node: SegmentNode) -> None:
        """Fingerprint what has been read of the file: up to where details stopped, else
        the whole file as scanned (only its first line was read)."""
        end = node._cursor.end_offset if node._cursor is not None else node.size
        digest = prefix_fingerprint(node.path, end)
        node._fingerprint = None if digest is None else (end, digest)

    # --- the index --------------------------------------------------------------------------

    def _abs_root(self, root: Path) -> str:
        name = os.fspath(root)
        found = self._abs_roots.get(name)
        if found is None:
            found = self._abs_roots[name] = os.path.abspath(name)
        return found

    def index_key(self, node: SegmentNode) -> str:
        """The file's absolute path: its key in the index."""
        return f"{self._abs_root(node.store.root)}{os.sep}{node.id}.jsonl"

    def _restore(self, node: SegmentNode, row: IndexRow) -> bool:
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
            first_problem = _problems_of(row.first_problem)
            problems = _problems_of(row.problems) or []
            _check_types(
                (row.origin, row.parent_id, row.start_session, row.first_kind, row.title),
                (row.turns, row.entries, row.problems_omitted, row.damage_omitted),
            )
            cursor = None
            if not exact:
                index = self.index
                blob = index.extra(row.path, "cursor", row.identity) if index else None
                if blob is None:
                    return False
                cursor = _cursor_of(blob)
        except (ValueError, TypeError, IndexError, KeyError):
            return False
        node.origin, node.parent_id, node.at_turn_index = row.origin, row.parent_id, at_turn  # type: ignore[assignment]
        node.created_ts, node.start_session_id = created_ts, row.start_session
        node.first_line_problem = first_problem[0] if first_problem else None
        node.first_line_kind = row.first_kind
        node._fingerprint = (row.fp_end, row.fp) if row.fp_end is not None and row.fp else None
        if exact:
            node._cursor_source = (row.path, row.identity)
            self._set_details(node, row.title, row.turns, row.entries, last_ts, problems)
            node.problems_omitted, node.damage_omitted = row.problems_omitted, row.damage_omitted
            node._details_key = (node.size, node.mtime)
            return True
        assert cursor is not None
        index = self.index
        known = index.extra(row.path, "turn_ends", row.identity) if index is not None else None
        if known is not None:
            try:
                import orjson

                cursor.turn_ends = [(int(t), int(o)) for t, o in orjson.loads(known)]
            except (ValueError, TypeError):
                cursor.turn_ends = None
        node._cursor = cursor
        return True

    def _indexed_cursor(
        self, key: str, identity: tuple[int, int, int, int, int]
    ) -> _DetailsCursor | None:
        """Where the indexed read of a file stopped (to resume it), if the index still has it."""
        blob = self.index.extra(key, "cursor", identity) if self.index is not None else None
        if blob is None:
            return None
        try:
            return _cursor_of(blob)
        except (ValueError, TypeError, IndexError):
            return None

    def save_index(self, nodes: Iterable[SegmentNode] | None = None) -> int:
        """Keep in the index what was read of ``nodes`` (default: every node) since they were
        indexed, for files unchanged since they were read; returns how many were written."""
        index = self.index
        if index is None:
            return 0
        rows = []
        written = []
        for node in self.nodes.values() if nodes is None else nodes:
            found = self._index_row(node) if node._unindexed else None
            if found is not None:
                rows.append(found)
                written.append(node)
        if rows and index.put(rows):
            for node in written:
                node._unindexed = False
        return len(rows)

    def _index_row(self, node: SegmentNode) -> tuple[IndexRow, bytes | None] | None:
        from segview.index import IndexRow, number

        cursor, args, st = node._cursor, node._details_args, node._stat
        if cursor is None or args is None or st is None or not node.details_loaded:
            return None
        path = self.index_key(node)
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
            [_problem_json(p) for p in cursor.problems],
            cursor.version,
            cursor.problems_omitted,
            cursor.damage_omitted,
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
                None if first_problem is None else orjson.dumps([_problem_json(first_problem)]),
                title,
                turns,
                entries,
                number(last_ts),
                orjson.dumps([_problem_json(p) for p in problems]) if problems else None,
                node.problems_omitted,
                node.damage_omitted,
                blob,
            )
        except TypeError:  # a number too large for JSON: not indexed
            return None
        turn_ends = None if cursor.turn_ends is None else orjson.dumps(cursor.turn_ends)
        return row, turn_ends

    # --- linking ----------------------------------------------------------------------------

    def _link(self) -> None:
        nodes = self.nodes
        for node in nodes.values():
            node.children = []
            node.parent = None
            node.parent_missing = node.in_cycle = node.cycle_broken_here = False
        for node in nodes.values():
            if node.parent_id is None:
                continue
            parent = nodes.get(node.parent_id)
            if parent is None:
                node.parent_missing = True
            else:
                node.parent = parent
        # Cycles: follow parent links; a link back into the current path closes a cycle,
        # which is broken at its oldest member (a segment cannot descend from a newer one).
        state: dict[str, int] = {}
        for start in sorted(nodes.values(), key=lambda n: n.id):
            path: list[SegmentNode] = []
            cur: SegmentNode | None = start
            while cur is not None and cur.id not in state:
                state[cur.id] = 1
                path.append(cur)
                cur = cur.parent
            if cur is not None and state[cur.id] == 1:
                cycle = path[path.index(cur) :]
                for member in cycle:
                    member.in_cycle = True
                breaker = min(cycle, key=lambda n: (n.sort_ts(), n.id))
                breaker.parent = None
                breaker.cycle_broken_here = True
            for member in path:
                state[member.id] = 2
        roots: list[SegmentNode] = []
        for node in nodes.values():
            if node.parent is None:
                roots.append(node)
            else:
                node.parent.children.append(node)
        for node in nodes.values():
            if len(node.children) > 1:
                node.children.sort(key=lambda n: (n.sort_ts(), n.id))
        roots.sort(key=lambda n: (n.sort_ts(), n.id), reverse=True)
        self.roots = roots
        sessions: dict[str, list[SegmentNode]] = {}
        for root in roots:
            if root.session_id is not None:
                sessions.setdefault(root.session_id, []).append(root)
        self.sessions = sessions

    # --- queries ----------------------------------------------------------------------------

    def walk(self) -> Iterator[tuple[int, SegmentNode]]:
        """Every node depth-first (roots newest first, children by creation): (depth, node)."""
        stack: list[tuple[int, SegmentNode]] = [(0, r) for r in reversed(self.roots)]
        while stack:
            depth, node = stack.pop()
            yield depth, node
            stack.extend((depth + 1, c) for c in reversed(node.children))

    def get(self, segment_id: str) -> SegmentNode | None:
        return self.nodes.get(segment_id)

    def resolve(self, prefix: str) -> SegmentNode:
        """The node of a full id or a unique prefix (``ID.jsonl`` and upper case accepted);
        raises ``LookupError`` (``NoSuchSegment`` or ``AmbiguousSegment``) otherwise."""
        return self.nodes[resolve_id(prefix, self.nodes, where=self.root, unlisted=self.unlisted)]

    def store_for(self, segment_id: str) -> FsStore:
        node = self.nodes.get(segment_id)
        if node is None:
            raise KeyError(segment_id)
        return node.store

    # --- details ----------------------------------------------------------------------------

    def load_details(self, node: SegmentNode, read: TolerantRead | None = None) -> SegmentNode:
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
            cursor = _DetailsCursor()
        else:
            if node._cursor is None and node._cursor_source is not None:
                node._cursor = self._indexed_cursor(*node._cursor_source)
                if node._cursor is None:
                    node._fingerprint = None
                node._cursor_source = None
            cursor = node._cursor or _DetailsCursor()
        try:
            if read is None:
                read = node.store.read_tolerant(
                    node.id, offset=cursor.end_offset, first_line=cursor.next_line
                )
        except StoreError as exc:
            node._cursor = node._fingerprint = None
            self._set_details(node, None, 0, 0, None, [Problem(None, str(exc))])
            node._details_key = key
            return node
        except Exception as exc:  # a segment must never break the forest
            node._cursor = node._fingerprint = None
            message = f"cannot read: {type(exc).__name__}: {exc}"
            self._set_details(node, None, 0, 0, None, [Problem(None, message)])
            node._details_key = key
            return node
        self._apply_read(node, cursor, read)
        return node

    def _apply_read(self, node: SegmentNode, cursor: _DetailsCursor, read: TolerantRead) -> None:
        """Fill the node's details from ``cursor`` (the totals before the read) and ``read``
        (a read resumed at the cursor)."""
        from segview.store import TurnEnd

        key = (node.size, node.mtime)
        tail_line = read.next_line if read.pending_tail else None
        committed = [i for i, n in enumerate(read.lines) if tail_line is None or n < tail_line]
        turn_ends, offsets = cursor.turn_ends, read.offsets
        for i in committed:
            entry = read.entries[i]
            if cursor.title is None:
                cursor.title = _title(entry, read.format_version)
            if isinstance(entry, TurnEnd):
                cursor.turns += 1
                if turn_ends is not None:
                    turn_ends.append((entry.turn_count, offsets[i]))
            if entry.ts is not None:
                cursor.last_ts = entry.ts
        cursor.version = read.format_version.value
        cursor.entries += _count_lines(read, tail_line) + read.bad_lines_omitted
        found = [
            p for p in read.problems if p.line is None or tail_line is None or p.line < tail_line
        ]
        room = max(0, MAX_PROBLEMS - len(cursor.problems))
        cursor.problems.extend(found[:room])
        cursor.problems_omitted += read.problems_omitted + max(0, len(found) - room)
        cursor.damage_omitted += read.damage_omitted + sum(not p.is_note for p in found[room:])
        cursor.end_offset, cursor.next_line = read.end_offset, read.next_line
        node._cursor = cursor
        if self.track_rewrites:
            self._take_fingerprint(node)
        title, turns, last_ts = cursor.title, cursor.turns, cursor.last_ts
        entries = cursor.entries
        problems = list(cursor.problems)
        if tail_line is not None:
            for i, n in enumerate(read.lines):
                if n >= tail_line:
                    entry = read.entries[i]
                    title = title or _title(entry, read.format_version)
                    turns += isinstance(entry, TurnEnd)
                    last_ts = entry.ts if entry.ts is not None else last_ts
            entries += _count_lines(read, None) - _count_lines(read, tail_line)
            problems.extend(p for p in read.problems if p.line is not None and p.line >= tail_line)
        self._set_details(node, title, turns, entries, last_ts, problems)
        node.problems_omitted = cursor.problems_omitted
        node.damage_omitted = cursor.damage_omitted
        node._details_key = key
        node._unindexed = True

    def index_read(self, found: SegmentFile, read: TolerantRead) -> None:
        """Keep in the index what a whole read of one file (``read``, from its first byte)
        found, as ``load_details`` would have (for a command that read the file anyway)."""
        if self.index is None:
            return
        node = SegmentNode(
            id=found.id,
            store=found.store,
            session_id=found.session_id,
            origin=None,
            parent_id=None,
            at_turn_index=None,
            created_ts=None,
            size=found.stat.size,
            mtime=found.stat.mtime_ns / 1e9,
            layout=found.layout,
            _stat=found.stat,
        )
        self._read_first(node)
        self._apply_read(node, _DetailsCursor(), read)
        self.save_index([node])

    @staticmethod
    def _set_details(
        node: SegmentNode,
        title: str | None,
        turns: int,
        entries: int,
        last_ts: int | None,
        problems: list[Problem],
    ) -> None:
        node._details_args = (title, turns, entries, last_ts, problems)
        node._unindexed = False
        first = node.first_line_problem
        if first is not None:
            problems = [first] + [
                p
                for p in problems
                if not (p.line == first.line and (p.line is not None or p.message == first.message))
            ]
        node.title, node.turns, node.entries, node.last_ts = title, turns, entries, last_ts
        node.problems = problems
        node.problems_omitted = node.damage_omitted = 0
        node.details_loaded = True

    # --- problems ---------------------------------------------------------------------------

    def problems(self, *, with_details: bool = True) -> list[StoreProblem]:
        """Every problem of the store, each once: what ``segview check`` reports.

        With ``with_details`` every segment is read in full (the tolerant reader's problems);
        without, only what the forest itself shows (first lines, links, what was not listed).
        """
        out = [StoreProblem.of_unlisted(entry) for entry in self.unlisted]
        for node in self.nodes.values():
            out.extend(self.node_problems(node, with_details=with_details))
        out.sort(key=problem_order)
        return out

    def node_problems(self, node: SegmentNode, *, with_details: bool = True) -> list[StoreProblem]:
        """The problems of one segment, in line order (links and first line included)."""
        path = node.path
        out: list[StoreProblem] = []
        first = node.first_line_problem
        if first is not None:
            out.append(
                StoreProblem(path, first.line, first.message, node.id, node.first_line_kind or "")
            )
        if node.parent_missing:
            out.append(
                StoreProblem(
                    path,
                    _first_entry_line(path),
                    f"parent missing: {node.origin} of {node.parent_id} (turn "
                    f"{node.at_turn_index}), which is not in the store",
                    node.id,
                    "missing_parent",
                )
            )
        if node.cycle_broken_here:
            members = self._cycle_of(node)
            chain = " -> ".join(m.id for m in members)
            out.append(
                StoreProblem(
                    path,
                    _first_entry_line(path),
                    f"ancestry cycle: {chain} -> {node.id}; the link of {node.id} to its "
                    f"parent {node.parent_id} is ignored",
                    node.id,
                    "cycle",
                )
            )
        if (
            node.session_id is not None
            and node.start_session_id is not None
            and node.start_session_id != node.session_id
        ):
            out.append(
                StoreProblem(
                    path,
                    _first_entry_line(path),
                    f"segment_start names session {node.start_session_id}, but the file is "
                    f"in session directory {node.session_id}",
                    node.id,
                    "session_mismatch",
                )
            )
        if with_details:
            self.load_details(node)
            for p in node.problems:
                if p is first:
                    continue
                out.append(StoreProblem(path, p.line, p.message, node.id, classify_problem(p)))
            damage = node.damage_omitted
            if damage:
                message = (
                    f"… and {damage:,} more problem{'s' * (damage != 1)} (the first "
                    f"{MAX_PROBLEMS:,} of a file are listed)"
                )
                out.append(StoreProblem(path, None, message, node.id, "omitted", count=damage))
            if notes := node.problems_omitted - damage:
                message = (
                    f"… and {notes:,} more note{'s' * (notes != 1)} about what a newer runtime "
                    "version wrote"
                )
                out.append(StoreProblem(path, None, message, node.id, "omitted_notes", count=notes))
        out.sort(key=problem_order)
        return out

    def _cycle_of(self, node: SegmentNode) -> list[SegmentNode]:
        """The members of the cycle broken at ``node``, from ``node`` along parent ids."""
        members = [node]
        cur = self.nodes.get(node.parent_id) if node.parent_id else None
        while cur is not None and cur is not node and len(members) <= len(self.nodes):
            members.append(cur)
            cur = self.nodes.get(cur.parent_id) if cur.parent_id else None
        return members


_OMITTED = ("omitted", "omitted_notes")


def problem_order(problem: StoreProblem) -> tuple[str, bool, int]:
    """Problems by file, then line (a file's own first, the counts of omitted ones last)."""
    line = -1 if problem.line is None else problem.line
    return str(problem.path), problem.kind in _OMITTED, line


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
        problems = _problems_of(row.problems) or []
        cursor = _cursor_of(blob) if blob is not None else None
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


def _check_types(texts: tuple[Any, ...], counts: tuple[Any, ...]) -> None:
    """Raise ``ValueError`` unless an index record's values have the types written."""
    for text in texts:
        if text is not None and type(text) is not str:
            raise ValueError("not a text")
    for count in counts:
        if type(count) is not int or count < 0:
            raise ValueError("not a count")


def _problems_of(blob: bytes | None) -> list[Problem] | None:
    if blob is None:
        return None
    import orjson

    return [_problem_of(p) for p in orjson.loads(blob)]


def _cursor_of(blob: bytes) -> _DetailsCursor:
    """Where an indexed read stopped (``Lineage._index_row``); raises ``ValueError``."""
    import orjson

    saved = orjson.loads(blob)
    cursor = _DetailsCursor(
        end_offset=saved[0],
        next_line=saved[1],
        turns=saved[2],
        entries=saved[3],
        title=saved[4],
        last_ts=saved[5],
        problems=[_problem_of(p) for p in saved[6]],
        turn_ends=None,
        version=saved[7],
        problems_omitted=saved[8],
        damage_omitted=saved[9],
    )
    _check_types(
        (cursor.title, cursor.version),
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


def _problem_json(problem: Problem) -> list[Any]:
    return [problem.line, problem.message, problem.kind]


def _problem_of(value: Any) -> Problem:
    line, message, kind = value
    if not (line is None or type(line) is int) or not isinstance(message, str):
        raise ValueError("not a problem")
    if not (kind is None or isinstance(kind, str)):
        raise ValueError("not a problem")
    return Problem(line, message, kind)


def _first_entry_line(path: Path) -> int | None:
    """The 1-based number of the first non-blank line (where ``segment_start`` belongs)."""
    try:
        with open_regular(path) as f:
            for lineno, _start, _end, content, _term in read_lines(f):
                if isinstance(content, LongLine):
                    if content.blank:
                        continue
                    return lineno
                if lineno == 1 and content.startswith(b"\xef\xbb\xbf"):
                    content = content[3:]
                if not is_blank(content):
                    return lineno
    except OSError:
        return None
    return None
