"""Small text helpers shared by the widgets, the search and the export (no Textual here)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import orjson

from segview.store import (
    FileRefSegment,
    KnowledgeRefSegment,
    MessageItem,
    PasteSegment,
    PodErrored,
    PodScopeSubDelegated,
    PodShutDown,
    PodTurnEnded,
    ReasoningItem,
    RefusalPart,
    SystemFileAttachment,
    SystemItem,
    SystemKnowledge,
    SystemNotification,
    SystemPodEvent,
    SystemWorkflow,
    TextPart,
    TextSegment,
    ToolCallItem,
    ToolResultItem,
    UserSegment,
    WorkflowInvokeSegment,
)

SHORT_ID_MIN = 7

# C0 controls but tab and line feed, DEL and the C1 controls: a terminal may act on them
# (ESC and CSI start escape sequences), so text from a log shows them escaped instead.
_UNSAFE = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F)}
_UNSAFE.update({c: f"\\u{c:04x}" for c in range(0x80, 0xA0)})


def safe(text: str) -> str:
    """Text from a log made safe to draw: control characters shown as escapes (``\\x1b``),
    line breaks and tabs kept (a CRLF line end reads as a plain line end)."""
    if text.isprintable():
        return text
    return text.replace("\r\n", "\n").translate(_UNSAFE)


def short_ids(ids: Iterable[str], minimum: int = SHORT_ID_MIN) -> dict[str, str]:
    """The shortest unique prefix of each id (at least ``minimum`` characters)."""
    ordered = sorted(set(ids))
    out: dict[str, str] = {}
    for i, sid in enumerate(ordered):
        need = minimum
        for other in (
            ordered[i - 1] if i else None,
            ordered[i + 1] if i + 1 < len(ordered) else None,
        ):
            if other is None:
                continue
            common = 0
            while common < min(len(sid), len(other)) and sid[common] == other[common]:
                common += 1
            need = max(need, common + 1)
        out[sid] = sid[: min(need, len(sid))]
    return out


def one_line(text: str, width: int | None = None) -> str:
    """Text folded onto one line (control characters escaped); cut to ``width``."""
    folded = safe(" ".join(text.split()))
    if width is not None and len(folded) > width:
        return folded[: max(0, width - 1)] + "…"
    return folded


def format_ts(ts: int | None) -> str:
    """A log timestamp (ms) as UTC date and time."""
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def format_clock(ts: int | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts / 1000, UTC).strftime("%H:%M:%S")


def format_duration(ms: int | None) -> str:
    """``850 ms``, ``12.4 s``, ``3 min 05 s``, ``2 h 10 min``."""
    if ms is None:
        return "-"
    if ms < 1000:
        return f"{ms} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, sec = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_age(ms: int | None) -> str:
    """A compact age: ``40s``, ``12m``, ``5h``, ``3d``, ``7w``, ``2y``."""
    if ms is None:
        return "?"
    s = max(0, ms // 1000)
    for unit, size in (("y", 365 * 86400), ("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{s // size}{unit}"
    return f"{s}s"


def format_tokens(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 1000:
        return f"{n / 1000:.1f}k"
    return str(n)


def pretty_json(text: str) -> str:
    """Tool-call arguments pretty-printed (as given when they are not valid JSON)."""
    try:
        return orjson.dumps(orjson.loads(text), option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONDecodeError:
        return text


def message_text(item: MessageItem) -> str:
    parts = []
    for part in item.content:
        if isinstance(part, TextPart):
            parts.append(part.text)
        elif isinstance(part, RefusalPart):
            parts.append(f"[refusal] {part.refusal}")
    return "".join(parts)


def item_text(item: Any) -> str:
    """Everything of a history item a search should find."""
    if isinstance(item, MessageItem):
        return message_text(item)
    if isinstance(item, ToolCallItem):
        return f"{item.name} {item.call_id}\n{pretty_json(item.arguments)}"
    if isinstance(item, ToolResultItem):
        return f"{item.call_id}\n{item.summary}\n{item.content or ''}"
    if isinstance(item, ReasoningItem):
        return "\n".join([*item.summary, item.text])
    return str(item)


def segment_chip_text(seg: UserSegment) -> str | None:
    """The chip of a typed user-input segment (None for plain text)."""
    if isinstance(seg, TextSegment):
        return None
    if isinstance(seg, PasteSegment):
        lines = f"{seg.lines} line{'s' * (seg.lines != 1)}"
        return f"paste #{seg.id} · {lines} · {seg.chars} chars"
    if isinstance(seg, FileRefSegment):
        return "@" + seg.path
    if isinstance(seg, KnowledgeRefSegment):
        return "#" + seg.slug
    if isinstance(seg, WorkflowInvokeSegment):
        return "/" + seg.slug
    return "unknown input segment"


def system_badge(item: SystemItem) -> str:
    """The badge of a system item: its kind and what it is about."""
    if isinstance(item, SystemNotification):
        return f"notification: {one_line(item.message, 60)}"
    if isinstance(item, SystemPodEvent):
        ev = item.event
        if isinstance(ev, (PodTurnEnded, PodShutDown, PodErrored)):
            return f"pod_event {ev.kind}: {ev.pod_name}"
        if isinstance(ev, PodScopeSubDelegated):
            return f"pod_event scope_sub_delegated: {ev.parent_pod} → {ev.sub_pod}"
        return "pod_event"
    if isinstance(item, SystemFileAttachment):
        return f"file_attachment: {item.path}"
    if isinstance(item, SystemKnowledge):
        return f"knowledge: #{item.slug}"
    if isinstance(item, SystemWorkflow):
        return f"workflow: /{item.slug}"
    return "system"
