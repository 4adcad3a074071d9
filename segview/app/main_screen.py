"""The main screen: the ancestry tree on the left, the conversation pane on the right.

It composes the widgets, binds the keys, opens the store and the chosen segment in thread
workers, follows the store as it changes, and routes each key to the pane or the tree. The
state lives in plain objects (``segview.browse``): the store session here, the cursor and the
replay player in the conversation pane.
"""

from __future__ import annotations

import logging
import os
import time
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.reactive import var
from textual.widgets import Footer
from textual.worker import get_current_worker

from segview.browse.forest import ForestSnapshot
from segview.cost import Priced, load_prices
from segview.gcpause import built_to_last, oldest_generation_paused
from segview.store import StoreError

from . import keymap
from .messages import (
    ForestChanged,
    LoadProgress,
    SegmentChosen,
    TimelineFailed,
    TimelineGrew,
    TimelineLoaded,
)
from .reviewing import ReviewingScreen
from .screen_state import LIVE_SECONDS
from .screens.export_dialog import ExportDialog, ExportFormat
from .screens.fork_dialog import ForkDialog
from .screens.help import HelpScreen
from .screens.store_search import StoreSearchResult, StoreSearchScreen
from .widgets.chrome.app_header import AppHeader, DemoNote
from .widgets.sidebar.ancestry_tree import AncestryTree

log = logging.getLogger(__name__)

PROGRESS_MIN_BYTES = 256 * 1024  # segments smaller than this load without a progress bar
PROGRESS_INTERVAL = 0.1  # seconds between two updates of a loading segment's progress bar
KEYED_ACTIONS = frozenset(spec.action for spec in keymap.KEYS if spec.scope in keymap.MAIN_SCOPES)
NARROW = 100  # columns: below this the tree starts hidden
NEEDS_SEGMENT = KEYED_ACTIONS - {
    "quit",
    "help",
    "focus_tree",
    "filter_tree",
    "toggle_tree",
    "search_store",
    "store_problems",
    "compare",
    "mark_segment",
    "label_segment",
    "toggle_tokens",
    "toggle_reasoning",
    "toggle_tool_output",
}


class MainScreen(ReviewingScreen):
    """Browse the store: tree on the left, the open segment on the right."""

    BINDINGS: ClassVar[list[BindingType]] = list(keymap.bindings("screen"))

    tree_shown: var[bool] = var(True)

    def compose(self) -> ComposeResult:
        yield AppHeader(id="header")
        if self.note:
            yield DemoNote(Text(self.note), id="demo-note")
        with Horizontal(id="body"):
            yield AncestryTree(now_ms=self.segview.now(), id="tree")
            yield self.pane
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.pane.store_label = self.segview.store_label
        self._update_header()
        self.history.focus()
        # the tree kept from last time is in the first frame (reading it takes 45 ms for
        # 10,000 rows), while the worker looks at every file again
        kept = self.session.last_forest()
        if kept is not None:
            self._forest_changed(ForestChanged(kept, kept=True))
        self._open_store(kept)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Under a dialog the keys of this screen do not apply (nor show in the footer); with
        no segment open, the keys that act on one are shown disabled."""
        if action in KEYED_ACTIONS and self.app.screen is not self:
            return False
        if action in NEEDS_SEGMENT and self.pane.cursor is None:
            return None
        return True

    @work(thread=True, exclusive=True, group="store")
    def _open_store(self, kept: ForestSnapshot | None) -> None:
        try:
            with built_to_last():  # the store's forest lives as long as the app
                forest = self.session.open()
        except StoreError as exc:
            if kept is not None:  # what was kept is not what is there
                self.post_message(ForestChanged(ForestSnapshot((), kept.layout, 0, 0)))
            self.app.call_from_thread(self.pane.show_empty, "cannot read the store")
            self.app.call_from_thread(
                self.app.notify,
                str(exc),
                title="cannot read the store",
                severity="error",
                timeout=30,
            )
            return
        finally:
            self._store_open.set()
        self.prices, warning = load_prices()
        self.pane.priced = Priced.of(self.prices, self.session.path)
        if warning:
            self.app.call_from_thread(self.app.notify, warning, severity="warning", timeout=10)
        self._refresh_notes(force=True)
        # the store as the kept tree shows it: the tree keeps its rows (comparing them all
        # again would hold the UI's thread: 0.1 s at 50,000 rows)
        self.post_message(ForestChanged(kept if kept and self.session.same_as_kept else forest))
        self.app.call_from_thread(self._open_initial)
        worker = get_current_worker()
        details = self.session.load_details(
            cancelled=lambda: worker.is_cancelled, later=self._being_loaded
        )
        with oldest_generation_paused():
            for snapshot in details:
                self.post_message(ForestChanged(snapshot))
        if not worker.is_cancelled:
            self.segview.watcher.start()

    def _being_loaded(self, segment_id: str) -> bool:
        """A timeline of ``segment_id`` is loading (its details will come from it)."""
        return segment_id in list(self._loading.values())

    def _open_initial(self) -> None:
        if self.segment_id is not None:  # chosen from the kept tree while the store opened
            return
        target, warning = self.session.resolve(self.initial_select)
        if warning:
            self.notify(warning, severity="warning")
        if target is None:
            self.pane.show_empty("this store has no segments")
        else:
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
        self._showing_kept = message.kept
        if message.kept:  # until the store is open, only the tree shows it
            self._update_header()
            return
        if self.token_mode != "off":  # new segments, or new requests in old ones
            self._compute_figures()
        if shown is not None and not elsewhere:
            tree.show_segment(shown)
        for new_id in message.added:
            row = message.forest.row(new_id)
            if row is not None and new_id != self.segment_id:
                self.notify(f"new segment {row.short}", timeout=3)
        self._update_header()

    def poll(self) -> None:
        """Refresh the lineage and the open segment from disk (on the watcher's thread)."""
        try:
            update = self.session.refresh()
            if update is not None:
                self.post_message(ForestChanged(update.forest, added=update.added))
            cursor = self.pane.cursor
            if cursor is not None and cursor.refresh():
                self.post_message(TimelineGrew(cursor.segment_id))
            self._refresh_notes()
        except Exception:  # the watcher must keep running; the next tick tries again
            log.exception("refreshing the store")

    def watch_roots(self) -> list[str]:
        """The directories whose changes the watcher reports (the store, recursively)."""
        return [str(self.session.path)]

    def watched(self) -> tuple[list[str], list[str], list[str]]:
        """What the polling watcher compares between ticks: every directory holding segments
        (and the store's), the open segment's file, and every other segment file in turn."""
        directories: dict[str, None] = {str(self.session.path): None}
        files: list[str] = []
        scan = self.session.scan()
        if scan is not None:
            for found in scan.segments:
                directories.setdefault(os.fspath(found.store.root), None)
                files.append(os.fspath(found.path))
            for entry in scan.unlisted:
                if entry.kind == "unreadable":
                    directories.setdefault(os.fspath(entry.path), None)
        for directory in list(directories):  # a new session directory appears in its parent
            directories.setdefault(os.path.dirname(directory), None)
        cursor = self.pane.cursor
        store = self.session.store_for(cursor.segment_id) if cursor is not None else None
        current = [os.fspath(store.path_for(cursor.segment_id))] if store and cursor else []
        return list(directories), current, files

    def check_store(self) -> None:
        self.poll()

    @on(TimelineGrew)
    def _timeline_grew(self, message: TimelineGrew) -> None:
        cursor = self.pane.cursor
        if cursor is not None and message.segment_id == cursor.segment_id:
            self._grew_at = time.monotonic()
            self.pane.grown()
            self._update_header()
            self.set_timer(LIVE_SECONDS + 0.1, self._check_live)

    def open_segment(self, segment_id: str, turn_count: int | None = None) -> None:
        """Open ``segment_id`` at turn ``turn_count`` (None: its last turn)."""
        self._open_generation += 1
        self._grew_at = -LIVE_SECONDS
        self.segment_id = segment_id
        self.ancestry.show_segment(segment_id)
        self._update_header()
        self.pane.begin_loading(segment_id)
        self._loading[self._open_generation] = segment_id
        self._load_timeline(segment_id, turn_count, self._open_generation)
        self._load_inherited(segment_id)

    @on(SegmentChosen)
    def _segment_chosen(self, message: SegmentChosen) -> None:
        if message.segment_id != self.segment_id or message.turn_count is not None:
            self.open_segment(message.segment_id, message.turn_count)

    @work(thread=True, exclusive=True, group="timeline")
    def _load_timeline(self, segment_id: str, turn_count: int | None, generation: int) -> None:
        try:
            self._load(segment_id, turn_count, generation)
        finally:
            self._loading.pop(generation, None)

    def _load(self, segment_id: str, turn_count: int | None, generation: int) -> None:
        # the store's models are first imported here, in the loader's thread (``segview.app``)
        from segview.browse.cursor import SegmentCursor
        from segview.timeline import LoadCancelled, Timeline

        worker = get_current_worker()
        while not self._store_open.wait(0.05):  # a row of the tree kept from last time
            if worker.is_cancelled:
                return
        store = self.session.store_for(segment_id)
        if store is None:
            self.post_message(TimelineFailed(segment_id, "not in this store", generation))
            return
        posted: float | None = None  # when the last report was posted

        def progress(done: int, total: int) -> None:
            # the first report, the last, and ten a second at most in between: each is drawn
            # by the UI's thread, which shares the interpreter lock with this one (one every
            # 2 % took 0.1 s from a 100 MB load)
            nonlocal posted
            if total < PROGRESS_MIN_BYTES:
                return
            now = time.monotonic()
            if posted is None or now - posted >= PROGRESS_INTERVAL or done >= total:
                posted = now
                self.post_message(LoadProgress(segment_id, done, total))

        try:
            # the log's objects live as long as it is open: out of the collector's reach
            with built_to_last():
                timeline = Timeline.load(
                    store,
                    segment_id,
                    progress=progress,
                    cancelled=lambda: worker.is_cancelled,
                    version=self.format_version,
                )
                # what showing it first needs, computed here rather than in the UI's thread
                cursor = SegmentCursor(timeline)
                cursor.prepare(turn_count)
        except LoadCancelled:  # another segment was opened, or the app is quitting
            return
        except Exception as exc:  # a segment must never take the app down
            log.exception("loading %s", segment_id)
            self.post_message(TimelineFailed(segment_id, str(exc), generation))
            return
        read = timeline.read_so_far()  # before anything refreshes the timeline
        self.post_message(TimelineLoaded(segment_id, cursor, turn_count, generation))
        # the segment's details (title, turns, problems) from this read, not a second one
        update = self.session.details_from(segment_id, read)
        if update is not None:
            self.post_message(ForestChanged(update))

    @on(LoadProgress)
    def _load_progress(self, message: LoadProgress) -> None:
        if message.segment_id == self.segment_id and self.loaded_segment != message.segment_id:
            self.pane.progress(message.done, message.total)

    @on(TimelineFailed)
    def _timeline_failed(self, message: TimelineFailed) -> None:
        if message.generation == self._open_generation:
            self.pane.failed()
            self.notify(f"{message.segment_id}: {message.error}", severity="error")

    @on(TimelineLoaded)
    def _timeline_loaded(self, message: TimelineLoaded) -> None:
        if message.generation != self._open_generation:
            return
        self.loaded_segment = message.segment_id
        loaded = self.pane.loaded(message.cursor, message.turn_count)
        self.refresh_bindings()
        if not loaded:
            self.notify(
                f"{message.segment_id[:13]} has no turn {message.turn_count}; "
                "showing its last turn",
                severity="warning",
            )
        self._update_header()

    def action_next_turn(self) -> None:
        self.pane.step(+1)

    def action_previous_turn(self) -> None:
        self.pane.step(-1)

    def action_first_turn(self) -> None:
        self.pane.step_to(0)

    def action_last_turn(self) -> None:
        self.pane.last_turn()

    def action_go_to_turn(self) -> None:
        self.pane.go_to_turn()

    def action_toggle_replay(self) -> None:
        self.pane.toggle_replay()

    def action_replay_faster(self) -> None:
        self.pane.replay_faster()

    def action_replay_slower(self) -> None:
        self.pane.replay_slower()

    def action_search(self) -> None:
        self.pane.search()

    def action_next_match(self) -> None:
        self.pane.next_match(+1)

    def action_previous_match(self) -> None:
        self.pane.next_match(-1)

    def action_clear_search(self) -> None:
        self.pane.clear_search()

    def action_toggle_inspector(self) -> None:
        self.pane.toggle_inspector()

    def action_export(self) -> None:
        """Ask for Markdown or an HTML replay, then write it."""
        cursor = self.pane.cursor
        if (
            cursor is None
            or cursor.state is None
            or self._refuse_write("export (it writes a file)")
        ):
            return
        if self.pane.player.playing:
            self.pane.hold_replay()

        def chosen(choice: ExportFormat | None) -> None:
            if choice == "markdown":
                self.pane.export_markdown()
            elif choice == "html":
                self.pane.export_html()

        self.app.push_screen(ExportDialog(self.pane.position_text), chosen)

    def action_export_markdown(self) -> None:
        if not self._refuse_write("export (it writes a file)"):
            self.pane.export_markdown()

    def action_search_store(self) -> None:
        scan, forest = self.session.scan(), self.forest
        if scan is None or forest is None:
            return
        short = {row.id: row.short for row in forest.rows}

        def chosen(result: StoreSearchResult | None) -> None:
            if result is None:
                return
            if not result.query.regex:
                self.pane.search_after_load = result.query.text
            self.open_segment(result.segment_id, result.turn)

        self.app.push_screen(StoreSearchScreen(scan, short, self.pane.search_query), chosen)

    def action_focus_tree(self) -> None:
        self.tree_shown = True
        self.ancestry.focus()

    def action_toggle_tree(self) -> None:
        self.tree_shown = not self.tree_shown
        if not self.tree_shown and self.ancestry.has_focus:
            self.history.focus()

    def watch_tree_shown(self, shown: bool) -> None:
        self.set_class(not shown, "-tree-hidden")

    def on_resize(self, event: events.Resize) -> None:
        """Below ``NARROW`` columns the tree starts hidden (T or t shows it), and takes half
        the width when shown."""
        narrow = event.size.width < NARROW
        if narrow != self._narrow:
            self._narrow = narrow
            self.set_class(narrow, "-narrow")
            self.tree_shown = not narrow

    def action_scroll_down(self) -> None:
        self.history.scroll_relative(y=1, animate=False)

    def action_scroll_up(self) -> None:
        self.history.scroll_relative(y=-1, animate=False)

    def action_page_down(self) -> None:
        self.history.scroll_relative(y=max(1, self.history.size.height // 2), animate=False)

    def action_page_up(self) -> None:
        self.history.scroll_relative(y=-max(1, self.history.size.height // 2), animate=False)

    def action_next_error(self) -> None:
        self.pane.next_error(+1)

    def action_previous_error(self) -> None:
        self.pane.next_error(-1)

    def action_copy_turn(self) -> None:
        self.pane.copy(turn_only=True)

    def action_copy_conversation(self) -> None:
        self.pane.copy(turn_only=False)

    def action_view_in_pager(self) -> None:
        self.pane.open_externally(editor=False)

    def action_open_in_editor(self) -> None:
        self.pane.open_externally(editor=True)

    def action_toggle_info(self) -> None:
        self.pane.show_info = not self.pane.show_info

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.segview.key_table))

    def action_quit(self) -> None:
        self.app.exit()

    def action_open_parent(self) -> None:
        tl = self.timeline
        origin = tl.origin if tl is not None else None
        if tl is None:
            return
        if origin is None:
            self.notify("this segment has no parent (no forked_from / compacted_from)")
        elif not self.session.contains(origin.segment_id):
            self.notify(f"the parent {origin.segment_id} is not in this store", severity="warning")
        else:
            self.open_segment(origin.segment_id, origin.at_turn_index)

    def action_fork_here(self) -> None:
        if self._refuse_write("forking (it writes a new segment)"):
            return
        self.pane.settle_replay()
        cursor = self.pane.cursor
        if cursor is None:
            return
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
