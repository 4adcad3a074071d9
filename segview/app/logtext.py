"""The one door from log text to the screen.

Text from a log is data: a tool result may hold ``[@click=app.quit]`` or ``[/bold]`` copied from
a web page, a terminal escape, or a bidirectional override. Textual parses every ``str`` it is
given for a widget, a title, a notification or a palette entry as *markup*, so a ``str`` built
from log text would turn that text into styles and actions. Widgets therefore receive log text
only as Rich ``Text`` or Textual ``Content`` objects built here, which are never parsed as markup,
and whose characters have first been made safe (``segview.text``: control, bidirectional and, in
one-line text, invisible characters shown as escapes).

Markdown from a log (assistant replies) is rendered in the styles given (from the theme), without
hyperlinks (a link shows its text and
its URL, so the text cannot disguise where it points), without any character a terminal would act
on (entities such as ``&#x202e;`` are decoded by the Markdown parser after escaping, so the
rendered segments are checked too), and as plain text when it is too big for a Markdown layout to
stay responsive.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.markdown import Markdown
from rich.segment import Segment
from rich.style import Style, StyleType
from rich.text import Text
from rich.theme import Theme
from textual.content import Content
from textual.fuzzy import Matcher

from segview.text import one_line, safe

__all__ = [
    "MARKDOWN_MAX_CHARS",
    "MARKDOWN_MAX_TABLE_CELLS",
    "SafeSegments",
    "content",
    "highlighted",
    "line",
    "markdown",
    "text",
]

MARKDOWN_MAX_CHARS = 60_000  # larger replies are shown as plain text
MARKDOWN_MAX_TABLE_CELLS = 64  # a table row wider than this is shown as plain text

# Characters that must never reach the terminal from rendered Markdown: C0 (but tab and line
# feed), DEL, C1, bidirectional controls. Replaced after rendering by U+FFFD.
_RENDERED_UNSAFE = {
    c: "\ufffd"
    for c in (
        *range(0x00, 0x09),
        *range(0x0B, 0x20),
        *range(0x7F, 0xA0),
        0x061C,
        0x200E,
        0x200F,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        0x2028,
        0x2029,
    )
}
_RENDERED_UNSAFE_CHARS = frozenset(chr(c) for c in _RENDERED_UNSAFE)


def text(value: str, style: StyleType = "") -> Text:
    """Multi-line log text as ``Text`` (line breaks kept, unsafe characters escaped)."""
    return Text(safe(value), style=style)


def line(value: str, width: int | None = None, style: StyleType = "") -> Text:
    """Log text folded onto one line (cut to ``width`` with ``…``) as ``Text``."""
    return Text(one_line(value, width), style=style)


def content(value: str, width: int | None = None) -> Content:
    """Log text folded onto one line as Textual ``Content`` (for titles and labels)."""
    return Content(one_line(value, width))


def highlighted(matcher: Matcher, candidate: str) -> Content:
    """``candidate`` as literal ``Content`` with the fuzzy match of ``matcher`` highlighted.

    ``Matcher.highlight`` parses the candidate as markup, which a segment title must never be.
    """
    result = Content(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if score:
        for offset in offsets:
            if not candidate[offset].isspace():
                result = result.stylize(matcher.match_style, offset, offset + 1)
    return result


class SafeSegments:
    """Renders another renderable, replacing any character a terminal would act on; with a
    ``theme``, the renderable's named styles (``markdown.code``) are looked up in it first."""

    def __init__(self, renderable: RenderableType, theme: Theme | None = None) -> None:
        self.renderable = renderable
        self.theme = theme

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.theme is None:
            segments = console.render(self.renderable, options)
        else:
            with console.use_theme(self.theme):  # rendered whole while the theme applies
                segments = iter(list(console.render(self.renderable, options)))
        for segment in segments:
            if segment.control:
                continue  # a control segment moves the cursor: never from log text
            if _RENDERED_UNSAFE_CHARS.isdisjoint(segment.text):
                yield segment
            else:
                yield Segment(segment.text.translate(_RENDERED_UNSAFE), segment.style)


def _too_big_for_markdown(value: str) -> bool:
    if len(value) > MARKDOWN_MAX_CHARS:
        return True
    if value.count("|") <= MARKDOWN_MAX_TABLE_CELLS:
        return False
    return any(row.count("|") > MARKDOWN_MAX_TABLE_CELLS for row in value.split("\n"))


def markdown(
    value: str, *, code_theme: str = "monokai", styles: Mapping[str, Style] | None = None
) -> RenderableType:
    """Log text rendered as Markdown: no hyperlinks, no unsafe characters; plain text when the
    text is too big (or a table too wide) to lay out quickly. ``styles`` replace Rich's own
    Markdown styles (``markdown.code``, ...) by name; ``code_theme`` is the Pygments style of
    code blocks."""
    if _too_big_for_markdown(value):
        return text(value)
    rendered = Markdown(safe(value), code_theme=code_theme, hyperlinks=False)
    return SafeSegments(rendered, Theme(dict(styles)) if styles else None)
