"""The conversation pane: the open segment's turn bar, history, search status, raw inspector and
problems, and the stepping, replay, search and export that act on it.

The pane renders what its cursor and replay player (``segview.browse``) return; the main screen
hands it a loaded segment (its cursor) and routes keys to it. What the stylesheet shows or hides
follows the pane's reactive flags (``-inspector``, ``-problems``, ``-inherited``,
``-searching``, ``-noted``); the progress bar of a big load is shown and hidden by itself. The
user's notes show on the history items they name and in a notes bar; the turn bar shows the
tokens of the turn and of the branch so far.

The pane is built on ``pane_state`` (what it holds, its widgets), with its panels
(``pane_panels``: info, problems, raw inspector), its search (``pane_search``) and its exports
(``pane_export``); here loading, showing a position, notes and tokens, stepping and replay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.reactive import var
from textual.widgets import ProgressBar, Static

from segview.app.screens.goto_turn import GoToTurnScreen
from segview.browse.annotations import TurnTokens, place_notes, turn_tokens
from segview.browse.shown import Position, ScrollTarget, TurnInfo
from segview.cost import Tokens
from segview.text import one_line

from .pane_export import PaneExport
from .pane_panels import INFO_PROMPT_CHARS, PanePanels
from .pane_search import PaneSearch

if TYPE_CHECKING:
    from segview.browse.cursor import SegmentCursor

__all__ = ["EMPTY_HELP", "INFO_PROMPT_CHARS", "MIN_TIMER", "ConversationPane"]

MIN_TIMER = 0.001  # Textual timers need a positive delay
EMPTY_HELP = """\
There is no segment log in {store}.

segview reads the agent runtime's segment logs: one {{id}}.jsonl file per
conversation, in a flat directory, in session directories, or in the
runtime's data directory (~/.local/share/yoi: sessions/, runtime/workers/).

  segview PATH      open another store
  segview --demo    try the demo store
  ?                 every key          q   quit

Segments that appear here while segview runs are shown at once."""


class ConversationPane(PaneSearch, PanePanels, PaneExport):
    """The open segment at the current stop."""

    # not ``loading``: Textual's own ``Widget.loading`` puts a loading indicator in the
    # widget's place, which hid the turn bar and the progress bar while a big segment loaded
    in_progress: var[bool] = var(False)
    inherited: var[bool] = var(False)
    empty: var[bool] = var(False)
    noted: var[bool] = var(False)
    bare: var[bool] = var(False)  # the state shown has no history at all

    def watch_in_progress(self, value: bool) -> None:
        # the progress bar's own display: a class on the pane would restyle every widget in it
        # (36 ms, twice per big segment opened)
        self.query_one("#load-progress", ProgressBar).display = value

    def watch_inherited(self, value: bool) -> None:
        self.set_class(value, "-inherited")

    def watch_empty(self, value: bool) -> None:
        self.set_class(value, "-empty")

    def watch_noted(self, value: bool) -> None:
        self.set_class(value, "-noted")

    def watch_bare(self, value: bool) -> None:
        self.set_class(value, "-bare")

    # --- loading ----------------------------------------------------------------------------

    def begin_loading(self, segment_id: str) -> None:
        self.bare = False
        self.stop_replay()
        self.turn_bar.show(TurnInfo(0, 0, kind="none", loading=f"loading {segment_id[:13]}…"))

    def show_empty(self, message: str) -> None:
        """No segment to show: say why and what to do, in place of the history."""
        self.turn_bar.show(TurnInfo(0, 0, kind="none", loading=message))
        self.query_one("#empty", Static).update(Text(EMPTY_HELP.format(store=self.store_label)))
        self.empty = True

    def progress(self, done: int, total: int) -> None:
        self.load_progress = (done, total)
        self.in_progress = True
        self.query_one("#load-progress", ProgressBar).update(total=total, progress=done)

    def failed(self) -> None:
        self.in_progress = False

    def loaded(self, cursor: SegmentCursor, turn_count: int | None) -> bool:
        """Show a freshly loaded segment (its cursor, made by the loading thread) at
        ``turn_count`` (None: its last turn); False when it has no such turn (its last turn is
        shown)."""
        self.in_progress = False
        self.empty = False
        self.cursor = cursor
        timeline = cursor.timeline
        self.history.reset()
        self.show_notes()
        origin = timeline.origin
        parent = origin.segment_id if origin is not None else None
        note = cursor.inherited_note(
            self.session.short(parent) if parent else None,
            parent is not None and self.session.contains(parent),
        )
        self.query_one("#inherited-note", Static).update(Text(note or ""))
        self.inherited = note is not None
        index = cursor.index_for_turn(turn_count) if turn_count is not None else None
        self.show_stop(cursor.last_turn_index if index is None else index, scroll="turn")
        # a search belongs to the segment it was made in (unless one was asked for with it)
        self._apply_search(self.search_after_load or "")
        self.search_after_load = None
        self.update_problems()
        return turn_count is None or index is not None

    def grown(self) -> None:
        """The open segment's file grew or was rewritten: follow it."""
        cursor = self.cursor
        if cursor is None:
            return
        rewritten, index, scroll = cursor.grown()
        if rewritten:
            self.history.reset()
        self.update_problems()
        if self.player.active:  # a replay reads new entries as it reaches them
            self._show_turn_bar()
        elif index is not None:
            self.show_stop(index, scroll=scroll)

    # --- showing a position -----------------------------------------------------------------

    def show_stop(self, index: int, *, scroll: ScrollTarget = "turn") -> None:
        """Show the state at ``stops[index]``, changing only what differs."""
        cursor = self.cursor
        if cursor is None:
            return
        self.stop_replay()
        self._show(cursor.move(index), scroll)
        if self.show_inspector:
            self._load_raw_lines()

    def _show(self, position: Position, scroll: ScrollTarget) -> None:
        cursor = self.cursor
        assert cursor is not None
        tl = cursor.timeline
        self.history.sync(
            position.state.history,
            sources=position.sources,
            index=cursor.sources,
            current_from=position.current_from,
            inherited_len=tl.inherited_len if tl.start is not None else 0,
            scroll=scroll,
            units=position.units,
        )
        self.bare = not position.state.history
        self._update_search_status()
        self._show_turn_bar()
        self._update_info()

    def _show_turn_bar(self) -> None:
        cursor, player = self.cursor, self.player
        if cursor is not None:
            replay = (player.revealed, player.playing) if player.active else None
            self.turn_bar.set_tokens(self._turn_tokens(cursor))
            self.turn_bar.show(cursor.turn_info(speed=player.speed, replay=replay))

    # --- notes and tokens -------------------------------------------------------------------

    def show_notes(self) -> None:
        """Place the open segment's notes on its history items and in the notes bar."""
        cursor = self.cursor
        if cursor is None:
            return
        tl = cursor.timeline
        self.placement = place_notes(tl, self.notes.get(tl.segment_id))
        self.history.set_notes(self.placement.by_item)
        bar = self.placement.bar
        self.query_one("#notes-bar", Static).update(Text(one_line(bar or "", 400)))
        self.noted = bar is not None

    def set_inherited(self, segment_id: str, share: tuple[Tokens, bool]) -> None:
        """What the segment's ancestors spent up to where it starts (and whether one is
        missing from the store)."""
        self._inherited[segment_id] = share
        if self.cursor is not None and self.cursor.segment_id == segment_id:
            self._show_turn_bar()

    def _turn_tokens(self, cursor: SegmentCursor) -> TurnTokens:
        inherited, partial = self._inherited.get(cursor.segment_id, (Tokens(), False))
        return turn_tokens(
            cursor.stop, cursor.segment_usage(), inherited, partial=partial, priced=self.priced
        )

    # --- stepping ---------------------------------------------------------------------------

    def step_to(self, index: int) -> None:
        cursor = self.cursor
        mid_replay = self.player.active
        self.stop_replay()
        if cursor is None:
            return
        index = cursor.clamp(index)
        if index != cursor.index or mid_replay:
            self.show_stop(index, scroll="turn")
        else:
            self.history.scroll_to_current()

    def step(self, delta: int) -> None:
        if self.cursor is not None:
            self.step_to(self.cursor.index + delta)

    def last_turn(self) -> None:
        if self.cursor is not None:
            self.step_to(self.cursor.last_turn_index)

    def next_error(self, delta: int) -> None:
        """The next (previous) turn with a failed tool call or an errored run."""
        cursor = self.cursor
        if cursor is None:
            return
        stops = cursor.error_stops()
        ahead = [i for i in stops if (i > cursor.index if delta > 0 else i < cursor.index)]
        if not ahead:
            where = "after" if delta > 0 else "before"
            self.notify(f"no error {where} {self.position_text} (failed tool call or errored run)")
            return
        self.step_to(ahead[0] if delta > 0 else ahead[-1])

    def go_to_turn(self) -> None:
        cursor = self.cursor
        if cursor is None:
            return
        if self.player.playing:
            self.hold_replay()

        def chosen(turn_count: int | None) -> None:
            if turn_count is not None and (index := cursor.index_for_turn(turn_count)) is not None:
                self.step_to(index)

        self.app.push_screen(GoToTurnScreen(cursor.turn_counts(), cursor.turn_count), chosen)

    def settle_replay(self) -> None:
        """End a replay on the turn it reached (before a fork, say)."""
        if self.player.active and self.cursor is not None:
            self.show_stop(self.cursor.index, scroll="none")

    # --- replay -----------------------------------------------------------------------------

    def toggle_replay(self) -> None:
        """Play from the current position (or resume a paused replay); pause when playing."""
        cursor, player = self.cursor, self.player
        if player.playing:
            self.hold_replay()
            return
        if cursor is None:
            return
        if player.start(cursor):
            self.notify("at the end of the segment: replaying from the start", timeout=3)
            self._show(cursor.move(0), "turn")
        self._show_turn_bar()
        self._schedule_replay()

    def _schedule_replay(self) -> None:
        cursor, player = self.cursor, self.player
        if cursor is None or not player.playing:
            return
        if player.finished(cursor):
            self._finish_replay()
            return
        delay = max(player.delay(cursor), MIN_TIMER)
        self._replay_timer = self.set_timer(delay, self._replay_step, name="replay")

    def _replay_step(self) -> None:
        cursor = self.cursor
        frame = self.player.step(cursor) if cursor is not None else None
        if frame is None or cursor is None:
            return
        position = cursor.frame_position(frame)
        self._show(position, "end")
        self._schedule_replay()

    def _finish_replay(self) -> None:
        self.stop_replay()
        if self.cursor is not None:
            self.show_stop(len(self.cursor.stops) - 1, scroll="none")
        self.notify(f"replay finished at {self.position_text}", timeout=3)

    def _cancel_timer(self) -> None:
        if self._replay_timer is not None:
            self._replay_timer.stop()
            self._replay_timer = None

    def hold_replay(self) -> None:
        """Pause: keep showing what was revealed; ``p`` resumes from there."""
        self.player.hold()
        self._cancel_timer()
        self._show_turn_bar()

    def stop_replay(self) -> None:
        """End a replay (playing or paused); the caller shows a stop."""
        self.player.stop()
        self._cancel_timer()

    def replay_faster(self) -> None:
        self.player.faster()
        self._show_turn_bar()

    def replay_slower(self) -> None:
        self.player.slower()
        self._show_turn_bar()
