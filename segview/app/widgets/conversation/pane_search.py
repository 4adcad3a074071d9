"""The conversation pane's search: the history shown highlights its matches, a worker finds the
turns of the segment that add a matching item, the status line says both, and ``n`` / ``N`` go
through the matches here and on to the next turn that has one. ``ConversationPane`` builds
on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.reactive import var
from textual.widgets import Static

from segview.app.screens.search import SearchScreen
from segview.text import one_line

from .history_view import HistoryView
from .pane_state import PaneState

if TYPE_CHECKING:
    from segview.browse.cursor import SegmentCursor
    from segview.browse.shown import ScrollTarget
    from segview.search import Hit


class PaneSearch(PaneState):
    """Searching the history shown and every turn of the segment."""

    searching: var[bool] = var(False)

    def watch_searching(self, value: bool) -> None:
        self.set_class(value, "-searching")

    def show_stop(self, index: int, *, scroll: ScrollTarget = "turn") -> None:
        raise NotImplementedError  # the pane shows stops

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
        from segview.search import Query, search_entries  # (``segview.app``)

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
