"""How history items and their parts are described in words: the text a search looks at,
chips of typed user input, badges of system items (no Textual here)."""

from __future__ import annotations

from typing import Any

from segview.store import (
    Attachment,
    FileRefSegment,
    FlowSegment,
    ImageAttachment,
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
    SystemInterrupt,
    SystemItem,
    SystemKnowledge,
    SystemNotification,
    SystemPodEvent,
    SystemSkillActivation,
    SystemTaskReminder,
    SystemWorkerEvent,
    SystemWorkflow,
    TextPart,
    TextSegment,
    ToolCallItem,
    ToolResultItem,
    UnknownVariant,
    UserSegment,
    WorkerErrored,
    WorkerScopeSubDelegated,
    WorkerShutDown,
    WorkerTurnEnded,
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


def attachment_label(attachment: Attachment) -> str:
    """One line for an attachment of a tool result (its bytes are not shown)."""
    if isinstance(attachment, ImageAttachment):
        mime, size = one_line(attachment.mime_type), attachment.size
        return f"[{attachment.kind} attachment: {mime}, {size} bytes]"
    return f"[attachment of unknown kind: {one_line(attachment.kind)}]"


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
    if isinstance(seg, FlowSegment):
        return "flow: " + seg.selector
    if isinstance(seg, UnknownVariant) and seg.kind != "unknown":
        return f"unknown input segment ({seg.kind})"
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
    if isinstance(item, SystemWorkerEvent):
        wev = item.event
        if isinstance(wev, (WorkerTurnEnded, WorkerShutDown, WorkerErrored)):
            return f"worker_event {wev.kind}: {wev.worker_name}"
        if isinstance(wev, WorkerScopeSubDelegated):
            return f"worker_event scope_sub_delegated: {wev.parent_worker} → {wev.sub_worker}"
        return f"worker_event {wev.kind}"
    if isinstance(item, SystemSkillActivation):
        return f"skill_activation: {item.name}"
    if isinstance(item, SystemTaskReminder):
        return f"task_reminder: {item.source}"
    if isinstance(item, SystemInterrupt):
        return "interrupt"
    if isinstance(item, UnknownVariant):
        return f"system item of unknown kind: {item.kind}"
    if isinstance(item, SystemFileAttachment):
        return f"file_attachment: {item.path}"
    if isinstance(item, SystemKnowledge):
        return f"knowledge: #{item.slug}"
    if isinstance(item, SystemWorkflow):
        return f"workflow: /{item.slug}"
    return "system"
