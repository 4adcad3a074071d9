"""The conversation pane: the open segment's turn bar, history, search status, raw inspector and
problems, and the stepping, replay, search and export that act on it.

The pane renders what its cursor and replay player (``segview.browse``) return; the main screen
hands it a loaded timeline and routes keys to it. What the stylesheet shows or hides follows the
pane's reactive flags (``-inspector``, ``-problems``, ``-loading``, ``-inherited``, ``-searching``,
``-noted``). The user's notes show on the history items they name and in a notes bar; the turn
bar shows the tokens of the turn and of the branch so far.
"""

from __future__ import annotations

import gc
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import var
from textual.timer import Timer
from textual.widgets import ProgressBar, Static

from segview.app import logtext
from segview.app.export import ExportContext, export_file, state_to_markdown
from segview.app.external import external_command, run_external
from segview.app.messages import RawLinesLoaded
from segview.app.screens.goto_turn import GoToTurnScreen
from segview.app.screens.search import SearchScreen
from segview.browse.annotations import NotePlacement, TurnTokens, place_notes, turn_tokens
from segview.browse.cursor import Position, ScrollTarget, SegmentCursor, TurnInfo
from segview.browse.player import ReplayPlayer
from segview.browse.session import StoreSession
from segview.cost import Priced, SegmentUsage, Tokens, segment_usage
from segview.notes import NotesBook
from segview.search import Hit, Query, search_entries
from segview.share.html import replay_page
from segview.store import StoreError
from segview.store.codec import describe_config
from segview.store.version import FormatVersion
from segview.text import one_line, plural
from segview.timeline import Timeline

from ..panels.entry_inspector import EntryInspector
from ..panels.problems_panel import ProblemsPanel
from .history_view import HistoryView
from .turn_bar import TurnBar

MIN_TIMER = 0.001  # Textual timers need a positive delay
INFO_PROMPT_CHARS = 4000  # the info panel shows this much of a system prompt
EMPTY_HELP = """\
There is no segment log in {store}.

segview reads the agent runtime's segment logs: one {{id}}.jsonl file per
conversation, in a flat directory, in session directories, or in the
runtime's data directory (~/.local/share/yoi: sessions/, runtime/workers/).

  segview PATH      open another store
  segview --demo    try the demo store
  ?                 every key          q   quit

Segments that appear here while segview runs are shown at once."""


class ConversationPane(Vertical):
    """The open segment at the current stop."""

    show_inspector: var[bool] = var(False)
    show_problems: var[bool] = var(False)
    loading: var[bool] = var(False)
    inherited: var[bool] = var(False)
    searching: var[bool] = var(False)
    show_info: var[bool] = var(False)
    empty: var[bool] = var(False)
    noted: var[bool] = var(False)

    def __init__(self, session: StoreSession, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session = session
        self.cursor: SegmentCursor | None = None
        self.player = ReplayPlayer()
        self.search_query = ""
        self.search_after_load: str | None = None  # a query to apply once a segment is shown
        self.segment_hits: list[Hit] | None = None  # every turn's matches (None: searching)
        self.store_label = str(session.path)
        self.last_export: Path | None = None
        self.load_progress: tuple[int, int] | None = None  # (bytes read, total) of a big load
        self._replay_timer: Timer | None = None
        self._search_screen: SearchScreen | None = None
        # the user's notes (set by the screen), and tokens with their cost
        self.notes = NotesBook()
        self.placement = NotePlacement({}, (), None)
        self.priced: Priced | None = None
        self._inherited: dict[str, tuple[Tokens, bool]] = {}
        self._usage: tuple[tuple[int, int, int], SegmentUsage] | None = None

    def compose(self) -> ComposeResult:
        yield TurnBar(id="turn-bar")
        yield Static("", id="info")
        yield ProgressBar(id="load-progress", show_eta=False)
        yield Static("", id="inherited-note")
        yield Static("", id="notes-bar")
        yield HistoryView(id="history")
        yield Static("", id="empty")
        yield Static("", id="search-status")
        yield EntryInspector(id="inspector")
        yield ProblemsPanel(id="problems")

    def watch_show_inspector(self, value: bool) -> None:
        self.set_class(value, "-inspector")

    def watch_show_problems(self, value: bool) -> None:
        self.set_class(value, "-problems")

    def watch_loading(self, value: bool) -> None:
        self.set_class(value, "-loading")

    def watch_inherited(self, value: bool) -> None:
        self.set_class(value, "-inherited")

    def watch_searching(self, value: bool) -> None:
        self.set_class(value, "-searching")

    def watch_empty(self, value: bool) -> None:
        self.set_class(value, "-empty")

    def watch_show_info(self, value: bool) -> None:
        self.set_class(value, "-info")
        if value:
            self._update_info()

    def _update_info(self) -> None:
        """The segment's session, version, origin, file, system prompt and configuration at
        the position shown."""
        cursor = self.cursor
        if cursor is None or not self.show_info:
            return
        tl, state = cursor.timeline, cursor.state
        text = Text()

        def row(name: str, value: str, style: str = "") -> None:
            text.append(f"{name:>14}  ", style="bold")
            text.append_text(logtext.line(value, 400, style=style))
            text.append("\n")

        row("segment", tl.segment_id)
        session = state.session_id if state is not None else None
        row("session", session or "—")
        how = "inferred" if tl.version_asked is FormatVersion.AUTO else "chosen"
        choose = "ctrl+p: Replay as format version"
        row("format", f"{tl.format_version.value} version ({how}; {choose})")
        if tl.origin is not None:
            row(
                tl.origin_kind or "origin",
                f"{tl.origin.segment_id} after turn {tl.origin.at_turn_index}",
            )
        row("file", str(tl.store.path_for(tl.segment_id)))
        row(
            "entries",
            f"{plural(len(tl.entries), 'entry', 'entries')} · {plural(len(tl.turns), 'turn')}",
        )
        if state is not None:
            shown = " · ".join(f"{k}={v}" for k, v in describe_config(state.config))
            row("config", shown or "defaults")
            prompt = state.system_prompt
            text.append(f"{'system prompt':>14}  ", style="bold")
            if prompt:
                clipped = prompt if len(prompt) <= INFO_PROMPT_CHARS else prompt[:INFO_PROMPT_CHARS]
                text.append_text(logtext.text(clipped))
                if len(prompt) > INFO_PROMPT_CHARS:
                    text.append(
                        f"\n… {len(prompt) - INFO_PROMPT_CHARS:,} more characters", style="dim"
                    )
            else:
                text.append("(none)", style="dim")
        self.query_one("#info", Static).update(text)

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

    def watch_noted(self, value: bool) -> None:
        self.set_class(value, "-noted")

    # --- the widgets ------------------------------------------------------------------------

    @property
    def history(self) -> HistoryView:
        return self.query_one("#history", HistoryView)

    @property
    def turn_bar(self) -> TurnBar:
        return self.query_one("#turn-bar", TurnBar)

    @property
    def inspector(self) -> EntryInspector:
        return self.query_one("#inspector", EntryInspector)

    @property
    def position_text(self) -> str:
        return self.turn_bar.position

    # --- loading ----------------------------------------------------------------------------

    def begin_loading(self, segment_id: str) -> None:
        self.stop_replay()
        self.turn_bar.show(TurnInfo(0, 0, loading=f"loading {segment_id[:13]}…"))

    def show_empty(self, message: str) -> None:
        """No segment to show: say why and what to do, in place of the history."""
        self.turn_bar.show(TurnInfo(0, 0, kind="none", loading=message))
        self.query_one("#empty", Static).update(Text(EMPTY_HELP.format(store=self.store_label)))
        self.empty = True

    def progress(self, done: int, total: int) -> None:
        self.load_progress = (done, total)
        self.loading = True
        self.query_one("#load-progress", ProgressBar).update(total=total, progress=done)

    def failed(self) -> None:
        self.loading = False

    def loaded(self, timeline: Timeline, turn_count: int | None) -> bool:
        """Show a freshly loaded segment at ``turn_count`` (None: its last turn); False when
        it has no such turn (its last turn is shown)."""
        self.loading = False
        self.empty = False
        cursor = self.cursor = SegmentCursor(timeline)
        # A big log is millions of objects that live as long as it is open: the cyclic
        # collector walking them all stalls the app for a second at a time, so they (and
        # what is alive now) are moved out of its reach; reference counting still frees them.
        gc.freeze()
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

    def update_problems(self) -> None:
        cursor = self.cursor
        if cursor is None:
            self.show_problems = False
            return
        tl = cursor.timeline
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
        path = str(tl.store.path_for(tl.segment_id))
        panel.show_problems(
            path,
            list(tl.problems),
            notes,
            omitted_damage=tl.damage_omitted,
            omitted_notes=tl.problems_omitted - tl.damage_omitted,
        )
        self.show_problems = bool(tl.problems or notes)

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
        tl = cursor.timeline
        key = (id(tl), tl.generation, len(tl.entries))
        if self._usage is None or self._usage[0] != key:
            self._usage = (key, segment_usage(tl.entries))
        inherited, partial = self._inherited.get(tl.segment_id, (Tokens(), False))
        return turn_tokens(
            cursor.stop, self._usage[1], inherited, partial=partial, priced=self.priced
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

    # --- search -----------------------------------------------------------------------------

    def search(self) -> None:
        def done(query: str | None) -> None:
            self._search_screen = None
            self._apply_search(query or "")

        def changed(query: str) -> str:
            self._apply_search(query)
            return self.search_status

        self._search_screen = SearchScreen(self.search_query, changed)
        self.app.push_screen(self._search_screen, done)

    @on(HistoryView.SearchProgress)
    def _search_progress(self, message: HistoryView.SearchProgress) -> None:
        """A search through a long history went on: say how far (here and in the search
        line, if it is still open)."""
        self._update_search_status()
        screen = self._search_screen
        if screen is not None and screen.is_attached:
            screen.set_status(self.search_status)

    def clear_search(self) -> None:
        if self.search_query:
            self._apply_search("")

    def _apply_search(self, query: str) -> None:
        self.search_query = query
        self.history.search(query)
        self.segment_hits = None
        if query and self.cursor is not None:
            self._search_segment(self.cursor, query)
        self._update_search_status()

    @work(thread=True, exclusive=True, group="segment-search")
    def _search_segment(self, cursor: SegmentCursor, query: str) -> None:
        """Where else in the segment the query is: the turns that show a matching item."""
        tl = cursor.timeline
        with cursor.lock:
            entries = list(tl.entries)
        hits = search_entries(tl.segment_id, entries, Query(query), version=tl.format_version)
        self.app.call_from_thread(self._segment_searched, cursor, query, hits)

    def _segment_searched(self, cursor: SegmentCursor, query: str, hits: list[Hit]) -> None:
        if cursor is self.cursor and query == self.search_query:
            self.segment_hits = hits
            self._update_search_status()

    def _hit_stops(self) -> list[int]:
        """The stops (indices) whose turn adds an item that matches, in order."""
        cursor, hits = self.cursor, self.segment_hits
        if cursor is None or not hits:
            return []
        stops: set[int] = set()
        for hit in hits:
            if hit.turn is None:
                stops.add(len(cursor.stops) - 1)
            elif (index := cursor.index_for_turn(hit.turn)) is not None:
                stops.add(index)
        return sorted(stops)

    @property
    def search_status(self) -> str:
        hl = self.history.highlight
        if not hl.query:
            return ""
        if not hl.done:
            here = (
                f"searching… {hl.searched:,} / {hl.total:,} items here, {len(hl.matches):,} found"
            )
        elif hl.matches:
            here = f"match {hl.current + 1} / {len(hl.matches)} here"
        else:
            here = f"no match for “{one_line(hl.query, 60)}” here"
        hits = self.segment_hits
        if hits is None:
            return here + " · searching every turn…"
        turns = len(self._hit_stops())
        return f"{here} · {len(hits):,} in the segment, in {turns:,} turn{'s' * (turns != 1)}"

    def _update_search_status(self) -> None:
        hl = self.history.highlight
        self.searching = bool(hl.query)
        if hl.query:
            self.query_one("#search-status", Static).update(
                Text(f"search “{one_line(hl.query)}”: {self.search_status}   (n next, N previous)")
            )

    def next_match(self, delta: int) -> None:
        """The next (``delta`` > 0) or previous match in the history shown; past the last one,
        on to the next turn that has one. (The history shown holds every earlier turn's items,
        so going back never needs another turn; both directions wrap around.)"""
        cursor = self.cursor
        if not self.search_query:
            self.notify("no search: press / first")
            return
        hl = self.history.highlight
        at_end = not hl.matches or hl.current >= len(hl.matches) - 1
        later = [i for i in self._hit_stops() if cursor is not None and i > cursor.index]
        if delta > 0 and at_end and later:
            self.show_stop(later[0], scroll="turn")
            self.history.search(self.search_query)
        elif delta > 0:
            self.history.next_match()
        else:
            self.history.previous_match()
        self._update_search_status()

    # --- raw inspector ----------------------------------------------------------------------

    def toggle_inspector(self) -> None:
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
        if cursor is None or message.segment_id != cursor.segment_id:
            return
        a, b = cursor.inspector_range()
        if a == message.first_entry:
            title = self._inspector_title(a, b)
            self.inspector.show_lines(title, message.line_numbers, message.lines)

    # --- export -----------------------------------------------------------------------------

    def markdown(self, *, turn_only: bool = False) -> str | None:
        """The conversation shown (or only what this turn added) as Markdown."""
        cursor = self.cursor
        if cursor is None or cursor.state is None:
            return None
        tl = cursor.timeline
        ctx = ExportContext(
            store=self.store_label,
            segment_id=tl.segment_id,
            position=self.position_text,
            origin=tl.origin,
            origin_kind=tl.origin_kind,
            inherited_len=tl.inherited_len,
            label=self.placement.label,
            item_notes=self.placement.by_item,
            notes=self.placement.loose,
        )
        sources = list(cursor.sources_at(cursor.stop.entry_end))
        start = cursor.current_from(cursor.stop, cursor.state) if turn_only else 0
        return state_to_markdown(cursor.state, ctx, sources, cursor.sources, items_from=start)

    def export_markdown(self) -> None:
        cursor, text = self.cursor, self.markdown()
        if cursor is None or text is None:
            return
        stem = f"segview-{self.session.short(cursor.segment_id)}-turn-{cursor.turn_count}"
        self._write_export(text, stem)

    def copy(self, *, turn_only: bool) -> None:
        """Copy the conversation shown (or this turn's items) to the clipboard as Markdown."""
        text = self.markdown(turn_only=turn_only)
        if text is None:
            return
        self.app.copy_to_clipboard(text)
        what = "this turn" if turn_only else f"the conversation at {self.position_text}"
        lines = text.count("\n")
        self.notify(f"copied {what} ({lines:,} lines of Markdown) to the clipboard", timeout=4)

    def open_externally(self, *, editor: bool) -> None:
        """The conversation shown, as Markdown, in ``$PAGER`` (or ``$EDITOR``); the app is
        suspended meanwhile. The file is a private temporary one, removed afterwards."""
        text = self.markdown()
        if text is None:
            return
        command = external_command(editor=editor)
        try:
            run_external(self.app, command, text)
        except OSError as exc:
            self.notify(f"cannot run {command[0]}: {exc.strerror or exc}", severity="error")

    def export_html(self) -> None:
        """Write the replay page of the open segment from its root up to the turn shown."""
        cursor = self.cursor
        if cursor is None:
            return
        until = None if cursor.index == len(cursor.stops) - 1 else cursor.turn_count
        stem = f"segview-{self.session.short(cursor.segment_id)}-turn-{cursor.turn_count}"
        self._write_html_export(cursor.segment_id, until, stem)

    @work(thread=True, exclusive=True, group="export")
    def _write_html_export(self, segment_id: str, until: int | None, stem: str) -> None:
        try:
            text = replay_page(self.session.path, segment_id, until, self.store_label)
        except (StoreError, LookupError, ValueError) as exc:
            self.app.call_from_thread(
                self.app.notify, f"export failed: {exc}", severity="error", timeout=10
            )
            return
        self._write_file(text, stem, ".html")

    @work(thread=True, exclusive=True, group="export")
    def _write_export(self, text: str, stem: str) -> None:
        self._write_file(text, stem, ".md")

    def _write_file(self, text: str, stem: str, suffix: str) -> None:
        """Write an export (on a worker thread) and say where it went."""
        try:
            exported = export_file(text, self.session.path, stem, suffix)
        except OSError as exc:
            self.app.call_from_thread(
                self.app.notify, f"export failed: {exc}", severity="error", timeout=10
            )
            return
        self.last_export = path = exported.path
        if exported.fallback is not None:
            message = f"{exported.fallback}: exported {self.position_text} to {path}"
            self.app.call_from_thread(self.app.notify, message, severity="warning", timeout=15)
            return
        self.app.call_from_thread(
            self.app.notify, f"exported {self.position_text} to {path}", timeout=8
        )
