"""How one history item looks: user and assistant messages, tool calls with their results,
reasoning, system items.

Each item is drawn as a head line (a coloured kind label, then tags: its time, ``inherited``,
``● new this turn``, the user's notes) and a body of Rich renderables (Markdown, JSON, plain
text, chips, badges). The history view renders them to lines at its width, only for the items
on screen. Long texts are clipped by lines and by characters until the item is expanded.

No colour is written here: every style comes from a ``Look``, which the history view fills from
its component classes in the stylesheet (theme variables), Markdown's own styles (headings,
inline code, quotes, links, tables) included; the syntax theme of Markdown code blocks and JSON
follows the theme's darkness. Log text reaches a renderable only through ``logtext``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax
from rich.text import Text

from segview.app import logtext
from segview.text import format_clock, one_line, pretty_json, safe

if TYPE_CHECKING:
    from segview.store import (
        MessageItem,
        ReasoningItem,
        SystemItem,
        ToolCallItem,
        ToolResultItem,
        UserSegment,
    )

PREVIEW_LINES = 12  # long tool output and system bodies show this many lines until clicked
PREVIEW_CHARS = 3_000  # ... and at most this many characters (a whole log can be one line)
EXPANDED_CHARS = 200_000  # an expanded item shows this much; the raw inspector has the rest
MESSAGE_LINES = 400  # assistant replies are long by nature: they fold later
MESSAGE_CHARS = 40_000
ARGUMENT_LINES = 60  # pretty-printed tool-call arguments
PASTE_LINES = 6  # a pasted block in a user message

Kind = Literal["user", "assistant", "system", "tool", "reasoning", "unknown"]

# Rich's Markdown styles, each drawn as a part of the history (below)
MARKDOWN_PARTS: dict[str, str] = {
    "markdown.code": "md-code",
    "markdown.kbd": "md-kbd",
    "markdown.h1": "md-h1",
    "markdown.h2": "md-h2",
    "markdown.h3": "md-h3",
    "markdown.h4": "md-h4",
    "markdown.block_quote": "md-quote",
    "markdown.list": "md-list",
    "markdown.item.number": "md-list",
    "markdown.link": "md-link",
    "markdown.link_url": "md-link-url",
    "markdown.table.border": "md-table",
    "markdown.table.header": "md-table",
}

# The parts of an item that carry a style of their own; the history view has one component
# class per name (``history--<name>``) and the stylesheet styles them with theme variables.
PARTS: tuple[str, ...] = (
    "label-user",  # the kind labels
    "label-assistant",
    "label-system",
    "label-tool",
    "label-unknown",
    "reasoning-title",
    "tag",  # plain tags: the time, a call id
    "tag-inherited",
    "new",  # ● new this turn
    "note",  # the user's notes
    "badge",  # the kind of a system item
    "tool-name",
    "refusal",
    "result-ok",
    "result-error",
    "error-text",
    "output",  # tool output
    "paste",  # pasted text in a user message
    "chip-paste",
    "chip-file",
    "chip-knowledge",
    "chip-workflow",
    "chip-flow",
    "chip-other",
    "match",  # a search match
    "more",  # "… 20 more lines (click to expand)"
    *dict.fromkeys(MARKDOWN_PARTS.values()),  # Markdown in replies
)

_CHIPS = {
    "paste": "chip-paste",
    "file_ref": "chip-file",
    "knowledge_ref": "chip-knowledge",
    "workflow_invoke": "chip-workflow",
    "flow": "chip-flow",
}


@dataclass(frozen=True)
class Look:
    """The styles of the parts of items, and the syntax theme of code and JSON."""

    styles: Mapping[str, Style] = field(default_factory=dict)
    code_theme: str = "monokai"

    def __getitem__(self, part: str) -> Style:
        return self.styles.get(part, _NULL)

    @property
    def markdown(self) -> dict[str, Style]:
        """Rich's Markdown styles by name, as this look draws them (none: Rich's own)."""
        return {name: self.styles[p] for name, p in MARKDOWN_PARTS.items() if p in self.styles}


_NULL = Style()
PLAIN = Look()  # no styles: what tests and tools render with


@dataclass(frozen=True, slots=True)
class ItemInfo:
    """What the view knows about an item beyond the item itself (from its producing entry)."""

    ts: int | None = None
    system_item: SystemItem | None = None
    segments: list[UserSegment] | None = None
    inherited: bool = False
    notes: tuple[str, ...] = ()  # the user's notes on this item (or on the turn it starts)


def item_kind(item: Any) -> Kind:
    from segview.store.model import MessageItem, ReasoningItem, ToolCallItem, ToolResultItem

    if isinstance(item, MessageItem):
        return "user" if item.role == "user" else "system" if item.role == "system" else "assistant"
    if isinstance(item, (ToolCallItem, ToolResultItem)):
        return "tool"
    if isinstance(item, ReasoningItem):
        return "reasoning"
    return "unknown"


def is_error(item: Any, result: ToolResultItem | None) -> bool:
    """A failed tool call (its result is an error) or a failed result shown on its own."""
    from segview.store.model import ToolResultItem

    if isinstance(item, ToolResultItem):
        return item.is_error
    return result is not None and result.is_error


def folded_text(item: Any) -> str:
    """What a search looks at in one item, case-folded."""
    from segview.describe import item_text

    return item_text(item).casefold()


def search_text(item: Any, result: ToolResultItem | None = None) -> str:
    """Everything a search looks at in an item (a tool call: with its result)."""
    from segview.describe import item_text

    text = item_text(item)
    return text if result is None else text + "\n" + item_text(result)


# --- clipping -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Clipped:
    """What of a long text is shown: the text, and how much is hidden (lines, characters)."""

    shown: str
    hidden_lines: int = 0
    hidden_chars: int = 0

    def more(self, expanded: bool, look: Look = PLAIN) -> Text | None:
        """The note under a clipped text (None when nothing is hidden)."""
        if not (self.hidden_lines or self.hidden_chars):
            return None
        if expanded:
            return Text(
                f"… {self.hidden_chars:,} more characters not shown "
                "(r shows the raw entries of the turn)",
                style=look["more"],
            )
        what = (
            f"{self.hidden_lines:,} more lines"
            if self.hidden_lines
            else f"{self.hidden_chars:,} more characters"
        )
        return Text(f"… {what} (click to expand)", style=look["more"])


def _clip(
    text: str,
    expanded: bool,
    limit: int = PREVIEW_LINES,
    chars: int = PREVIEW_CHARS,
) -> Clipped:
    """``text`` cut to ``limit`` lines and ``chars`` characters (``EXPANDED_CHARS`` when
    expanded): what a screen can lay out quickly, whatever the size of the log line."""
    if expanded:
        if len(text) <= EXPANDED_CHARS:
            return Clipped(text)
        return Clipped(text[:EXPANDED_CHARS], hidden_chars=len(text) - EXPANDED_CHARS)
    head = text[: chars + 1]
    lines = head.split("\n", limit)
    if len(lines) > limit:
        shown = "\n".join(lines[:limit])
        return Clipped(shown, hidden_lines=text.count("\n") - limit + 1)
    if len(text) > chars:
        return Clipped(text[:chars], hidden_chars=len(text) - chars)
    return Clipped(text)


def _more(clipped: Clipped, expanded: bool, look: Look) -> list[RenderableType]:
    note = clipped.more(expanded, look)
    return [] if note is None else [note]


def _highlight(text: Text, query: str, look: Look) -> Text:
    if query:
        text.highlight_words([query], look["match"], case_sensitive=False)
    return text


class Transparent:
    """Another renderable without its backgrounds (JSON over the item's own background)."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for segment in console.render(self.renderable, options):
            style = segment.style
            if style is not None and style.bgcolor is not None:
                yield Segment(segment.text, without_background(style), segment.control)
            else:
                yield segment


@lru_cache(maxsize=256)
def without_background(style: Style) -> Style:
    """``style`` without its background colour."""
    return Style(
        color=style.color,
        bold=style.bold,
        dim=style.dim,
        italic=style.italic,
        underline=style.underline,
        strike=style.strike,
        reverse=style.reverse,
    )


# --- the head line ------------------------------------------------------------------------------

Tag = tuple[str, str]  # (text, part)


def _head(kind: str, part: str, tags: list[Tag], look: Look) -> Text:
    head = Text()
    head.append(f" {kind} ", style=look[part])
    for text, tag_part in tags:
        head.append("  ")
        head.append(text, style=look[tag_part])
    return head


def _tags(info: ItemInfo, current: bool) -> list[Tag]:
    tags: list[Tag] = []
    if info.ts is not None:
        tags.append((format_clock(info.ts), "tag"))
    if info.inherited:
        tags.append(("inherited", "tag-inherited"))
    if current:
        tags.append(("● new this turn", "new"))
    tags.extend(("✎ " + one_line(note, 120), "note") for note in info.notes)
    return tags


def reasoning_title(item: ReasoningItem, notes: tuple[str, ...] = ()) -> str:
    """The one line a reasoning shows while folded: its summary (or its size)."""
    summary = one_line(" · ".join(item.summary[:20]), 90) if item.summary else ""
    title = f"reasoning · {summary}" if summary else f"reasoning ({len(item.text):,} chars)"
    if item.encrypted_content and not item.text:
        title += " · encrypted"
    for note in notes:
        title += " · ✎ " + one_line(note, 120)
    return title


def head(
    item: Any,
    info: ItemInfo,
    result: ToolResultItem | None,
    *,
    current: bool,
    expanded: bool,
    look: Look = PLAIN,
) -> Text:
    """The first line of an item: its kind, then its tags (a reasoning: its folding title)."""
    from segview.describe import system_badge
    from segview.store.model import MessageItem, ReasoningItem, ToolCallItem, ToolResultItem

    tags = _tags(info, current)
    if isinstance(item, MessageItem):
        if item.role == "user":
            return _head("user", "label-user", tags, look)
        if item.role == "system":
            badge = system_badge(info.system_item) if info.system_item else "system"
            return _head(
                "system", "label-system", [(f"[{one_line(badge, 120)}]", "badge"), *tags], look
            )
        if any(getattr(p, "kind", "") == "refusal" for p in item.content):
            tags.append(("refusal", "refusal"))
        return _head("assistant", "label-assistant", tags, look)
    if isinstance(item, ToolCallItem):
        name = (one_line(item.name, 80), "tool-name")
        return _head(
            "tool call", "label-tool", [name, (one_line(item.call_id, 48), "tag"), *tags], look
        )
    if isinstance(item, ToolResultItem):
        return _head(
            "tool result", "label-tool", [(one_line(item.call_id, 48), "tag"), *tags], look
        )
    if isinstance(item, ReasoningItem):
        mark = "▼" if expanded else "▶"
        # log text: a Text is drawn as it is (never parsed as markup)
        return Text(f"{mark} {reasoning_title(item, info.notes)}", style=look["reasoning-title"])
    return _head("item", "label-unknown", tags, look)


# --- the body ---------------------------------------------------------------------------------


def body(
    item: Any,
    info: ItemInfo,
    result: ToolResultItem | None,
    *,
    expanded: bool,
    query: str,
    look: Look = PLAIN,
) -> list[RenderableType]:
    """What an item shows under its head (nothing for a folded reasoning); ``query`` is
    highlighted where it occurs."""
    from segview.describe import message_text
    from segview.store.model import MessageItem, ReasoningItem, ToolCallItem, ToolResultItem

    if isinstance(item, MessageItem):
        if item.role == "user":
            return _user_body(item, info, expanded, query, look)
        clipped = (
            _clip(message_text(item), expanded)
            if item.role == "system"
            else _clip(message_text(item), expanded, MESSAGE_LINES, MESSAGE_CHARS)
        )
        if item.role == "system":
            text = _highlight(logtext.text(clipped.shown), query, look)
            return [text, *_more(clipped, expanded, look)]
        # Markdown stays rendered while searching: the item as a whole is highlighted
        reply = logtext.markdown(clipped.shown, code_theme=look.code_theme, styles=look.markdown)
        return [reply, *_more(clipped, expanded, look)]
    if isinstance(item, ToolCallItem):
        return [
            *_arguments(item, expanded, query, look),
            *_result_parts(result, expanded, query, look),
        ]
    if isinstance(item, ToolResultItem):
        return _result_parts(item, expanded, query, look)
    if isinstance(item, ReasoningItem):
        return [_reasoning_body(item, query, look)] if expanded else []
    return [Text(safe(repr(item)))]


def _user_body(
    item: MessageItem, info: ItemInfo, expanded: bool, query: str, look: Look
) -> list[RenderableType]:
    """A user message: typed input segments as chips, then the text the model saw."""
    from segview.describe import message_text, segment_chip_text
    from segview.store.model import PasteSegment, TextSegment

    text = Text()
    segs = info.segments
    if segs and any(not isinstance(s, TextSegment) for s in segs):
        for seg in segs:
            chip = segment_chip_text(seg)
            if chip is None:
                assert isinstance(seg, TextSegment)
                text.append_text(logtext.text(seg.content))
                continue
            text.append(
                f" {one_line(chip, 200)} ",
                style=look[_CHIPS.get(getattr(seg, "kind", ""), "chip-other")],
            )
            if isinstance(seg, PasteSegment):
                clipped = _clip(seg.content, expanded, PASTE_LINES)
                text.append("\n")
                text.append_text(logtext.text(clipped.shown, style=look["paste"]))
                text.append("\n")
                if clipped.hidden_lines:
                    text.append(
                        f"… {clipped.hidden_lines:,} more pasted lines\n", style=look["more"]
                    )
                elif (more := clipped.more(expanded, look)) is not None:
                    text.append_text(more)
                    text.append("\n")
        return [_highlight(text, query, look)]
    clipped = _clip(message_text(item), expanded, MESSAGE_LINES, MESSAGE_CHARS)
    text.append_text(logtext.text(clipped.shown))
    return [_highlight(text, query, look), *_more(clipped, expanded, look)]


def _arguments(item: ToolCallItem, expanded: bool, query: str, look: Look) -> list[RenderableType]:
    """A tool call's arguments, pretty-printed (JSON colours unless searching or cut)."""
    clipped = _clip(pretty_json(item.arguments), expanded, ARGUMENT_LINES)
    args = safe(clipped.shown)
    parts: list[RenderableType] = []
    if query or clipped.hidden_chars:
        parts.append(_highlight(Text(args), query, look))
    else:
        parts.append(Transparent(Syntax(args, "json", theme=look.code_theme, word_wrap=True)))
    parts.extend(_more(clipped, expanded, look))
    return parts


def _result_parts(
    result: ToolResultItem | None, expanded: bool, query: str, look: Look
) -> list[RenderableType]:
    from segview.describe import attachment_label

    if result is None:
        return [Text("… waiting for the result", style=look["more"])]
    line = Text()
    if result.is_error:
        line.append(" ✗ error ", style=look["result-error"])
    else:
        line.append(" ✓ result ", style=look["result-ok"])
    line.append(" ")
    summary = _clip(result.summary, expanded, PREVIEW_LINES)
    line.append_text(
        logtext.text(summary.shown, style=look["error-text"] if result.is_error else "")
    )
    parts: list[RenderableType] = [_highlight(line, query, look), *_more(summary, expanded, look)]
    if result.content:
        clipped = _clip(result.content, expanded)
        parts.append(_highlight(logtext.text(clipped.shown, style=look["output"]), query, look))
        parts.extend(_more(clipped, expanded, look))
    parts.extend(logtext.text(attachment_label(a), style=look["more"]) for a in result.attachments)
    return parts


def _reasoning_body(item: ReasoningItem, query: str, look: Look) -> Text:
    text = Text()
    if item.summary:
        text.append("summary: ", style="bold")
        summary = _clip("\n".join(item.summary), True)
        text.append_text(logtext.text(summary.shown + "\n\n", style="italic"))
    clipped = _clip(item.text, True)
    text.append_text(logtext.text(clipped.shown) if clipped.shown else Text("(no text)"))
    note = clipped.more(True, look)
    if note is not None:
        text.append("\n")
        text.append_text(note)
    return _highlight(text, query, look)


def renderable(
    item: Any,
    info: ItemInfo = ItemInfo(),
    result: ToolResultItem | None = None,
    *,
    current: bool = False,
    expanded: bool = False,
    query: str = "",
    look: Look = PLAIN,
) -> list[RenderableType]:
    """The whole item, head and body, as the view draws it (for tests and tools)."""
    return [
        head(item, info, result, current=current, expanded=expanded, look=look),
        *body(item, info, result, expanded=expanded, query=query, look=look),
    ]
