"""Request configuration, origins, usage, and every log entry (``LogEntry``)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from .base import (
    CURRENT,
    F32,
    I32,
    U32,
    U64,
    FormatVersion,
    JsonValue,
    StoreModel,
    Uuid,
)
from .inputs import UserSegment
from .items import LoggedItem
from .system import SystemItem

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
    _versions: ClassVar[dict[str, frozenset[FormatVersion]]] = {"session_id": frozenset({CURRENT})}

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
    _versions: ClassVar[dict[str, frozenset[FormatVersion]]] = {"extensions": frozenset({CURRENT})}

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

    def counters(self) -> dict[str, int]:
        """The five counters by name (the fields of ``UsageRecord``)."""
        return {
            "history_len": self.history_len,
            "input_total_tokens": self.input_total_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "output_tokens": self.output_tokens,
        }

    def record(self) -> UsageRecord:
        return UsageRecord(**self.counters())


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
