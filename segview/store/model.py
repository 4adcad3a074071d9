"""Typed models of the segment log format (FORMAT.md sections 3, 4 and 9.3).

The models hold the **union of every version** of the format: the reference shapes (legacy
plural kinds, ``pod_event``, ``knowledge_ref`` / ``workflow_invoke`` segments, no
``session_id``) and the current ones (``session_id``, ``worker_event``, ``interrupt``,
``task_reminder``, ``skill_activation``, ``prompt_provenance``, attachments, ``flow``,
``user_input.extensions``, ``paused_turn_abandoned``). Which of them a given version accepts
is decided by the codec (``codec.validate_entry``), not here.

Every model is a frozen pydantic v2 model in *strict* mode, so that it accepts exactly what
serde accepts: integers are never floats, booleans are never numbers, absent optional fields
read as null / empty / false. Unknown keys are *forbidden* by the models' own validators (a
fast check that a line holds nothing unknown); ``LENIENT_VALIDATORS`` validate the same
classes with unknown keys kept (in ``__pydantic_extra__``, in their original order) and
unknown kinds of a history item, system item, worker event, attachment or user-input segment
kept as ``Unknown*`` models, so that nothing a newer runtime wrote is lost.

Field declaration order is write order: the codec (``codec.py``) writes fields in the order
they are declared here, with the ``kind`` tag first.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, TypeAlias

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
)
from pydantic_core import SchemaValidator

__all__ = [
    "CURRENT_KINDS",
    "CURRENT_SYSTEM_ITEMS",
    "ENTRY_CLASSES",
    "FAST_VALIDATORS",
    "LENIENT_VALIDATORS",
    "REFERENCE_KINDS",
    "REFERENCE_SYSTEM_ITEMS",
    "U64_MAX",
    "AssistantItem",
    "AssistantItems",
    "Attachment",
    "ConfigChanged",
    "ContentPart",
    "Extension",
    "FileRefSegment",
    "FlowSegment",
    "FormatVersion",
    "HookInjectedItems",
    "ImageAttachment",
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
    "PromptProvenance",
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
    "SystemInterrupt",
    "SystemItem",
    "SystemItemEntry",
    "SystemItems",
    "SystemKnowledge",
    "SystemNotification",
    "SystemPodEvent",
    "SystemSkillActivation",
    "SystemTaskReminder",
    "SystemWorkerEvent",
    "SystemWorkflow",
    "TextPart",
    "TextSegment",
    "ToolCallItem",
    "ToolResultEntry",
    "ToolResultItem",
    "ToolResults",
    "TraceEntry",
    "TurnEnd",
    "UnknownAttachment",
    "UnknownLoggedItem",
    "UnknownSegment",
    "UnknownSystemItem",
    "UnknownVariant",
    "UnknownWorkerEvent",
    "UsageRecord",
    "UserInput",
    "UserInputExtension",
    "UserSegment",
    "WorkerErrored",
    "WorkerEvent",
    "WorkerResult",
    "WorkerScopeSubDelegated",
    "WorkerShutDown",
    "WorkerTurnEnded",
    "WorkflowInvokeSegment",
    "f32",
    "normalize_uuid",
]


class FormatVersion(StrEnum):
    """The version of the format whose rules apply (FORMAT.md section 9.6).

    ``REFERENCE`` is the reference commit ``22f5d023``; ``CURRENT`` the current upstream
    ``b12e0785``. ``AUTO`` means "infer it": a ``segment_start`` with ``session_id``, or a
    segment in a session directory or worker aggregate, follows the current rules; anything
    else the reference rules.
    """

    AUTO = "auto"
    REFERENCE = "reference"
    CURRENT = "current"


REFERENCE = FormatVersion.REFERENCE
CURRENT = FormatVersion.CURRENT
BOTH = frozenset({REFERENCE, CURRENT})

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
    """Base of every model: strict, frozen, unknown keys rejected (see the module docstring).

    Class attributes the codec reads: ``_omit_when_empty`` names the fields that serde skips
    when they are null, false or empty (``skip_serializing_if``); ``_f32_fields`` the fields
    printed as 32-bit floats; ``_json_fields`` the fields holding free-form JSON (written with
    sorted object keys); ``_versions`` the versions that have a field, for the fields one
    version lacks (what that version's runtime drops when it writes the model back).
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    _omit_when_empty: ClassVar[frozenset[str]] = frozenset()
    _f32_fields: ClassVar[frozenset[str]] = frozenset()
    _json_fields: ClassVar[frozenset[str]] = frozenset()
    _versions: ClassVar[dict[str, frozenset[FormatVersion]]] = {}

    @property
    def extras(self) -> dict[str, Any]:
        """Keys this version of segview does not know, as read (in their original order)."""
        return self.__pydantic_extra__ or {}


class UnknownVariant(StoreModel):
    """A tagged object whose ``kind`` no version known here has: kept whole, never dropped.

    Every key but ``kind`` is kept in ``extras`` in its original order; ``raw`` gives the
    object back with ``kind`` first (the order serde writes a tagged object in).
    """

    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    _what: ClassVar[str] = "object"

    kind: str

    @property
    def raw(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.extras}


_UNKNOWN = "unknown"
Tagger = Callable[[Any], str | None]
_TAGGERS: dict[Tagger, tuple[frozenset[str], Tagger]] = {}
"""Each union discriminator with an ``Unknown*`` fallback: its known tags, its lenient twin."""


def _taggers(known: frozenset[str], unknown: type[UnknownVariant]) -> Tagger:
    """The discriminator of a union with an unknown fallback (its lenient twin registered).

    The strict one maps raw JSON of an unknown kind to no tag (a validation error); the
    lenient one maps it to ``unknown``. Model instances are tagged by their class either way.
    A missing or non-string ``kind`` is an error for both, as for serde.
    """

    def strict(value: Any) -> str | None:
        if isinstance(value, dict):
            kind = value.get("kind")
            return kind if kind.__class__ is str and kind in known else None
        if isinstance(value, unknown):
            return _UNKNOWN
        kind = getattr(value, "kind", None)
        return kind if kind.__class__ is str and kind in known else None

    def lenient(value: Any) -> str | None:
        if isinstance(value, dict):
            kind = value.get("kind")
            if kind.__class__ is not str:
                return None
            return kind if kind in known else _UNKNOWN
        return strict(value)

    _TAGGERS[strict] = (known, lenient)
    return strict


def _discriminator(
    what: str, members: tuple[type[StoreModel], ...], unknown: type[UnknownVariant]
) -> Discriminator:
    """The ``Discriminator`` of a union of ``members`` tagged by ``kind``, with ``unknown``
    (tagged ``unknown``) for the kinds no member has (see ``_taggers``)."""
    known = frozenset(m.model_fields["kind"].default for m in members)
    return Discriminator(
        _taggers(known, unknown),
        custom_error_type="invalid_tag",
        custom_error_message=f"missing or invalid field `kind` in {what}",
    )


# --- content parts, attachments and logged items (llm-engine) -------------------------------


class TextPart(StoreModel):
    kind: Literal["text"] = "text"
    text: str


class RefusalPart(StoreModel):
    kind: Literal["refusal"] = "refusal"
    refusal: str


ContentPart = Annotated[TextPart | RefusalPart, Field(discriminator="kind")]
Role = Literal["user", "assistant", "system"]


def standard_base64(value: str) -> str:
    """Check ``value`` is standard, padded, canonical base64 (Rust ``base64`` 0.22 STANDARD)."""
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("invalid base64 (standard alphabet, padded)") from None
    if base64.b64encode(decoded).decode("ascii") != value:
        raise ValueError("invalid base64: non-canonical padding or trailing bits")
    return value


class ImageAttachment(StoreModel):
    """An image attached to a tool result (current version); ``data`` is base64 text."""

    kind: Literal["image"] = "image"
    mime_type: str
    data: Annotated[str, AfterValidator(standard_base64)]

    @property
    def size(self) -> int:
        """The number of bytes ``data`` decodes to."""
        return len(self.data) * 3 // 4 - self.data[-2:].count("=")


class UnknownAttachment(UnknownVariant):
    """An attachment kind no known version has."""

    _what = "attachment"


Attachment = Annotated[
    Annotated[ImageAttachment, Tag("image")] | Annotated[UnknownAttachment, Tag(_UNKNOWN)],
    _discriminator("an attachment", (ImageAttachment,), UnknownAttachment),
]


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
    _omit_when_empty = frozenset({"content", "attachments", "is_error"})
    _versions = {"attachments": frozenset({CURRENT})}

    kind: Literal["tool_result"] = "tool_result"
    call_id: str
    summary: str
    content: str | None = None
    # mutable defaults through a factory: pydantic deep-copies a plain `[]` default per model
    attachments: list[Attachment] = Field(default_factory=list)  # current version
    is_error: bool = False


class ReasoningItem(StoreModel):
    _omit_when_empty = frozenset({"summary", "encrypted_content", "signature"})

    kind: Literal["reasoning"] = "reasoning"
    text: str
    summary: list[str] = Field(default_factory=list)
    encrypted_content: str | None = None
    signature: str | None = None


class UnknownLoggedItem(UnknownVariant):
    """A history item kind no known version has (kept in the history as it was read)."""

    _what = "history item"


LoggedItem = Annotated[
    Annotated[MessageItem, Tag("message")]
    | Annotated[ToolCallItem, Tag("tool_call")]
    | Annotated[ToolResultItem, Tag("tool_result")]
    | Annotated[ReasoningItem, Tag("reasoning")]
    | Annotated[UnknownLoggedItem, Tag(_UNKNOWN)],
    _discriminator(
        "a history item",
        (MessageItem, ToolCallItem, ToolResultItem, ReasoningItem),
        UnknownLoggedItem,
    ),
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
    """Reference version only; the current version reads it as ``unknown``."""

    _unknown_in: ClassVar[frozenset[FormatVersion]] = frozenset({CURRENT})

    kind: Literal["knowledge_ref"] = "knowledge_ref"
    slug: str


class WorkflowInvokeSegment(StoreModel):
    """Reference version only; the current version reads it as ``unknown``."""

    _unknown_in: ClassVar[frozenset[FormatVersion]] = frozenset({CURRENT})

    kind: Literal["workflow_invoke"] = "workflow_invoke"
    slug: str


class FlowSegment(StoreModel):
    """Current version only; the reference version reads it as ``unknown``."""

    _unknown_in: ClassVar[frozenset[FormatVersion]] = frozenset({REFERENCE})

    kind: Literal["flow"] = "flow"
    selector: str


class UnknownSegment(UnknownVariant):
    """A segment kind the version does not know. serde reads every such kind as ``unknown``
    and writes ``{"kind":"unknown"}`` back; segview keeps the kind and fields as read."""

    _unknown_in: ClassVar[frozenset[FormatVersion]] = BOTH
    _what = "user-input segment"

    kind: str = _UNKNOWN


UserSegment = Annotated[
    Annotated[TextSegment, Tag("text")]
    | Annotated[PasteSegment, Tag("paste")]
    | Annotated[FileRefSegment, Tag("file_ref")]
    | Annotated[KnowledgeRefSegment, Tag("knowledge_ref")]
    | Annotated[WorkflowInvokeSegment, Tag("workflow_invoke")]
    | Annotated[FlowSegment, Tag("flow")]
    | Annotated[UnknownSegment, Tag(_UNKNOWN)],
    Discriminator(
        # `unknown` itself is what serde writes for an unknown kind: nothing new in it
        _taggers(
            frozenset(
                {"text", "paste", "file_ref", "knowledge_ref", "workflow_invoke", "flow", _UNKNOWN}
            ),
            UnknownSegment,
        ),
        custom_error_type="missing_tag",
        custom_error_message="missing field `kind` in user-input segment",
    ),
]
"""One typed piece of user input."""

# --- system items, pod and worker events (protocol) -----------------------------------------


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
"""Reference version: what a child pod reported (renamed ``worker_event`` later)."""


class WorkerTurnEnded(StoreModel):
    kind: Literal["turn_ended"] = "turn_ended"
    worker_name: str


class WorkerErrored(StoreModel):
    kind: Literal["errored"] = "errored"
    worker_name: str
    message: str


class WorkerShutDown(StoreModel):
    kind: Literal["shut_down"] = "shut_down"
    worker_name: str


class WorkerScopeSubDelegated(StoreModel):
    kind: Literal["scope_sub_delegated"] = "scope_sub_delegated"
    parent_worker: str
    sub_worker: str
    sub_socket: str
    scope: list[ScopeRule]


class UnknownWorkerEvent(UnknownVariant):
    """A worker event kind no known version has."""

    _what = "worker event"


WorkerEvent = Annotated[
    Annotated[WorkerTurnEnded, Tag("turn_ended")]
    | Annotated[WorkerErrored, Tag("errored")]
    | Annotated[WorkerShutDown, Tag("shut_down")]
    | Annotated[WorkerScopeSubDelegated, Tag("scope_sub_delegated")]
    | Annotated[UnknownWorkerEvent, Tag(_UNKNOWN)],
    _discriminator(
        "a worker event",
        (WorkerTurnEnded, WorkerErrored, WorkerShutDown, WorkerScopeSubDelegated),
        UnknownWorkerEvent,
    ),
]
"""Current version: what a child worker reported."""


class PromptProvenance(StoreModel):
    """Current version: where the text of a rendered system prompt item came from."""

    _omit_when_empty = frozenset({"workspace_id"})

    workspace_id: str | None = None
    config_revision: U64
    source_digest: str
    projection_digest: str
    logical_name: str


class SystemNotification(StoreModel):
    _omit_when_empty = frozenset({"prompt_provenance"})
    _versions = {"prompt_provenance": frozenset({CURRENT})}

    kind: Literal["notification"] = "notification"
    message: str
    body: str
    prompt_provenance: PromptProvenance | None = None  # current version


class SystemPodEvent(StoreModel):
    """Reference version only (the current version rejects it)."""

    kind: Literal["pod_event"] = "pod_event"
    event: PodEvent
    body: str


class SystemWorkerEvent(StoreModel):
    """Current version only."""

    _omit_when_empty = frozenset({"prompt_provenance"})

    kind: Literal["worker_event"] = "worker_event"
    event: WorkerEvent
    body: str
    prompt_provenance: PromptProvenance | None = None


class SystemFileAttachment(StoreModel):
    kind: Literal["file_attachment"] = "file_attachment"
    path: str
    body: str


class SystemSkillActivation(StoreModel):
    """Current version only."""

    kind: Literal["skill_activation"] = "skill_activation"
    name: str
    body: str


class SystemKnowledge(StoreModel):
    """Replayed as its body by the reference version, as an empty text by the current one."""

    kind: Literal["knowledge"] = "knowledge"
    slug: str
    body: str


class SystemWorkflow(StoreModel):
    """The reference version writes (and requires) ``body``; the current one ignores it,
    writes ``{kind, slug}`` and replays ``Ignored legacy procedure item: /{slug}``."""

    _omit_when_empty = frozenset({"body"})
    _versions = {"body": frozenset({REFERENCE})}

    kind: Literal["workflow"] = "workflow"
    slug: str
    body: str | None = None


class SystemTaskReminder(StoreModel):
    """Current version only; ``source`` defaults to ``task_inactivity`` and is always written."""

    _omit_when_empty = frozenset({"prompt_provenance"})

    kind: Literal["task_reminder"] = "task_reminder"
    source: Literal["task_inactivity"] = "task_inactivity"
    body: str
    prompt_provenance: PromptProvenance | None = None


class SystemInterrupt(StoreModel):
    """Current version only: the note that the previous turn was interrupted."""

    _omit_when_empty = frozenset({"prompt_provenance"})

    kind: Literal["interrupt"] = "interrupt"
    body: str
    prompt_provenance: PromptProvenance | None = None


class UnknownSystemItem(UnknownVariant):
    """A system item kind no known version has (replayed as its ``body`` when it has one)."""

    _what = "system item"


_SYSTEM_ITEM_CLASSES = (
    SystemNotification,
    SystemPodEvent,
    SystemWorkerEvent,
    SystemFileAttachment,
    SystemSkillActivation,
    SystemKnowledge,
    SystemWorkflow,
    SystemTaskReminder,
    SystemInterrupt,
)
SystemItem = Annotated[
    Annotated[SystemNotification, Tag("notification")]
    | Annotated[SystemPodEvent, Tag("pod_event")]
    | Annotated[SystemWorkerEvent, Tag("worker_event")]
    | Annotated[SystemFileAttachment, Tag("file_attachment")]
    | Annotated[SystemSkillActivation, Tag("skill_activation")]
    | Annotated[SystemKnowledge, Tag("knowledge")]
    | Annotated[SystemWorkflow, Tag("workflow")]
    | Annotated[SystemTaskReminder, Tag("task_reminder")]
    | Annotated[SystemInterrupt, Tag("interrupt")]
    | Annotated[UnknownSystemItem, Tag(_UNKNOWN)],
    _discriminator("a system item", _SYSTEM_ITEM_CLASSES, UnknownSystemItem),
]
"""A system message injected into the conversation; ``body`` is the text the model saw."""

# the system item kinds each version reads
REFERENCE_SYSTEM_ITEMS = frozenset(
    {"notification", "pod_event", "file_attachment", "knowledge", "workflow"}
)
CURRENT_SYSTEM_ITEMS = frozenset(
    {
        "notification",
        "worker_event",
        "file_attachment",
        "skill_activation",
        "knowledge",
        "workflow",
        "task_reminder",
        "interrupt",
    }
)

# --- configuration and small enums ----------------------------------------------------------

InvokeKind = Literal[
    "user_send", "notify", "pod_event", "worker_event", "system_reminder", "wakeup"
]
"""``pod_event`` is the reference version's, ``worker_event`` the current version's."""
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
    """Current version: extension data committed with a user input (``{domain, payload}``)."""

    _json_fields = frozenset({"payload"})

    domain: str
    payload: JsonValue


# --- log entries ----------------------------------------------------------------------------


class SegmentStart(StoreModel):
    """The first entry. ``session_id`` is required by the current version (written right
    after ``ts``) and unknown to the reference version."""

    _omit_when_empty = frozenset({"session_id", "forked_from", "compacted_from"})
    _versions = {"session_id": frozenset({CURRENT})}

    kind: Literal["segment_start"] = "segment_start"
    ts: U64
    session_id: Uuid | None = None  # current version
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
    _versions = {"extensions": frozenset({CURRENT})}

    kind: Literal["user_input"] = "user_input"
    ts: U64
    segments: list[UserSegment]
    extensions: list[UserInputExtension] = Field(default_factory=list)  # current version


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
    """Legacy (reference version, read-only)."""

    kind: Literal["assistant_items"] = "assistant_items"
    ts: U64
    items: list[LoggedItem]


class ToolResults(StoreModel):
    """Legacy (reference version, read-only)."""

    kind: Literal["tool_results"] = "tool_results"
    ts: U64
    items: list[LoggedItem]


class SystemItems(StoreModel):
    """Legacy (reference version, read-only)."""

    kind: Literal["system_items"] = "system_items"
    ts: U64
    items: list[SystemItem]


class HookInjectedItems(StoreModel):
    """Legacy (reference version, read-only)."""

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
    """Current version (from 8c8fb014): a paused turn was given up; clears the interrupted
    flag. The strict reader of the reference version rejects it, as the Rust reader of that
    version does."""

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
"""One line of a segment log (the union of every version)."""

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

CURRENT_KINDS: tuple[str, ...] = (
    "segment_start",
    "invoke",
    "user_input",
    "assistant_item",
    "tool_result",
    "system_item",
    "turn_end",
    "run_completed",
    "run_errored",
    "paused_turn_abandoned",
    "config_changed",
    "llm_usage",
    "extension",
)
"""The entry kinds of the current version, in declaration order (no legacy plural kinds)."""

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


# --- the validators of the codec -------------------------------------------------------------


def _derived_schema(node: Any, *, lenient: bool) -> Any:
    """A copy of a core schema for decoding lines (see ``FAST_VALIDATORS``).

    Fast: unknown keys forbidden everywhere, and each union with an unknown fallback tagged
    by ``kind`` in pydantic-core itself (known tags only: no Python call per item). Lenient:
    unknown keys kept everywhere, and unknown kinds tagged ``unknown``.
    """
    if isinstance(node, list):
        return [_derived_schema(v, lenient=lenient) for v in node]
    if not isinstance(node, dict):
        return node
    tagger = node.get("discriminator")
    if node.get("type") == "tagged-union" and callable(tagger) and tagger in _TAGGERS:
        known, lenient_tagger = _TAGGERS[tagger]
        if lenient:
            node = {**node, "discriminator": lenient_tagger}
        else:
            choices = {k: v for k, v in node["choices"].items() if k in known}
            node = {**node, "discriminator": "kind", "choices": choices}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "extra_fields_behavior":
            out[key] = "allow" if lenient else "forbid"
        elif key == "discriminator":
            out[key] = value
        else:
            out[key] = _derived_schema(value, lenient=lenient)
    return out


def _all_models() -> list[type[StoreModel]]:
    found: list[type[StoreModel]] = []
    stack: list[type[StoreModel]] = [StoreModel]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return found


def _build_validators(
    roots: list[type[StoreModel]], *, lenient: bool
) -> dict[type, SchemaValidator]:
    """One validator per root class from a derived schema; it builds the same classes.

    pydantic-core reuses a class's own validator for a model schema whose class is complete,
    which would ignore the derived schema; the classes are marked incomplete while the
    validators are built, then marked complete again.
    """
    models = [m for m in _all_models() if m.__dict__.get("__pydantic_complete__")]
    for m in models:
        m.__pydantic_complete__ = False
    try:
        return {
            cls: SchemaValidator(_derived_schema(cls.__pydantic_core_schema__, lenient=lenient))
            for cls in roots
        }
    finally:
        for m in models:
            m.__pydantic_complete__ = True


_DECODED: list[type[StoreModel]] = [*ENTRY_CLASSES.values(), PodScopeSnapshot]

FAST_VALIDATORS: dict[type, SchemaValidator] = _build_validators(_DECODED, lenient=False)
"""Per entry class (and ``PodScopeSnapshot``): accept only what every key and kind of which
is known (the common line, validated without any Python call); anything else fails."""

LENIENT_VALIDATORS: dict[type, SchemaValidator] = _build_validators(_DECODED, lenient=True)
"""Per entry class (and ``PodScopeSnapshot``): keep unknown keys and unknown kinds."""
