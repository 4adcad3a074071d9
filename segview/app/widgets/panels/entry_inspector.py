"""The raw entry inspector: the JSON lines of the current turn, as they are in the file."""

from __future__ import annotations

from rich.highlighter import JSONHighlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

MAX_LINE_CHARS = 4000  # a segment_start carrying a long history is cut for display

_json = JSONHighlighter()


def render_lines(line_numbers: list[int], lines: list[bytes]) -> Text:
    """``L12  {"kind":...}`` for each line, JSON-highlighted, long lines cut."""
    out = Text(overflow="fold")
    width = max((len(str(n)) for n in line_numbers), default=1)
    for n, raw in zip(line_numbers, lines, strict=False):
        text = raw.decode("utf-8", errors="replace")
        cut = len(text) - MAX_LINE_CHARS
        if cut > 0:
            text = text[:MAX_LINE_CHARS]
        out.append(f"L{n:<{width}} ", style="bold #5c6370")
        line = Text(text, overflow="fold")
        _json.highlight(line)
        out.append_text(line)
        if cut > 0:
            out.append(f" … ({cut} more characters)", style="italic dim")
        out.append("\n")
    return out


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
        yield Static("", id="inspector-lines")

    def show_loading(self, title: str) -> None:
        self.title_text = title
        self.line_numbers, self.lines = [], []
        self.query_one("#inspector-title", Static).update(Text(title, style="bold"))
        self.query_one("#inspector-lines", Static).update(Text("reading…", style="italic dim"))

    def show_lines(self, title: str, line_numbers: list[int], lines: list[bytes]) -> None:
        self.title_text = title
        self.line_numbers, self.lines = list(line_numbers), list(lines)
        self.query_one("#inspector-title", Static).update(Text(title, style="bold"))
        body = render_lines(line_numbers, lines) if lines else Text("(no entries)", style="dim")
        self.query_one("#inspector-lines", Static).update(body)
        self.scroll_home(animate=False)
