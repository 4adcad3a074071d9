"""Typed models of the segment log format (FORMAT.md sections 3 and 4).

Every model is a frozen pydantic v2 model in *strict* mode, so that it accepts exactly what
the Rust reader (serde) accepts: integers are never floats, booleans are never numbers,
unknown keys are ignored, and absent optional fields read as null / empty / false.

Field declaration order is write order: the codec (``codec.py``) writes fields in the order
they are declared here, with the ``kind`` tag first.
"""

from __future__ import annotations

import re
import struct
from typing import Annotated, Any, ClassVar, Literal, TypeAlias

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

__all__ = [
    "U64_MAX",
    "AssistantItem",
    "AssistantItems",
    "ConfigChanged",
    "ContentPart",
    "Extension",
    "FileRefSegment",
    "HookInjectedItems",
    "Invoke",
    "InvokeKind",
    "KnowledgeRefSegment",
    "LlmUsage",
    "LogEntry",
    "LoggedItem",
    "MessageItem",
    "PasteSegment",
    "PausedTurnAbandoned",
    "PodErrored",
    "PodEvent",
    "PodScopeSnapshot",
    "PodScopeSubDelegated",
    "PodShutDown",
    "PodTurnEnded",
    "ReasoningItem",
    "RefusalPart",
    "RequestConfig",
    "Role",
    "RunCompleted",
    "RunErrored",
    "ScopeRule",
    "SegmentOrigin",
    "SegmentStart",
    "StoreModel",
    "SystemFileAttachment",
    "SystemItem",
    "SystemItemEntry",
    "SystemItems",
    "SystemKnowledge",
    "SystemNotification",
    "SystemPodEvent",
    "SystemWorkflow",
    "TextPart",
    "TextSegment",
    "ToolCallItem",
    "ToolResultEntry",
    "ToolResultItem",
    "ToolResults",
    "TraceEntry",
    "TurnEnd",
    "UnknownSegment",
    "UsageRecord",
    "UserInput",
    "UserInputExtension",
    "UserSegment",
    "WorkerResult",
    "WorkflowInvokeSegment",
    "f32",
    "normalize_uuid",
]

U64_MAX = 2**64 - 1
U32_MAX = 2**32 - 1

U64 = Annotated[int, Field(ge=0, le=U64_MAX)]
U32 = Annotated[int, Field(ge=0, le=U32_MAX)]
I32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]


def f32(value: float) -> float:
    """Round a float to the nearest 32-bit float, as Rust's ``v as f32`` does.

    Values beyond the f32 range become infinities (the codec writes them as ``null``).
    """
    try:
        return float(struct.unpack("<f", struct.pack("<f", value))[0])
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


F32 = Annotated[float, AfterValidator(f32)]

# The forms the Rust uuid parser accepts: hyphenated, simple (32 hex), braced, urn.
_UUID_RE = re.compile(
    r"(?:urn:uuid:)?([0-9a-fA-F]{8})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{12})"
    r"|\{([0-9a-fA-F]{8})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{12})\}"
    r"|([0-9a-fA-F]{32})"
)


def normalize_uuid(value: str) -> str:
    """Parse a UUID in any form the Rust ``uuid`` crate accepts; return it lower-case hyphenated."""
    m = _UUID_RE.fullmatch(value)
    if m is None:
        raise ValueError(f"invalid UUID {value!r}")
    hexdigits = "".join(g for g in m.groups() if g).lower()
    return (
        f"{hexdigits[:8]}-{hexdigits[8:12]}-{hexdigits[12:16]}-{hexdigits[16:20]}-{hexdigits[20:]}"
    )


Uuid = Annotated[str, AfterValidator(normalize_uuid)]

JsonValue: TypeAlias = Any
"""Any JSON value (``serde_json::Value``): None, bool, int, float, str, list, dict."""


class StoreModel(BaseModel):
    """Base of every model: strict, frozen, unknown keys ignored.

    ``_omit_when_empty`` names the fields that serde skips when they are null, false or
    empty (``skip_serializing_if``); ``_f32_fields`` the fields printed as 32-bit floats;
    ``_json_fields`` the fields holding free-form JSON (written with sorted object keys).
    """

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    _omit_when_empty: ClassVar[frozenset[str]] = frozenset()
    _f32_fields: ClassVar[frozenset[str]] = frozenset()
    _json_fields: ClassVar[frozenset[str]] = frozenset()


# --- content parts and logged items (llm-worker) -------------------------------------------


class TextPart(StoreModel):
    kind: Literal["text"] = "text"
    text: str


class RefusalPart(StoreModel):
    kind: Literal["refusal"] = "refusal"
    refusal: str


ContentPart = Annotated[TextPart | RefusalPart, Field(discriminator="kind")]
Role = Literal["user", "assistant", "system"]


class MessageItem(StoreModel):
    kind: Literal["message"] = "message"
    role: Role
    content: list[ContentPart]

    def text(self) -> str:
        """The text of the message: its text and refusal parts joined by newlines."""
        return "\n".join(p.text if isinstance(p, TextPart) else p.refusal for p in self.content)


class ToolCallItem(StoreModel):
    kind: Literal["tool_call"] = "tool_call"
    call_id: str
    name: str
    arguments: str


class ToolResultItem(StoreModel):
    _omit_when_empty = frozenset({"content", "is_error"})

    kind: Literal["tool_result"] = "tool_result"
    call_id: str
    summary: str
    content: str | None = None
    is_error: bool = False


class ReasoningItem(StoreModel):
    _omit_when_empty = frozenset({"summary", "encrypted_content", "signature"})

    kind: Literal["reasoning"] = "reasoning"
    text: str
    summary: list[str] = []
    encrypted_content: str | None = None
    signature: str | None = None


LoggedItem = Annotated[
    MessageItem | ToolCallItem | ToolResultItem | ReasoningItem, Field(discriminator="kind")
]
"""A conversation history item, as the model saw it."""

# --- user-input segments (protocol) ---------------------------------------------------------


class TextSegment(StoreModel):
    kind: Literal["text"] = "text"
    content: str


class PasteSegment(StoreModel):
    kind: Literal["paste"] = "paste"
    id: U32
    chars: U32
    lines: U32
    content: str


class FileRefSegment(StoreModel):
    kind: Literal["file_ref"] = "file_ref"
    path: str


class KnowledgeRefSegment(StoreModel):
    kind: Literal["knowledge_ref"] = "knowledge_ref"
    slug: str


class WorkflowInvokeSegment(StoreModel):
    kind: Literal["workflow_invoke"] = "workflow_invoke"
    slug: str


class UnknownSegment(StoreModel):
    """Any segment kind this version does not know; its fields are dropped (as in Rust)."""

    kind: Literal["unknown"] = "unknown"

    @model_validator(mode="before")
    @classmethod
    def _forget_fields(cls, data: Any) -> Any:
        return {"kind": "unknown"} if isinstance(data, dict) else data


_SEGMENT_KINDS = frozenset({"text", "paste", "file_ref", "knowledge_ref", "workflow_invoke"})


def _segment_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        kind = value.get("kind")
        if not isinstance(kind, str):
            return None  # a missing (or non-string) tag is an error
        return kind if kind in _SEGMENT_KINDS else "unknown"
    kind = getattr(value, "kind", None)
    return kind if isinstance(kind, str) else None


UserSegment = Annotated[
    Annotated[TextSegment, Tag("text")]
    | Annotated[PasteSegment, Tag("paste")]
    | Annotated[FileRefSegment, Tag("file_ref")]
    | Annotated[KnowledgeRefSegment, Tag("knowledge_ref")]
    | Annotated[WorkflowInvokeSegment, Tag("workflow_invoke")]
    | Annotated[UnknownSegment, Tag("unknown")],
    Discriminator(
        _segment_tag,
        custom_error_type="missing_tag",
        custom_error_message="missing field `kind` in user-input segment",
    ),
]
"""One typed piece of user input."""

# --- system items and pod events (protocol) -------------------------------------------------


class ScopeRule(StoreModel):
    target: str
    permission: Literal["read", "write"]
    recursive: bool = True


class PodScopeSnapshot(StoreModel):
    allow: list[ScopeRule]
    deny: list[ScopeRule]


class PodTurnEnded(StoreModel):
    kind: Literal["turn_ended"] = "turn_ended"
    pod_name: str


class PodErrored(StoreModel):
    kind: Literal["errored"] = "errored"
    pod_name: str
    message: str


class PodShutDown(StoreModel):
    kind: Literal["shut_down"] = "shut_down"
    pod_name: str


class PodScopeSubDelegated(StoreModel):
    kind: Literal["scope_sub_delegated"] = "scope_sub_delegated"
    parent_pod: str
    sub_pod: str
    sub_socket: str
    scope: list[ScopeRule]


PodEvent = Annotated[
    PodTurnEnded | PodErrored | PodShutDown | PodScopeSubDelegated, Field(discriminator="kind")
]


class SystemNotification(StoreModel):
    kind: Literal["notification"] = "notification"
    message: str
    body: str


class SystemPodEvent(StoreModel):
    kind: Literal["pod_event"] = "pod_event"
    event: PodEvent
    body: str


class SystemFileAttachment(StoreModel):
    kind: Literal["file_attachment"] = "file_attachment"
    path: str
    body: str


class SystemKnowledge(StoreModel):
    kind: Literal["knowledge"] = "knowledge"
    slug: str
    body: str


class SystemWorkflow(StoreModel):
    kind: Literal["workflow"] = "workflow"
    slug: str
    body: str


SystemItem = Annotated[
    SystemNotification | SystemPodEvent | SystemFileAttachment | SystemKnowledge | SystemWorkflow,
    Field(discriminator="kind"),
]
"""A system message injected into the conversation; ``body`` is the text the model saw."""

# --- configuration and small enums ----------------------------------------------------------

InvokeKind = Literal["user_send", "notify", "pod_event", "system_reminder", "wakeup"]
WorkerResult = Literal["finished", "paused", "limit_reached", "yielded"]


class RequestConfig(StoreModel):
    """LLM request settings. ``reasoning`` is an effort label (str) or a token budget (i32)."""

    _f32_fields = frozenset({"temperature", "top_p"})

    max_tokens: U32 | None = None
    temperature: F32 | None = None
    top_p: F32 | None = None
    top_k: U32 | None = None
    stop_sequences: list[str]
    reasoning: str | I32 | None = None


class SegmentOrigin(StoreModel):
    """Where a segment branched from: the parent and the parent's ``turn_count`` at the split."""

    segment_id: Uuid
    at_turn_index: U64


class UsageRecord(StoreModel):
    """The five counters of one LLM request (an ``llm_usage`` entry without kind and ts)."""

    history_len: U64
    input_total_tokens: U64
    cache_read_tokens: U64
    cache_write_tokens: U64
    output_tokens: U64


class UserInputExtension(StoreModel):
    """Later format versions: extension data attached to a user input."""

    _json_fields = frozenset({"payload"})

    domain: str
    payload: JsonValue


# --- log entries ----------------------------------------------------------------------------


class SegmentStart(StoreModel):
    _omit_when_empty = frozenset({"session_id", "forked_from", "compacted_from"})

    kind: Literal["segment_start"] = "segment_start"
    ts: U64
    session_id: Uuid | None = None  # later format versions only
    system_prompt: str | None = None
    config: RequestConfig
    history: list[LoggedItem]
    forked_from: SegmentOrigin | None = None
    compacted_from: SegmentOrigin | None = None

    @property
    def origin(self) -> SegmentOrigin | None:
        return self.forked_from or self.compacted_from


class Invoke(StoreModel):
    kind: Literal["invoke"] = "invoke"
    ts: U64
    trigger: InvokeKind


class UserInput(StoreModel):
    _omit_when_empty = frozenset({"extensions"})

    kind: Literal["user_input"] = "user_input"
    ts: U64
    segments: list[UserSegment]
    extensions: list[UserInputExtension] = []  # later format versions only


class AssistantItem(StoreModel):
    kind: Literal["assistant_item"] = "assistant_item"
    ts: U64
    item: LoggedItem


class ToolResultEntry(StoreModel):
    kind: Literal["tool_result"] = "tool_result"
    ts: U64
    item: LoggedItem


class SystemItemEntry(StoreModel):
    kind: Literal["system_item"] = "system_item"
    ts: U64
    item: SystemItem


class AssistantItems(StoreModel):
    """Legacy (read-only)."""

    kind: Literal["assistant_items"] = "assistant_items"
    ts: U64
    items: list[LoggedItem]


class ToolResults(StoreModel):
    """Legacy (read-only)."""

    kind: Literal["tool_results"] = "tool_results"
    ts: U64
    items: list[LoggedItem]


class SystemItems(StoreModel):
    """Legacy (read-only)."""

    kind: Literal["system_items"] = "system_items"
    ts: U64
    items: list[SystemItem]


class HookInjectedItems(StoreModel):
    """Legacy (read-only)."""

    kind: Literal["hook_injected_items"] = "hook_injected_items"
    ts: U64
    items: list[LoggedItem]


class TurnEnd(StoreModel):
    kind: Literal["turn_end"] = "turn_end"
    ts: U64
    turn_count: U64


class RunCompleted(StoreModel):
    kind: Literal["run_completed"] = "run_completed"
    ts: U64
    interrupted: bool
    result: WorkerResult


class RunErrored(StoreModel):
    kind: Literal["run_errored"] = "run_errored"
    ts: U64
    interrupted: bool
    message: str


class ConfigChanged(StoreModel):
    kind: Literal["config_changed"] = "config_changed"
    ts: U64
    config: RequestConfig


class LlmUsage(StoreModel):
    kind: Literal["llm_usage"] = "llm_usage"
    ts: U64
    history_len: U64
    input_total_tokens: U64
    cache_read_tokens: U64
    cache_write_tokens: U64
    output_tokens: U64

    def record(self) -> UsageRecord:
        return UsageRecord(
            history_len=self.history_len,
            input_total_tokens=self.input_total_tokens,
            cache_read_tokens=self.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens,
            output_tokens=self.output_tokens,
        )


class Extension(StoreModel):
    _json_fields = frozenset({"payload"})

    kind: Literal["extension"] = "extension"
    ts: U64
    domain: str
    payload: JsonValue


class PausedTurnAbandoned(StoreModel):
    """Later format versions (8c8fb014): a paused turn was given up; clears the interrupted flag.

    Not part of the reference version: the strict reader rejects it as the Rust reader of
    that version does; the tolerant reader accepts it.
    """

    kind: Literal["paused_turn_abandoned"] = "paused_turn_abandoned"
    ts: U64


LogEntry = Annotated[
    SegmentStart
    | Invoke
    | UserInput
    | AssistantItem
    | ToolResultEntry
    | SystemItemEntry
    | AssistantItems
    | ToolResults
    | SystemItems
    | HookInjectedItems
    | TurnEnd
    | RunCompleted
    | RunErrored
    | ConfigChanged
    | LlmUsage
    | Extension
    | PausedTurnAbandoned,
    Field(discriminator="kind"),
]
"""One line of a segment log."""

REFERENCE_KINDS: tuple[str, ...] = (
    "segment_start",
    "invoke",
    "user_input",
    "assistant_item",
    "tool_result",
    "system_item",
    "assistant_items",
    "tool_results",
    "system_items",
    "hook_injected_items",
    "turn_end",
    "run_completed",
    "run_errored",
    "config_changed",
    "llm_usage",
    "extension",
)
"""The entry kinds of the reference version, in declaration order."""

ENTRY_CLASSES: dict[str, type[StoreModel]] = {
    cls.model_fields["kind"].default: cls
    for cls in (
        SegmentStart,
        Invoke,
        UserInput,
        AssistantItem,
        ToolResultEntry,
        SystemItemEntry,
        AssistantItems,
        ToolResults,
        SystemItems,
        HookInjectedItems,
        TurnEnd,
        RunCompleted,
        RunErrored,
        ConfigChanged,
        LlmUsage,
        Extension,
        PausedTurnAbandoned,
    )
}


class TraceEntry(StoreModel):
    """One line of a ``{segment_id}.trace.jsonl`` debug trace (never replayed)."""

    _json_fields = frozenset({"event"})

    ts: U64
    turn: U64
    event: JsonValue
