"""The raw entry inspector: the JSON lines of the current turn, as they are in the file.

A turn can hold tens of thousands of lines: the lines are one scrolling view that draws only
the rows on screen (``ScrollView`` + ``render_line``). What a line wraps to is known from its
length alone; a line is decoded, escaped and highlighted when a row of it is first drawn, in
the colours of the view's component classes (``raw--*``; drawn again when they change).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Mapping
from itertools import accumulate
from typing import ClassVar

from rich.highlighter import JSONHighlighter
from rich.style import Style
from rich.text import Span, Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from segview.app.styling import span_style
from segview.text import safe

MAX_LINE_CHARS = 4000  # a segment_start carrying a long history is cut for display
CACHED_LINES = 256  # lines kept laid out (the rows on screen come from a few of them)

_json = JSONHighlighter()

# The parts of a raw line (the line number, and what Rich's JSON highlighter finds), each with
# a component class of ``RawLines`` (``raw--<part>``).
PARTS: dict[str, str] = {
    "number": "line-number",
    "json.key": "json-key",
    "json.str": "json-string",
    "json.number": "json-number",
    "json.bool_true": "json-literal",
    "json.bool_false": "json-literal",
    "json.null": "json-literal",
    "json.brace": "json-brace",
}


def _shown(raw: bytes) -> tuple[str, str]:
    """What is drawn of one raw line: its escaped text cut at ``MAX_LINE_CHARS``, and the
    note of what was cut ("" if nothing)."""
    text = safe(raw.decode("utf-8", errors="replace"))
    cut = len(text) - MAX_LINE_CHARS
    if cut > 0:
        return text[:MAX_LINE_CHARS], f" … ({cut} more characters)"
    return text, ""


def line_text(raw: bytes, look: Mapping[str, Style] | None = None) -> Text:
    """One raw line as text: escaped, cut at ``MAX_LINE_CHARS``, highlighted in the styles
    ``look`` gives each part (``PARTS``; without it, not highlighted)."""
    text, note = _shown(raw)
    line = Text(text)
    if look:
        _json.highlight(line)
        line.spans = [
            Span(span.start, span.end, look.get(str(span.style), Style())) for span in line.spans
        ]
    if note:
        line.append(note, style="italic dim")
    return line


def raw_line_rows(
    number: int, raw: bytes, width: int, number_width: int, look: Mapping[str, Style] | None = None
) -> list[Text]:
    """One raw line as display rows of ``width`` cells: ``L12 {"kind":...`` cut anywhere
    (JSON has no good break points), continuation rows indented under the text; ``look`` as
    for ``line_text``."""
    line = line_text(raw, look)
    prefix = f"L{number:<{number_width}} "
    room = max(8, width - len(prefix))
    offsets = list(range(room, len(line), room))
    number_style = (look or {}).get("number", Style())
    rows = []
    for i, chunk in enumerate(line.divide(offsets)):
        row = Text(no_wrap=True)
        row.append(prefix if i == 0 else " " * len(prefix), style=number_style)
        row.append_text(chunk)
        rows.append(row)
    return rows


def _row_count(raw: bytes, room: int) -> int:
    """How many rows ``raw`` wraps to in ``room`` characters (as ``raw_line_rows`` cuts it),
    without highlighting it."""
    text, note = _shown(raw)
    return max(1, -(-(len(text) + len(note)) // room))


class RawLines(ScrollView, can_focus=True):
    """The lines, wrapped at any character, drawn a row at a time."""

    DEFAULT_CSS = "RawLines { height: 1fr; }"
    COMPONENT_CLASSES: ClassVar[set[str]] = {f"raw--{name}" for name in PARTS.values()}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.line_numbers: list[int] = []
        self.lines: list[bytes] = []
        self.message: Text | None = None
        self._width = 0
        self._starts: list[int] = [0]  # the first row of each line, then the row count
        self._cache: OrderedDict[int, list[Strip]] = OrderedDict()
        self._look: dict[str, Style] = {}  # what the cached lines were drawn with

    def set_lines(self, line_numbers: list[int], lines: list[bytes], message: Text | None) -> None:
        self.line_numbers, self.lines, self.message = line_numbers, lines, message
        self._width = 0  # laid out again at the next draw
        self._layout(self.scrollable_content_region.width or 80)
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    @property
    def _number_width(self) -> int:
        return len(str(max(self.line_numbers))) if self.line_numbers else 1

    def _layout(self, width: int) -> None:
        if width == self._width:
            return
        self._width = width
        self._cache.clear()
        if self.message is not None or not self.lines:
            self._starts = [0, 1]
        else:
            room = max(8, width - self._number_width - 2)
            counts = (_row_count(raw, room) for raw in self.lines)
            self._starts = [0, *accumulate(counts)]
        self.virtual_size = Size(width, self._starts[-1])

    def _line_strips(self, index: int) -> list[Strip]:
        strips = self._cache.get(index)
        if strips is not None:
            self._cache.move_to_end(index)
            return strips
        rows = raw_line_rows(
            self.line_numbers[index], self.lines[index], self._width, self._number_width, self._look
        )
        strips = [self._strip(row) for row in rows]
        self._cache[index] = strips
        if len(self._cache) > CACHED_LINES:
            self._cache.popitem(last=False)
        return strips

    def _strip(self, text: Text) -> Strip:
        console = self.app.console
        options = console.options.update(width=max(1, self._width), height=None)
        lines = console.render_lines(text, options, pad=False, new_lines=False)
        return Strip(lines[0]) if lines else Strip([])

    def on_resize(self) -> None:
        self._layout(self.scrollable_content_region.width)

    def _check_look(self) -> None:
        """Draw the lines again when the theme changed their colours."""
        look = {part: span_style(self, f"raw--{name}") for part, name in PARTS.items()}
        if look != self._look:
            self._look = look
            self._cache.clear()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        self._layout(width)
        self._check_look()
        row = self.scroll_offset.y + y
        if row >= self._starts[-1]:
            return Strip.blank(width, self.rich_style)
        if self.message is not None or not self.lines:
            if row > 0:
                return Strip.blank(width, self.rich_style)
            strip = self._strip(self.message or Text("(no entries)", style="dim"))
            return strip.crop(0, width).extend_cell_length(width).apply_style(self.rich_style)
        index = bisect_right(self._starts, row) - 1
        strips = self._line_strips(index)
        at = row - self._starts[index]
        strip = strips[at] if at < len(strips) else Strip.blank(width)
        scroll_x = self.scroll_offset.x
        strip = strip.crop(scroll_x, scroll_x + width).extend_cell_length(width)
        return strip.apply_style(self.rich_style)


class EntryInspector(Vertical):
    """Shows raw lines; the app loads them in a worker and calls ``show_lines``."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title_text = ""
        self.line_numbers: list[int] = []
        self.lines: list[bytes] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="inspector-title")
        yield RawLines(id="inspector-lines")

    def show_loading(self, title: str) -> None:
        self.title_text = title
        self.line_numbers, self.lines = [], []
        self.query_one("#inspector-title", Static).update(Text(title, style="bold"))
        self.query_one(RawLines).set_lines([], [], Text("reading…", style="italic dim"))

    def show_lines(self, title: str, line_numbers: list[int], lines: list[bytes]) -> None:
        self.title_text = title
        self.line_numbers, self.lines = list(line_numbers), list(lines)
        self.query_one("#inspector-title", Static).update(Text(title, style="bold"))
        self.query_one(RawLines).set_lines(self.line_numbers, self.lines, None)
