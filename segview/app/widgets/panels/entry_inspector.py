"""The raw entry inspector: the JSON lines of the current turn, as they are in the file."""

from __future__ import annotations

from rich.highlighter import JSONHighlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Static

from segview.text import safe

MAX_LINE_CHARS = 4000  # a segment_start carrying a long history is cut for display

_json = JSONHighlighter()


def raw_line_rows(number: int, raw: bytes, width: int, number_width: int) -> list[Text]:
    """One raw line as display rows of ``width`` cells: ``L12 {"kind":...`` cut anywhere
    (JSON has no good break points), continuation rows indented under the text."""
    text = safe(raw.decode("utf-8", errors="replace"))
    cut = len(text) - MAX_LINE_CHARS
    if cut > 0:
        text = text[:MAX_LINE_CHARS]
    line = Text(text)
    _json.highlight(line)
    if cut > 0:
        line.append(f" … ({cut} more characters)", style="italic dim")
    prefix = f"L{number:<{number_width}} "
    room = max(8, width - len(prefix))
    offsets = list(range(room, len(line), room))
    rows = []
    for i, chunk in enumerate(line.divide(offsets)):
        row = Text(no_wrap=True)
        row.append(prefix if i == 0 else " " * len(prefix), style="bold #5c6370")
        row.append_text(chunk)
        rows.append(row)
    return rows


class RawLines(Widget):
    """The lines, wrapped at any character (re-wrapped when the width changes)."""

    DEFAULT_CSS = "RawLines { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.line_numbers: list[int] = []
        self.lines: list[bytes] = []
        self.message: Text | None = None

    def set_lines(self, line_numbers: list[int], lines: list[bytes], message: Text | None) -> None:
        self.line_numbers, self.lines, self.message = line_numbers, lines, message
        self.refresh(layout=True)

    def _rows(self, width: int) -> list[Text]:
        if self.message is not None or not self.lines:
            return [self.message or Text("(no entries)", style="dim")]
        number_width = max(len(str(n)) for n in self.line_numbers)
        rows: list[Text] = []
        for n, raw in zip(self.line_numbers, self.lines, strict=False):
            rows.extend(raw_line_rows(n, raw, width, number_width))
        return rows

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows(width))

    def render(self) -> Text:
        return Text("\n", no_wrap=True).join(self._rows(self.content_region.width or 80))


class EntryInspector(VerticalScroll):
    """Shows raw lines; the app loads them in a worker and calls ``show_lines``."""

    can_focus = True

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
        self.scroll_home(animate=False)
