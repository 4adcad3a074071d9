"""One open segment: where the view stands in it, and what each position shows.

A ``SegmentCursor`` owns a loaded ``Timeline``, the *stops* of it (turn 0, every turn, an
unfinished turn: ``positions``), the stop shown, and the producing entry of every history
item (``sources``). Moving returns a ``Position`` (the state to show, which of its items
the turn added, and how its items are drawn: ``HistoryUnits``); ``turn_info`` says what the
turn bar shows; ``grown`` decides where to stand after the file grew or was rewritten.
Nothing here draws or reads the terminal.

Replay only appends to a history, except a ``segment_start``, which starts a new one (a *run*).
So two states of one run share their items, the shorter history a prefix of the longer: a view
showing one of them goes to the other from the index where they part (the shorter length),
without comparing or copying items; the ``HistoryUnits`` of a run serves all of its states.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from segview.cost import SegmentUsage, segment_usage
from segview.store import (
    LogEntry,
    RestoredState,
    RunErrored,
    ToolResultItem,
    UnknownEntry,
)

from .positions import (
    Stop,
    compute_stops,
    inspector_range,
    latest_stop,
    max_turn_count,
    shows_more_after,
    stop_for_turn_count,
    trailing_end,
    turn_outcome,
    turn_start_ts,
)
from .shown import HistoryUnits, Position, ScrollTarget, TurnInfo
from .sources import ItemSource, ItemSources

if TYPE_CHECKING:
    from segview.timeline import Timeline

    from .player import Frame

__all__ = ["HistoryUnits", "Position", "ScrollTarget", "SegmentCursor", "TurnInfo"]


class SegmentCursor:
    """The open segment and the stop shown."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.lock = threading.RLock()  # the watcher's thread refreshes the timeline
        self.generation = timeline.generation
        self.sources = ItemSources()
        self.sources.update(timeline.entries)
        self._units: dict[int, HistoryUnits] = {}  # by run (``ItemSources.run_at``)
        self.stops: list[Stop] = compute_stops(timeline)
        self.index = 0
        self.state: RestoredState | None = None
        self._usage: tuple[int, ...] = ()
        self._usage_at: list[int] = []
        self._index_usage()
        self._segment_usage: tuple[tuple[int, int], SegmentUsage] | None = None

    # --- where we stand ---------------------------------------------------------------------

    @property
    def segment_id(self) -> str:
        return self.timeline.segment_id

    @property
    def stop(self) -> Stop:
        return self.stops[self.index]

    @property
    def turn_count(self) -> int:
        """The turn shown (``N`` of ``turn N / M``)."""
        return self.stop.turn_count

    @property
    def max_turn(self) -> int:
        return max_turn_count(self.timeline)

    @property
    def last_turn_index(self) -> int:
        """The latest stop, where a segment opens and ``end`` goes: the turn in progress when
        entries after the last ``turn_end`` add history, else the last turn."""
        return latest_stop(self.stops)

    @property
    def at_last_turn(self) -> bool:
        return self.index == self.last_turn_index

    @property
    def at_tail(self) -> bool:
        return self.stop.kind == "tail"

    def index_for_turn(self, turn_count: int) -> int | None:
        """The stop showing turn ``turn_count`` (0 is the start), or None."""
        return stop_for_turn_count(self.stops, turn_count)

    def clamp(self, index: int) -> int:
        return max(0, min(index, len(self.stops) - 1))

    def turn_counts(self) -> list[int]:
        return [t.turn_count for t in self.timeline.turns]

    # --- moving -----------------------------------------------------------------------------

    def move(self, index: int) -> Position:
        """Stand at ``stops[index]`` (clamped) and return what it shows."""
        tl = self.timeline
        with self.lock:
            if self.stops[-1].entry_end > len(tl.entries):  # the log was re-read meanwhile
                self.stops = compute_stops(tl)
            self.index = self.clamp(index)
            stop = self.stops[self.index]
            state = tl.state_at_entry(stop.entry_end)
            sources = self.sources_at(stop.entry_end)
            units = self.units_at(stop.entry_end, state.history)
        self.state = state
        return Position(state, stop.entry_end, self.current_from(stop, state), sources, units)

    def sources_at(self, entries_applied: int) -> list[ItemSource]:
        return self.sources.sources_at(entries_applied)

    def units_at(self, entries_applied: int, history: Sequence[Any]) -> HistoryUnits:
        """How ``history``, the history after ``entries_applied`` entries, is drawn: the
        ``HistoryUnits`` of its run, taken in up to its length."""
        with self.lock:
            run = self.sources.run_at(entries_applied)
            units = self._units.get(run)
            if units is None:
                units = self._units[run] = HistoryUnits()
            units.take(history)
            return units

    def frame_position(self, frame: Frame) -> Position:
        """What a replay frame shows, as a position."""
        units = self.units_at(frame.revealed, frame.state.history)
        return Position(frame.state, frame.revealed, frame.current_from, frame.sources, units)

    def current_from(self, stop: Stop, state: RestoredState) -> int:
        """The index of the first history item the turn at ``stop`` added."""
        tl = self.timeline
        if stop.kind == "turn" and stop.turn_index is not None:
            turn = tl.turns[stop.turn_index]
            if turn.first_entry < self.stops[0].entry_end:  # the turn holds the seed
                return max(turn.history_len_before, tl.inherited_len)
            return turn.history_len_before
        if stop.kind == "tail" and tl.turns:
            return tl.turns[-1].history_len_after
        if stop.kind == "tail":
            return tl.inherited_len
        return len(state.history)

    def turn_start_len(self, entries_applied: int) -> int:
        """History length at the last ``turn_end`` before ``entries_applied`` entries (where
        the turn in progress at that point began)."""
        tl = self.timeline
        best = tl.inherited_len
        for turn in tl.turns:
            if turn.end_entry < entries_applied:
                best = turn.history_len_after
            else:
                break
        return best

    def stop_ending_at(self, entries_applied: int) -> int | None:
        """The turn stop whose state is reached right after ``entries_applied`` entries."""
        for i, stop in enumerate(self.stops):
            if stop.kind == "turn" and stop.entry_end == entries_applied:
                return i
        return None

    def error_stops(self) -> list[int]:
        """The stops whose turn has a failed tool call or an errored run, in order."""
        tl, out = self.timeline, []
        for index, stop in enumerate(self.stops):
            if stop.kind == "start":
                continue
            end = stop.entry_end if stop.kind == "tail" else trailing_end(tl, stop.entry_end)
            for entry in tl.entries[stop.first_entry : end]:
                item = getattr(entry, "item", None)
                if isinstance(entry, RunErrored) or (
                    isinstance(item, ToolResultItem) and item.is_error
                ):
                    out.append(index)
                    break
        return out

    def shows_more_after(self, entries_applied: int) -> bool:
        return shows_more_after(self.timeline, entries_applied)

    # --- what the turn bar says -------------------------------------------------------------

    def prepare(self, turn_count: int | None) -> None:
        """Compute ahead what opening at turn ``turn_count`` (None: the last turn) needs and
        what costs time in proportion to the log (the token usage and its running totals, how
        the history there is drawn), so that a loading thread does it and the UI's thread then
        only draws."""
        self.segment_usage().running_totals()
        index = self.index_for_turn(turn_count) if turn_count is not None else None
        stop = self.stops[self.last_turn_index if index is None else index]
        self.units_at(stop.entry_end, self.timeline.state_at_entry(stop.entry_end).history)

    def segment_usage(self) -> SegmentUsage:
        """The segment's token usage per turn (``cost.segment_usage``), kept until the
        timeline changes."""
        tl = self.timeline
        key = (tl.generation, len(tl.entries))
        if self._segment_usage is None or self._segment_usage[0] != key:
            self._segment_usage = (key, segment_usage(tl.entries))
        return self._segment_usage[1]

    def _index_usage(self) -> None:
        usage = self.timeline.usage
        self._usage = tuple(r.input_total_tokens for _i, r in usage)
        self._usage_at = [i for i, _r in usage]

    def turn_info(self, *, speed: int = 1, replay: tuple[int, bool] | None = None) -> TurnInfo:
        """The turn bar's content at the current stop; ``replay`` is ``(entries revealed,
        playing)`` while a replay runs."""
        tl, stop = self.timeline, self.stop
        at = replay[0] if replay is not None else stop.entry_end
        k = bisect.bisect_left(self._usage_at, at)
        usage_here = self._usage[k - 1] if k > 0 else None
        shown = None
        if replay is not None:
            mark = "▶" if replay[1] else "⏸ paused"
            shown = f"{mark} {speed}× · entry {replay[0]}/{len(tl.entries)}"
        base = TurnInfo(
            turn_count=stop.turn_count,
            max_turn=self.max_turn,
            kind=stop.kind,
            speed=speed,
            replay=shown,
            usage=self._usage,
            usage_here=usage_here,
        )
        if stop.kind == "turn" and stop.turn_index is not None:
            turn = tl.turns[stop.turn_index]
            outcome = turn_outcome(tl, turn)
            text = None
            if outcome.error is not None:
                text = f"errored: {outcome.error}"
            elif outcome.result is not None:
                text = outcome.result + (" (interrupted)" if outcome.interrupted else "")
            errors = 0
            if self.state is not None:
                errors = sum(
                    1
                    for item in self.state.history[turn.history_len_before :]
                    if isinstance(item, ToolResultItem) and item.is_error
                )
            first_ts = turn_start_ts(tl, turn)
            duration = None
            if first_ts is not None and turn.last_ts is not None:
                duration = turn.last_ts - first_ts
            return replace(
                base,
                first_ts=first_ts,
                last_ts=turn.last_ts,
                duration_ms=duration,
                user_preview=turn.user_preview,
                tool_calls=turn.tool_calls,
                errors=errors,
                outcome=text,
            )
        if stop.kind == "tail":
            first = tl.entries[stop.first_entry] if stop.first_entry < len(tl.entries) else None
            return replace(
                base,
                tail_entries=len(tl.entries) - stop.first_entry,
                first_ts=getattr(first, "ts", None),
            )
        return replace(base, first_ts=tl.start.ts if tl.start is not None else None)

    # --- notes about the segment ------------------------------------------------------------

    def inherited_note(self, short: str | None, in_store: bool) -> str | None:
        """Where inherited history comes from (None when nothing is inherited); ``short`` is
        the parent's short id."""
        tl = self.timeline
        if tl.inherited_len == 0:
            return None
        n = tl.inherited_len
        items = f"{n} item{'s' * (n != 1)}"
        origin = tl.origin
        if origin is None or short is None:
            return f"The first {items} were seeded by the segment_start (no recorded parent)."
        missing = "" if in_store else " (not in this store)"
        if tl.origin_kind == "compaction":
            return (
                f"⇣ compaction: the first {items} (a summary) are inherited from {short}"
                f"{missing} after turn {origin.at_turn_index}; o opens it there"
            )
        return (
            f"⑂ fork: the first {items} are inherited from {short}{missing} after turn "
            f"{origin.at_turn_index}; o opens it there"
        )

    def inspector_range(self) -> tuple[int, int]:
        """The entries ``[a, b)`` the raw inspector shows at the current stop."""
        return inspector_range(self.timeline, self.stop)

    def fork_point(self) -> tuple[int, int, bool]:
        """Forking here: ``(at_turn, history items kept, unfinished turn left out)``."""
        stop, tl = self.stop, self.timeline
        if stop.kind == "tail":
            turn = tl.last_turn
            items = turn.history_len_after if turn is not None else tl.inherited_len
            return stop.turn_count, items, True
        state = self.state if self.state is not None else self.move(self.index).state
        return stop.turn_count, len(state.history), False

    def fork_entries(self) -> list[LogEntry | UnknownEntry] | None:
        """What a fork replays: the entries as read when the file has problems (a strict read
        would refuse it), else None (read the source again)."""
        tl = self.timeline
        return list(tl.entries) if tl.problems else None

    # --- following the file -----------------------------------------------------------------

    def refresh(self) -> bool:
        """Read what was appended to the file (or the file again when it was rewritten);
        True when anything changed. Safe to call from another thread."""
        tl = self.timeline
        with self.lock:
            before = (len(tl.entries), tl.generation)
            tl.refresh()
            return (len(tl.entries), tl.generation) != before

    def grown(self) -> tuple[bool, int | None, ScrollTarget]:
        """The timeline was refreshed: recompute the stops and decide where to stand.

        Returns ``(rewritten, index, scroll)``: ``rewritten`` when the file was replaced (the
        view must start over); ``index`` None when the view stays where it is.
        """
        with self.lock:
            return self._grown()

    def _grown(self) -> tuple[bool, int | None, ScrollTarget]:
        tl = self.timeline
        old_stops, old_index = self.stops, self.index
        rewritten = tl.generation != self.generation
        if rewritten:
            self.generation = tl.generation
            self.sources = ItemSources()
            self._units = {}
        self.sources.update(tl.entries)
        self.stops = compute_stops(tl)
        self._index_usage()
        was_latest = bool(old_stops) and old_index == latest_stop(old_stops)
        if not was_latest:
            return rewritten, min(old_index, len(self.stops) - 1), "none"
        new_index = latest_stop(self.stops)
        new_stop = self.stops[new_index]
        if new_stop.kind == "tail":  # the turn in progress grew: follow its end
            return rewritten, new_index, "end"
        old_stop = old_stops[old_index]
        same = old_stop.kind == "turn" and new_stop.entry_end == old_stop.entry_end
        return rewritten, new_index, "none" if same else "turn"
