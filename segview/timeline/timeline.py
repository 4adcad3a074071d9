"""The turns of one segment, and the replayed state after any entry (FORMAT.md section 5).

``Timeline.load`` reads a segment tolerantly once and indexes it: one ``Turn`` per
``turn_end`` and a checkpoint of the replayed state at every ``turn_end`` and every
``CHECKPOINT_EVERY`` entries. ``state_at_entry(n)`` equals ``collect_state(entries[:n])``:
it starts from the nearest checkpoint at or before ``n`` and replays the few entries after
it, so stepping or jumping anywhere costs a copy of the history list, not a full replay.

Checkpoints are cheap because replay only ever appends to the lists of a state (a later
``segment_start`` replaces ``history`` with a new list): a checkpoint keeps a reference to
each list of the live replay state and its length at that point, and the prefix of such a
list never changes afterwards.

A load can be given up (``cancelled``, asked about every MiB read and every few thousand
entries replayed): it raises ``LoadCancelled``, and what it built is dropped.

``refresh`` reads only the bytes appended since the last read (a live agent still writing).
A segment rewritten in place (the runtime's rewind: a plain overwrite, or a temporary file
renamed over it) is read again from the start instead: ``refresh`` keeps the file's identity
and a fingerprint of the bytes already read, and compares them before reading on.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import replace
from typing import Literal

from segview.gcpause import gc_paused
from segview.store import (
    FormatVersion,
    FsStore,
    Problem,
    RestoredState,
    SegmentOrigin,
    SegmentStart,
    StoreError,
    StoreIOError,
    ToolCallItem,
    ToolResultItem,
    UsageRecord,
    apply_entry,
    flatten_segments,
)
from segview.store.errors import NotFound
from segview.store.fs_store import TolerantRead
from segview.store.layout import FileStat, prefix_fingerprint

from .turns import (
    CANCEL_CHECK_ENTRIES,
    CHECKPOINT_EVERY,
    CODES,
    ITEM,
    ITEMS,
    PREVIEW_WIDTH,
    SYSTEM,
    SYSTEM_ITEMS,
    TURN_END,
    USAGE,
    USER,
    Checkpoint,
    Entry,
    LoadCancelled,
    OpenTurn,
    Turn,
)

__all__ = ["Timeline"]


class Timeline:
    """One segment's entries, turns, usage and replayable states."""

    def __init__(
        self, store: FsStore, segment_id: str, version: FormatVersion = FormatVersion.AUTO
    ) -> None:
        self.store = store
        self.segment_id = segment_id
        self.version_asked = version  # AUTO: the version the segment implies
        self.entries: list[Entry] = []
        self.lines: list[int] = []
        self.offsets: list[int] = []
        self.problems: list[Problem] = []
        self.turns: list[Turn] = []
        self.start: SegmentStart | None = None
        self.inherited_len = 0
        self.usage: list[tuple[int, UsageRecord]] = []
        self.generation = 0
        self._read = TolerantRead()
        self._read_failed = False
        self._live = RestoredState()
        self._checkpoints: list[Checkpoint] = []
        self._checkpoint_at: list[int] = []
        self._open = OpenTurn(0, 0)
        self._by_count: dict[int, Turn] = {}
        self._stat: FileStat | None = None  # the file as it was when last read
        self._fingerprint: bytes | None = None  # of the bytes before the resume point
        self._cancelled: Callable[[], bool] | None = None  # asked while loading

    @classmethod
    def load(
        cls,
        store: FsStore,
        segment_id: str,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        version: FormatVersion = FormatVersion.AUTO,
    ) -> Timeline:
        """Read and index the whole segment by the rules of ``version`` (``AUTO``: the version
        the segment implies); ``progress(bytes_read, total)`` is called as it goes.

        A file that cannot be read gives an empty timeline with the reason in ``problems``.
        ``cancelled()`` is asked about every MiB read and every few thousand entries indexed;
        when it says true, ``LoadCancelled`` is raised.
        """
        timeline = cls(store, segment_id, version)
        with gc_paused():
            timeline._cancelled = cancelled
            try:
                timeline._load(progress)
            finally:
                timeline._cancelled = None
        return timeline

    # --- reading ----------------------------------------------------------------------------

    def _load(self, progress: Callable[[int, int], None] | None = None) -> None:
        cancelled = self._cancelled
        report = progress
        if cancelled is not None:

            def report(done: int, total: int) -> None:
                if cancelled():
                    raise LoadCancelled(self.segment_id)
                if progress is not None:
                    progress(done, total)

        try:
            self._stat = self._file_stat()
            read = self.store.read_tolerant(
                self.segment_id, progress=report, version=self.version_asked, share=True
            )
            self._read_failed = False
        except StoreError as exc:
            read = TolerantRead(problems=[Problem(None, str(exc))])
            self._read_failed = True
            self._stat = None
        self._fingerprint = (
            None if self._read_failed else prefix_fingerprint(self.path, read.end_offset)
        )
        self._read = read
        self.entries, self.lines, self.offsets = read.entries, read.lines, read.offsets
        self.problems = read.problems
        self.turns = []
        self.usage = []
        self._live = RestoredState(format_version=read.format_version)
        self._checkpoints = []
        self._checkpoint_at = []
        self._open = OpenTurn(0, 0)
        self._by_count = {}
        self._checkpoint()
        self._ingest(0)
        self._set_start()

    @property
    def path(self) -> str:
        return os.fspath(self.store.path_for(self.segment_id))

    def read_so_far(self) -> TolerantRead:
        """The tolerant read of the file from its start, as far as it was read (its entries,
        line numbers, offsets and problems): what the segment's details are made from, so
        the file need not be read again. A copy of the lists (not of the entries), to take
        where no ``refresh`` runs at the same time."""
        read = self._read
        return replace(
            read,
            entries=list(read.entries),
            lines=list(read.lines),
            offsets=list(read.offsets),
            problems=list(read.problems),
        )

    def _file_stat(self) -> FileStat:
        path = self.store.path_for(self.segment_id)
        try:
            return FileStat.of(os.stat(path))
        except FileNotFoundError:
            raise NotFound(self.segment_id, path) from None
        except OSError as exc:
            raise StoreIOError(path, exc.strerror or str(exc)) from None

    def refresh(self) -> int:
        """Read what was appended since the last read; returns the change in entry count.

        Only new bytes are read. A last line that had no newline yet is read again once the
        file changes (it may have been a write in progress). A file rewritten in place is
        read again from the start (``generation`` goes up): one replaced by another file,
        shorter than what was read, changed at the same size, or whose bytes before the
        resume point differ from what was read (a fingerprint of them is compared).
        """
        with gc_paused():
            return self._refresh()

    def _refresh(self) -> int:
        before = len(self.entries)
        if self._read_failed:
            self.generation += 1
            self._load()
            return len(self.entries) - before
        read = self._read
        try:
            now = self._file_stat()
        except StoreError as exc:
            self._note(Problem(None, str(exc)))
            return 0
        if self._rewritten(now):
            self.generation += 1
            self._load()
            return len(self.entries) - before
        if now == self._stat:
            return 0
        try:
            more = self.store.read_tolerant(
                self.segment_id,
                offset=read.end_offset,
                first_line=read.next_line,
                version=read.format_version,
                share=True,
            )
        except StoreError as exc:
            self._note(Problem(None, str(exc)))
            return 0
        self._stat = now
        keep = before - (1 if read.tail_is_entry else 0)
        read.extend(more)
        self._fingerprint = prefix_fingerprint(self.path, read.end_offset)
        self.problems = read.problems
        if keep < self._live.entries_count:
            self._rewind(keep)
        self._ingest(self._live.entries_count)
        self._set_start()
        return len(self.entries) - before

    def _rewritten(self, now: FileStat) -> bool:
        """Whether the file is no longer the one read, up to the resume point."""
        old = self._stat
        if old is None or not now.same_file(old) or now.size < self._read.end_offset:
            return True
        if now.size == old.size and now != old:  # appends add bytes: this is a rewrite
            return True
        return prefix_fingerprint(self.path, self._read.end_offset) != self._fingerprint

    @property
    def problems_omitted(self) -> int:
        """Problems found beyond the ``MAX_PROBLEMS`` kept in ``problems`` (counted exactly)."""
        return self._read.problems_omitted

    @property
    def damage_omitted(self) -> int:
        """How many of ``problems_omitted`` are damage (the others are notes)."""
        return self._read.damage_omitted

    def _note(self, problem: Problem) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def _set_start(self) -> None:
        first = self.entries[0] if self.entries else None
        self.start = first if isinstance(first, SegmentStart) else None
        self.inherited_len = len(self.start.history) if self.start is not None else 0

    def _rewind(self, keep: int) -> None:
        """Forget everything derived from entries at ``keep`` and after.

        The live state goes back to the first entry of the turn in progress at ``keep``, so
        the totals of that turn are rebuilt from its entries by the next ``_ingest``.
        """
        while self.turns and self.turns[-1].end_entry >= keep:
            turn = self.turns.pop()
            if self._by_count.get(turn.turn_count) is turn:
                del self._by_count[turn.turn_count]
        start = self.turns[-1].end_entry + 1 if self.turns else 0
        while self.usage and self.usage[-1][0] >= start:
            self.usage.pop()
        cut = bisect_right(self._checkpoint_at, start)
        del self._checkpoints[cut:], self._checkpoint_at[cut:]
        self._live = self._state_from_checkpoints(start)
        if self._checkpoint_at[-1] != start:
            self._checkpoint()
        self._open = OpenTurn(start, len(self._live.history))

    def _checkpoint(self) -> None:
        self._checkpoints.append(Checkpoint.of(self._live))
        self._checkpoint_at.append(self._live.entries_count)

    def _ingest(self, start: int) -> None:
        """Replay and index entries from ``start`` (the live state holds ``start`` entries)."""
        live = self._live
        acc = self._open
        entries = self.entries
        turns = self.turns
        codes = CODES
        every = CHECKPOINT_EVERY
        since = live.entries_count - self._checkpoint_at[-1]
        cancelled = self._cancelled
        for i in range(start, len(entries)):
            if cancelled is not None and i % CANCEL_CHECK_ENTRIES == 0 and cancelled():
                raise LoadCancelled(self.segment_id)
            entry = entries[i]
            apply_entry(live, entry)
            if acc.first_ts is None:
                acc.first_ts = entry.ts
            since += 1
            code = codes.get(type(entry), 0)
            if code in (ITEM, ITEMS):
                items = (entry.item,) if code == ITEM else entry.items  # type: ignore[union-attr]
                for item in items:
                    kind = type(item)
                    if kind is ToolResultItem:
                        acc.tool_results += 1
                    else:
                        acc.assistant_items += 1
                        if kind is ToolCallItem:
                            acc.tool_calls += 1
            elif code == TURN_END:
                turn = Turn(
                    len(turns),
                    entry.turn_count,  # type: ignore[union-attr]
                    acc.first_entry,
                    i,
                    acc.first_ts,
                    entry.ts,
                    acc.user_preview,
                    acc.assistant_items,
                    acc.tool_calls,
                    acc.tool_results,
                    acc.system_items,
                    acc.usage,
                    acc.history_len_before,
                    len(live.history),
                )
                turns.append(turn)
                self._by_count.setdefault(turn.turn_count, turn)
                acc = self._open = OpenTurn(i + 1, len(live.history))
                self._checkpoint()
                since = 0
                continue
            elif code == USAGE:
                record = live.usage_history[-1]
                acc.usage.append(record)
                self.usage.append((i, record))
            elif code == USER:
                if acc.user_preview is None:
                    segments = entry.segments  # type: ignore[union-attr]
                    text = " ".join(flatten_segments(segments, live.version).split())
                    acc.user_preview = text[:PREVIEW_WIDTH]
            elif code == SYSTEM:
                acc.system_items += 1
            elif code == SYSTEM_ITEMS:
                acc.system_items += len(entry.items)  # type: ignore[union-attr]
            if since >= every:
                self._checkpoint()
                since = 0

    # --- turns ------------------------------------------------------------------------------

    @property
    def format_version(self) -> FormatVersion:
        """The format version whose rules the segment was read and is replayed by."""
        return self._live.version

    @property
    def last_turn(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    @property
    def open_turn_start(self) -> int:
        """Index of the first entry after the last ``turn_end`` (a turn still in progress)."""
        return self._open.first_entry

    def turn_by_count(self, turn_count: int) -> Turn | None:
        """The first turn whose ``turn_end`` has this ``turn_count``."""
        return self._by_count.get(turn_count)

    def turn_of_entry(self, n: int) -> Turn | None:
        """The completed turn holding entry ``n`` (None after the last ``turn_end``)."""
        i = bisect_right(self.turns, n - 1, key=lambda t: t.end_entry)
        return self.turns[i] if i < len(self.turns) else None

    # --- states -----------------------------------------------------------------------------

    def _state_from_checkpoints(self, n: int) -> RestoredState:
        i = bisect_right(self._checkpoint_at, n) - 1
        checkpoint = self._checkpoints[i]
        state = checkpoint.state()
        for entry in self.entries[checkpoint.entries : n]:
            apply_entry(state, entry)
        return state

    def state_at_entry(self, n: int) -> RestoredState:
        """The state after the first ``n`` entries (``collect_state(entries[:n])``), a copy."""
        if not 0 <= n <= len(self.entries):
            raise IndexError(f"entry count {n} outside 0..{len(self.entries)}")
        return self._state_from_checkpoints(n)

    def state_after_turn(self, index: int) -> RestoredState:
        """The state after the ``turn_end`` of ``turns[index]``."""
        return self.state_at_entry(self.turns[index].end_entry + 1)

    def state_at(self, turn_count: int | None) -> RestoredState:
        """The state after the first ``turn_end`` with ``turn_count`` (None: the whole log).

        Raises ``KeyError`` when no ``turn_end`` has that count.
        """
        if turn_count is None:
            return self.state_at_entry(len(self.entries))
        turn = self.turn_by_count(turn_count)
        if turn is None:
            raise KeyError(turn_count)
        return self.state_at_entry(turn.end_entry + 1)

    # --- origin -----------------------------------------------------------------------------

    @property
    def origin(self) -> SegmentOrigin | None:
        return self.start.origin if self.start is not None else None

    @property
    def origin_kind(self) -> Literal["fork", "compaction"] | None:
        if self.start is None:
            return None
        if self.start.forked_from is not None:
            return "fork"
        if self.start.compacted_from is not None:
            return "compaction"
        return None
