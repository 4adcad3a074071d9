"""The ancestry forest of a store (FORMAT.md sections 1, 7 and 9).

Each segment's ``segment_start`` names its parent through ``forked_from`` or
``compacted_from``. The forest is built from the first line of each file only; everything
that needs the whole log (title, turns, entries, problems) is filled lazily by
``Lineage.load_details`` and cached by file size and modification time.

Bad structure is kept visible, never fatal: a parent that is not in the store makes the
node a root flagged ``parent_missing``; a fork cycle is flagged and broken at one edge; a
file whose first line is not a ``segment_start`` becomes a flagged root; names that are not
segment ids are listed in ``skipped``. Only an unreadable store root raises (``StoreError``).

Two layouts are read: the reference layout (``{root}/{segment_id}.jsonl``) and the later
one (``{root}/{session_id}/{segment_id}.jsonl``), whose segments are grouped by session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from segview.store import (
    FsStore,
    LogEntry,
    Problem,
    SegmentStart,
    StoreError,
    StoreIOError,
    TurnEnd,
    UnknownEntry,
    UserInput,
    flatten_segments,
)
from segview.store.codec import one_line as escape_message
from segview.store.fs_store import SEGMENT_ID_RE, TolerantRead, is_blank, read_lines
from segview.store.model import normalize_uuid
from segview.timeline import gc_paused

__all__ = [
    "TITLE_WIDTH",
    "Lineage",
    "LineageChange",
    "OriginKind",
    "SegmentNode",
    "StoreProblem",
    "classify_problem",
    "one_line",
    "title_of",
]

OriginKind = Literal["fork", "compaction"]
TITLE_WIDTH = 80

_SUFFIX = ".jsonl"
_TRACE_SUFFIX = ".trace.jsonl"
_TAIL_MARK = "truncated last line"


def one_line(text: str) -> str:
    """Text for one line of a table or tree: runs of whitespace become one space, and other
    control characters (terminal escapes) are shown escaped, never sent to the terminal."""
    return escape_message(" ".join(text.split()), limit=1 << 62)


def classify_problem(problem: Problem) -> str:
    """The kind of a problem the tolerant reader reported (see ``StoreProblem.kind``)."""
    message = problem.message
    if message.startswith(_TAIL_MARK):
        return "truncated"
    if message.startswith("unknown entry kind"):
        return "unknown_kind"
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
    details_loaded: bool = False
    start_session_id: str | None = field(default=None, repr=False)
    first_line_kind: str | None = field(default=None, repr=False)
    cycle_broken_here: bool = field(default=False, repr=False)
    _details_key: tuple[int, float] | None = field(default=None, repr=False)
    _cursor: _DetailsCursor | None = field(default=None, repr=False)

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

    ``kind`` is one of ``corrupt``, ``truncated``, ``unknown_kind``, ``bom``, ``io``,
    ``empty``, ``bad_first_line``, ``missing_parent``, ``cycle``, ``skipped``,
    ``duplicate_id``, ``session_mismatch``.
    """

    path: Path
    line: int | None
    message: str
    segment_id: str | None
    kind: str

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
        }


@dataclass
class LineageChange:
    """What a ``refresh`` found: ids of new, grown (or rewritten) and removed files."""

    added: list[str] = field(default_factory=list)
    grown: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.grown or self.removed)


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


@dataclass(slots=True)
class _FileInfo:
    store: FsStore
    session_id: str | None
    size: int
    mtime: float


def _title(entry: LogEntry | UnknownEntry) -> str | None:
    """The title a segment's first user input gives it: the input as the model saw it
    (flattened), cut to ``TITLE_WIDTH`` characters; displays fold it with ``one_line``."""
    if isinstance(entry, UserInput):
        return flatten_segments(entry.segments)[:TITLE_WIDTH]
    return None


def title_of(entries: list[LogEntry | UnknownEntry]) -> str | None:
    """The title of a segment from its entries (see ``_title``), or None without user input."""
    for entry in entries:
        if isinstance(entry, UserInput):
            return _title(entry)
    return None


def _count_lines(read: TolerantRead, below: int | None) -> int:
    """Non-blank lines among the read's entries and problems (lines before ``below``)."""
    lines = {n for n in read.lines if below is None or n < below}
    lines.update(
        p.line for p in read.problems if p.line is not None and (below is None or p.line < below)
    )
    return len(lines)


class Lineage:
    """The ancestry forest of one store directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.layout: Literal["flat", "sessions"] = "flat"
        self.nodes: dict[str, SegmentNode] = {}
        self.roots: list[SegmentNode] = []
        self.skipped: list[tuple[Path, str]] = []
        self.sessions: dict[str, list[SegmentNode]] = {}
        self._stores: dict[Path, FsStore] = {}

    @classmethod
    def open(cls, root: str | Path) -> Lineage:
        """Scan ``root`` (either layout); raises ``StoreError`` only if it cannot be listed."""
        lineage = cls(Path(root))
        lineage.refresh()
        return lineage

    # --- scanning ---------------------------------------------------------------------------

    def _store(self, directory: Path) -> FsStore:
        store = self._stores.get(directory)
        if store is None:
            store = self._stores[directory] = FsStore(directory)
        return store

    def _scan(self) -> tuple[dict[str, _FileInfo], list[tuple[Path, str]], bool]:
        try:
            with os.scandir(self.root) as it:
                top = list(it)
        except FileNotFoundError:
            raise StoreIOError(self.root, "store directory does not exist") from None
        except NotADirectoryError:
            raise StoreIOError(self.root, "not a directory") from None
        except OSError as exc:
            raise StoreIOError(self.root, exc.strerror or str(exc)) from None
        found: dict[str, _FileInfo] = {}
        skipped: list[tuple[Path, str]] = []
        session_dirs: list[os.DirEntry[str]] = []
        self._scan_entries(top, None, found, skipped, session_dirs)
        for entry in sorted(session_dirs, key=lambda e: e.name):
            try:
                with os.scandir(entry.path) as it:
                    inner = list(it)
            except OSError as exc:
                skipped.append((Path(entry.path), f"cannot list session directory: {exc}"))
                continue
            self._scan_entries(inner, entry.name, found, skipped, None)
        skipped.sort(key=lambda s: str(s[0]))
        return found, skipped, bool(session_dirs)

    def _scan_entries(
        self,
        entries: list[os.DirEntry[str]],
        session_id: str | None,
        found: dict[str, _FileInfo],
        skipped: list[tuple[Path, str]],
        session_dirs: list[os.DirEntry[str]] | None,
    ) -> None:
        store = self._store(self.root if session_id is None else self.root / session_id)
        for entry in entries:
            name = entry.name
            is_file_name = name.endswith(_SUFFIX) and not name.endswith(_TRACE_SUFFIX)
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if is_file_name:
                    skipped.append((Path(entry.path), "a directory, not a segment file"))
                elif session_dirs is not None and SEGMENT_ID_RE.fullmatch(name):
                    session_dirs.append(entry)
                continue
            if not is_file_name:
                continue
            stem = name[: -len(_SUFFIX)]
            if not SEGMENT_ID_RE.fullmatch(stem):
                try:
                    normalize_uuid(stem)
                    reason = "not a lower-case hyphenated UUID (the Rust store cannot read it)"
                except ValueError:
                    reason = "file name is not a segment id (UUID)"
                skipped.append((Path(entry.path), reason))
                continue
            if stem in found:
                other = found[stem].session_id
                skipped.append(
                    (Path(entry.path), f"duplicate segment id (also in session {other})")
                )
                continue
            try:
                st = entry.stat()
            except OSError as exc:
                skipped.append((Path(entry.path), f"cannot stat: {exc.strerror or exc}"))
                continue
            found[stem] = _FileInfo(store, session_id, st.st_size, st.st_mtime)

    def _read_first(self, node: SegmentNode) -> None:
        """Fill the node's origin and creation time from the first line of its file."""
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
        """Re-scan the store: read the first line of new files, note grown and removed ones.

        Unchanged files are not read again. A grown file keeps its first line (it only had
        entries appended) unless that line was unreadable before (a file still being
        written); a file that shrank or changed without growing is read again.
        """
        with gc_paused():
            return self._refresh()

    def _refresh(self) -> LineageChange:
        found, skipped, has_sessions = self._scan()
        change = LineageChange()
        relink = False
        for segment_id in list(self.nodes):
            if segment_id not in found:
                del self.nodes[segment_id]
                change.removed.append(segment_id)
                relink = True
        for segment_id, info in found.items():
            node = self.nodes.get(segment_id)
            if node is None:
                node = SegmentNode(
                    id=segment_id,
                    store=info.store,
                    session_id=info.session_id,
                    origin=None,
                    parent_id=None,
                    at_turn_index=None,
                    created_ts=None,
                    size=info.size,
                    mtime=info.mtime,
                )
                self._read_first(node)
                self.nodes[segment_id] = node
                change.added.append(segment_id)
                relink = True
                continue
            if node.size == info.size and node.mtime == info.mtime and node.store is info.store:
                continue
            grew = info.size > node.size and node.store is info.store
            node.size, node.mtime = info.size, info.mtime
            node.store, node.session_id = info.store, info.session_id
            node.details_loaded = False
            if not grew or node.first_line_problem is not None:
                before = (node.parent_id, node.created_ts)
                if not grew:
                    node._cursor = None
                self._read_first(node)
                relink = relink or (node.parent_id, node.created_ts) != before
            change.grown.append(segment_id)
        self.skipped = skipped
        self.layout = "sessions" if has_sessions else "flat"
        if relink:
            self._link()
        change.added.sort(reverse=True)
        change.grown.sort(reverse=True)
        change.removed.sort(reverse=True)
        return change

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
        """The node of a full id or a unique prefix (``ID.jsonl`` and upper case accepted)."""
        wanted = prefix.strip().removesuffix(_SUFFIX).lower()
        node = self.nodes.get(wanted)
        if node is not None:
            return node
        matches = sorted((i for i in self.nodes if i.startswith(wanted)), reverse=True)
        if wanted and len(matches) == 1:
            return self.nodes[matches[0]]
        if not matches or not wanted:
            raise LookupError(f"no segment matches {prefix!r} in {self.root}")
        shown = ", ".join(matches[:8]) + (
            f" (+{len(matches) - 8} more)" if len(matches) > 8 else ""
        )
        raise LookupError(
            f"ambiguous segment prefix {prefix!r}: {len(matches)} candidates: {shown}"
        )

    def store_for(self, segment_id: str) -> FsStore:
        node = self.nodes.get(segment_id)
        if node is None:
            raise KeyError(segment_id)
        return node.store

    # --- details ----------------------------------------------------------------------------

    def load_details(self, node: SegmentNode) -> SegmentNode:
        """Fill title, turns, entries, last activity and problems (cached by size and mtime).

        A file that only grew since the last read is read from where that read stopped.
        """
        key = (node.size, node.mtime)
        if node.details_loaded and node._details_key == key:
            return node
        cursor = node._cursor or _DetailsCursor()
        try:
            read = node.store.read_tolerant(
                node.id, offset=cursor.end_offset, first_line=cursor.next_line
            )
        except StoreError as exc:
            node._cursor = None
            self._set_details(node, None, 0, 0, None, [Problem(None, str(exc))])
            node._details_key = key
            return node
        except Exception as exc:  # a segment must never break the forest
            node._cursor = None
            message = f"cannot read: {type(exc).__name__}: {exc}"
            self._set_details(node, None, 0, 0, None, [Problem(None, message)])
            node._details_key = key
            return node
        tail_line = read.next_line if read.pending_tail else None
        committed = [i for i, n in enumerate(read.lines) if tail_line is None or n < tail_line]
        for i in committed:
            entry = read.entries[i]
            if cursor.title is None:
                cursor.title = _title(entry)
            if isinstance(entry, TurnEnd):
                cursor.turns += 1
            if entry.ts is not None:
                cursor.last_ts = entry.ts
        cursor.entries += _count_lines(read, tail_line)
        cursor.problems.extend(
            p for p in read.problems if p.line is None or tail_line is None or p.line < tail_line
        )
        cursor.end_offset, cursor.next_line = read.end_offset, read.next_line
        node._cursor = cursor
        title, turns, last_ts = cursor.title, cursor.turns, cursor.last_ts
        entries = cursor.entries
        problems = list(cursor.problems)
        if tail_line is not None:
            for i, n in enumerate(read.lines):
                if n >= tail_line:
                    entry = read.entries[i]
                    title = title or _title(entry)
                    turns += isinstance(entry, TurnEnd)
                    last_ts = entry.ts if entry.ts is not None else last_ts
            entries += _count_lines(read, None) - _count_lines(read, tail_line)
            problems.extend(p for p in read.problems if p.line is not None and p.line >= tail_line)
        self._set_details(node, title, turns, entries, last_ts, problems)
        node._details_key = key
        return node

    @staticmethod
    def _set_details(
        node: SegmentNode,
        title: str | None,
        turns: int,
        entries: int,
        last_ts: int | None,
        problems: list[Problem],
    ) -> None:
        first = node.first_line_problem
        if first is not None:
            problems = [first] + [
                p
                for p in problems
                if not (p.line == first.line and (p.line is not None or p.message == first.message))
            ]
        node.title, node.turns, node.entries, node.last_ts = title, turns, entries, last_ts
        node.problems = problems
        node.details_loaded = True

    # --- problems ---------------------------------------------------------------------------

    def problems(self, *, with_details: bool = True) -> list[StoreProblem]:
        """Every problem of the store, each once: what ``segview check`` reports.

        With ``with_details`` every segment is read in full (the tolerant reader's problems);
        without, only what the forest itself shows (first lines, links, skipped names).
        """
        out: list[StoreProblem] = [
            StoreProblem(path, None, f"skipped: {reason}", None, "skipped")
            for path, reason in self.skipped
        ]
        for node in self.nodes.values():
            out.extend(self.node_problems(node, with_details=with_details))
        out.sort(key=lambda p: (str(p.path), -1 if p.line is None else p.line))
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
        out.sort(key=lambda p: -1 if p.line is None else p.line)
        return out

    def _cycle_of(self, node: SegmentNode) -> list[SegmentNode]:
        """The members of the cycle broken at ``node``, from ``node`` along parent ids."""
        members = [node]
        cur = self.nodes.get(node.parent_id) if node.parent_id else None
        while cur is not None and cur is not node and len(members) <= len(self.nodes):
            members.append(cur)
            cur = self.nodes.get(cur.parent_id) if cur.parent_id else None
        return members


def _first_entry_line(path: Path) -> int | None:
    """The 1-based number of the first non-blank line (where ``segment_start`` belongs)."""
    try:
        with open(path, "rb") as f:
            for lineno, _start, _end, content, _term in read_lines(f):
                if lineno == 1 and content.startswith(b"\xef\xbb\xbf"):
                    content = content[3:]
                if not is_blank(content):
                    return lineno
    except OSError:
        return None
    return None
