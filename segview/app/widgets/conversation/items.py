"""One widget per history item: user and assistant messages, tool calls with their results,
reasoning, system items.

Each is a single ``Static`` rendering Rich renderables (cheap to mount by the hundred), except
reasoning, which is a ``Collapsible`` (collapsed by default). Items know their index in the
history; the history view sets their classes (``current``, ``inherited``, ``search-hit``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, cast

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual import events
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from segview.app import logtext
from segview.describe import (
    attachment_label,
    item_text,
    message_text,
    segment_chip_text,
    system_badge,
)
from segview.store import (
    MessageItem,
    PasteSegment,
    ReasoningItem,
    SystemItem,
    TextSegment,
    ToolCallItem,
    ToolResultItem,
    UserSegment,
)
from segview.text import format_clock, one_line, pretty_json, safe

PREVIEW_LINES = 12  # long tool output and system bodies show this many lines until clicked
PREVIEW_CHARS = 3_000  # ... and at most this many characters (a whole log can be one line)
EXPANDED_CHARS = 200_000  # an expanded item shows this much; the raw inspector has the rest
MESSAGE_LINES = 400  # assistant replies are long by nature: they fold later
MESSAGE_CHARS = 40_000
ARGUMENT_LINES = 60  # pretty-printed tool-call arguments
HIGHLIGHT = "bold black on #e5c07b"


@dataclass(frozen=True, slots=True)
class ItemInfo:
    """What the view knows about an item beyond the item itself (from its producing entry)."""

    ts: int | None = None
    system_item: SystemItem | None = None
    segments: list[UserSegment] | None = None
    inherited: bool = False
    notes: tuple[str, ...] = ()  # the user's notes on this item (or on the turn it starts)


def _highlight(text: Text, query: str) -> Text:
    if query:
        text.highlight_words([query], HIGHLIGHT, case_sensitive=False)
    return text


Tag = str | tuple[str, str]  # plain (dim) text, or (text, style)


def _head(kind: str, style: str, *tags: Tag) -> Text:
    """The first line of an item: a coloured kind label, then tags."""
    head = Text()
    head.append(f" {kind} ", style=style)
    for tag in tags:
        head.append("  ")
        if isinstance(tag, tuple):
            head.append(tag[0], style=tag[1])
        else:
            head.append(tag, style="dim")
    return head


@dataclass(frozen=True, slots=True)
class Clipped:
    """What of a long text is shown: the text, and how much is hidden (lines, characters)."""

    shown: str
    hidden_lines: int = 0
    hidden_chars: int = 0

    def more(self, expanded: bool) -> Text | None:
        """The note under a clipped text (None when nothing is hidden)."""
        if not (self.hidden_lines or self.hidden_chars):
            return None
        if expanded:
            return Text(
                f"… {self.hidden_chars:,} more characters not shown "
                "(r shows the raw entries of the turn)",
                style="italic dim",
            )
        what = (
            f"{self.hidden_lines:,} more lines"
            if self.hidden_lines
            else f"{self.hidden_chars:,} more characters"
        )
        return Text(f"… {what} (click to expand)", style="italic dim")


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


def _more(clipped: Clipped, expanded: bool) -> list[RenderableType]:
    note = clipped.more(expanded)
    return [] if note is None else [note]


class HistoryItemMixin:
    """Shared by every item widget."""

    index: int
    item: Any
    info: ItemInfo

    def search_text(self) -> str:
        return item_text(self.item)

    def set_query(self, query: str) -> None:
        """Highlight ``query`` (empty: no highlight)."""

    def reveal(self) -> None:
        """Make every part visible (a search match may be in a folded part)."""

    def set_current(self, current: bool) -> None:
        """Mark the item as added by the current turn (or not)."""
        widget = self
        assert isinstance(widget, Widget)
        if widget.has_class("current") != current:
            widget.set_class(current, "current")
            self.current_changed()

    def current_changed(self) -> None:
        pass

    def set_notes(self, notes: tuple[str, ...]) -> None:
        """Show these notes with the item."""
        if notes != self.info.notes:
            self.info = replace(self.info, notes=notes)
            self.notes_changed()

    def notes_changed(self) -> None:
        pass


NOTE_STYLE = "italic #e5c07b"


class TextItem(HistoryItemMixin, Static):
    """A Static item rendered from the item, the search query and an expanded flag."""

    def __init__(self, index: int, item: Any, info: ItemInfo, classes: str = "") -> None:
        self.index = index
        self.item = item
        self.info = info
        self.query_text = ""
        self.expanded = False
        super().__init__(classes=f"item {classes}".strip())
        self.rerender()  # content before the first layout, so its height is right from the start

    def render_item(self) -> RenderableType:
        raise NotImplementedError

    def rerender(self) -> None:
        self.update(self.render_item())

    def set_query(self, query: str) -> None:
        """Highlight ``query`` if this item contains it (else show the item as usual)."""
        if query and query.casefold() not in self.search_text().casefold():
            query = ""
        if query != self.query_text:
            self.query_text = query
            self.rerender()

    def reveal(self) -> None:
        if not self.expanded:
            self.expanded = True
            self.rerender()

    def on_click(self, event: events.Click) -> None:
        self.expanded = not self.expanded
        self.rerender()

    def current_changed(self) -> None:
        self.rerender()

    def notes_changed(self) -> None:
        self.rerender()

    def _tags(self) -> list[Tag]:
        tags: list[Tag] = []
        if self.info.ts is not None:
            tags.append(format_clock(self.info.ts))
        if self.info.inherited:
            tags.append(("inherited", "italic #9a8cc2"))
        if self.has_class("current"):
            tags.append(("● new this turn", "bold #7fd88f"))
        tags.extend(("✎ " + one_line(note, 120), NOTE_STYLE) for note in self.info.notes)
        return tags


class UserMessageItem(TextItem):
    """A user message: typed input segments as chips, then the text the model saw."""

    def render_item(self) -> RenderableType:
        assert isinstance(self.item, MessageItem)
        head = _head("user", "bold black on #61afef", *self._tags())
        body = Text()
        segs = self.info.segments
        if segs and any(not isinstance(s, TextSegment) for s in segs):
            for seg in segs:
                chip = segment_chip_text(seg)
                if chip is None:
                    assert isinstance(seg, TextSegment)
                    body.append_text(logtext.text(seg.content))
                    continue
                body.append(f" {one_line(chip, 200)} ", style=_chip_style(seg))
                if isinstance(seg, PasteSegment):
                    clipped = _clip(seg.content, self.expanded, 6)
                    body.append("\n")
                    body.append_text(logtext.text(clipped.shown, style="#98a2b3"))
                    body.append("\n")
                    if clipped.hidden_lines:
                        note = f"… {clipped.hidden_lines:,} more pasted lines\n"
                        body.append(note, style="italic dim")
                    elif (more := clipped.more(self.expanded)) is not None:
                        body.append_text(more)
                        body.append("\n")
            return Group(head, _highlight(body, self.query_text))
        clipped = _clip(message_text(self.item), self.expanded, MESSAGE_LINES, MESSAGE_CHARS)
        body.append_text(logtext.text(clipped.shown))
        return Group(head, _highlight(body, self.query_text), *_more(clipped, self.expanded))


def _chip_style(seg: UserSegment) -> str:
    kind = getattr(seg, "kind", "")
    return {
        "paste": "bold black on #d19a66",
        "file_ref": "bold black on #56b6c2",
        "knowledge_ref": "bold black on #c678dd",
        "workflow_invoke": "bold black on #98c379",
    }.get(kind, "bold white on #e06c75")


class AssistantMessageItem(TextItem):
    """Assistant text, rendered as Markdown."""

    def render_item(self) -> RenderableType:
        assert isinstance(self.item, MessageItem)
        tags = self._tags()
        refusal = any(getattr(p, "kind", "") == "refusal" for p in self.item.content)
        if refusal:
            tags.append(("refusal", "bold #e06c75"))
        head = _head("assistant", "bold black on #98c379", *tags)
        clipped = _clip(message_text(self.item), self.expanded, MESSAGE_LINES, MESSAGE_CHARS)
        # Markdown stays rendered while searching: the item as a whole is highlighted
        return Group(head, logtext.markdown(clipped.shown), *_more(clipped, self.expanded))


class SystemMessageItem(TextItem):
    """A system message with a badge for its kind (notification, pod event, file, ...)."""

    def render_item(self) -> RenderableType:
        assert isinstance(self.item, MessageItem)
        badge = system_badge(self.info.system_item) if self.info.system_item else "system"
        tag = (f"[{one_line(badge, 120)}]", "bold #e5c07b")
        head = _head("system", "bold black on #e5c07b", tag, *self._tags())
        clipped = _clip(message_text(self.item), self.expanded)
        body = _highlight(logtext.text(clipped.shown), self.query_text)
        return Group(head, body, *_more(clipped, self.expanded))


class ToolCallView(TextItem):
    """A tool call with pretty-printed arguments, and its result (matched by ``call_id``)."""

    def __init__(
        self,
        index: int,
        item: Any,
        info: ItemInfo,
        result: ToolResultItem | None,
        classes: str = "",
    ) -> None:
        self.result = result
        self._pretty: str | None = None
        super().__init__(index, item, info, classes)
        self._apply_error_class()

    def _apply_error_class(self) -> None:
        self.set_class(self.result is not None and self.result.is_error, "error")

    def set_result(self, result: ToolResultItem | None) -> None:
        if result is not self.result:
            self.result = result
            self._apply_error_class()
            self.rerender()

    def search_text(self) -> str:
        text = item_text(self.item)
        return text if self.result is None else text + "\n" + item_text(self.result)

    def render_item(self) -> RenderableType:
        assert isinstance(self.item, ToolCallItem)
        head = _head(
            "tool call",
            "bold black on #56b6c2",
            (one_line(self.item.name, 80), "bold #56b6c2"),
            one_line(self.item.call_id, 48),
            *self._tags(),
        )
        if self._pretty is None:
            self._pretty = pretty_json(self.item.arguments)
        clipped = _clip(self._pretty, self.expanded, ARGUMENT_LINES)
        args = safe(clipped.shown)
        parts: list[RenderableType] = [head]
        if self.query_text or clipped.hidden_chars:
            parts.append(_highlight(Text(args), self.query_text))
        else:
            parts.append(
                Syntax(args, "json", theme="monokai", background_color="default", word_wrap=True)
            )
        parts.extend(_more(clipped, self.expanded))
        parts.extend(_result_parts(self.result, self.expanded, self.query_text))
        return Group(*parts)


def _result_parts(
    result: ToolResultItem | None, expanded: bool, query: str
) -> list[RenderableType]:
    if result is None:
        return [Text("… waiting for the result", style="italic dim")]
    line = Text()
    if result.is_error:
        line.append(" ✗ error ", style="bold white on #e06c75")
    else:
        line.append(" ✓ result ", style="bold black on #7fd88f")
    line.append(" ")
    summary = _clip(result.summary, expanded, PREVIEW_LINES)
    line.append_text(logtext.text(summary.shown, style="bold #e06c75" if result.is_error else ""))
    parts: list[RenderableType] = [_highlight(line, query), *_more(summary, expanded)]
    if result.content:
        clipped = _clip(result.content, expanded)
        parts.append(_highlight(logtext.text(clipped.shown, style="#abb2bf"), query))
        parts.extend(_more(clipped, expanded))
    parts.extend(logtext.text(attachment_label(a), style="italic dim") for a in result.attachments)
    return parts


class ToolResultView(TextItem):
    """A tool result whose call is not in the history (shown on its own)."""

    def render_item(self) -> RenderableType:
        assert isinstance(self.item, ToolResultItem)
        head = _head(
            "tool result", "bold black on #56b6c2", one_line(self.item.call_id, 48), *self._tags()
        )
        return Group(head, *_result_parts(self.item, self.expanded, self.query_text))


class ReasoningView(HistoryItemMixin, Collapsible):
    """Reasoning, collapsed by default; the title shows its summary."""

    def __init__(self, index: int, item: ReasoningItem, info: ItemInfo, classes: str = "") -> None:
        self.index = index
        self.item = item
        self.info = info
        self._body = Static(self._body_text(""), classes="reasoning-body")
        # The title is log text: handed over as Content, which the title label takes as it is
        # (a str would be parsed as markup); Collapsible's signature says str but passes it on.
        literal = cast(str, Content(self._title_text()))
        super().__init__(
            self._body, title=literal, collapsed=True, classes=f"item {classes}".strip()
        )

    def _title_text(self) -> str:
        item = self.item
        summary = one_line(" · ".join(item.summary[:20]), 90) if item.summary else ""
        title = f"reasoning · {summary}" if summary else f"reasoning ({len(item.text):,} chars)"
        if item.encrypted_content and not item.text:
            title += " · encrypted"
        for note in self.info.notes:
            title += " · ✎ " + one_line(note, 120)
        return title

    def notes_changed(self) -> None:
        self.title = cast(str, Content(self._title_text()))

    def _body_text(self, query: str) -> Text:
        text = Text()
        if self.item.summary:
            text.append("summary: ", style="bold")
            summary = _clip("\n".join(self.item.summary), True)
            text.append_text(logtext.text(summary.shown + "\n\n", style="italic"))
        body = _clip(self.item.text, True)
        text.append_text(logtext.text(body.shown) if body.shown else Text("(no text)"))
        note = body.more(True)
        if note is not None:
            text.append("\n")
            text.append_text(note)
        return _highlight(text, query)

    def set_query(self, query: str) -> None:
        self._body.update(self._body_text(query))

    def reveal(self) -> None:
        self.collapsed = False


def make_item_widget(
    index: int, item: Any, info: ItemInfo, result: ToolResultItem | None = None
) -> Widget:
    """The widget for one history item."""
    classes = "inherited" if info.inherited else ""
    if isinstance(item, MessageItem):
        if item.role == "user":
            return UserMessageItem(index, item, info, f"user {classes}")
        if item.role == "system":
            return SystemMessageItem(index, item, info, f"system {classes}")
        return AssistantMessageItem(index, item, info, f"assistant {classes}")
    if isinstance(item, ToolCallItem):
        return ToolCallView(index, item, info, result, f"tool {classes}")
    if isinstance(item, ToolResultItem):
        return ToolResultView(index, item, info, f"tool result {classes}")
    if isinstance(item, ReasoningItem):
        return ReasoningView(index, item, info, f"reasoning {classes}")
    return UnknownItem(index, item, info, classes)


class UnknownItem(TextItem):
    def render_item(self) -> RenderableType:
        return Text(safe(repr(self.item)))
