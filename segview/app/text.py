"""How history items and their parts are described in words: the text a search looks at,
chips of typed user input, badges of system items (no Textual here)."""

from __future__ import annotations

from typing import Any

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
from segview.text import one_line, pretty_json


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
