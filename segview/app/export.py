"""Export the conversation at a turn as a Markdown file (never into the store).

Text from the log is data in the export as everywhere else (docs/security.md):

- control characters, bidirectional controls and line separators are written as visible
  escapes (``segview.text.safe``; ``one_line`` in headings, list items and inline code);
- Markdown from the log keeps its formatting, but cannot disguise a link: an inline link or
  image is written as its text followed by its URL in inline code (``docs (`https://…`)``,
  not clickable); any other link syntax (reference definitions, ``](`` left over), raw HTML
  tags and character references (``&#x202e;`` would decode to a control character) are
  escaped, so that a Markdown viewer shows them as text. The result is checked with a
  CommonMark parser; a text that would still render a link, an image, HTML or a control
  character is written as a code block instead;
- a code fence a text leaves open is closed, so that it cannot swallow the rest of the file;
- headings in a text go below the export's own (``## Plan`` in a reply becomes ``#####``),
  so that they cannot pass for parts of the document.

The file is written to the current directory; when that is inside the store or cannot be
written, to a new private temporary directory (mode 0700, the file 0600), and the reason is
returned with the path so that the app can say where the file went.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from markdown_it.token import Token

from segview.describe import message_text, segment_chip_text, system_badge
from segview.store import (
    MessageItem,
    ReasoningItem,
    RestoredState,
    SegmentOrigin,
    SystemItem,
    ToolCallItem,
    ToolResultItem,
    UserSegment,
)
from segview.store.codec import describe_config
from segview.store.layout import path_inside
from segview.text import one_line, pretty_json, safe

if TYPE_CHECKING:
    from segview.browse.sources import ItemSource, ItemSources


@dataclass(frozen=True, slots=True)
class ExportContext:
    """What the Markdown says about where the state comes from."""

    store: str
    segment_id: str
    position: str  # "turn 4 / 10"
    origin: SegmentOrigin | None = None
    origin_kind: str | None = None
    inherited_len: int = 0
    label: str | None = None  # the user's label of the segment
    item_notes: Mapping[int, tuple[str, ...]] = field(default_factory=dict)  # by item index
    notes: tuple[str, ...] = ()  # the user's notes on the segment (and on no item)


def _fence(text: str, lang: str = "") -> str:
    """``text`` (made safe) as a fenced code block that no run of backticks in it closes."""
    text = safe(text)
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}{lang}\n{text}\n{ticks}"


def _code(text: str) -> str:
    """``text`` on one line as inline code, whatever backticks it holds."""
    text = one_line(text)
    if not text:
        return "`(empty)`"
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


# --- Markdown from the log --------------------------------------------------------------------

_FENCE_OPEN = re.compile(r" {0,3}(`{3,}|~{3,})")
_INLINE_LINK = re.compile(
    r"(!?)\[([^\[\]\n]*)\]\(\s*"  # ![alt]( or [text](
    r"(<[^<>\n]*>|[^\s()<>]*(?:\([^\s()<>]*\)[^\s()<>]*)*)"  # the URL, balanced parentheses
    r"(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)"  # a title
)
_ESCAPES = re.compile(
    r"\](?=\()"  # an inline link or image not rewritten
    r"|\[(?=[^\[\]]*\]:)"  # a link reference definition
    r"|<(?=[A-Za-z/!?])"  # a raw HTML tag, comment or declaration; an autolink
    r"|&(?=#|[A-Za-z][A-Za-z0-9]{0,31};)"  # a character reference
)
_BACKTICKS = re.compile(r"(?<!`)`+(?!`)")
MARKDOWN_MAX_CHARS = 200_000  # a longer text is exported as a code block
HEADING_LEVELS = 3  # the export's own heading levels; the log's headings go below them
_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_FORBIDDEN_TOKENS = frozenset({"link_open", "image", "html_inline", "html_block"})


def _escape(text: str) -> str:
    return _ESCAPES.sub(lambda m: "\\" + m.group(), text)


def _inline_text(text: str) -> str:
    """Markdown outside code: inline links and images rewritten with their URL shown, then
    what could still form a link, HTML or a character reference escaped."""
    out: list[str] = []
    last = 0
    for m in _INLINE_LINK.finditer(text):
        out.append(_escape(text[last : m.start()]))
        bang, label, url = m.group(1), m.group(2), m.group(3)
        url = url[1:-1] if url.startswith("<") else url
        if bang:
            out.append(f"{_escape(label) or 'image'} (image: {_code(url)})")
        else:
            out.append(f"{_escape(label)} ({_code(url)})" if label.strip() else _code(url))
        last = m.end()
    out.append(_escape(text[last:]))
    return "".join(out)


@functools.cache
def _closing_run(length: int) -> re.Pattern[str]:
    return re.compile(f"(?<!`){'`' * length}(?!`)")


def _paragraphs(text: str) -> str:
    """Text between code fences: code spans kept as they are, the rest through
    ``_inline_text``."""
    out: list[str] = []
    last = pos = 0
    while True:
        m = _BACKTICKS.search(text, pos)
        if m is None:
            break
        close = _closing_run(len(m.group())).search(text, m.end())
        backslashes = 0
        while m.start() - backslashes > 0 and text[m.start() - backslashes - 1] == "\\":
            backslashes += 1
        if close is None or backslashes % 2:
            pos = m.end()
            continue
        out.append(_inline_text(text[last : m.start()]))
        out.append(text[m.start() : close.end()])
        last = pos = close.end()
    out.append(_inline_text(text[last:]))
    return "".join(out)


def _neutralised(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    prose: list[str] = []
    fence: str | None = None
    for line in lines:
        if fence is None:
            m = _FENCE_OPEN.match(line)
            if m is not None and not (m.group(1)[0] == "`" and "`" in line[m.end() :]):
                if prose:
                    out.append(_paragraphs("\n".join(prose)))
                    prose = []
                fence = m.group(1)
                out.append(line)
            else:
                prose.append(line)
        else:
            out.append(line)
            stripped = line.strip()
            if (
                len(line) - len(line.lstrip(" ")) <= 3
                and stripped.startswith(fence)
                and not stripped.strip(fence[0])
            ):
                fence = None
    if prose:
        out.append(_paragraphs("\n".join(prose)))
    if fence is not None:
        out.append(fence)  # close a fence the text leaves open
    return "\n".join(out)


def _renders_safely(markdown: str) -> bool:
    """No link, image, raw HTML or unsafe character in what a CommonMark viewer would show."""
    stack: list[Token] = list(_MD.parse(markdown))
    while stack:
        token = stack.pop()
        if token.type in _FORBIDDEN_TOKENS:
            return False
        if token.content and safe(token.content) != token.content:
            return False
        if token.children:
            stack.extend(token.children)
    return True


def _nested_headings(markdown: str) -> str:
    """``markdown`` with its headings moved below the export's own (``#`` the segment, ``##``
    a part, ``###`` an item): level N becomes level N + 3, at most 6; a setext heading (text
    underlined with ``===`` or ``---``) becomes an ATX one. So a reply's ``## Plan`` reads as
    a part of that reply, not of the document."""
    tokens = _MD.parse(markdown)
    found = [
        (token.map[0], token.map[1], token, tokens[k + 1])
        for k, token in enumerate(tokens[:-1])
        if token.type == "heading_open" and token.map is not None
    ]
    if not found:
        return markdown
    lines = markdown.split("\n")
    for first, end, token, inline in reversed(found):  # from the last: lines above keep place
        level = int(token.tag[1:])
        marks = "#" * min(6, level + HEADING_LEVELS)
        line = lines[first]
        if token.markup.startswith("#"):  # ATX: the first # of the line opens the heading
            at = line.index("#")
            lines[first] = line[:at] + marks + line[at + level :]
            continue
        text = inline.content.split("\n")
        at = line.find(text[0]) if text and text[0] else -1
        if at < 0:  # not found as written: leave the heading alone rather than guess
            continue
        joined = " ".join(part.strip() for part in text)
        lines[first:end] = [f"{line[:at]}{marks} {joined}"]
    return "\n".join(lines)


def markdown_from_log(text: str) -> str:
    """Markdown written by the log (a reply, a user message), safe to put in the export: see
    the module's docstring. Falls back to a code block when the result would not be safe."""
    if len(text) > MARKDOWN_MAX_CHARS:
        return _fence(text)
    result = _nested_headings(_neutralised(safe(text)))
    if _renders_safely(result):
        return result
    return _fence(text)


def _inline(text: str) -> str:
    """A one-line text from the log inside the export's own Markdown (a heading, a list item)."""
    return markdown_from_log(one_line(text)) if text else ""


def state_to_markdown(
    state: RestoredState,
    ctx: ExportContext,
    sources: list[ItemSource] | None = None,
    index: ItemSources | None = None,
    *,
    items_from: int = 0,
) -> str:
    """The state as a readable Markdown document; ``items_from`` leaves out the history items
    before that index (the items one turn added, say)."""
    out: list[str] = [f"# Segment {_inline(ctx.segment_id)} at {ctx.position}", ""]
    if ctx.label:
        out.append(f"- label: {_inline(ctx.label)}")
    out += [f"- note: {_inline(note)}" for note in ctx.notes]
    out.append(f"- store: {_code(ctx.store)}")
    out.append(f"- turn count: {state.turn_count}; entries replayed: {state.entries_count}")
    if ctx.origin is not None:
        what = "forked from" if ctx.origin_kind == "fork" else "compaction of"
        out.append(
            f"- {what} {_code(ctx.origin.segment_id)} after turn {ctx.origin.at_turn_index} "
            f"(the first {ctx.inherited_len} items are inherited)"
        )
    shown = ", ".join(f"{k}={_inline(v)}" for k, v in describe_config(state.config))
    out.append(f"- config: {shown or 'defaults'}")
    if state.last_run_interrupted:
        out.append("- the last run was interrupted")
    out.append("")
    if state.system_prompt:
        out += ["## System prompt", "", _fence(state.system_prompt, "text"), ""]
    out += ["## Conversation" if not items_from else f"## Items {items_from + 1} and after", ""]
    calls: dict[str, ToolResultItem] = {
        i.call_id: i for i in state.history if isinstance(i, ToolResultItem)
    }
    call_ids = {i.call_id for i in state.history if isinstance(i, ToolCallItem)}
    result_at: dict[str, int] = {}
    for n, item in enumerate(state.history):
        if isinstance(item, ToolResultItem):
            result_at.setdefault(item.call_id, n)
    for n, item in enumerate(state.history):
        if n < items_from:
            continue
        src = sources[n] if sources is not None and n < len(sources) else None
        inherited = " (inherited)" if n < ctx.inherited_len else ""
        notes = list(ctx.item_notes.get(n, ()))
        if isinstance(item, ToolCallItem) and item.call_id in result_at:
            notes += ctx.item_notes.get(result_at[item.call_id], ())
        if notes and not (isinstance(item, ToolResultItem) and item.call_id in call_ids):
            out += [f"> ✎ note on item {n + 1}: {note}" for note in notes] + [""]
        if isinstance(item, MessageItem):
            if item.role == "system":
                sys_item: SystemItem | None = (
                    index.system_item(src) if index is not None and src is not None else None
                )
                badge = system_badge(sys_item) if sys_item is not None else "system"
                out += [f"### {n + 1}. system · {_inline(badge)}{inherited}", ""]
                out += [markdown_from_log(message_text(item)), ""]
                continue
            segs: list[UserSegment] | None = (
                index.user_segments(src) if index is not None and src is not None else None
            )
            out.append(f"### {n + 1}. {_inline(item.role)}{inherited}")
            out.append("")
            chips = [c for c in (segment_chip_text(s) for s in segs or []) if c]
            if chips:
                out += ["Input: " + ", ".join(_code(c) for c in chips), ""]
            out += [markdown_from_log(message_text(item)), ""]
        elif isinstance(item, ToolCallItem):
            out += [
                f"### {n + 1}. tool call {_code(item.name)} ({_inline(item.call_id)}){inherited}",
                "",
                _fence(pretty_json(item.arguments), "json"),
                "",
            ]
            result = calls.get(item.call_id)
            if result is None:
                out += ["_no result yet_", ""]
            else:
                out += _result_lines(result)
        elif isinstance(item, ToolResultItem):
            if item.call_id in call_ids:
                continue  # shown with its call
            out += [f"### {n + 1}. tool result ({_inline(item.call_id)}){inherited}", ""]
            out += _result_lines(item)
        elif isinstance(item, ReasoningItem):
            out += [f"### {n + 1}. reasoning{inherited}", ""]
            if item.summary:
                summary = markdown_from_log("\n".join(item.summary))
                out += ["> " + line for line in summary.splitlines()] + [""]
            if item.text:
                out += [
                    "<details><summary>reasoning</summary>",
                    "",
                    markdown_from_log(item.text),
                    "",
                    "</details>",
                    "",
                ]
    return "\n".join(out).rstrip() + "\n"


def _result_lines(result: ToolResultItem) -> list[str]:
    flag = " (error)" if result.is_error else ""
    lines = [f"**result{flag}:** {_inline(result.summary)}", ""]
    if result.content:
        lines += [_fence(result.content), ""]
    return lines


@dataclass(frozen=True, slots=True)
class Exported:
    """Where an export went; ``fallback`` says why not to the current directory, if so."""

    path: Path
    fallback: str | None = None


def export_file(
    text: str, store_root: Path, stem: str, suffix: str = ".md", cwd: Path | None = None
) -> Exported:
    """Write an export (Markdown, a replay page) to a new file ``stem{suffix}`` in the current
    directory (``write_export``); when that is inside the store or cannot be written, to a new
    private temporary directory (0700, the file 0600), saying why. Raises ``OSError`` only
    when neither can be written."""
    here = Path.cwd() if cwd is None else cwd
    if path_inside(here, store_root):
        reason = "the current directory is inside the store"
    else:
        try:
            return Exported(write_export(text, here, stem, suffix))
        except OSError as exc:
            reason = f"the current directory is not writable ({exc.strerror or exc})"
    private = Path(tempfile.mkdtemp(prefix="segview-export-"))
    path = write_export(text, private, stem, suffix, mode=0o600)
    return Exported(path, f"{reason}: written to a private temporary directory instead")


def write_export(
    text: str, directory: Path, stem: str, suffix: str = ".md", *, mode: int = 0o644
) -> Path:
    """Write ``text`` to a new file ``stem.md`` (``stem-2.md``, ... if taken); returns it.

    ``mode`` is masked by the umask, as for any new file."""
    data = text.encode("utf-8")
    for n in range(1, 1000):
        path = directory / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        except BaseException:
            with contextlib.suppress(OSError):
                path.unlink()
            raise
        return path
    raise FileExistsError(directory / f"{stem}{suffix}")
