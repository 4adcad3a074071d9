"""A segment's conversation from its root, as one replay: chapters, items and turn ends.

A fork or a compaction starts from its parent's state at a turn (``forked_from`` /
``compacted_from`` in its ``segment_start``). ``build_replay`` walks those links from a
segment up to its root through the store's lineage and lays the path out as *chapters*: the
root's log up to the turn its child starts from, then the child's own log, and so on down to
the segment itself. Each entry that adds history becomes an ``add`` event with the items it
added; each ``turn_end`` a ``turn`` event. A fork's seed is the parent's state at the fork
point, so the replay goes on without repeating it; a compaction's seed (a summary) replaces
what was shown, and so does any seed that differs from the parent's log.

Items are plain JSON-ready dicts. Log text goes through ``segview.text.safe`` /
``one_line`` (controls and bidirectional overrides shown as escapes) and is cut at
``TEXT_LIMIT`` characters a field. Plain Python; no Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from segview.browse.positions import turn_outcome, turn_start_ts
from segview.describe import message_text, segment_chip_text, system_badge
from segview.lineage import Lineage, SegmentNode, title_of
from segview.store import (
    MessageItem,
    ReasoningItem,
    RestoredState,
    SegmentStart,
    SystemItemEntry,
    SystemItems,
    ToolCallItem,
    ToolResultItem,
    TurnEnd,
    UserInput,
    apply_entry,
    find_fork_cut,
)
from segview.text import format_clock, format_duration, one_line, pretty_json, safe, short_ids
from segview.timeline import Timeline, Turn

__all__ = [
    "TEXT_LIMIT",
    "Chapter",
    "ChapterKind",
    "LineageReplay",
    "ReplayEvent",
    "build_replay",
    "lineage_path",
]

TEXT_LIMIT = 100_000  # characters of one text field in the replay; the rest is left out
TITLE_WIDTH = 80

ChapterKind = Literal["root", "fork", "compaction", "seeded"]


@dataclass(frozen=True, slots=True)
class Chapter:
    """One segment of the path, and what of its log the replay shows."""

    segment_id: str
    short: str
    kind: ChapterKind  # "seeded": its parent is recorded but not in the store
    parent_id: str | None  # as recorded in its segment_start
    parent_short: str | None
    at_turn: int | None  # the parent's turn it starts from
    until_turn: int | None  # the replay leaves it after this turn (None: its whole log)
    title: str
    own: bool  # the segment the replay is of (the others are inherited)
    problems: int  # lines of its log that could not be read
    system_prompt: str | None

    @property
    def label(self) -> str:
        """``fork of 01926b8 at turn 4``, ``compaction of 01926b8 at turn 10``, ``root``."""
        if self.kind == "fork":
            return f"fork of {self.parent_short} at turn {self.at_turn}"
        if self.kind == "compaction":
            return f"compaction of {self.parent_short} at turn {self.at_turn}"
        if self.kind == "seeded":
            return f"seeded from {self.parent_short} (not in this store) at turn {self.at_turn}"
        return "root"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.segment_id,
            "short": self.short,
            "kind": self.kind,
            "label": self.label,
            "parent": self.parent_id,
            "at": self.at_turn,
            "until": self.until_turn,
            "title": self.title,
            "own": self.own,
            "problems": self.problems,
            "system_prompt": self.system_prompt,
        }


@dataclass(slots=True)
class ReplayEvent:
    """One step of the replay.

    ``chapter``: a chapter begins (``reset``: its seed ``items`` replace what was shown);
    ``add``: one entry added ``items``; ``turn``: a ``turn_end`` (``turn``, ``outcome``,
    ``duration``). ``ts`` is the log's time of the entry (None when it has none).
    """

    op: Literal["chapter", "add", "turn"]
    chapter: int
    ts: int | None
    items: list[dict[str, Any]] = field(default_factory=list)
    reset: bool = False
    turn: int | None = None
    outcome: str | None = None
    duration: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op, "ch": self.chapter, "t": self.ts}
        if self.items:
            out["items"] = self.items
        if self.reset:
            out["reset"] = True
        if self.turn is not None:
            out["turn"] = self.turn
        if self.outcome is not None:
            out["outcome"] = self.outcome
        if self.duration is not None:
            out["duration"] = self.duration
        if self.note is not None:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class LineageReplay:
    """The replay of ``target`` from its root."""

    target: str
    title: str
    store: str
    until_turn: int | None
    chapters: list[Chapter]
    events: list[ReplayEvent]

    @property
    def turns(self) -> list[tuple[int, int]]:
        """``(chapter, turn_count)`` of every turn end, in replay order."""
        return [(e.chapter, e.turn) for e in self.events if e.op == "turn" and e.turn is not None]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "segview-replay/1",
            "target": self.target,
            "title": self.title,
            "store": self.store,
            "until_turn": self.until_turn,
            "chapters": [c.to_json() for c in self.chapters],
            "events": [e.to_json() for e in self.events],
        }


# --- the path ---------------------------------------------------------------------------------


def lineage_path(lineage: Lineage, segment_id: str) -> list[SegmentNode]:
    """The nodes from the root of ``segment_id`` down to it (a cycle is cut where it closes)."""
    node = lineage.get(segment_id)
    if node is None:
        raise LookupError(f"no segment {segment_id} in {lineage.root}")
    path: list[SegmentNode] = []
    seen: set[str] = set()
    current: SegmentNode | None = node
    while current is not None and current.id not in seen:
        path.append(current)
        seen.add(current.id)
        current = current.parent
    path.reverse()
    return path


def build_replay(
    lineage: Lineage,
    segment_id: str,
    *,
    until_turn: int | None = None,
    store_label: str | None = None,
) -> LineageReplay:
    """The replay of ``segment_id`` (a full id in ``lineage``) from its root, up to its turn
    ``until_turn`` (None: its whole log). Raises ``LookupError`` for an unknown segment and
    ``ValueError`` for a turn the segment does not have."""
    path = lineage_path(lineage, segment_id)
    shorts = short_ids(lineage.nodes)
    timelines = [Timeline.load(node.store, node.id) for node in path]
    target_tl = timelines[-1]
    if until_turn is not None and until_turn != 0 and target_tl.turn_by_count(until_turn) is None:
        raise ValueError(f"{segment_id} has no turn {until_turn}")
    builder = _Builder()
    chapters: list[Chapter] = []
    for i, (node, tl) in enumerate(zip(path, timelines, strict=True)):
        own = i == len(path) - 1
        if own:
            until = until_turn
        else:
            child = path[i + 1]
            until = child.at_turn_index
        cut = len(tl.entries) if until is None else find_fork_cut(tl.entries, until).entries_kept
        chapter = _chapter(node, tl, shorts, own=own, until=until, parent_shown=i > 0)
        chapters.append(chapter)
        builder.chapter(i, chapter, tl, cut, last=own)
    title = one_line(title_of(target_tl.entries) or "(no user input)", TITLE_WIDTH)
    return LineageReplay(
        target=segment_id,
        title=title,
        store=store_label if store_label is not None else str(lineage.root),
        until_turn=until_turn,
        chapters=chapters,
        events=builder.events,
    )


def _chapter(
    node: SegmentNode,
    tl: Timeline,
    shorts: dict[str, str],
    *,
    own: bool,
    until: int | None,
    parent_shown: bool,
) -> Chapter:
    origin = tl.origin
    kind: ChapterKind = "root"
    parent_id = origin.segment_id if origin is not None else None
    if origin is not None:
        if not parent_shown:
            kind = "seeded"  # the parent is missing (or the link was cut in a cycle)
        else:
            kind = "compaction" if tl.origin_kind == "compaction" else "fork"
    title = title_of(tl.entries)
    prompt = tl.start.system_prompt if tl.start is not None else None
    return Chapter(
        segment_id=node.id,
        short=shorts.get(node.id, node.id[:8]),
        kind=kind,
        parent_id=parent_id,
        parent_short=shorts.get(parent_id, parent_id[:8]) if parent_id is not None else None,
        at_turn=origin.at_turn_index if origin is not None else None,
        until_turn=until,
        title=one_line(title, TITLE_WIDTH) if title else "(no user input)",
        own=own,
        problems=len(tl.problems),
        system_prompt=clip(safe(prompt)) if prompt else None,
    )


# --- events -----------------------------------------------------------------------------------


class _Builder:
    """Replays each chapter's log and records what each entry shows."""

    def __init__(self) -> None:
        self.events: list[ReplayEvent] = []
        self.shown: list[Any] = []  # the history the replay shows (items as logged)

    def chapter(self, index: int, chapter: Chapter, tl: Timeline, cut: int, *, last: bool) -> None:
        turns_by_end = {t.end_entry: t for t in tl.turns}
        state = RestoredState(format_version=tl.format_version)
        entries = tl.entries[:cut]
        started = False
        for n, entry in enumerate(entries):
            before = state.history
            count = len(before)
            apply_entry(state, entry)
            ts = _ts(entry)
            if isinstance(entry, SegmentStart):
                seed = state.history
                continued = started is False and index > 0 and chapter.kind == "fork"
                if continued and list(seed) == self.shown:
                    self.events.append(ReplayEvent("chapter", index, ts, note=_note(chapter)))
                else:
                    items = [_item(it, None, ts, index, inherited=True, seed=True) for it in seed]
                    note = _note(chapter, replaced=bool(self.shown), started=started)
                    reset = bool(items) or bool(self.shown)
                    self.events.append(
                        ReplayEvent("chapter", index, ts, items, reset=reset, note=note)
                    )
                self.shown = list(seed)
                started = True
                continue
            if not started:  # a log that does not open with a segment_start
                self.events.append(ReplayEvent("chapter", index, ts, note=_note(chapter)))
                started = True
            if state.history is before and len(before) > count:
                added = before[count:]
                subs = _sources(entry, len(added))
                items = [
                    _item(it, src, ts, index, inherited=not last, seed=False)
                    for it, src in zip(added, subs, strict=True)
                ]
                self.events.append(ReplayEvent("add", index, ts, items))
                self.shown.extend(added)
            if isinstance(entry, TurnEnd):
                turn = turns_by_end.get(n)
                self.events.append(_turn_event(tl, turn, entry, index))
        if not started:  # an empty log
            self.events.append(ReplayEvent("chapter", index, None, note=_note(chapter)))


def _note(chapter: Chapter, *, replaced: bool = False, started: bool = False) -> str:
    """What the chapter's heading says about where its history comes from."""
    if started:
        return "a later segment_start replaced the history"
    what = f"{chapter.short} · {chapter.label}"
    if chapter.kind == "compaction":
        return f"{what}: the conversation so far was replaced by its summary"
    if chapter.kind == "fork" and replaced:
        return f"{what}: its recorded history differs from its parent's log, shown as recorded"
    if chapter.kind == "seeded":
        return f"{what}: history as recorded in its segment_start"
    return what


def _turn_event(tl: Timeline, turn: Turn | None, entry: TurnEnd, chapter: int) -> ReplayEvent:
    outcome = duration = None
    if turn is not None:
        result = turn_outcome(tl, turn)
        if result.error is not None:
            outcome = f"errored: {one_line(result.error, 200)}"
        elif result.result is not None:
            outcome = result.result + (" (interrupted)" if result.interrupted else "")
        first = turn_start_ts(tl, turn)
        if first is not None and turn.last_ts is not None:
            duration = format_duration(turn.last_ts - first)
    return ReplayEvent(
        "turn", chapter, entry.ts, turn=entry.turn_count, outcome=outcome, duration=duration
    )


def _ts(entry: Any) -> int | None:
    ts = getattr(entry, "ts", None)
    return ts if isinstance(ts, int) else None


def _sources(entry: Any, n: int) -> list[Any]:
    """For each item an entry added: the entry's own record of it (user segments, system item)."""
    if isinstance(entry, UserInput):
        return [entry] * n
    if isinstance(entry, SystemItemEntry):
        return [entry.item] * n
    if isinstance(entry, SystemItems):
        return [entry.items[k] if k < len(entry.items) else None for k in range(n)]
    return [None] * n


# --- items ------------------------------------------------------------------------------------


def clip(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… ({len(text) - limit:,} more characters not included)"


def _item(
    item: Any, source: Any, ts: int | None, chapter: int, *, inherited: bool, seed: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {"ch": chapter}
    if inherited:
        out["inh"] = True
    if seed:
        out["seed"] = True
    if ts is not None and not seed:
        out["clock"] = format_clock(ts)
    if isinstance(item, MessageItem):
        out["k"] = item.role
        out["text"] = clip(safe(message_text(item)))
        if isinstance(source, UserInput):
            chips = [one_line(c, 120) for s in source.segments if (c := segment_chip_text(s))]
            if chips:
                out["chips"] = chips
        elif item.role == "system" and source is not None:
            out["badge"] = one_line(system_badge(source), 120)
    elif isinstance(item, ToolCallItem):
        out.update(
            k="call",
            name=one_line(item.name, 120),
            id=one_line(item.call_id, 120),
            args=clip(safe(pretty_json(item.arguments))),
        )
    elif isinstance(item, ToolResultItem):
        out.update(k="result", id=one_line(item.call_id, 120), summary=one_line(item.summary, 300))
        if item.content:
            out["content"] = clip(safe(item.content))
        if item.is_error:
            out["error"] = True
    elif isinstance(item, ReasoningItem):
        out["k"] = "reasoning"
        out["summary"] = [clip(safe(s)) for s in item.summary]
        out["text"] = clip(safe(item.text))
    else:  # an item kind this version does not know
        out["k"] = "other"
        kind = getattr(item, "kind", type(item).__name__)
        out["badge"] = one_line(str(kind), 60)
        dump = getattr(item, "model_dump_json", None)
        out["text"] = clip(safe(dump(indent=2) if callable(dump) else repr(item)))
    return out
