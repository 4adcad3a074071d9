"""Replay: a segment revealed entry by entry with the log's own pauses.

A ``ReplayPlayer`` holds the replay state (a copy of the state where the replay started, with
the revealed entries applied), how many entries are revealed, whether it is playing, and the
speed. ``step`` reveals the next entries and returns a ``Frame`` to show; the screen schedules
the next step after ``delay()`` seconds. Nothing here knows about timers or widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .pacing import faster, replay_delay, slower

if TYPE_CHECKING:
    from segview.store import RestoredState

    from .cursor import SegmentCursor
    from .sources import ItemSource

__all__ = ["FRAME_SECONDS", "Frame", "ReplayPlayer"]

FRAME_SECONDS = 1 / 60  # entries closer together than this are revealed together


@dataclass(frozen=True, slots=True)
class Frame:
    """What a replay step reveals: the state, the entries revealed, the items of the turn in
    progress (from ``current_from``) and the stop the replay has reached."""

    state: RestoredState
    revealed: int
    current_from: int
    stop_index: int
    sources: list[ItemSource]


class ReplayPlayer:
    """The replay of the open segment (playing, paused, or not started)."""

    def __init__(self, speed: int = 1, time_scale: float = 1.0) -> None:
        self.speed = speed
        self.time_scale = time_scale  # tests run replays faster than the log's clock
        self.playing = False
        self.state: RestoredState | None = None
        self.revealed = 0

    @property
    def active(self) -> bool:
        """A replay is playing or paused (its state is shown)."""
        return self.state is not None

    def start(self, cursor: SegmentCursor) -> bool:
        """Play from the cursor's position (resume when paused). Returns True when the cursor
        was at the end and the replay restarts from turn 0 (the cursor moved there)."""
        restarted = False
        if self.state is None:
            if not cursor.shows_more_after(cursor.stop.entry_end):
                cursor.move(0)
                restarted = True
            state = cursor.state if cursor.state is not None else cursor.move(cursor.index).state
            self.state = state.copy()
            self.revealed = cursor.stop.entry_end
        self.playing = True
        return restarted

    def hold(self) -> None:
        """Pause: keep what was revealed; ``start`` resumes from there."""
        self.playing = False

    def stop(self) -> None:
        """End the replay (playing or paused)."""
        self.playing = False
        self.state = None

    def finished(self, cursor: SegmentCursor) -> bool:
        return self.revealed >= len(cursor.timeline.entries)

    def delay(self, cursor: SegmentCursor) -> float:
        """Seconds to wait before revealing the next entry."""
        return replay_delay(cursor.timeline.entries, self.revealed, self.speed) * self.time_scale

    def step(self, cursor: SegmentCursor) -> Frame | None:
        """Reveal the next entry (and those within a frame of it; a step always ends at a
        ``turn_end`` so every turn is shown). None when nothing is playing."""
        from segview.store import TurnEnd, apply_entry  # (``segview.app``)

        state = self.state
        if state is None or not self.playing:
            return None
        entries = cursor.timeline.entries
        while self.revealed < len(entries):
            entry = entries[self.revealed]
            apply_entry(state, entry)
            self.revealed += 1
            if isinstance(entry, TurnEnd):
                reached = cursor.stop_ending_at(self.revealed)
                if reached is not None:
                    cursor.index = reached
                break
            if self.revealed < len(entries) and self.delay(cursor) >= FRAME_SECONDS:
                break
        stop = cursor.stop
        if stop.kind == "turn" and stop.entry_end == self.revealed:
            current_from = cursor.current_from(stop, state)
        else:
            current_from = cursor.turn_start_len(self.revealed)
        cursor.state = state
        return Frame(
            state, self.revealed, current_from, cursor.index, cursor.sources_at(self.revealed)
        )

    def faster(self) -> None:
        self.speed = faster(self.speed)

    def slower(self) -> None:
        self.speed = slower(self.speed)
