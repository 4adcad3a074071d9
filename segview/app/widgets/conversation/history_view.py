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

Styles come from the component classes below (``history--*``), which the stylesheet fills
with theme variables; Markdown code and JSON follow the theme's darkness.
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right, insort
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from rich.console import Group, RenderableType
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.geometry import Offset, Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from segview.app import keymap
from segview.app.themes import code_theme
from segview.browse.cursor import HistoryUnits
from segview.browse.sources import ItemSource, ItemSources
from segview.store import ReasoningItem

from . import items as draw
from .items import ItemInfo, Look
from .stubs import stub

ScrollTarget = Literal["turn", "end", "top", "none"]

ESTIMATE = 8  # lines an item not rendered yet is taken to need (with its margin)
CACHED_UNITS = 800  # rendered items kept
CONTEXT = 30  # units before the current turn searched for a call still waiting on its result
SEARCH_SLICE = 0.01  # seconds of searching at a time (a long history: then other events)
SEARCH_PAUSE = 0.005  # between two slices
LEFT = 4  # cells left of an item's text: margin, border, padding (and one right of it)

TINTS = ("inherited", "error", "search-hit", "search-current")
HIDE_ACTIONS = {"reasoning": "toggle_reasoning", "tool": "toggle_tool_output"}  # what shows a kind
BORDERS = (
    "user",
    "assistant",
    "system",
    "tool",
    "reasoning",
    "unknown",
    "error",
    "inherited",
    "current",
    "search",
)


@dataclass(frozen=True, slots=True)
class Highlight:
    query: str
    matches: tuple[int, ...]  # item indices (tool results drawn inside their calls excluded)
    current: int  # position in matches, -1 if none
    searched: int = 0  # items looked at so far (a long history is searched a slice at a time)
    total: int = 0  # items to look at

    @property
    def done(self) -> bool:
        return self.searched >= self.total


@dataclass(slots=True)
class _Drawn:
    """One unit rendered: what it was rendered from, and its lines (framed: with margin,
    border and padding, for the frame styles of ``frame_key``)."""

    head_key: tuple[Any, ...]
    head: list[Strip]
    body_key: tuple[Any, ...]
    body: list[Strip]
    frame_key: tuple[Any, ...] = ()
    framed: dict[int, Strip] = field(default_factory=dict)

    @property
    def height(self) -> int:
        return 1 + len(self.head) + len(self.body)  # a blank line above each item


class HistoryView(ScrollView, can_focus=True):
    """The history at the current turn; focusable (home / end go to the first / last turn)."""

    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings("conversation")
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *(f"history--{part}" for part in draw.PARTS),
        *(f"history--tint-{tint}" for tint in TINTS),
        *(f"history--border-{border}" for border in BORDERS),
    }

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
        # rendering
        self._look: Look | None = None
        self._width = 0  # the text width the drawn units were rendered at
        self._drawn: OrderedDict[int, _Drawn] = OrderedDict()  # by unit
        self._heights: dict[int, int] = {}  # unit -> lines (its last rendering)
        self._measured: list[int] = []  # the units in _heights, ascending
        self._deltas: list[int] = [0]  # running sum of (height - ESTIMATE) over _measured
        self._deltas_valid = 0  # how much of _deltas is up to date
        self._pending: ScrollTarget | int | None = None  # a scroll waiting for a size
        self._adjusting = False  # the view is scrolling itself
        self._at_end = False  # the last line is on screen (a change of size keeps it there)
        # while a frame is drawn: the view's style, the frame styles of units, the last unit
        self._base: Style | None = None
        self._framing: dict[int, tuple[Style, Style, str]] = {}
        self._span = (0, 0, 0)  # (unit, its first line, one past its last)
        # search
        self._query = ""
        self._scan_timer: Timer | None = None
        self._own_hits: list[int] = []  # units whose own text holds the query, ascending
        self._result_hits: list[int] = []  # units (calls) where only the result holds it
        self._hits_scanned = 0  # units looked at for the query
        self._matches: list[int] = []  # units
        self._match_pos = -1

    # --- what is shown ----------------------------------------------------------------------

    @property
    def items(self) -> Sequence[Any]:
        """The history shown."""
        items = self._items
        return items if len(items) == self._n else items[: self._n]

    @property
    def current_from(self) -> int:
        return self._current_from

    @property
    def settled(self) -> bool:
        """No scroll is waiting for the view to be laid out."""
        return self._pending is None

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
            if self._top(u) >= y + height:
                break
            out.append(self._units.units[u])
        return out

    def item_lines(self, index: int) -> list[str]:
        """The text of the lines item ``index`` is drawn with (rendered now if need be)."""
        u = self.unit_of(index)
        if u is None or self._look is None:
            return []
        drawn = self._draw(u)
        return [strip.text for strip in (*drawn.head, *drawn.body)]

    def visible_lines(self) -> list[str]:
        """The text of the lines on screen, top to bottom."""
        height = self.scrollable_content_region.height
        return [self.render_line(y).text for y in range(height)]

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
        hit = self._hit_state(u)
        if hit is not None:
            marks.add(hit)
        return frozenset(marks)

    def notes_of(self, index: int) -> tuple[str, ...]:
        u = self.unit_of(index)
        return () if u is None else self._notes_for(self._units.units[u])

    def item_offset(self, index: int) -> Offset | None:
        """Where the first line of item ``index`` is, within the view (None: not on screen)."""
        u = self.unit_of(index)
        if u is None:
            return None
        y = self._top(u) + 1 - round(self.scroll_y)
        if not 0 <= y < self.scrollable_content_region.height:
            return None
        return Offset(LEFT - 1, y) + self.scrollable_content_region.offset - self.region.offset

    def rendered(self) -> dict[int, int]:
        """Item index -> an identity of its current rendering, for every unit rendered and
        kept (a unit rendered again gets a new one)."""
        return {self._units.units[u]: id(d) for u, d in self._drawn.items() if u < self._count}

    def is_expanded(self, index: int) -> bool:
        u = self.unit_of(index)
        return u is not None and self._units.units[u] in self._expanded

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
        self._forget_drawn()
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
                self._forget_drawn()
            units = self._units
            units.take(items)
        elif units is not self._units:
            self._units = units
            self._own_units = False
            self._cut_seen = len(units.cuts)
            self._forget_drawn()
            self._expanded.clear()
            self._reset_search_state()
            anchor = None
        if len(units.cuts) > self._cut_seen:  # a tail was read again: what it drew is stale
            cut = units.count(min(units.cuts[self._cut_seen :]))
            self._forget_drawn_from(cut)
            del self._own_hits[bisect_left(self._own_hits, cut) :]
            del self._result_hits[bisect_left(self._result_hits, cut) :]
            self._hits_scanned = min(self._hits_scanned, cut)
            self._cut_seen = len(units.cuts)
        self._items = items
        self._n = len(items)
        self._count = units.count(self._n)
        self._sources = sources
        self._index = index
        self._current_from = min(current_from, self._n)
        self._inherited_len = inherited_len
        if self._query:
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

    def _is_hidden(self, i: int) -> bool:
        return (
            bool(self._hidden)
            and i not in self._expanded
            and draw.item_kind(self._items[i]) in self._hidden
        )

    def set_notes(self, notes: dict[int, tuple[str, ...]]) -> None:
        """The user's notes by item index (shown in the heads of their items)."""
        self._notes = notes
        self._relayout(self._anchor())

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

    # --- rendering units --------------------------------------------------------------------

    def _forget_drawn(self) -> None:
        self._drawn.clear()
        self._heights.clear()
        self._measured.clear()
        self._deltas = [0]
        self._deltas_valid = 0

    def _forget_drawn_from(self, u: int) -> None:
        for k in [k for k in self._drawn if k >= u]:
            del self._drawn[k]
        for k in [k for k in self._heights if k >= u]:
            del self._heights[k]
        cut = bisect_left(self._measured, u)
        del self._measured[cut:]
        self._deltas_valid = min(self._deltas_valid, cut)

    def _text_width(self) -> int:
        return max(1, self.scrollable_content_region.width - LEFT)

    def _current_look(self) -> Look:
        styles = {}
        for part in draw.PARTS:
            name = f"history--{part}"
            full = self.get_component_rich_style(name)
            if self.get_component_styles(name).has_rule("background"):
                styles[part] = full
            else:  # a span: its colour and text style over whatever the item's background is
                styles[part] = draw.without_background(full)
        return Look(styles, code_theme(self.app.current_theme))

    def _check_look(self) -> None:
        """Start over when the width or the theme changed what rendered units look like."""
        look = self._current_look()
        width = self._text_width()
        if look != self._look or width != self._width:
            self._look = look
            self._width = width
            self._drawn.clear()

    def _draw(self, u: int) -> _Drawn:
        """Unit ``u`` rendered as it must look now (from the cache when it still does)."""
        assert self._look is not None
        i = self._units.units[u]
        item = self._items[i]
        expanded = i in self._expanded
        current = self._is_current(i)
        info = self._info(i)
        r = self._result(i)
        result = self._items[r] if r is not None else None
        hit = self._hit_state(u) is not None
        hidden = self._is_hidden(i)
        head_key = (current, expanded, info.notes, hidden)
        body_key = (expanded, self._query if hit else "", r, hidden)
        drawn = self._drawn.get(u)
        if drawn is None or drawn.head_key != head_key or drawn.body_key != body_key:
            look = self._look
            if drawn is None or drawn.head_key != head_key:
                if hidden:
                    table = getattr(self.app, "key_table", keymap.KEYS)  # as remapped
                    key = keymap.spec_for(HIDE_ACTIONS[draw.item_kind(item)], table).display
                    line = stub(
                        item, info, result, current=current, key=key, width=self._width, look=look
                    )
                else:
                    line = draw.head(
                        item, info, result, current=current, expanded=expanded, look=look
                    )
                head = self._render_strips(line)
            else:
                head = drawn.head
            if drawn is None or drawn.body_key != body_key:
                parts = (
                    []
                    if hidden
                    else draw.body(
                        item, info, result, expanded=expanded, query=body_key[1], look=look
                    )
                )
                body = self._render_strips(Group(*parts)) if parts else []
            else:
                body = drawn.body
            drawn = _Drawn(head_key, head, body_key, body)
            self._drawn[u] = drawn
            while len(self._drawn) > CACHED_UNITS:
                self._drawn.popitem(last=False)
        else:
            self._drawn.move_to_end(u)
        self._set_height(u, drawn.height)
        return drawn

    def _render_strips(self, renderable: RenderableType) -> list[Strip]:
        console = self.app.console
        options = console.options.update(width=self._width, height=None, highlight=False)
        lines = console.render_lines(renderable, options, pad=False, new_lines=False)
        return [Strip(line) for line in lines]

    # --- heights and positions --------------------------------------------------------------

    def _set_height(self, u: int, height: int) -> None:
        old = self._heights.get(u)
        if old == height:
            return
        self._heights[u] = height
        k = bisect_left(self._measured, u)
        if old is None:
            insort(self._measured, u)
        self._deltas_valid = min(self._deltas_valid, k)

    def _delta_before(self, u: int) -> int:
        """The sum of (height - ESTIMATE) over the measured units before ``u``."""
        k = bisect_left(self._measured, u)
        if self._deltas_valid < k:
            deltas, measured, heights = self._deltas, self._measured, self._heights
            del deltas[self._deltas_valid + 1 :]
            total = deltas[-1]
            for j in range(self._deltas_valid, len(measured)):
                total += heights[measured[j]] - ESTIMATE
                deltas.append(total)
            self._deltas_valid = len(measured)
        return self._deltas[k]

    def _top(self, u: int) -> int:
        """The first line of unit ``u`` (its blank line above)."""
        return u * ESTIMATE + self._delta_before(u)

    def _height(self, u: int) -> int:
        return self._heights.get(u, ESTIMATE)

    def _unit_at(self, y: int) -> int:
        """The unit holding line ``y`` (clamped to the units shown)."""
        if self._count == 0:
            return 0
        u = bisect_right(range(self._count), y, key=self._top) - 1
        return max(0, min(u, self._count - 1))

    def _total(self) -> int:
        return self._top(self._count)

    def _update_virtual_size(self) -> None:
        size = Size(self.scrollable_content_region.width, self._total())
        if size != self.virtual_size:
            self.virtual_size = size

    # --- keeping what is on screen ----------------------------------------------------------

    def _ready(self) -> bool:
        return self.is_mounted and self.scrollable_content_region.height > 0

    def _anchor(self) -> tuple[int, int] | None:
        """The unit at the top of the screen and how far into it the screen starts."""
        if not self._count:
            return None
        y = round(self.scroll_y)
        u = self._unit_at(y)
        return u, y - self._top(u)

    def _relayout(self, anchor: tuple[int, int] | None, *, follow_end: bool = True) -> None:
        """Render what is (or comes) on screen and keep ``anchor`` where it was; a view
        showing the last line keeps showing it (unless ``follow_end`` is off)."""
        if not self._ready():
            self._update_virtual_size()
            self.refresh()
            return
        self._check_look()
        if follow_end and self._at_end and self._count:
            self._scroll_end()
            return
        if anchor is None or anchor[0] >= self._count:
            anchor = self._anchor()
        if anchor is None:
            self._update_virtual_size()
            self.refresh()
            return
        u, offset = anchor
        self._measure_around(u, offset)
        offset = min(offset, self._height(u) - 1)
        self._scroll_to_line(self._top(u) + offset)

    def _measure_around(self, u: int, offset: int = 0, *, above: bool = True) -> None:
        """Render the units from ``u`` down a screen and a half, and a screen above it."""
        height = self.scrollable_content_region.height
        filled = -offset
        k = u
        while k < self._count and filled < height * 3 // 2:
            filled += self._draw(k).height
            k += 1
        filled = 0
        k = u - 1
        while above and k >= 0 and filled < height:
            filled += self._draw(k).height
            k -= 1

    def _scroll_to_line(self, y: int) -> None:
        self._update_virtual_size()
        self._adjusting = True
        try:
            self.scroll_to(y=y, animate=False, immediate=True, force=True)
        finally:
            self._adjusting = False
        self._note_end()
        self.refresh()

    def _note_end(self) -> None:
        self._at_end = self.scroll_y >= self.max_scroll_y

    # keys scroll without an animation: the view moves its own scroll position when items
    # above it get measured, which an animation would overwrite at its next frame

    def action_scroll_up(self) -> None:
        self.scroll_to(y=round(self.scroll_y) - 1, animate=False)

    def action_scroll_down(self) -> None:
        self.scroll_to(y=round(self.scroll_y) + 1, animate=False)

    def action_page_up(self) -> None:
        page = self.scrollable_content_region.height
        self.scroll_to(y=round(self.scroll_y) - page, animate=False)

    def action_page_down(self) -> None:
        page = self.scrollable_content_region.height
        self.scroll_to(y=round(self.scroll_y) + page, animate=False)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if not self._adjusting and self._ready() and self._count:
            self._relayout(self._anchor(), follow_end=False)
            self._note_end()

    def on_resize(self, event: events.Resize) -> None:
        if self._pending is not None:
            self._request_scroll(self._pending)
        else:
            self._relayout(self._anchor())

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self._look is not None and self.is_mounted:
            self.call_later(self._restyle)

    def _restyle(self) -> None:
        self._relayout(self._anchor())
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._ready() and self._count:
            self._check_look()
            y = round(self.scroll_y)
            u = self._unit_at(y)
            # units above are measured before a scroll settles (``_relayout``): measuring
            # them here would move what is on screen while it is drawn
            self._measure_around(u, y - self._top(u), above=False)
            self._update_virtual_size()
        self._framing = {}
        self._base = self.rich_style
        self._span = (0, 0, 0)
        try:
            return super().render_lines(crop)
        finally:
            self._base = None

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self._base or self.rich_style
        line = round(self.scroll_y) + y
        if not self._count or self._look is None or line >= self._total():
            return Strip.blank(width, base)
        u, top, bottom = self._span
        if not top <= line < bottom or self._base is None:
            u = self._unit_at(line)
            top = self._top(u)
            self._span = (u, top, top + self._height(u))
        row = line - top
        if row == 0:
            return Strip.blank(width, base)  # the blank line above an item
        drawn = self._drawn.get(u) or self._draw(u)
        tint, border, char = self._frame_styles(u, base)
        key = (tint, border, char, width)
        if drawn.frame_key != key:
            drawn.frame_key = key
            drawn.framed = {}
        strip = drawn.framed.get(row)
        if strip is None:
            k = row - 1
            head = drawn.head
            if k < len(head):
                content = head[k]
            elif k - len(head) < len(drawn.body):
                content = drawn.body[k - len(head)]
            else:
                content = Strip([])
            text = content.crop_extend(0, self._width, tint).apply_style(tint)
            right = max(0, width - LEFT + 1 - self._width)
            segments = [Segment(" ", base), Segment(char, border), Segment(" ", tint)]
            segments.extend(text)
            segments.append(Segment(" " * right, tint))
            strip = drawn.framed[row] = Strip(segments, 3 + self._width + right).crop(0, width)
        return strip

    def _frame_styles(self, u: int, base: Style) -> tuple[Style, Style, str]:
        """How unit ``u`` is framed: the style of its lines (a tint for inherited, failed or
        matching items), of its left border, and the border's character (thick for what the
        current turn added and for the current match)."""
        framing = self._framing.get(u)
        if framing is None:
            i = self._units.units[u]
            item = self._items[i]
            tint = base + self._tint(u, i, item)
            border = tint + Style(color=self._border(u, i, item).color)
            char = "█" if self._thick(u, i) else "▎"
            framing = self._framing[u] = (tint, border, char)
        return framing

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name)

    def _tint(self, u: int, i: int, item: Any) -> Style:
        hit = self._hit_state(u)
        if hit == "search-current":
            return self._style("history--tint-search-current")
        if hit == "search-hit":
            return self._style("history--tint-search-hit")
        if draw.is_error(item, self._result_item(i)):
            return self._style("history--tint-error")
        if i < self._inherited_len:
            return self._style("history--tint-inherited")
        return Style()

    def _border(self, u: int, i: int, item: Any) -> Style:
        if self._hit_state(u) == "search-current":
            return self._style("history--border-search")
        if draw.is_error(item, self._result_item(i)):
            return self._style("history--border-error")
        if self._is_current(i):
            return self._style("history--border-current")
        if i < self._inherited_len:
            return self._style("history--border-inherited")
        return self._style(f"history--border-{draw.item_kind(item)}")

    def _thick(self, u: int, i: int) -> bool:
        return self._hit_state(u) == "search-current" or self._is_current(i)

    # --- scrolling --------------------------------------------------------------------------

    def _request_scroll(self, target: ScrollTarget | int) -> None:
        """Scroll to ``target`` (a unit: to its top) now, or once the view has a size."""
        if not self._ready():
            self._pending = target
            return
        self._pending = None
        self._check_look()
        if not self._count:
            self._scroll_to_line(0)
            return
        if target == "turn":
            first = self.first_current_unit()
            target = first if first is not None else "end"
        if target == "end":
            self._scroll_end()
        elif target in ("top", "none"):
            self._measure_around(0)
            self._scroll_to_line(0)
        else:
            assert isinstance(target, int)
            self._measure_around(target)
            top = self._top(target)
            if top > self._total() - self.scrollable_content_region.height:
                self._scroll_end()  # too near the end to be at the top: show the end
            else:
                self._scroll_to_line(top)

    def _scroll_end(self) -> None:
        height = self.scrollable_content_region.height
        filled = 0
        u = self._count - 1
        while u >= 0 and filled < height * 2:
            filled += self._draw(u).height
            u -= 1
        self._scroll_to_line(self._total())  # as far as it goes

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

    def scroll_to_current(self) -> None:
        self._request_scroll("turn")

    def scroll_to_item(self, index: int) -> None:
        """Scroll the unit drawing item ``index`` to the top."""
        u = self.unit_of(index)
        if u is not None:
            self._request_scroll(u)

    # --- clicks -----------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self._count:
            return
        line = round(self.scroll_y) + offset.y
        if line >= self._total():
            return
        u = self._unit_at(line)
        row = line - self._top(u)
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
        return Highlight(
            self._query,
            tuple(self._units.units[u] for u in self._matches),
            self._match_pos,
            min(self._hits_scanned, self._count),
            self._count,
        )

    def _reset_search_state(self) -> None:
        self._own_hits = []
        self._result_hits = []
        self._hits_scanned = 0
        self._matches = []
        self._match_pos = -1
        if self._scan_timer is not None:
            self._scan_timer.stop()
            self._scan_timer = None

    def search(self, query: str) -> Highlight:
        """Highlight every item containing ``query`` (case-insensitive) and go to the first
        from the current turn on. A long history is searched a slice at a time between
        other events (``SearchProgress`` says how far it got), so typing stays live."""
        if query != self._query:
            self._query = query
            self._reset_search_state()
        self._match_pos = -1
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
        if self._matches:
            self.goto_match(self._first_match_from_current())
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
        """Look for the query in the units not looked at yet, for about ``seconds``; True
        when every unit shown has been looked at."""
        needle = self._query.casefold()
        if not needle:
            self._hits_scanned = max(self._hits_scanned, self._count)
            return True
        units, items = self._units, self._units.items
        deadline = time.perf_counter() + seconds
        u = self._hits_scanned
        while u < self._count:
            i = units.units[u]
            if needle in draw.folded_text(items[i]):
                self._own_hits.append(u)
            else:
                r = units.result(i, len(items))
                if r is not None and needle in draw.folded_text(items[r]):
                    self._result_hits.append(u)
            u += 1
            if u % 64 == 0 and time.perf_counter() > deadline:
                break
        self._hits_scanned = max(self._hits_scanned, u)
        return u >= self._count

    def _first_match_from_current(self) -> int:
        for pos, u in enumerate(self._matches):
            if self._units.units[u] >= self._current_from:
                return pos
        return len(self._matches) - 1

    def _hit_state(self, u: int) -> str | None:
        """``search-current``, ``search-hit`` or None for unit ``u``."""
        if not self._query:
            return None
        matches = self._matches
        if 0 <= self._match_pos < len(matches) and matches[self._match_pos] == u:
            return "search-current"
        k = bisect_left(matches, u)
        return "search-hit" if k < len(matches) and matches[k] == u else None

    def _update_matches(self, *, keep_position: bool) -> None:
        """After a step: the matches in the history shown now (units are looked at once per
        query, as the items of a run never change; a call's result counts once shown)."""
        if self._scan_timer is None and not self._scan(SEARCH_SLICE):
            self._scan_later()
        self._collect_matches(keep_position=keep_position)

    def _collect_matches(self, *, keep_position: bool) -> None:
        previous = (
            self._matches[self._match_pos] if 0 <= self._match_pos < len(self._matches) else None
        )
        count = self._count
        matches = self._own_hits[: bisect_left(self._own_hits, count)]
        shown = [
            u
            for u in self._result_hits[: bisect_left(self._result_hits, count)]
            if self._result(self._units.units[u]) is not None
        ]
        if shown:
            matches = sorted(matches + shown)
        self._matches = matches
        if keep_position and previous is not None:
            k = bisect_left(matches, previous)
            if k < len(matches) and matches[k] == previous:
                self._match_pos = k
                return
        if not keep_position or self._match_pos >= len(matches):
            self._match_pos = -1 if not matches else min(max(self._match_pos, 0), len(matches) - 1)

    def goto_match(self, pos: int) -> None:
        if not self._matches:
            return
        self._match_pos = pos % len(self._matches)
        u = self._matches[self._match_pos]
        i = self._units.units[u]
        self._expanded.add(i)  # a match may be in a folded part
        self._request_scroll(u)

    def next_match(self) -> None:
        if self._matches:
            self.goto_match(self._match_pos + 1)

    def previous_match(self) -> None:
        if self._matches:
            self.goto_match(self._match_pos - 1)
