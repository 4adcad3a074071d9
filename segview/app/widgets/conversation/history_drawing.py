"""How the history view draws: each unit rendered to lines at the view's width (kept while what
decides its look stays: width, theme, expanded, hidden, search query, current, notes), and
each line on screen framed with a margin, a left border and a tint that say what the item is
(inherited, failed, a search match, added by the current turn). Only the lines on screen are
rendered (Textual's line API). ``HistoryView`` builds on it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Offset, Region, Size
from textual.strip import Strip

from segview.app import keymap
from segview.app.themes import code_theme

from . import items as draw
from .history_layout import Drawn
from .history_state import HistoryState
from .items import Look
from .stubs import stub

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


class HistoryDrawing(HistoryState):
    """The units rendered and framed, a line at a time."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *(f"history--{part}" for part in draw.PARTS),
        *(f"history--tint-{tint}" for tint in TINTS),
        *(f"history--border-{border}" for border in BORDERS),
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._look: Look | None = None
        self._width = 0  # the text width the drawn units were rendered at
        # while a frame is drawn: the view's style, the frame styles of units, the last unit
        self._base: Style | None = None
        self._framing: dict[int, tuple[Style, Style, str]] = {}
        self._span = (0, 0, 0)  # (unit, its first line, one past its last)

    # --- the lines of items -----------------------------------------------------------------

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

    def item_offset(self, index: int) -> Offset | None:
        """Where the first line of item ``index`` is, within the view (None: not on screen)."""
        u = self.unit_of(index)
        if u is None:
            return None
        y = self._layout.top(u) + 1 - round(self.scroll_y)
        if not 0 <= y < self.scrollable_content_region.height:
            return None
        return Offset(LEFT - 1, y) + self.scrollable_content_region.offset - self.region.offset

    # --- rendering units --------------------------------------------------------------------

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
            self._layout.drawn.clear()

    def _draw(self, u: int) -> Drawn:
        """Unit ``u`` rendered as it must look now (from the cache when it still does)."""
        assert self._look is not None
        i = self._units.units[u]
        item = self._items[i]
        expanded = i in self._expanded
        current = self._is_current(i)
        info = self._info(i)
        r = self._result(i)
        result = self._items[r] if r is not None else None
        hit = self._search.state(u) is not None
        hidden = self._is_hidden(i)
        head_key = (current, expanded, info.notes, hidden)
        body_key = (expanded, self._search.query if hit else "", r, hidden)
        drawn = self._layout.drawn.get(u)
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
            drawn = Drawn(head_key, head, body_key, body)
            self._layout.keep(u, drawn)
        else:
            self._layout.reuse(u)
        return drawn

    def _render_strips(self, renderable: RenderableType) -> list[Strip]:
        console = self.app.console
        options = console.options.update(width=self._width, height=None, highlight=False)
        lines = console.render_lines(renderable, options, pad=False, new_lines=False)
        return [Strip(line) for line in lines]

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

    def _update_virtual_size(self) -> None:
        size = Size(self.scrollable_content_region.width, self._total())
        if size != self.virtual_size:
            self.virtual_size = size

    def _ready(self) -> bool:
        return self.is_mounted and self.scrollable_content_region.height > 0

    def _drawn_with_size(self) -> None:
        """Called as the view is drawn; ``HistoryScrolling`` runs a scroll that waited for
        a size here too, in case the size came without a ``Resize`` it saw."""

    # --- the lines on screen ----------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        self._drawn_with_size()
        if self._ready() and self._count:
            self._check_look()
            y = round(self.scroll_y)
            u = self._unit_at(y)
            # units above are measured before a scroll settles (``_relayout``): measuring
            # them here would move what is on screen while it is drawn
            self._measure_around(u, y - self._layout.top(u), above=False)
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
            top = self._layout.top(u)
            self._span = (u, top, top + self._layout.height(u))
        row = line - top
        if row == 0:
            return Strip.blank(width, base)  # the blank line above an item
        drawn = self._layout.drawn.get(u) or self._draw(u)
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
        hit = self._search.state(u)
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
        if self._search.state(u) == "search-current":
            return self._style("history--border-search")
        if draw.is_error(item, self._result_item(i)):
            return self._style("history--border-error")
        if self._is_current(i):
            return self._style("history--border-current")
        if i < self._inherited_len:
            return self._style("history--border-inherited")
        return self._style(f"history--border-{draw.item_kind(item)}")

    def _thick(self, u: int, i: int) -> bool:
        return self._search.state(u) == "search-current" or self._is_current(i)
