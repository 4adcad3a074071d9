"""What the history view shows: the items at the current turn, drawn as units (a tool call with
its result inside), which of them the current turn added, which are inherited, expanded or
hidden, and the notes on them; the questions tests and the pane ask about it. ``HistoryView``
builds on it (``history_drawing``, ``history_scrolling``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual.scroll_view import ScrollView

from segview.browse.shown import HistoryUnits

from . import items as draw
from .history_layout import Layout
from .history_search import HistorySearch
from .items import ItemInfo

if TYPE_CHECKING:
    from segview.browse.sources import ItemSource, ItemSources

CONTEXT = 30  # units before the current turn searched for a call still waiting on its result


class HistoryState(ScrollView):
    """The history shown, its units and the marks on them."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._items: Sequence[Any] = ()
        self._n = 0  # items shown
        self._units = HistoryUnits()
        self._own_units = True  # built here (no cursor gave them)
        self._cut_seen = 0  # how many of the units' cuts this view has taken into account
        self._count = 0  # units shown
        self._current_from = 0
        self._inherited_len = 0
        self._sources: Sequence[ItemSource] = ()
        self._index: ItemSources | None = None
        self._notes: dict[int, tuple[str, ...]] = {}
        self._expanded: set[int] = set()  # item indices
        self._hidden: frozenset[str] = frozenset()  # kinds drawn as a stub: reasoning, tool
        self._layout = Layout()  # the units rendered, their heights and positions
        self._search = HistorySearch()  # the search's query and matches

    # --- what is shown ----------------------------------------------------------------------

    @property
    def items(self) -> Sequence[Any]:
        """The history shown."""
        items = self._items
        return items if len(items) == self._n else items[: self._n]

    @property
    def current_from(self) -> int:
        return self._current_from

    def units(self) -> list[int]:
        """The indices of the items drawn on their own (a tool result inside its call is not)."""
        return list(self._units.units[: self._count])

    def unit_of(self, index: int) -> int | None:
        """The unit drawing item ``index`` (a tool result: its call's), or None."""
        if not 0 <= index < self._n:
            return None
        call = self._units.call_of(index)
        if call is not None:
            index = call
        u = bisect_left(self._units.units, index)
        return u if u < self._count and self._units.units[u] == index else None

    def visible_items(self) -> list[int]:
        """The indices of the items with a line on screen, top to bottom."""
        height = self.scrollable_content_region.height
        if not self._count or height <= 0:
            return []
        y = round(self.scroll_y)
        first = self._unit_at(y)
        out = []
        for u in range(first, self._count):
            if self._layout.top(u) >= y + height:
                break
            out.append(self._units.units[u])
        return out

    def search_text(self, index: int) -> str:
        """What a search looks at in the unit drawing item ``index``."""
        u = self.unit_of(index)
        if u is None:
            return ""
        i = self._units.units[u]
        return draw.search_text(self._items[i], self._result_item(i))

    def marks(self, index: int) -> frozenset[str]:
        """How the unit drawing item ``index`` is marked: ``current``, ``inherited``,
        ``error``, ``search-hit``, ``search-current``, ``expanded``, ``hidden``."""
        u = self.unit_of(index)
        if u is None:
            return frozenset()
        i = self._units.units[u]
        marks = set()
        if self._is_current(i):
            marks.add("current")
        if i < self._inherited_len:
            marks.add("inherited")
        if draw.is_error(self._items[i], self._result_item(i)):
            marks.add("error")
        if i in self._expanded:
            marks.add("expanded")
        if self._is_hidden(i):
            marks.add("hidden")
        hit = self._search.state(u)
        if hit is not None:
            marks.add(hit)
        return frozenset(marks)

    def notes_of(self, index: int) -> tuple[str, ...]:
        u = self.unit_of(index)
        return () if u is None else self._notes_for(self._units.units[u])

    def rendered(self) -> dict[int, int]:
        """Item index -> an identity of its current rendering, for every unit rendered and
        kept (a unit rendered again gets a new one)."""
        drawn = self._layout.drawn
        return {self._units.units[u]: id(d) for u, d in drawn.items() if u < self._count}

    def is_expanded(self, index: int) -> bool:
        u = self.unit_of(index)
        return u is not None and self._units.units[u] in self._expanded

    def first_current_unit(self) -> int | None:
        """The first unit the current turn added to (or whose result it added)."""
        first = self._units.count(self._current_from)
        for u in range(max(0, first - CONTEXT), min(first, self._count)):
            if self._is_current(self._units.units[u]):
                return u
        return first if first < self._count else None

    def first_current_index(self) -> int | None:
        u = self.first_current_unit()
        return None if u is None else self._units.units[u]

    # --- each item --------------------------------------------------------------------------

    def _is_hidden(self, i: int) -> bool:
        return (
            bool(self._hidden)
            and i not in self._expanded
            and draw.item_kind(self._items[i]) in self._hidden
        )

    def _notes_for(self, i: int) -> tuple[str, ...]:
        """Notes on item ``i``, and on the result drawn inside it when it is a tool call."""
        notes = self._notes.get(i, ())
        r = self._result(i)
        return notes + self._notes.get(r, ()) if r is not None else notes

    def _result(self, i: int) -> int | None:
        return self._units.result(i, self._n)

    def _result_item(self, i: int) -> Any:
        r = self._result(i)
        return self._items[r] if r is not None else None

    def _is_current(self, i: int) -> bool:
        if i >= self._current_from:
            return True
        r = self._result(i)
        return r is not None and r >= self._current_from

    def _info(self, i: int) -> ItemInfo:
        inherited = i < self._inherited_len
        notes = self._notes_for(i)
        if self._index is None or i >= len(self._sources):
            return ItemInfo(inherited=inherited, notes=notes)
        src = self._sources[i]
        return ItemInfo(
            ts=None if self._index.is_seed(src) else self._index.ts(src),
            system_item=self._index.system_item(src),
            segments=self._index.user_segments(src),
            inherited=inherited,
            notes=notes,
        )

    # --- positions --------------------------------------------------------------------------

    def _unit_at(self, y: int) -> int:
        """The unit holding line ``y`` (clamped to the units shown)."""
        return self._layout.unit_at(y, self._count)

    def _total(self) -> int:
        return self._layout.top(self._count)
