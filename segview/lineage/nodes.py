"""The nodes of the forest: one ``SegmentNode`` per segment file, what a refresh found
(``LineageChange``), where a details read stopped (``DetailsCursor``) and segment titles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from segview.store.layout import FileStat, LayoutKind, SegmentFile, prefix_fingerprint
from segview.store.version import FormatVersion

if TYPE_CHECKING:
    from segview.store import LogEntry
    from segview.store.fs_store import FsStore, Problem, UnknownEntry

__all__ = [
    "TITLE_WIDTH",
    "DetailsCursor",
    "LineageChange",
    "OriginKind",
    "SegmentNode",
    "entry_title",
    "seed_title",
    "title_of",
]

OriginKind = Literal["fork", "compaction"]
TITLE_WIDTH = 80


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
    _cursor: DetailsCursor | None = field(default=None, repr=False)
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

    @classmethod
    def of_file(cls, found: SegmentFile) -> SegmentNode:
        """A node for a file the scanner found, nothing read of it yet."""
        return cls(
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

    def take_fingerprint(self) -> None:
        """Fingerprint what has been read of the file: up to where details stopped, else
        the whole file as scanned (only its first line was read)."""
        end = self._cursor.end_offset if self._cursor is not None else self.size
        digest = prefix_fingerprint(self.path, end)
        self._fingerprint = None if digest is None else (end, digest)

    def set_details(
        self,
        title: str | None,
        turns: int,
        entries: int,
        last_ts: int | None,
        problems: list[Problem],
    ) -> None:
        """Fill the details (the first line's problem leads the problems, once)."""
        self._details_args = (title, turns, entries, last_ts, problems)
        self._unindexed = False
        first = self.first_line_problem
        if first is not None:
            problems = [first] + [
                p
                for p in problems
                if not (p.line == first.line and (p.line is not None or p.message == first.message))
            ]
        self.title, self.turns, self.entries, self.last_ts = title, turns, entries, last_ts
        self.problems = problems
        self.problems_omitted = self.damage_omitted = 0
        self.details_loaded = True


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
class DetailsCursor:
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
    seed_title: str | None = None  # the title the seed history gives (``seed_title``)


def entry_title(
    entry: LogEntry | UnknownEntry, version: FormatVersion = FormatVersion.REFERENCE
) -> str | None:
    """The title a segment's first user input gives it: the input as the model saw it
    (flattened by the rules of ``version``), cut to ``TITLE_WIDTH`` characters; displays
    fold it with ``one_line``."""
    from segview.store import UserInput, flatten_segments

    if isinstance(entry, UserInput):
        return flatten_segments(entry.segments, version)[:TITLE_WIDTH]
    return None


def seed_title(entry: LogEntry | UnknownEntry) -> str | None:
    """The title a segment without user input of its own takes from its ``segment_start``:
    the last user message of the seed history (a fork's: the last input before the fork
    point), cut to ``TITLE_WIDTH`` characters; None for any other entry or an empty seed."""
    from segview.store import MessageItem, SegmentStart

    if not isinstance(entry, SegmentStart):
        return None
    for item in reversed(entry.history):
        if isinstance(item, MessageItem) and item.role == "user":
            text = item.text()
            if text.strip():
                return text[:TITLE_WIDTH]
    return None


def title_of(
    entries: list[LogEntry | UnknownEntry], version: FormatVersion = FormatVersion.REFERENCE
) -> str | None:
    """The title of a segment from its entries: its first user input (``entry_title``), else
    the last user message of its seed history (``seed_title``), else None."""
    from segview.store import UserInput

    for entry in entries:
        if isinstance(entry, UserInput):
            return entry_title(entry, version)
    return seed_title(entries[0]) if entries else None
