"""Export the conversation at a turn as a Markdown file (never into the store)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from segview.browse.sources import ItemSource, ItemSources
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
from segview.text import pretty_json


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
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}{lang}\n{text}\n{ticks}"


def state_to_markdown(
    state: RestoredState,
    ctx: ExportContext,
    sources: list[ItemSource] | None = None,
    index: ItemSources | None = None,
) -> str:
    """The state as a readable Markdown document."""
    out: list[str] = [f"# Segment {ctx.segment_id} at {ctx.position}", ""]
    if ctx.label:
        out.append(f"- label: {ctx.label}")
    out += [f"- note: {note}" for note in ctx.notes]
    out.append(f"- store: `{ctx.store}`")
    out.append(f"- turn count: {state.turn_count}; entries replayed: {state.entries_count}")
    if ctx.origin is not None:
        what = "forked from" if ctx.origin_kind == "fork" else "compaction of"
        out.append(
            f"- {what} `{ctx.origin.segment_id}` after turn {ctx.origin.at_turn_index} "
            f"(the first {ctx.inherited_len} items are inherited)"
        )
    shown = ", ".join(f"{k}={v}" for k, v in describe_config(state.config))
    out.append(f"- config: {shown or 'defaults'}")
    if state.last_run_interrupted:
        out.append("- the last run was interrupted")
    out.append("")
    if state.system_prompt:
        out += ["## System prompt", "", _fence(state.system_prompt, "text"), ""]
    out += ["## Conversation", ""]
    calls: dict[str, ToolResultItem] = {
        i.call_id: i for i in state.history if isinstance(i, ToolResultItem)
    }
    call_ids = {i.call_id for i in state.history if isinstance(i, ToolCallItem)}
    result_at: dict[str, int] = {}
    for n, item in enumerate(state.history):
        if isinstance(item, ToolResultItem):
            result_at.setdefault(item.call_id, n)
    for n, item in enumerate(state.history):
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
                out += [f"### {n + 1}. system · {badge}{inherited}", "", message_text(item), ""]
                continue
            segs: list[UserSegment] | None = (
                index.user_segments(src) if index is not None and src is not None else None
            )
            out.append(f"### {n + 1}. {item.role}{inherited}")
            out.append("")
            chips = [segment_chip_text(s) for s in segs or []]
            chips = [c for c in chips if c]
            if chips:
                out += ["Input: " + ", ".join(f"`{c}`" for c in chips), ""]
            out += [message_text(item), ""]
        elif isinstance(item, ToolCallItem):
            out += [
                f"### {n + 1}. tool call `{item.name}` ({item.call_id}){inherited}",
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
            out += [f"### {n + 1}. tool result ({item.call_id}){inherited}", ""]
            out += _result_lines(item)
        elif isinstance(item, ReasoningItem):
            out += [f"### {n + 1}. reasoning{inherited}", ""]
            if item.summary:
                out += ["> " + line for line in "\n".join(item.summary).splitlines()] + [""]
            if item.text:
                out += [
                    "<details><summary>reasoning</summary>",
                    "",
                    item.text,
                    "",
                    "</details>",
                    "",
                ]
    return "\n".join(out).rstrip() + "\n"


def _result_lines(result: ToolResultItem) -> list[str]:
    flag = " (error)" if result.is_error else ""
    lines = [f"**result{flag}:** {result.summary}", ""]
    if result.content:
        lines += [_fence(result.content), ""]
    return lines


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def export_directory(store_root: Path, cwd: Path | None = None) -> Path:
    """The current directory when it is writable and not inside the store, else a temp dir."""
    here = Path.cwd() if cwd is None else cwd
    if os.access(here, os.W_OK) and not _inside(here, store_root):
        return here
    return Path(tempfile.gettempdir())


def write_export(text: str, directory: Path, stem: str, suffix: str = ".md") -> Path:
    """Write ``text`` to a new file ``stem.md`` (``stem-2.md``, ... if taken); returns it."""
    data = text.encode("utf-8")
    for n in range(1, 1000):
        path = directory / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        except OSError:
            with contextlib.suppress(OSError):
                path.unlink()
            raise
        return path
    raise FileExistsError(directory / f"{stem}{suffix}")
