"""Which entry produced each history item, so the view can show what the state alone does
not keep: the kind of a system item, the typed segments of a user input, an item's time.

Replay appends items, except a ``segment_start``, which replaces the history. So for the
state after ``n`` entries, item ``k`` comes from the k-th item appended since the last
``segment_start`` before ``n``. Plain Python; no Textual here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from segview.store import (
    AssistantItem,
    AssistantItems,
    HookInjectedItems,
    SegmentStart,
    SystemItem,
    SystemItemEntry,
    SystemItems,
    ToolResultEntry,
    ToolResults,
    UserInput,
    UserSegment,
)


class ItemSource(NamedTuple):
    """The entry (by index) that produced a history item; ``sub`` indexes plural entries.
    (A tuple: one is made for every item of a log as it opens.)"""

    entry: int
    sub: int = 0


_NOTHING, _ONE, _MANY, _START = range(4)
_KINDS: dict[type, int] = {}  # what an entry of a class produces (filled as classes come)


def _kind(cls: type) -> int:
    if issubclass(cls, SegmentStart):
        return _START
    if issubclass(cls, (AssistantItem, ToolResultEntry, UserInput, SystemItemEntry)):
        return _ONE
    if issubclass(cls, (AssistantItems, ToolResults, HookInjectedItems, SystemItems)):
        return _MANY
    return _NOTHING


class ItemSources:
    """The producing entry of each history item, kept up to date as entries are appended."""

    def __init__(self) -> None:
        self._entries: Sequence[Any] = ()
        self._scanned = 0
        # one list per run of entries after a segment_start (or from the start of the log)
        self._runs: list[tuple[int, list[ItemSource]]] = [(0, [])]

    def _reset(self) -> None:
        self._scanned = 0
        self._runs = [(0, [])]

    def update(self, entries: Sequence[Any]) -> None:
        """Scan entries appended since the last call (``entries`` only ever grows)."""
        if len(entries) < self._scanned:  # the log was re-read from scratch
            self._reset()
        self._entries = entries
        kinds, runs = _KINDS, self._runs
        run = runs[-1][1]
        for i in range(self._scanned, len(entries)):
            entry = entries[i]
            kind = kinds.get(type(entry))
            if kind is None:
                kind = kinds[type(entry)] = _kind(type(entry))
            if kind == _ONE:
                run.append(ItemSource(i, 0))
            elif kind == _MANY:
                run.extend([ItemSource(i, sub) for sub in range(len(entry.items))])
            elif kind == _START:
                run = [ItemSource(i, k) for k in range(len(entry.history))]
                runs.append((i, run))
        self._scanned = len(entries)

    def sources_at(self, entries_applied: int) -> list[ItemSource]:
        """The sources of the history items after ``entries_applied`` entries (a prefix view)."""
        return self._runs[self.run_at(entries_applied)][1]

    def run_at(self, entries_applied: int) -> int:
        """The run of the history after ``entries_applied`` entries: 0 before any
        ``segment_start``, ``k`` after the k-th one. The histories of one run are prefixes of
        one another."""
        chosen = 0
        for k, (start, _run) in enumerate(self._runs):
            if start < entries_applied:
                chosen = k
        return chosen

    def entry(self, source: ItemSource) -> Any:
        return self._entries[source.entry]

    def system_item(self, source: ItemSource) -> SystemItem | None:
        entry = self.entry(source)
        if isinstance(entry, SystemItemEntry):
            return entry.item
        if isinstance(entry, SystemItems) and source.sub < len(entry.items):
            return entry.items[source.sub]
        return None

    def user_segments(self, source: ItemSource) -> list[UserSegment] | None:
        entry = self.entry(source)
        return list(entry.segments) if isinstance(entry, UserInput) else None

    def is_seed(self, source: ItemSource) -> bool:
        return isinstance(self.entry(source), SegmentStart)

    def ts(self, source: ItemSource) -> int | None:
        ts = getattr(self.entry(source), "ts", None)
        return ts if isinstance(ts, int) else None
