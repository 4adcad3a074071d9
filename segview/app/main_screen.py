"""The main screen: the ancestry tree, the turn bar and the history of the open segment.

It composes the widgets, binds the keys, runs the file work in thread workers and routes
messages. The state lives in plain objects (``segview.browse``): the store session, the cursor
in the open segment and the replay player; the screen asks them for values and renders them.
What the stylesheet shows or hides follows the screen's reactive flags (``-inspector``,
``-problems``, ...), never ``display`` assignments.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, ProgressBar, Static

from segview.browse.cursor import Position, ScrollTarget, SegmentCursor, TurnInfo
from segview.browse.forest import ForestSnapshot
from segview.browse.player import ReplayPlayer
from segview.browse.session import StoreSession
from segview.store import StoreError
from segview.text import one_line
from segview.timeline import Timeline

from . import keymap
from .export import ExportContext, export_directory, state_to_markdown, write_export
from .messages import (
    ForestChanged,
    LoadProgress,
    RawLinesLoaded,
    SegmentChosen,
    TimelineFailed,
    TimelineGrew,
    TimelineLoaded,
)
from .screens.fork_dialog import ForkDialog
from .screens.goto_turn import GoToTurnScreen
from .screens.help import HelpScreen
from .screens.search import SearchScreen
from .widgets.chrome.app_header import AppHeader, DemoNote
from .widgets.conversation.history_view import HistoryView
from .widgets.conversation.turn_bar import TurnBar
from .widgets.panels.entry_inspector import EntryInspector
from .widgets.panels.problems_panel import ProblemsPanel
from .widgets.sidebar.ancestry_tree import AncestryTree

if TYPE_CHECKING:
    from .app import SegviewApp

log = logging.getLogger(__name__)

PROGRESS_MIN_BYTES = 256 * 1024  # segments smaller than this load without a progress bar
MIN_TIMER = 0.001  # Textual timers need a positive delay
KEYED_ACTIONS = frozenset(spec.action for spec in keymap.KEYS)


class MainScreen(Screen[None]):
    """Browse the store: tree on the left, the open segment on the right."""

    BINDINGS: ClassVar[list[BindingType]] = list(keymap.bindings("screen"))

    show_inspector: var[bool] = var(False)
    show_problems: var[bool] = var(False)
    loading: var[bool] = var(False)
    inherited: var[bool] = var(False)
    searching: var[bool] = var(False)

    def __init__(self, store_path: Path, *, select: str | None, note: str | None) -> None:
        super().__init__()
        self.session = StoreSession(store_path)
        self.initial_select = select
        self.note = note
        self.cursor: SegmentCursor | None = None
        self.player = ReplayPlayer()
        self.segment_id: str | None = None
        self.loaded_segment: str | None = None
        self.search_query = ""
        self.last_export: Path | None = None
        self.load_progress: tuple[int, int] | None = None  # (bytes read, total) of a big load
        self._open_generation = 0
        self._replay_timer: Timer | None = None

    @property
    def segview(self) -> SegviewApp:
        from .app import SegviewApp

        assert isinstance(self.app, SegviewApp)
        return self.app

    # --- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield AppHeader(id="header")
        if self.note:
            yield DemoNote(Text(self.note), id="demo-note")
        with Horizontal(id="body"):
            yield AncestryTree(now_ms=self.segview.now(), id="tree")
            with Vertical(id="main"):
                yield TurnBar(id="turn-bar")
                yield ProgressBar(id="load-progress", show_eta=False)
                yield Static("", id="inherited-note")
                yield HistoryView(id="history")
                yield Static("", id="search-status")
                yield EntryInspector(id="inspector")
                yield ProblemsPanel(id="problems")
        yield Footer()

    def on_mount(self) -> None:
        self._update_header()
        self.history.focus()
        self._open_store()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Under a dialog the keys of this screen do not apply (nor show in the footer)."""
        return self.app.screen is self or action not in KEYED_ACTIONS

    def _flag(self, name: str, on_: bool) -> None:
        self.set_class(on_, f"-{name}")

    def watch_show_inspector(self, value: bool) -> None:
        self._flag("inspector", value)

    def watch_show_problems(self, value: bool) -> None:
        self._flag("problems", value)

    def watch_loading(self, value: bool) -> None:
        self._flag("loading", value)

    def watch_inherited(self, value: bool) -> None:
        self._flag("inherited", value)

    def watch_searching(self, value: bool) -> None:
        self._flag("searching", value)

    # --- the widgets and what they show ------------------------------------------------------

    @property
    def history(self) -> HistoryView:
        return self.query_one("#history", HistoryView)

    @property
    def turn_bar(self) -> TurnBar:
        return self.query_one("#turn-bar", TurnBar)

    @property
    def ancestry(self) -> AncestryTree:
        return self.query_one("#tree", AncestryTree)

    @property
    def inspector(self) -> EntryInspector:
        return self.query_one("#inspector", EntryInspector)

    @property
    def forest(self) -> ForestSnapshot | None:
        return self.session.forest

    @property
    def timeline(self) -> Timeline | None:
        return self.cursor.timeline if self.cursor is not None else None

    @property
    def turn_count(self) -> int:
        return self.cursor.turn_count if self.cursor is not None else 0

    @property
    def position_text(self) -> str:
        return self.turn_bar.position

    @property
    def replaying(self) -> bool:
        return self.player.playing

    @property
    def replay_position(self) -> int | None:
        """Entries revealed by a playing or paused replay (None when there is none)."""
        return self.player.revealed if self.player.active else None

    def _update_header(self) -> None:
        tl = self.timeline
        forest = self.forest
        self.query_one("#header", AppHeader).show(
            self.segview.store_label,
            self.segment_id,
            len(tl.problems) if tl is not None else 0,
            forest.problems if forest is not None else None,
        )

    # --- opening the store ------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="store")
    def _open_store(self) -> None:
        try:
            forest = self.session.open()
        except StoreError as exc:
            self.app.call_from_thread(
                self.app.notify,
                str(exc),
                title="cannot read the store",
                severity="error",
                timeout=30,
            )
            return
        self.post_message(ForestChanged(forest))
        self.app.call_from_thread(self._open_initial, forest)
        for snapshot in self.session.load_details():
            self.post_message(ForestChanged(snapshot))
        self.segview.watcher.start()

    def _open_initial(self, forest: ForestSnapshot) -> None:
        target, warning = self.session.resolve(self.initial_select)
        if warning:
            self.notify(warning, severity="warning")
        if target is None:
            self.turn_bar.show(TurnInfo(0, 0, kind="start", loading="this store has no segments"))
            return
        self.open_segment(target)

    @on(ForestChanged)
    def _forest_changed(self, message: ForestChanged) -> None:
        tree, shown = self.ancestry, self.segment_id
        cursor = tree.cursor_node
        # the user moved the cursor off the open segment's row: leave it there
        elsewhere = (
            shown is not None
            and cursor is not None
            and cursor.data not in (None, shown)
            and tree.node_for(shown) is not None
        )
        tree.set_forest(message.forest, self.segview.now())
        if shown is not None and not elsewhere:
            tree.show_segment(shown)
        for new_id in message.added:
            row = message.forest.row(new_id)
            if row is not None and new_id != self.segment_id:
                self.notify(f"new segment {row.short}", timeout=3)
        self._update_header()

    # --- opening a segment ------------------------------------------------------------------

    def open_segment(self, segment_id: str, turn_count: int | None = None) -> None:
        """Open ``segment_id`` at turn ``turn_count`` (None: its last turn)."""
        self._stop_replay()
        self._open_generation += 1
        self.segment_id = segment_id
        self.ancestry.show_segment(segment_id)
        self._update_header()
        self.turn_bar.show(TurnInfo(0, 0, loading=f"loading {segment_id[:13]}…"))
        self._load_timeline(segment_id, turn_count, self._open_generation)

    @on(SegmentChosen)
    def _segment_chosen(self, message: SegmentChosen) -> None:
        if message.segment_id == self.segment_id and message.turn_count is None:
            return
        self.open_segment(message.segment_id, message.turn_count)

    @work(thread=True, exclusive=True, group="timeline")
    def _load_timeline(self, segment_id: str, turn_count: int | None, generation: int) -> None:
        store = self.session.store_for(segment_id)
        if store is None:
            self.post_message(TimelineFailed(segment_id, "not in this store", generation))
            return
        last = [-1]

        def progress(done: int, total: int) -> None:
            if total < PROGRESS_MIN_BYTES:
                return
            step = total // 50 or 1
            if done // step != last[0] or done >= total:
                last[0] = done // step
                self.post_message(LoadProgress(segment_id, done, total))

        try:
            timeline = Timeline.load(store, segment_id, progress=progress)
        except Exception as exc:  # a segment must never take the app down
            log.exception("loading %s", segment_id)
            self.post_message(TimelineFailed(segment_id, str(exc), generation))
            return
        self.post_message(TimelineLoaded(segment_id, timeline, turn_count, generation))

    @on(LoadProgress)
    def _load_progress(self, message: LoadProgress) -> None:
        if message.segment_id != self.segment_id or self.loaded_segment == message.segment_id:
            return
        self.load_progress = (message.done, message.total)
        self.loading = True
        self.query_one("#load-progress", ProgressBar).update(
            total=message.total, progress=message.done
        )

    @on(TimelineFailed)
    def _timeline_failed(self, message: TimelineFailed) -> None:
        if message.generation != self._open_generation:
            return
        self.loading = False
        self.notify(f"{message.segment_id}: {message.error}", severity="error")

    @on(TimelineLoaded)
    def _timeline_loaded(self, message: TimelineLoaded) -> None:
        if message.generation != self._open_generation:
            return
        self.loading = False
        cursor = self.cursor = SegmentCursor(message.timeline)
        self.loaded_segment = message.segment_id
        self.history.reset()
        origin = message.timeline.origin
        parent = origin.segment_id if origin is not None else None
        note = cursor.inherited_note(
            self.session.short(parent) if parent else None,
            parent is not None and self.session.contains(parent),
        )
        self.query_one("#inherited-note", Static).update(Text(note or ""))
        self.inherited = note is not None
        index = None
        if message.turn_count is not None:
            index = cursor.index_for_turn(message.turn_count)
            if index is None:
                self.notify(
                    f"{message.segment_id[:13]} has no turn {message.turn_count}; "
                    "showing its last turn",
                    severity="warning",
                )
        self.show_stop(cursor.last_turn_index if index is None else index, scroll="turn")
        self._update_problems()
        self._update_header()

    def _update_problems(self) -> None:
        tl = self.timeline
        if tl is None:
            self.show_problems = False
            return
        notes: list[str] = []
        row = self.session.row(tl.segment_id)
        if row is not None and row.parent_missing:
            notes.append(f"its parent {row.origin_parent} is not in this store (shown as a root)")
        if row is not None and row.in_cycle:
            notes.append("part of a fork cycle (the cycle is broken at one edge in the tree)")
        first = row.first_line_problem if row is not None else None
        if first is not None and not any(
            first == str(p) or first.startswith(f"line {p.line}:") for p in tl.problems
        ):  # an empty file, or a first entry that is not a segment_start
            notes.append(first)
        panel = self.query_one("#problems", ProblemsPanel)
        panel.show_problems(str(tl.store.path_for(tl.segment_id)), list(tl.problems), notes)
        self.show_problems = bool(tl.problems or notes)

    # --- showing a position -----------------------------------------------------------------

    def show_stop(self, index: int, *, scroll: ScrollTarget = "turn") -> None:
        """Show the state at ``stops[index]``, changing only what differs."""
        cursor = self.cursor
        if cursor is None:
            return
        self._stop_replay()
        self._show(cursor.move(index), scroll)
        if self.show_inspector:
            self._load_raw_lines()

    def _show(self, position: Position, scroll: ScrollTarget) -> None:
        tl = self.timeline
        assert tl is not None
        self.history.sync(
            position.state.history,
            sources=position.sources,
            index=self.cursor.sources if self.cursor is not None else None,
            current_from=position.current_from,
            inherited_len=tl.inherited_len if tl.start is not None else 0,
            scroll=scroll,
        )
        self._update_search_status()
        self._show_turn_bar()

    def _show_turn_bar(self) -> None:
        cursor = self.cursor
        if cursor is None:
            return
        player = self.player
        replay = (player.revealed, player.playing) if player.active else None
        self.turn_bar.show(cursor.turn_info(speed=player.speed, replay=replay))

    # --- stepping ---------------------------------------------------------------------------

    def _step_to(self, index: int) -> None:
        cursor = self.cursor
        mid_replay = self.player.active
        self._stop_replay()
        if cursor is None:
            return
        index = cursor.clamp(index)
        if index != cursor.index or mid_replay:
            self.show_stop(index, scroll="turn")
        else:
            self.history.scroll_to_current()

    def action_next_turn(self) -> None:
        if self.cursor is not None:
            self._step_to(self.cursor.index + 1)

    def action_previous_turn(self) -> None:
        if self.cursor is not None:
            self._step_to(self.cursor.index - 1)

    def action_first_turn(self) -> None:
        self._step_to(0)

    def action_last_turn(self) -> None:
        if self.cursor is not None:
            self._step_to(self.cursor.last_turn_index)

    def action_go_to_turn(self) -> None:
        cursor = self.cursor
        if cursor is None:
            return
        if self.player.playing:
            self._hold_replay()

        def chosen(turn_count: int | None) -> None:
            if turn_count is not None and (index := cursor.index_for_turn(turn_count)) is not None:
                self._step_to(index)

        self.app.push_screen(GoToTurnScreen(cursor.turn_counts(), cursor.turn_count), chosen)

    # --- fork here --------------------------------------------------------------------------

    def action_fork_here(self) -> None:
        cursor = self.cursor
        if cursor is None:
            return
        if self.player.active:  # settle on the turn the replay reached
            self.show_stop(cursor.index, scroll="none")
        at, items, unfinished = cursor.fork_point()
        if unfinished:
            self.notify(
                f"forking after turn {at}: the unfinished turn is not included", severity="warning"
            )
        source, entries = cursor.segment_id, cursor.fork_entries()

        def fork() -> str:
            return self.session.fork(source, at, entries)

        def done(new_id: str | None) -> None:
            if new_id is not None:
                self.notify(f"forked {self.session.short(source)} after turn {at} → {new_id}")
                self._after_fork(new_id)

        self.app.push_screen(ForkDialog(source=source, turn_count=at, items=items, fork=fork), done)

    @work(thread=True, exclusive=True, group="lineage")
    def _after_fork(self, new_id: str) -> None:
        update = self.session.after_fork(new_id)
        if update is not None:
            self.post_message(ForestChanged(update.forest, added=update.added))
        self.app.call_from_thread(self.open_segment, new_id)

    # --- replay -----------------------------------------------------------------------------

    def action_toggle_replay(self) -> None:
        """Play from the current position (or resume a paused replay); pause when playing."""
        cursor, player = self.cursor, self.player
        if player.playing:
            self._hold_replay()
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
        if frame is None:
            return
        self._show(Position(frame.state, frame.revealed, frame.current_from, frame.sources), "end")
        self._schedule_replay()

    def _finish_replay(self) -> None:
        self._stop_replay()
        if self.cursor is not None:
            self.show_stop(len(self.cursor.stops) - 1, scroll="none")
        self.notify(f"replay finished at {self.position_text}", timeout=3)

    def _cancel_timer(self) -> None:
        if self._replay_timer is not None:
            self._replay_timer.stop()
            self._replay_timer = None

    def _hold_replay(self) -> None:
        """Pause: keep showing what was revealed; ``p`` resumes from there."""
        self.player.hold()
        self._cancel_timer()
        self._show_turn_bar()

    def _stop_replay(self) -> None:
        """End a replay (playing or paused); the caller shows a stop."""
        self.player.stop()
        self._cancel_timer()

    def action_replay_faster(self) -> None:
        self.player.faster()
        self._show_turn_bar()

    def action_replay_slower(self) -> None:
        self.player.slower()
        self._show_turn_bar()

    @property
    def speed(self) -> int:
        return self.player.speed

    # --- search -----------------------------------------------------------------------------

    def action_search(self) -> None:
        def done(query: str | None) -> None:
            self._apply_search(query or "")

        def changed(query: str) -> str:
            self._apply_search(query)
            return self.search_status

        self.app.push_screen(SearchScreen(self.search_query, changed), done)

    def _apply_search(self, query: str) -> None:
        self.search_query = query
        self.history.search(query)
        self._update_search_status()

    @property
    def search_status(self) -> str:
        hl = self.history.highlight
        if not hl.query:
            return ""
        if not hl.matches:
            return f"no match for “{one_line(hl.query, 60)}”"
        return f"match {hl.current + 1} / {len(hl.matches)}"

    def _update_search_status(self) -> None:
        hl = self.history.highlight
        self.searching = bool(hl.query)
        if hl.query:
            self.query_one("#search-status", Static).update(
                Text(f"search “{one_line(hl.query)}”: {self.search_status}   (n next, N previous)")
            )

    def action_next_match(self) -> None:
        if not self.search_query:
            self.notify("no search: press / first")
            return
        self.history.next_match()
        self._update_search_status()

    def action_previous_match(self) -> None:
        if not self.search_query:
            self.notify("no search: press / first")
            return
        self.history.previous_match()
        self._update_search_status()

    # --- raw inspector ----------------------------------------------------------------------

    def action_toggle_inspector(self) -> None:
        self.show_inspector = not self.show_inspector
        if self.show_inspector:
            self._load_raw_lines()

    def _load_raw_lines(self) -> None:
        cursor = self.cursor
        if cursor is None:
            return
        a, b = cursor.inspector_range()
        self.inspector.show_loading(self._inspector_title(a, b))
        self._read_raw(cursor.timeline, a, b)

    def _inspector_title(self, a: int, b: int) -> str:
        n = b - a
        return f"raw entries of {self.position_text}: {n} line{'s' * (n != 1)} (r to close)"

    @work(thread=True, exclusive=True, group="raw")
    def _read_raw(self, tl: Timeline, a: int, b: int) -> None:
        offsets, numbers = tl.offsets[a:b], tl.lines[a:b]
        try:
            lines = tl.store.read_raw_lines(tl.segment_id, offsets)
        except StoreError as exc:
            lines, numbers = [f"cannot read: {exc}".encode()], [0]
        self.post_message(RawLinesLoaded(tl.segment_id, a, numbers, lines))

    @on(RawLinesLoaded)
    def _raw_loaded(self, message: RawLinesLoaded) -> None:
        cursor = self.cursor
        if message.segment_id != self.segment_id or cursor is None:
            return
        a, b = cursor.inspector_range()
        if a == message.first_entry:
            title = self._inspector_title(a, b)
            self.inspector.show_lines(title, message.line_numbers, message.lines)

    # --- parent, export, help ---------------------------------------------------------------

    def action_open_parent(self) -> None:
        tl = self.timeline
        if tl is None:
            return
        origin = tl.origin
        if origin is None:
            self.notify("this segment has no parent (no forked_from / compacted_from)")
        elif not self.session.contains(origin.segment_id):
            self.notify(f"the parent {origin.segment_id} is not in this store", severity="warning")
        else:
            self.open_segment(origin.segment_id, origin.at_turn_index)

    def action_export_markdown(self) -> None:
        cursor = self.cursor
        if cursor is None or cursor.state is None:
            return
        tl = cursor.timeline
        ctx = ExportContext(
            store=self.segview.store_label,
            segment_id=tl.segment_id,
            position=self.position_text,
            origin=tl.origin,
            origin_kind=tl.origin_kind,
            inherited_len=tl.inherited_len,
        )
        sources = list(cursor.sources_at(cursor.stop.entry_end))
        text = state_to_markdown(cursor.state, ctx, sources, cursor.sources)
        stem = f"segview-{self.session.short(tl.segment_id)}-turn-{cursor.turn_count}"
        self._write_export(text, stem)

    @work(thread=True, exclusive=True, group="export")
    def _write_export(self, text: str, stem: str) -> None:
        try:
            directory = export_directory(self.session.path)
            try:
                path = write_export(text, directory, stem)
            except OSError:
                path = write_export(text, Path(tempfile.gettempdir()), stem)
        except OSError as exc:
            self.app.call_from_thread(
                self.app.notify, f"export failed: {exc}", severity="error", timeout=10
            )
            return
        self.last_export = path
        self.app.call_from_thread(
            self.app.notify, f"exported {self.position_text} to {path}", timeout=8
        )

    def action_quit(self) -> None:
        self.app.exit()

    def action_focus_tree(self) -> None:
        self.ancestry.focus()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    # --- live store -------------------------------------------------------------------------

    def poll(self) -> None:
        """Refresh the lineage and the open timeline from disk (on the watcher's thread)."""
        try:
            update = self.session.refresh()
            if update is not None:
                self.post_message(ForestChanged(update.forest, added=update.added))
            cursor = self.cursor
            if cursor is not None and cursor.refresh():
                self.post_message(TimelineGrew(cursor.segment_id))
        except Exception:  # the watcher must keep running; the next tick tries again
            log.exception("refreshing the store")

    def check_store(self) -> None:
        self.poll()

    @on(TimelineGrew)
    def _timeline_grew(self, message: TimelineGrew) -> None:
        cursor = self.cursor
        if cursor is None or message.segment_id != cursor.segment_id:
            return
        rewritten, index, scroll = cursor.grown()
        if rewritten:
            self.history.reset()
        self._update_problems()
        self._update_header()
        if self.player.active:  # a replay reads new entries as it reaches them
            self._show_turn_bar()
            return
        if index is not None:
            self.show_stop(index, scroll=scroll)
