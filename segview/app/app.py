"""``SegviewApp``: browse a store's ancestry tree, step through a segment's turns, fork, replay.

Data flows one way: the store on disk → the lineage and timeline models → this app. The app
holds the models; widgets only receive plain data. Every file read or write runs in a thread
worker (store scan, segment load, raw lines, fork, export) or on the watcher's thread; the UI
thread only replays in-memory entries from the timeline's checkpoints, which is fast.

Two locks keep the background threads and the UI apart: one guards the lineage (scan,
refresh, details), one guards the open timeline (refresh appends to it; the UI reads states).
"""

from __future__ import annotations

import bisect
import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, ProgressBar, Static

from segview.lineage import Lineage
from segview.store import RestoredState, StoreError, ToolResultItem, TurnEnd, apply_entry, fork_at
from segview.store.ops import now_ms
from segview.text import one_line, safe
from segview.timeline import Timeline

from . import keymap
from .commands import SegviewCommands
from .export import ExportContext, export_directory, state_to_markdown, write_export
from .forest import ForestSnapshot, snapshot
from .item_sources import ItemSources
from .messages import (
    ForestChanged,
    LoadProgress,
    RawLinesLoaded,
    SearchChanged,
    SegmentChosen,
    TimelineFailed,
    TimelineGrew,
    TimelineLoaded,
)
from .positions import (
    Stop,
    compute_stops,
    inspector_range,
    last_turn_stop,
    max_turn_count,
    shows_more_after,
    stop_for_turn_count,
    turn_outcome,
    turn_start_ts,
)
from .replay import faster, replay_delay, slower
from .screens.fork_dialog import ForkDialog
from .screens.goto_turn import GoToTurnScreen
from .screens.help import HelpScreen
from .screens.search import SearchScreen
from .watcher import NullWatcher, PollWatcher, Watcher
from .widgets.chrome.app_header import AppHeader, DemoNote
from .widgets.conversation.history_view import HistoryView, ScrollTarget
from .widgets.conversation.turn_bar import TurnBar, TurnInfo
from .widgets.panels.entry_inspector import EntryInspector
from .widgets.panels.problems_panel import ProblemsPanel
from .widgets.sidebar.ancestry_tree import AncestryTree

log = logging.getLogger(__name__)

KEYED_ACTIONS = frozenset(spec.action for spec in keymap.KEYS)

PROGRESS_MIN_BYTES = 256 * 1024  # segments smaller than this load without a progress bar
DETAILS_BATCH_SECONDS = 0.25
FRAME_SECONDS = 1 / 60  # replayed entries closer together than this are shown together
MIN_TIMER = 0.001  # Textual timers need a positive delay


class SegviewApp(App[None]):
    """The segview browser for one store directory."""

    CSS_PATH = "segview.tcss"
    TITLE = "segview"
    BINDINGS: ClassVar[list[BindingType]] = list(keymap.bindings("app"))
    COMMANDS = App.COMMANDS | {SegviewCommands}

    def __init__(
        self,
        store_path: str | Path,
        select: str | None = None,
        note: str | None = None,
        now: int | None = None,
        *,
        watch: bool = True,
        poll_interval: float = 0.5,
        replay_time_scale: float = 1.0,
    ) -> None:
        super().__init__()
        self.store_path = Path(store_path)
        self.store_label = str(store_path)
        self.initial_select = select
        self.note = note
        self.fixed_now = now
        self.replay_time_scale = replay_time_scale
        self.lineage: Lineage | None = None
        self.forest: ForestSnapshot | None = None
        self.timeline: Timeline | None = None
        self.segment_id: str | None = None
        self.loaded_segment: str | None = None
        self.stops: list[Stop] = []
        self.stop_index = 0
        self.state: RestoredState | None = None
        self.sources = ItemSources()
        self.speed = 1
        self.replaying = False
        self._replay_state: RestoredState | None = None
        self._replay_pos = 0
        self._replay_timer: Timer | None = None
        self._usage: tuple[int, ...] = ()
        self._usage_at: list[int] = []
        self._lineage_lock = threading.RLock()
        self._timeline_lock = threading.RLock()
        self._open_generation = 0
        self._timeline_generation = 0
        self._progress_shown_for: str | None = None
        self.search_query = ""
        self.last_export: Path | None = None
        self.load_progress: tuple[int, int] | None = None  # (bytes read, total) of a big load
        self.store_error: str | None = None
        self.watcher: Watcher = PollWatcher(self._poll, poll_interval) if watch else NullWatcher()

    # --- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield AppHeader(id="header")
        if self.note:
            yield DemoNote(Text(self.note), id="demo-note")
        with Horizontal(id="body"):
            yield AncestryTree(now_ms=self.now(), id="tree")
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
        self.query_one("#load-progress").display = False
        self.query_one("#search-status").display = False
        self.query_one("#inherited-note").display = False
        self.query_one("#inspector").display = False
        self.query_one("#problems").display = False
        self._update_header()
        self.history.focus()
        self._open_store()

    def on_unmount(self) -> None:
        self.watcher.stop()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A toast. Never markup by default: notifications carry ids, paths and messages from
        logs and the file system, which must be shown as they are."""
        if not markup:
            message = safe(message)
        super().notify(
            message, title=one_line(title), severity=severity, timeout=timeout, markup=markup
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The keyed actions act on the main screen only, not under a dialog."""
        return not (action in KEYED_ACTIONS and isinstance(self.screen, ModalScreen))

    # --- convenient accessors ---------------------------------------------------------------

    def now(self) -> int:
        return self.fixed_now if self.fixed_now is not None else now_ms()

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
    def tree(self) -> AncestryTree:  # type: ignore[override]
        """The ancestry tree (``ancestry``); shadows ``DOMNode.tree``, a debugging aid."""
        return self.ancestry

    @property
    def inspector(self) -> EntryInspector:
        return self.query_one("#inspector", EntryInspector)

    @property
    def stop(self) -> Stop | None:
        return self.stops[self.stop_index] if self.stops else None

    @property
    def turn_count(self) -> int:
        """The turn shown (``N`` of ``turn N / M``)."""
        stop = self.stop
        return stop.turn_count if stop is not None else 0

    @property
    def position_text(self) -> str:
        return self.turn_bar.position

    def _update_header(self) -> None:
        seg_problems = len(self.timeline.problems) if self.timeline is not None else 0
        store_problems = self.forest.problems if self.forest is not None else None
        self.query_one("#header", AppHeader).show(
            self.store_label, self.segment_id, seg_problems, store_problems
        )

    # --- opening the store ------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="store")
    def _open_store(self) -> None:
        try:
            with self._lineage_lock:
                lineage = Lineage.open(self.store_path)
                self.lineage = lineage
                forest = snapshot(lineage, with_details=False)
        except StoreError as exc:
            self.call_from_thread(self._store_failed, str(exc))
            return
        self.post_message(ForestChanged(forest))
        self.call_from_thread(self._open_initial, forest)
        self._load_all_details()
        self.watcher.start()

    def _store_failed(self, message: str) -> None:
        self.store_error = message
        self.notify(message, title="cannot read the store", severity="error", timeout=30)

    def _load_all_details(self) -> None:
        """Fill titles, turn counts and problems node by node, posting snapshots as it goes."""
        import time

        lineage = self.lineage
        if lineage is None:
            return
        last_post = time.monotonic()
        with self._lineage_lock:
            nodes = [n for _d, n in lineage.walk()]
        for node in nodes:
            with self._lineage_lock:
                lineage.load_details(node)
            if time.monotonic() - last_post > DETAILS_BATCH_SECONDS:
                with self._lineage_lock:
                    self.post_message(ForestChanged(snapshot(lineage, with_details=False)))
                last_post = time.monotonic()
        with self._lineage_lock:
            self.post_message(ForestChanged(snapshot(lineage, with_details=True)))

    def _open_initial(self, forest: ForestSnapshot) -> None:
        if not forest.rows:
            self.turn_bar.show(TurnInfo(0, 0, kind="start", loading="this store has no segments"))
            return
        wanted = self.initial_select
        target = forest.rows[0].id
        if wanted:
            matches = [r.id for r in forest.rows if r.id.startswith(wanted.lower())]
            if wanted.lower() in {r.id for r in forest.rows}:
                target = wanted.lower()
            elif len(matches) == 1:
                target = matches[0]
            else:
                self.notify(f"no single segment matches {wanted!r}", severity="warning")
        self.open_segment(target)

    @on(ForestChanged)
    def _forest_changed(self, message: ForestChanged) -> None:
        self.forest = message.forest
        tree, shown = self.ancestry, self.segment_id
        cursor = tree.cursor_node
        # the user moved the cursor off the open segment's row: leave it there
        elsewhere = (
            shown is not None
            and cursor is not None
            and cursor.data not in (None, shown)
            and tree.node_for(shown) is not None
        )
        tree.set_forest(message.forest, self.now())
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
        try:
            with self._lineage_lock:
                lineage = self.lineage
                store = lineage.store_for(segment_id) if lineage is not None else None
        except LookupError:
            store = None
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
        bar = self.query_one("#load-progress", ProgressBar)
        bar.display = True
        bar.update(total=message.total, progress=message.done)

    @on(TimelineFailed)
    def _timeline_failed(self, message: TimelineFailed) -> None:
        if message.generation != self._open_generation:
            return
        self.query_one("#load-progress").display = False
        self.notify(f"{message.segment_id}: {message.error}", severity="error")

    @on(TimelineLoaded)
    def _timeline_loaded(self, message: TimelineLoaded) -> None:
        if message.generation != self._open_generation:
            return
        self.query_one("#load-progress").display = False
        with self._timeline_lock:
            self.timeline = message.timeline
            self._timeline_generation = message.timeline.generation
            self.sources = ItemSources()
            self.sources.update(message.timeline.entries)
            self.stops = compute_stops(message.timeline)
            self._index_usage()
        self.loaded_segment = message.segment_id
        self.history.reset()
        note = self._inherited_note()
        inherited = self.query_one("#inherited-note", Static)
        inherited.update(Text(note or ""))
        inherited.display = note is not None
        index = None
        if message.turn_count is not None:
            index = stop_for_turn_count(self.stops, message.turn_count)
            if index is None:
                self.notify(
                    f"{message.segment_id[:13]} has no turn {message.turn_count}; "
                    "showing its last turn",
                    severity="warning",
                )
        if index is None:
            index = last_turn_stop(self.stops)
        self.show_stop(index, scroll="turn")
        self._update_problems()
        self._update_header()

    def _index_usage(self) -> None:
        tl = self.timeline
        if tl is None:
            self._usage, self._usage_at = (), []
            return
        self._usage = tuple(r.input_total_tokens for _i, r in tl.usage)
        self._usage_at = [i for i, _r in tl.usage]

    def _inherited_note(self) -> str | None:
        tl = self.timeline
        if tl is None or tl.inherited_len == 0:
            return None
        n = tl.inherited_len
        items = f"{n} item{'s' * (n != 1)}"
        origin = tl.origin
        if origin is None:
            return f"The first {items} were seeded by the segment_start (no recorded parent)."
        parent = self._short(origin.segment_id)
        missing = "" if self._in_store(origin.segment_id) else " (not in this store)"
        if tl.origin_kind == "compaction":
            return (
                f"⇣ compaction: the first {items} (a summary) are inherited from {parent}"
                f"{missing} after turn {origin.at_turn_index}; o opens it there"
            )
        return (
            f"⑂ fork: the first {items} are inherited from {parent}{missing} after turn "
            f"{origin.at_turn_index}; o opens it there"
        )

    def _short(self, segment_id: str) -> str:
        row = self.forest.row(segment_id) if self.forest is not None else None
        return row.short if row is not None else segment_id[:8]

    def _in_store(self, segment_id: str) -> bool:
        return self.forest is not None and self.forest.row(segment_id) is not None

    def _update_problems(self) -> None:
        panel = self.query_one("#problems", ProblemsPanel)
        tl = self.timeline
        if tl is None:
            panel.display = False
            return
        notes: list[str] = []
        row = self.forest.row(tl.segment_id) if self.forest is not None else None
        if row is not None and row.parent_missing:
            notes.append(f"its parent {row.origin_parent} is not in this store (shown as a root)")
        if row is not None and row.in_cycle:
            notes.append("part of a fork cycle (the cycle is broken at one edge in the tree)")
        first = row.first_line_problem if row is not None else None
        if first is not None and not any(
            first == str(p) or first.startswith(f"line {p.line}:") for p in tl.problems
        ):  # an empty file, or a first entry that is not a segment_start
            notes.append(first)
        panel.show_problems(str(tl.store.path_for(tl.segment_id)), list(tl.problems), notes)

    # --- showing a position -----------------------------------------------------------------

    def show_stop(self, index: int, *, scroll: ScrollTarget = "turn") -> None:
        """Show the state at ``stops[index]``, changing only what differs."""
        tl = self.timeline
        if tl is None or not self.stops:
            return
        self._stop_replay()
        with self._timeline_lock:
            if self.stops[-1].entry_end > len(tl.entries):  # the log was re-read meanwhile
                self.stops = compute_stops(tl)
            index = max(0, min(index, len(self.stops) - 1))
            self.stop_index = index
            stop = self.stops[index]
            state = tl.state_at_entry(stop.entry_end)
        self.state = state
        self._sync_history(state, stop.entry_end, self._current_from(stop, state), scroll)
        self._show_turn_bar()
        if self.inspector.display:
            self._load_raw_lines()

    def _current_from(self, stop: Stop, state: RestoredState) -> int:
        tl = self.timeline
        assert tl is not None
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

    def _sync_history(
        self, state: RestoredState, entries_applied: int, current_from: int, scroll: ScrollTarget
    ) -> None:
        tl = self.timeline
        assert tl is not None
        self.history.sync(
            state.history,
            sources=self.sources.sources_at(entries_applied),
            index=self.sources,
            current_from=current_from,
            inherited_len=tl.inherited_len if tl.start is not None else 0,
            scroll=scroll,
        )
        self._update_search_status()

    def _turn_info(self) -> TurnInfo:
        tl = self.timeline
        stop = self.stop
        if tl is None or stop is None:
            return TurnInfo(0, 0)
        usage_here = None
        k = bisect.bisect_left(self._usage_at, stop.entry_end)
        if self._replay_state is not None:
            k = bisect.bisect_left(self._usage_at, self._replay_pos)
        if k > 0:
            usage_here = self._usage[k - 1]
        replay = None
        if self._replay_state is not None:
            mark = "▶" if self.replaying else "⏸ paused"
            replay = f"{mark} {self.speed}× · entry {self._replay_pos}/{len(tl.entries)}"
        base = TurnInfo(
            turn_count=stop.turn_count,
            max_turn=max_turn_count(tl),
            kind=stop.kind,
            speed=self.speed,
            replay=replay,
            usage=self._usage,
            usage_here=usage_here,
        )
        if stop.kind == "turn" and stop.turn_index is not None:
            turn = tl.turns[stop.turn_index]
            outcome = turn_outcome(tl, turn)
            text = None
            if outcome.error is not None:
                text = f"errored: {one_line(outcome.error, 200)}"
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

    def _show_turn_bar(self) -> None:
        with self._timeline_lock:
            info = self._turn_info()
        self.turn_bar.show(info)

    # --- stepping ---------------------------------------------------------------------------

    def _step_to(self, index: int) -> None:
        mid_replay = self._replay_state is not None
        self._stop_replay()
        if self.timeline is None or not self.stops:
            return
        index = max(0, min(index, len(self.stops) - 1))
        if index != self.stop_index or mid_replay:
            self.show_stop(index, scroll="turn")
        else:
            self.history.scroll_to_current()

    def action_next_turn(self) -> None:
        self._step_to(self.stop_index + 1)

    def action_previous_turn(self) -> None:
        self._step_to(self.stop_index - 1)

    def action_first_turn(self) -> None:
        self._step_to(0)

    def action_last_turn(self) -> None:
        self._step_to(last_turn_stop(self.stops))

    def action_go_to_turn(self) -> None:
        tl = self.timeline
        if tl is None:
            return
        if self.replaying:
            self._hold_replay()
        counts = [t.turn_count for t in tl.turns]

        def chosen(turn_count: int | None) -> None:
            if turn_count is None:
                return
            index = stop_for_turn_count(self.stops, turn_count)
            if index is not None:
                self._step_to(index)

        self.push_screen(GoToTurnScreen(counts, self.turn_count), chosen)

    # --- fork here --------------------------------------------------------------------------

    def action_fork_here(self) -> None:
        if self._replay_state is not None:  # settle on the turn the replay reached
            self.show_stop(self.stop_index, scroll="none")
        tl, stop, state = self.timeline, self.stop, self.state
        if tl is None or stop is None or state is None:
            return
        at = stop.turn_count
        items = len(state.history)
        if stop.kind == "tail":
            turn = tl.last_turn
            items = turn.history_len_after if turn is not None else tl.inherited_len
            self.notify(
                f"forking after turn {at}: the unfinished turn is not included",
                severity="warning",
            )
        store = tl.store
        source = tl.segment_id
        entries = list(tl.entries) if tl.problems else None

        def fork() -> str:
            return fork_at(store, source, at, entries=entries)  # type: ignore[arg-type]

        def done(new_id: str | None) -> None:
            if new_id is not None:
                self.notify(f"forked {self._short(source)} after turn {at} → {new_id}")
                self._after_fork(new_id)

        self.push_screen(ForkDialog(source=source, turn_count=at, items=items, fork=fork), done)

    @work(thread=True, exclusive=True, group="lineage")
    def _after_fork(self, new_id: str) -> None:
        lineage = self.lineage
        if lineage is None:
            return
        with self._lineage_lock:
            change = lineage.refresh()
            node = lineage.get(new_id)
            if node is not None:
                lineage.load_details(node)
            forest = snapshot(lineage, with_details=True)
        self.post_message(ForestChanged(forest, added=tuple(change.added)))
        self.call_from_thread(self.open_segment, new_id)

    # --- replay -----------------------------------------------------------------------------

    def action_toggle_replay(self) -> None:
        """Play from the current position (or resume a paused replay); pause when playing."""
        if self.replaying:
            self._hold_replay()
            return
        tl, stop = self.timeline, self.stop
        if tl is None or stop is None or self.state is None:
            return
        if self._replay_state is None:
            if not shows_more_after(tl, stop.entry_end):
                self.notify("at the end of the segment: replaying from the start", timeout=3)
                self.show_stop(0, scroll="turn")
                stop = self.stops[0]
                assert self.state is not None
            self._replay_state = self.state.copy()
            self._replay_pos = stop.entry_end
        self.replaying = True
        self._show_turn_bar()
        self._schedule_replay()

    def _next_delay(self) -> float:
        tl = self.timeline
        assert tl is not None
        return replay_delay(tl.entries, self._replay_pos, self.speed) * self.replay_time_scale

    def _schedule_replay(self) -> None:
        tl = self.timeline
        if tl is None or not self.replaying:
            return
        if self._replay_pos >= len(tl.entries):
            self._finish_replay()
            return
        delay = max(self._next_delay(), MIN_TIMER)
        self._replay_timer = self.set_timer(delay, self._replay_step, name="replay")

    def _replay_step(self) -> None:
        """Reveal the next entry: apply it to the replay state and show only what it added.

        Entries that follow within a frame are revealed together (a screen cannot show them
        apart), but a step always ends at a ``turn_end`` so every turn is shown.
        """
        tl, state = self.timeline, self._replay_state
        if tl is None or state is None or not self.replaying:
            return
        while self._replay_pos < len(tl.entries):
            entry = tl.entries[self._replay_pos]
            apply_entry(state, entry)
            self._replay_pos += 1
            if isinstance(entry, TurnEnd):
                for i, stop in enumerate(self.stops):
                    if stop.kind == "turn" and stop.entry_end == self._replay_pos:
                        self.stop_index = i
                        break
                break
            if self._replay_pos < len(tl.entries) and self._next_delay() >= FRAME_SECONDS:
                break
        stop = self.stops[self.stop_index]
        if stop.kind == "turn" and stop.entry_end == self._replay_pos:
            current_from = self._current_from(stop, state)
        else:
            current_from = self._replay_turn_start()
        self.state = state
        self._sync_history(state, self._replay_pos, current_from, "end")
        self._show_turn_bar()
        self._schedule_replay()

    def _replay_turn_start(self) -> int:
        """History length at the last ``turn_end`` the replay passed (its turn in progress)."""
        tl = self.timeline
        assert tl is not None
        best = tl.inherited_len
        for turn in tl.turns:
            if turn.end_entry < self._replay_pos:
                best = turn.history_len_after
            else:
                break
        return best

    def _finish_replay(self) -> None:
        self._stop_replay()
        self.show_stop(len(self.stops) - 1, scroll="none")
        self.notify(f"replay finished at {self.position_text}", timeout=3)

    def _hold_replay(self) -> None:
        """Pause: keep showing what was revealed; ``p`` resumes from there."""
        self.replaying = False
        if self._replay_timer is not None:
            self._replay_timer.stop()
            self._replay_timer = None
        self._show_turn_bar()

    def _stop_replay(self) -> None:
        """End a replay (playing or paused); the caller shows a stop."""
        self.replaying = False
        if self._replay_timer is not None:
            self._replay_timer.stop()
            self._replay_timer = None
        self._replay_state = None

    @property
    def replay_position(self) -> int | None:
        """Entries revealed by a playing or paused replay (None when there is none)."""
        return self._replay_pos if self._replay_state is not None else None

    def action_replay_faster(self) -> None:
        self.speed = faster(self.speed)
        self._show_turn_bar()

    def action_replay_slower(self) -> None:
        self.speed = slower(self.speed)
        self._show_turn_bar()

    # --- search -----------------------------------------------------------------------------

    def action_search(self) -> None:
        def done(query: str | None) -> None:
            if query is None:
                self._apply_search("")
            else:
                self._apply_search(query)

        self.push_screen(SearchScreen(self.search_query), done)

    @on(SearchChanged)
    def _search_changed(self, message: SearchChanged) -> None:
        self._apply_search(message.query)
        if isinstance(self.screen, SearchScreen):
            self.screen.set_status(self.search_status)

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
        status = self.query_one("#search-status", Static)
        hl = self.history.highlight
        status.display = bool(hl.query)
        if hl.query:
            status.update(
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
        inspector = self.inspector
        inspector.display = not inspector.display
        if inspector.display:
            self._load_raw_lines()

    def _load_raw_lines(self) -> None:
        tl, stop = self.timeline, self.stop
        if tl is None or stop is None:
            return
        a, b = inspector_range(tl, stop)
        self.inspector.show_loading(self._inspector_title(a, b))
        self._read_raw(tl, a, b)

    def _inspector_title(self, a: int, b: int) -> str:
        n = b - a
        return f"raw entries of {self.position_text}: {n} line{'s' * (n != 1)} (r to close)"

    @work(thread=True, exclusive=True, group="raw")
    def _read_raw(self, tl: Timeline, a: int, b: int) -> None:
        with self._timeline_lock:
            offsets = tl.offsets[a:b]
            numbers = tl.lines[a:b]
        try:
            lines = tl.store.read_raw_lines(tl.segment_id, offsets)
        except StoreError as exc:
            lines = [f"cannot read: {exc}".encode()]
            numbers = [0]
        self.post_message(RawLinesLoaded(tl.segment_id, a, numbers, lines))

    @on(RawLinesLoaded)
    def _raw_loaded(self, message: RawLinesLoaded) -> None:
        if message.segment_id != self.segment_id or self.stop is None or self.timeline is None:
            return
        a, b = inspector_range(self.timeline, self.stop)
        if a != message.first_entry:
            return
        self.inspector.show_lines(self._inspector_title(a, b), message.line_numbers, message.lines)

    # --- parent, export, help ---------------------------------------------------------------

    def action_open_parent(self) -> None:
        tl = self.timeline
        if tl is None:
            return
        origin = tl.origin
        if origin is None:
            self.notify("this segment has no parent (no forked_from / compacted_from)")
            return
        if not self._in_store(origin.segment_id):
            self.notify(f"the parent {origin.segment_id} is not in this store", severity="warning")
            return
        self.open_segment(origin.segment_id, origin.at_turn_index)

    def action_export_markdown(self) -> None:
        tl, state = self.timeline, self.state
        if tl is None or state is None or self.stop is None:
            return
        ctx = ExportContext(
            store=self.store_label,
            segment_id=tl.segment_id,
            position=self.position_text,
            origin=tl.origin,
            origin_kind=tl.origin_kind,
            inherited_len=tl.inherited_len,
        )
        entries_applied = self.stop.entry_end
        with self._timeline_lock:
            sources = list(self.sources.sources_at(entries_applied))
        text = state_to_markdown(state, ctx, sources, self.sources)
        stem = f"segview-{self._short(tl.segment_id)}-turn-{self.turn_count}"
        self._write_export(text, stem)

    @work(thread=True, exclusive=True, group="export")
    def _write_export(self, text: str, stem: str) -> None:
        try:
            directory = export_directory(self.store_path)
            try:
                path = write_export(text, directory, stem)
            except OSError:
                import tempfile

                path = write_export(text, Path(tempfile.gettempdir()), stem)
        except OSError as exc:
            self.call_from_thread(
                self.notify, f"export failed: {exc}", severity="error", timeout=10
            )
            return
        self.last_export = path
        self.call_from_thread(self.notify, f"exported {self.position_text} to {path}", timeout=8)

    def action_focus_tree(self) -> None:
        self.ancestry.focus()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # --- live store -------------------------------------------------------------------------

    def check_store(self) -> None:
        """Refresh the lineage and the open timeline from disk (the watcher calls this)."""
        self._poll()

    def _poll(self) -> None:
        try:
            lineage = self.lineage
            if lineage is not None:
                with self._lineage_lock:
                    change = lineage.refresh()
                    forest = None
                    if change.changed:
                        for seg in change.added + change.grown:
                            node = lineage.get(seg)
                            if node is not None:
                                lineage.load_details(node)
                        forest = snapshot(lineage, with_details=True)
                if forest is not None:
                    self.post_message(ForestChanged(forest, added=tuple(change.added)))
            tl = self.timeline
            if tl is not None:
                with self._timeline_lock:
                    before = (len(tl.entries), tl.generation)
                    tl.refresh()
                    after = (len(tl.entries), tl.generation)
                if after != before:
                    self.post_message(TimelineGrew(tl.segment_id, after[0] - before[0]))
        except Exception:  # the watcher must keep running; the next tick tries again
            log.exception("refreshing the store")

    @on(TimelineGrew)
    def _timeline_grew(self, message: TimelineGrew) -> None:
        tl = self.timeline
        if tl is None or message.segment_id != tl.segment_id:
            return
        old_stops = self.stops
        old_index = self.stop_index
        with self._timeline_lock:
            if tl.generation != self._timeline_generation:  # the file was replaced
                self._timeline_generation = tl.generation
                self.sources = ItemSources()
                self.history.reset()
            self.sources.update(tl.entries)
            self.stops = compute_stops(tl)
            self._index_usage()
        self._update_problems()
        self._update_header()
        if self._replay_state is not None:  # a replay reads new entries as it reaches them
            self._show_turn_bar()
            return
        was_last_turn = old_stops and old_index == last_turn_stop(old_stops)
        was_tail = old_stops and old_stops[old_index].kind == "tail"
        if was_tail:
            self.show_stop(len(self.stops) - 1, scroll="end")
        elif was_last_turn:
            new_index = last_turn_stop(self.stops)
            moved = new_index != old_index
            self.show_stop(new_index, scroll="turn" if moved else "none")
        else:
            self.show_stop(min(old_index, len(self.stops) - 1), scroll="none")


__all__ = ["SegviewApp"]
