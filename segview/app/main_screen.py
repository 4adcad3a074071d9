"""The main screen: the ancestry tree on the left, the conversation pane on the right.

It composes the widgets, binds the keys, opens the store and the chosen segment in thread
workers, follows the store as it changes, and routes each key to the pane or the tree. The
state lives in plain objects (``segview.browse``): the store session here, the cursor and the
replay player in the conversation pane.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import get_current_worker

from segview.browse.annotations import (
    TOKEN_MODE_NAMES,
    TOKEN_MODES,
    TokenMode,
    forest_figures,
    inherited_share,
    tree_token_texts,
)
from segview.browse.cursor import SegmentCursor
from segview.browse.forest import ForestSnapshot, TreeRow
from segview.browse.player import ReplayPlayer
from segview.browse.session import StoreSession
from segview.cost import Priced, PriceTable, UsageReader, load_prices
from segview.notes import NotesError, add_note, set_label
from segview.store import StoreError
from segview.timeline import LoadCancelled, Timeline

from . import keymap
from .messages import (
    ForestChanged,
    LoadProgress,
    SegmentChosen,
    TimelineFailed,
    TimelineGrew,
    TimelineLoaded,
)
from .screens.compare import CompareScreen
from .screens.export_dialog import ExportDialog, ExportFormat
from .screens.fork_dialog import ForkDialog
from .screens.help import HelpScreen
from .screens.note_dialog import LabelDialog, NoteDialog, NoteRequest
from .screens.store_search import StoreSearchResult, StoreSearchScreen
from .widgets.chrome.app_header import AppHeader, DemoNote
from .widgets.conversation.history_view import HistoryView
from .widgets.conversation.pane import ConversationPane
from .widgets.conversation.turn_bar import TurnBar
from .widgets.panels.entry_inspector import EntryInspector
from .widgets.sidebar.ancestry_tree import AncestryTree

if TYPE_CHECKING:
    from .app import SegviewApp

log = logging.getLogger(__name__)

PROGRESS_MIN_BYTES = 256 * 1024  # segments smaller than this load without a progress bar
KEYED_ACTIONS = frozenset(spec.action for spec in keymap.KEYS if spec.scope in keymap.MAIN_SCOPES)
NARROW = 100  # columns: below this the tree starts hidden
NEEDS_SEGMENT = KEYED_ACTIONS - {
    "quit",
    "help",
    "focus_tree",
    "toggle_tree",
    "search_store",
    "compare",
    "mark_segment",
    "label_segment",
    "toggle_tokens",
}
LIVE_SECONDS = 10.0  # the header says "live" this long after the open segment grew


class MainScreen(Screen[None]):
    """Browse the store: tree on the left, the open segment on the right."""

    BINDINGS: ClassVar[list[BindingType]] = list(keymap.bindings("screen"))

    tree_shown: var[bool] = var(True)

    def __init__(self, store_path: Path, *, select: str | None, note: str | None) -> None:
        super().__init__()
        self.session = StoreSession(store_path)
        self.initial_select = select
        self.note = note
        self.segment_id: str | None = None
        self.loaded_segment: str | None = None
        self._open_generation = 0
        self._narrow = False
        self._grew_at = -LIVE_SECONDS  # when the open segment last grew (monotonic)
        self._loading: dict[int, str] = {}  # generation -> the segment it loads
        self.pane = ConversationPane(self.session, id="main")
        # labels and notes (sidecars), the compare mark, tokens and their cost
        self.notes = self.pane.notes
        self.marked: str | None = None
        self.token_mode: TokenMode = "off"
        self.prices = PriceTable()
        self._notes_lock = threading.Lock()
        self._usage_lock = threading.Lock()
        self._usage_reader = UsageReader()
        self._note_dirs: tuple[ForestSnapshot | None, list[Path]] | None = None

    @property
    def segview(self) -> SegviewApp:
        from .app import SegviewApp

        assert isinstance(self.app, SegviewApp)
        return self.app

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
        self._open_store()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Under a dialog the keys of this screen do not apply (nor show in the footer); with
        no segment open, the keys that act on one are shown disabled."""
        if action in KEYED_ACTIONS and self.app.screen is not self:
            return False
        if action in NEEDS_SEGMENT and self.pane.cursor is None:
            return None
        return True

    # --- what tests and the palette look at -------------------------------------------------

    @property
    def history(self) -> HistoryView:
        return self.pane.history

    @property
    def turn_bar(self) -> TurnBar:
        return self.pane.turn_bar

    @property
    def inspector(self) -> EntryInspector:
        return self.pane.inspector

    @property
    def ancestry(self) -> AncestryTree:
        return self.query_one("#tree", AncestryTree)

    @property
    def forest(self) -> ForestSnapshot | None:
        return self.session.forest

    @property
    def cursor(self) -> SegmentCursor | None:
        return self.pane.cursor

    @property
    def player(self) -> ReplayPlayer:
        return self.pane.player

    @property
    def timeline(self) -> Timeline | None:
        return self.pane.cursor.timeline if self.pane.cursor is not None else None

    @property
    def turn_count(self) -> int:
        return self.pane.cursor.turn_count if self.pane.cursor is not None else 0

    @property
    def position_text(self) -> str:
        return self.pane.position_text

    @property
    def replaying(self) -> bool:
        return self.pane.player.playing

    @property
    def speed(self) -> int:
        return self.pane.player.speed

    @property
    def replay_position(self) -> int | None:
        """Entries revealed by a playing or paused replay (None when there is none)."""
        player = self.pane.player
        return player.revealed if player.active else None

    @property
    def search_status(self) -> str:
        return self.pane.search_status

    @property
    def last_export(self) -> Path | None:
        return self.pane.last_export

    @property
    def load_progress(self) -> tuple[int, int] | None:
        return self.pane.load_progress

    def _update_header(self) -> None:
        tl, forest = self.timeline, self.forest
        row = self.session.row(self.segment_id) if self.segment_id else None
        self.query_one("#header", AppHeader).show(
            self.segview.store_label,
            self.segment_id,
            # notes about what a newer runtime version wrote are no damage
            sum(not p.is_note for p in tl.problems) + tl.damage_omitted if tl is not None else 0,
            forest.problems if forest is not None else None,
            session=row.session_id if row is not None else None,
            live=self.live,
        )

    @property
    def live(self) -> bool:
        """The open segment grew while the app watched it, within the last ``LIVE_SECONDS``."""
        return time.monotonic() - self._grew_at < LIVE_SECONDS

    def _check_live(self) -> None:
        if not self.live:
            self._update_header()

    # --- the store --------------------------------------------------------------------------

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
        self.prices, warning = load_prices()
        self.pane.priced = Priced.of(self.prices, self.session.path)
        if warning:
            self.app.call_from_thread(self.app.notify, warning, severity="warning", timeout=10)
        self._refresh_notes(force=True)
        self.post_message(ForestChanged(forest))
        self.app.call_from_thread(self._open_initial)
        worker = get_current_worker()
        details = self.session.load_details(
            cancelled=lambda: worker.is_cancelled, later=self._being_loaded
        )
        for snapshot in details:
            self.post_message(ForestChanged(snapshot))
        if not worker.is_cancelled:
            self.segview.watcher.start()

    def _being_loaded(self, segment_id: str) -> bool:
        """A timeline of ``segment_id`` is loading (its details will come from it)."""
        return segment_id in list(self._loading.values())

    def _open_initial(self) -> None:
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

    # --- opening a segment ------------------------------------------------------------------

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
        store = self.session.store_for(segment_id)
        if store is None:
            self.post_message(TimelineFailed(segment_id, "not in this store", generation))
            return
        last = [-1]

        def progress(done: int, total: int) -> None:
            step = total // 50 or 1
            if total >= PROGRESS_MIN_BYTES and (done // step != last[0] or done >= total):
                last[0] = done // step
                self.post_message(LoadProgress(segment_id, done, total))

        worker = get_current_worker()
        try:
            timeline = Timeline.load(
                store, segment_id, progress=progress, cancelled=lambda: worker.is_cancelled
            )
        except LoadCancelled:  # another segment was opened, or the app is quitting
            return
        except Exception as exc:  # a segment must never take the app down
            log.exception("loading %s", segment_id)
            self.post_message(TimelineFailed(segment_id, str(exc), generation))
            return
        read = timeline.read_so_far()  # before anything refreshes the timeline
        self.post_message(TimelineLoaded(segment_id, timeline, turn_count, generation))
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
        loaded = self.pane.loaded(message.timeline, message.turn_count)
        self.refresh_bindings()
        if not loaded:
            self.notify(
                f"{message.segment_id[:13]} has no turn {message.turn_count}; "
                "showing its last turn",
                severity="warning",
            )
        self._update_header()

    # --- keys -------------------------------------------------------------------------------

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
        """Below ``NARROW`` columns the tree starts hidden (T or t shows it)."""
        narrow = event.size.width < NARROW
        if narrow != self._narrow:
            self._narrow = narrow
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
        self.app.push_screen(HelpScreen())

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

    def _refuse_write(self, what: str) -> bool:
        """In a read-only app: say that ``what`` is off and return True."""
        if not self.segview.read_only:
            return False
        self.notify(f"read-only: {what} is turned off here", severity="warning", timeout=6)
        return True

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

    # --- labels, notes, comparing, tokens -----------------------------------------------------

    def _target_segment(self) -> str | None:
        """The segment under the tree's cursor, else the open one."""
        return self.ancestry.cursor_segment or self.segment_id

    def _rows(self) -> tuple[TreeRow, ...]:
        forest = self.forest
        return forest.rows if forest is not None else ()

    def _note_directories(self) -> list[Path]:
        """The directories whose ``.segview/`` may hold notes (kept per forest snapshot)."""
        forest = self.forest
        cached = self._note_dirs
        if cached is not None and cached[0] is forest:
            return cached[1]
        dirs = {self.session.path: None}
        for row in self._rows():
            store = self.session.store_for(row.id)
            if store is not None:
                dirs.setdefault(store.root, None)
        self._note_dirs = (forest, list(dirs))
        return self._note_dirs[1]

    def _refresh_notes(self, *, force: bool = False) -> None:
        """Read the sidecars again (in a worker or on the watcher's thread); redraw when they
        changed."""
        with self._notes_lock:
            changed = self.notes.refresh(self._note_directories())
        if changed or force:
            self.app.call_from_thread(self._notes_changed)

    def _notes_changed(self) -> None:
        self.ancestry.set_annotations(labels=self.notes.labels())
        self.pane.show_notes()

    def action_label_segment(self) -> None:
        segment_id = self._target_segment()
        if segment_id is None or self._refuse_write("labelling (it writes beside the logs)"):
            return
        row = self.session.row(segment_id)

        def done(text: str | None) -> None:
            if text is not None:
                self._write_notes(segment_id, lambda root: set_label(root, segment_id, text))

        dialog = LabelDialog(
            short=self.session.short(segment_id),
            title=row.title if row is not None else None,
            label=self.notes.get(segment_id).label,
        )
        self.app.push_screen(dialog, done)

    def action_annotate(self) -> None:
        cursor = self.pane.cursor
        if cursor is None or cursor.state is None:
            return
        if self._refuse_write("notes (they are written beside the logs)"):
            return
        segment_id, turn, items = cursor.segment_id, cursor.turn_count, len(cursor.state.history)

        def done(request: NoteRequest | None) -> None:
            if request is not None:
                text, item = request.text, request.item
                self._write_notes(
                    segment_id, lambda root: add_note(root, segment_id, text, turn=turn, item=item)
                )

        short = self.session.short(segment_id)
        self.app.push_screen(NoteDialog(short=short, turn=turn, items=items), done)

    @work(thread=True, group="notes")
    def _write_notes(self, segment_id: str, write: Callable[[Path], object]) -> None:
        """Write a label or a note beside the segment's log; a failure is shown, and leaves
        nothing written."""
        store = self.session.store_for(segment_id)
        if store is None:
            return
        try:
            write(store.root)
        except NotesError as exc:
            self.app.call_from_thread(
                self.app.notify, str(exc), title="nothing written", severity="error", timeout=15
            )
            return
        self._refresh_notes(force=True)

    def action_mark_segment(self) -> None:
        segment_id = self._target_segment()
        if segment_id is None:
            return
        self.marked = None if segment_id == self.marked else segment_id
        self.ancestry.set_marked(self.marked)
        if self.marked is not None:
            short = self.session.short(segment_id)
            self.notify(f"marked {short}: press c on another segment to compare", timeout=4)

    def action_compare(self) -> None:
        target = self._target_segment()
        if target is None:
            return
        marked = self.marked if self.session.contains(self.marked or "") else None
        row = self.session.row(target)
        if marked is not None and marked != target:
            a, b = marked, target
        elif row is not None and row.parent_id is not None:
            a, b = target, row.parent_id  # a fork or compaction against its parent
        else:
            self.notify(
                "nothing to compare: mark a segment with m, then press c on another "
                "(or press c on a fork to compare it with its parent)"
            )
            return
        self.app.push_screen(
            CompareScreen(
                a=a,
                b=b,
                build=lambda: self.session.compare(a, b),
                names={r.id: r.short for r in self._rows()},
                labels=self.notes.labels(),
                price=self.pane.priced,
            )
        )

    def action_toggle_tokens(self) -> None:
        self.token_mode = TOKEN_MODES[(TOKEN_MODES.index(self.token_mode) + 1) % len(TOKEN_MODES)]
        if self.token_mode == "off":
            self.ancestry.set_annotations(tokens={})
            self.notify("tokens in the tree: off", timeout=3)
            return
        what = "input/output tokens" + (" and cost" if self.pane.priced is not None else "")
        self.notify(f"{what} in the tree: {TOKEN_MODE_NAMES[self.token_mode]}", timeout=4)
        self._compute_figures()

    @work(thread=True, exclusive=True, group="tokens")
    def _compute_figures(self) -> None:
        forest, mode = self.forest, self.token_mode
        if forest is None or mode == "off":
            return
        with self._usage_lock:
            figures = forest_figures(forest, self._usage_reader, self.session.store_for)
        texts = tree_token_texts(figures, mode, self.pane.priced)
        self.app.call_from_thread(self._show_figures, mode, texts)

    def _show_figures(self, mode: TokenMode, texts: dict[str, str]) -> None:
        if mode == self.token_mode:
            self.ancestry.set_annotations(tokens=texts)

    @work(thread=True, group="inherited")
    def _load_inherited(self, segment_id: str) -> None:
        forest = self.forest
        if forest is None:
            return
        with self._usage_lock:
            share = inherited_share(forest, segment_id, self._usage_reader, self.session.store_for)
        self.app.call_from_thread(self.pane.set_inherited, segment_id, share)
