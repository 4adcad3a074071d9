"""Where the app can stand in a segment: its *stops*, and what each turn shows.

A stop is a point in the log whose state the history view shows:

* ``start``: right after the leading ``segment_start`` (turn 0: the seed history only);
* ``turn``: right after a ``turn_end`` (turn N, N being its ``turn_count``);
* ``tail``: the whole log, when entries after the last ``turn_end`` add history (an
  unfinished turn: a running agent, or a crash mid-turn).

Plain Python over the timeline model; no Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from segview.store import (
    AssistantItem,
    AssistantItems,
    HookInjectedItems,
    Invoke,
    RunCompleted,
    RunErrored,
    SegmentStart,
    SystemItemEntry,
    SystemItems,
    ToolResultEntry,
    ToolResults,
    TurnEnd,
    UserInput,
)

if TYPE_CHECKING:
    from segview.timeline import Timeline, Turn

StopKind = Literal["start", "turn", "tail"]

_ADDS_HISTORY = (
    AssistantItem,
    AssistantItems,
    HookInjectedItems,
    SegmentStart,
    SystemItemEntry,
    SystemItems,
    ToolResultEntry,
    ToolResults,
    UserInput,
)


@dataclass(frozen=True, slots=True)
class Stop:
    """One position: the state after the first ``entry_end`` entries."""

    kind: StopKind
    entry_end: int  # number of entries applied
    turn_count: int  # what "turn N" says here
    turn_index: int | None = None  # index into Timeline.turns (kind "turn")
    first_entry: int = 0  # the first entry of what this stop adds (for the inspector)

    @property
    def label(self) -> str:
        if self.kind == "start":
            return "turn 0 (start)"
        if self.kind == "tail":
            return f"after turn {self.turn_count} (unfinished)"
        return f"turn {self.turn_count}"


def start_entries(timeline: Timeline) -> int:
    """How many leading entries the start stop applies (the leading ``segment_start``s)."""
    n = 0
    for entry in timeline.entries:
        if not isinstance(entry, SegmentStart):
            break
        n += 1
    if timeline.turns:
        n = min(n, timeline.turns[0].end_entry)
    return n


def compute_stops(timeline: Timeline) -> list[Stop]:
    """Every stop of the timeline, in log order."""
    start_n = start_entries(timeline)
    stops = [Stop("start", start_n, 0, None, 0)]
    for turn in timeline.turns:
        stops.append(
            Stop("turn", turn.end_entry + 1, turn.turn_count, turn.index, turn.first_entry)
        )
    after = timeline.turns[-1].end_entry + 1 if timeline.turns else start_n
    tail = timeline.entries[after:]
    if any(isinstance(e, _ADDS_HISTORY) for e in tail):
        last = timeline.turns[-1].turn_count if timeline.turns else 0
        stops.append(Stop("tail", len(timeline.entries), last, None, after))
    return stops


def shows_more_after(timeline: Timeline, entries_applied: int) -> bool:
    """Whether entries after the first ``entries_applied`` add history or end a turn."""
    return any(isinstance(e, (TurnEnd, *_ADDS_HISTORY)) for e in timeline.entries[entries_applied:])


def last_turn_stop(stops: list[Stop]) -> int:
    """The index of the stop a segment opens at: its last turn (else its last stop)."""
    for i in range(len(stops) - 1, -1, -1):
        if stops[i].kind == "turn":
            return i
    return len(stops) - 1


def latest_stop(stops: list[Stop]) -> int:
    """The index of the latest stop: the turn in progress (a tail) if any, else the last
    turn (else the start)."""
    return len(stops) - 1


def stop_for_turn_count(stops: list[Stop], turn_count: int) -> int | None:
    """The stop showing turn ``turn_count`` (0 is the start), or None."""
    if turn_count == 0:
        return 0  # as fork_at: index 0 keeps only the leading segment_start
    for i, s in enumerate(stops):
        if s.kind == "turn" and s.turn_count == turn_count:
            return i
    return None


def max_turn_count(timeline: Timeline) -> int:
    last = timeline.last_turn
    return last.turn_count if last is not None else 0


def inspector_range(timeline: Timeline, stop: Stop) -> tuple[int, int]:
    """The entries ``[a, b)`` the raw inspector shows for a stop.

    A turn shows its entries up to its ``turn_end`` plus what closes it (run outcome,
    usage, extensions written after the ``turn_end``); so the next turn starts after those.
    The start shows the leading ``segment_start``.
    """
    if stop.kind == "start":
        return 0, stop.entry_end
    a, b = stop.first_entry, stop.entry_end
    if a > 0:
        a = trailing_end(timeline, a)  # what closed the previous turn was shown with it
    a = max(a, start_entries(timeline))
    if stop.kind == "turn":
        b = trailing_end(timeline, b)
    return min(a, b), b


def trailing_end(timeline: Timeline, b: int) -> int:
    """Extend ``b`` over the entries that close a turn (run outcome, usage, extensions)."""
    entries = timeline.entries
    while b < len(entries) and not isinstance(
        entries[b], (Invoke, UserInput, TurnEnd, SegmentStart, *_ADDS_HISTORY)
    ):
        b += 1
    return b


@dataclass(frozen=True, slots=True)
class TurnOutcome:
    """How the run of a turn ended, from the entries around its ``turn_end``."""

    result: str | None = None  # run_completed result
    interrupted: bool = False
    error: str | None = None  # run_errored message


def turn_outcome(timeline: Timeline, turn: Turn) -> TurnOutcome:
    """The outcome recorded by this turn's own run: from where the turn starts (after what
    closed the previous turn) to what closes it. No outcome while its run has not ended."""
    start = turn_start(timeline, turn)
    end = trailing_end(timeline, turn.end_entry + 1)
    result: str | None = None
    interrupted = False
    error: str | None = None
    for entry in timeline.entries[start:end]:
        if isinstance(entry, RunCompleted):
            result = str(entry.result)
            interrupted = entry.interrupted
        elif isinstance(entry, RunErrored):
            error = entry.message
            interrupted = entry.interrupted
    return TurnOutcome(result, interrupted, error)


def turn_start(timeline: Timeline, turn: Turn) -> int:
    """The index of a turn's first own entry: after what closed the previous turn (the
    previous run's outcome and usage are written after its ``turn_end``)."""
    if turn.first_entry == 0:
        return start_entries(timeline)
    return trailing_end(timeline, turn.first_entry)


def turn_start_ts(timeline: Timeline, turn: Turn) -> int | None:
    """When a turn started: the ``ts`` of its first own entry."""
    start = turn_start(timeline, turn)
    if start > turn.end_entry:
        return turn.first_ts
    ts = getattr(timeline.entries[start], "ts", None)
    return ts if isinstance(ts, int) else turn.first_ts
