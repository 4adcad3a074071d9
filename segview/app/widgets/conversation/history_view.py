"""The history view: the conversation as the model saw it at the current turn.

One scrolling view draws the whole history, but renders only the lines on screen (Textual's
line API, like its ``Log`` widget): each item is rendered to lines at the view's width when
it first comes into view, and kept (per item, for what decides its look: width, expanded,
search query, current, notes) while it stays useful. The virtual height adds the heights of
the items rendered so far and an estimate for each of the others; an estimate corrected
above what is on screen moves the scroll position with it, so the view never jumps.

Stepping goes by the index where two histories part: the states of one run share their
items (``HistoryUnits``), so the view takes the new length and draws what the new position
changes (the new items, the "new this turn" marks, a call whose result came or went), never
comparing or copying the history. A tool call and its result are one unit; reasoning is
folded to its title until clicked; a click expands or folds an item. Reasoning and tool calls
can be hidden (``set_hidden``): each is then one line saying what is hidden and which key
shows it.

Styles come from the component classes (``history--*``), which the stylesheet fills with
theme variables; Markdown code and JSON follow the theme's darkness.

The view is built in layers: ``history_state`` (what is shown), ``history_drawing`` (units
rendered and framed), ``history_scrolling`` (scrolling, keeping what is on screen), and here
syncing, clicks and search; ``history_layout`` and ``history_search`` are the plain helpers
it owns (the renderings and positions of units, the matches of a search).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.binding import BindingType
from textual.message import Message
from textual.timer import Timer

from segview.app import keymap
from segview.browse.shown import HistoryUnits, ScrollTarget

from .history_drawing import BORDERS, HIDE_ACTIONS, LEFT, TINTS
from .history_layout import CACHED_UNITS, ESTIMATE
from .history_scrolling import HistoryScrolling
from .history_search import Highlight
from .history_state import CONTEXT

if TYPE_CHECKING:
    from segview.browse.sources import ItemSource, ItemSources

__all__ = [
    "BORDERS",
    "CACHED_UNITS",
    "CONTEXT",
    "ESTIMATE",
    "HIDE_ACTIONS",
    "LEFT",
    "SEARCH_PAUSE",
    "SEARCH_SLICE",
    "TINTS",
    "Highlight",
    "HistoryView",
    "ScrollTarget",
]

SEARCH_SLICE = 0.01  # seconds of searching at a time (a long history: then other events)
SEARCH_PAUSE = 0.005  # between two slices


class HistoryView(HistoryScrolling, can_focus=True):
    """The history at the current turn; focusable (home / end go to the first / last turn)."""

    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings("conversation")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._scan_timer: Timer | None = None  # the next slice of a long search

    # --- syncing ----------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything (another segment is being shown)."""
        self._items = ()
        self._n = 0
        self._units = HistoryUnits()
        self._own_units = True
        self._cut_seen = 0
        self._count = 0
        self._current_from = 0
        self._expanded.clear()
        self._layout.forget()
        self._reset_search_state()
        self._update_virtual_size()
        self.scroll_to(y=0, animate=False, immediate=True)
        self._at_end = False
        self.refresh()

    def sync(
        self,
        items: Sequence[Any],
        *,
        sources: Sequence[ItemSource],
        index: ItemSources | None,
        current_from: int,
        inherited_len: int,
        scroll: ScrollTarget = "turn",
        units: HistoryUnits | None = None,
    ) -> None:
        """Show ``items``. With ``units`` (the cursor's, shared by a run), the items shared
        with what is shown are known without looking at them; without, the view keeps its
        own and finds where the histories part by bisection."""
        anchor = self._anchor() if scroll == "none" else None
        if units is None:
            if not self._own_units:
                self._units = HistoryUnits()
                self._own_units = True
                self._cut_seen = 0
                self._layout.forget()
            units = self._units
            units.take(items)
        elif units is not self._units:
            self._units = units
            self._own_units = False
            self._cut_seen = len(units.cuts)
            self._layout.forget()
            self._expanded.clear()
            self._reset_search_state()
            anchor = None
        if len(units.cuts) > self._cut_seen:  # a tail was read again: what it drew is stale
            cut = units.count(min(units.cuts[self._cut_seen :]))
            self._layout.forget_from(cut)
            self._search.forget_from(cut)
            self._cut_seen = len(units.cuts)
        self._items = items
        self._n = len(items)
        self._count = units.count(self._n)
        self._sources = sources
        self._index = index
        self._current_from = min(current_from, self._n)
        self._inherited_len = inherited_len
        if self._search.query:
            self._update_matches(keep_position=True)
        self._update_virtual_size()
        if scroll == "none":
            self._pending = None
            self._relayout(anchor)
        else:
            self._request_scroll(scroll)
        self.refresh()

    def set_hidden(self, kinds: frozenset[str]) -> None:
        """Draw the items of ``kinds`` (``reasoning``; ``tool``: tool calls with their results)
        as one-line stubs; one expanded (by a click, or as a search match) shows whole."""
        if kinds != self._hidden:
            anchor = self._anchor()
            self._hidden = kinds
            self._relayout(anchor)
            self.refresh()

    def set_notes(self, notes: dict[int, tuple[str, ...]]) -> None:
        """The user's notes by item index (shown in the heads of their items)."""
        self._notes = notes
        self._relayout(self._anchor())

    def set_expanded(self, index: int, expanded: bool) -> None:
        """Expand or fold the unit drawing item ``index`` (a reasoning: unfold it)."""
        u = self.unit_of(index)
        if u is None:
            return
        i = self._units.units[u]
        if (i in self._expanded) != expanded:
            anchor = self._anchor()
            if expanded:
                self._expanded.add(i)
            else:
                self._expanded.discard(i)
            self._relayout(anchor, follow_end=False)

    # --- clicks -----------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        from segview.store import ReasoningItem  # (``segview.app``)

        offset = event.get_content_offset(self)
        if offset is None or not self._count:
            return
        line = round(self.scroll_y) + offset.y
        if line >= self._total():
            return
        u = self._unit_at(line)
        row = line - self._layout.top(u)
        if row == 0:
            return  # the blank line between items
        i = self._units.units[u]
        if isinstance(self._items[i], ReasoningItem) and row > len(self._draw(u).head):
            return  # reasoning folds from its title only
        event.stop()
        self.set_expanded(i, i not in self._expanded)

    # --- search -----------------------------------------------------------------------------

    class SearchProgress(Message):
        """A search through a long history went on (or ended): its status changed."""

    @property
    def highlight(self) -> Highlight:
        return self._search.highlight(self._units, self._count)

    def _reset_search_state(self) -> None:
        self._search.reset()
        if self._scan_timer is not None:
            self._scan_timer.stop()
            self._scan_timer = None

    def search(self, query: str) -> Highlight:
        """Highlight every item containing ``query`` (case-insensitive) and go to the first
        from the current turn on. A long history is searched a slice at a time between
        other events (``SearchProgress`` says how far it got), so typing stays live."""
        if query != self._search.query:
            self._search.query = query
            self._reset_search_state()
        self._search.pos = -1
        if self._scan(SEARCH_SLICE):
            self._collect_matches(keep_position=False)
            self._go_to_first_match()
        else:
            self._collect_matches(keep_position=False)
            self._scan_later()
        return self.highlight

    def clear_search(self) -> None:
        self.search("")

    def _go_to_first_match(self) -> None:
        if self._search.matches:
            self.goto_match(self._search.first_from(self._units, self._current_from))
        else:
            self._relayout(self._anchor())

    def _scan_later(self) -> None:
        if self._scan_timer is None:
            self._scan_timer = self.set_timer(SEARCH_PAUSE, self._scan_on)

    def _scan_on(self) -> None:
        self._scan_timer = None
        done = self._scan(SEARCH_SLICE)
        self._collect_matches(keep_position=True)
        if done:
            self._go_to_first_match()
        else:
            self._scan_later()
        self.post_message(self.SearchProgress())

    def _scan(self, seconds: float) -> bool:
        return self._search.scan(self._units, self._count, seconds)

    def _collect_matches(self, *, keep_position: bool) -> None:
        self._search.collect(self._units, self._count, self._n, keep_position=keep_position)

    def _update_matches(self, *, keep_position: bool) -> None:
        """After a step: the matches in the history shown now (units are looked at once per
        query, as the items of a run never change; a call's result counts once shown)."""
        if self._scan_timer is None and not self._scan(SEARCH_SLICE):
            self._scan_later()
        self._collect_matches(keep_position=keep_position)

    def goto_match(self, pos: int) -> None:
        matches = self._search.matches
        if not matches:
            return
        self._search.pos = pos % len(matches)
        u = matches[self._search.pos]
        i = self._units.units[u]
        self._expanded.add(i)  # a match may be in a folded part
        self._request_scroll(u)

    def next_match(self) -> None:
        if self._search.matches:
            self.goto_match(self._search.pos + 1)

    def previous_match(self) -> None:
        if self._search.matches:
            self.goto_match(self._search.pos - 1)
