"""The one line a history item shows while its kind is hidden (``R``: reasoning, ``O``: tool
calls and results): what it is, what is hidden, and the key that shows it again. A tool call
keeps its name and its outcome, so failures still stand out. The line says it in fewer words
when the history is narrow; its tags (time, marks, notes) are cut first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from segview.text import one_line

from .items import PLAIN, ItemInfo, Look, Tag, _head, _tags

if TYPE_CHECKING:
    from segview.store import ToolResultItem


def stub(
    item: Any,
    info: ItemInfo,
    result: ToolResultItem | None,
    *,
    current: bool,
    key: str,
    width: int = 0,
    look: Look = PLAIN,
) -> Text:
    """The stub of ``item`` (a reasoning, a tool call with its ``result``, or a tool result
    on its own), at most ``width`` cells before its tags when it can be."""
    line = _said(item, result, key, short=False, look=look)
    if width and line.cell_len > width:
        line = _said(item, result, key, short=True, look=look)
    for text, part in _tags(info, current):
        line.append("  ")
        line.append(text, style=look[part])
    line.no_wrap = True
    line.overflow = "ellipsis"
    return line


def _said(item: Any, result: ToolResultItem | None, key: str, *, short: bool, look: Look) -> Text:
    from segview.store import ReasoningItem, ToolCallItem, ToolResultItem

    if isinstance(item, ReasoningItem):
        if short:
            return Text(f"▶ reasoning hidden ({key})", look["reasoning-title"])
        size = f" ({len(item.text):,} characters)" if item.text else ""
        return Text(f"▶ reasoning hidden{size} · {key} shows", look["reasoning-title"])
    call = item if isinstance(item, ToolCallItem) else None
    outcome = result if call is not None else item
    status: Tag = ("…" if short else "… no result yet", "more")
    if isinstance(outcome, ToolResultItem):
        if outcome.is_error:
            status = (" ✗ " if short else " ✗ error ", "result-error")
        else:
            status = (" ✓ " if short else " ✓ result ", "result-ok")
    what = "arguments, output" if call is not None else "output"
    hint: Tag = (f"hidden ({key})" if short else f"{what} hidden · {key} shows", "more")
    name: list[Tag] = [(one_line(call.name, 80), "tool-name")] if call is not None else []
    label = "tool call" if call is not None else "tool result"
    return _head(label, "label-tool", [*name, status, hint], look)
