"""What ``Timeline`` keeps of a segment besides its entries: a ``Turn`` per ``turn_end``, the
totals of the turn in progress, checkpoints of the replayed state (list references plus
lengths: replay only ever appends to a state's lists), and the code of each entry type that
indexing looks at."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from segview.store import (
    AssistantItem,
    AssistantItems,
    FormatVersion,
    HookInjectedItems,
    LlmUsage,
    LogEntry,
    RestoredState,
    SystemItemEntry,
    SystemItems,
    ToolResultEntry,
    ToolResults,
    TurnEnd,
    UnknownEntry,
    UsageRecord,
    UserInput,
)

__all__ = [
    "CANCEL_CHECK_ENTRIES",
    "CHECKPOINT_EVERY",
    "CODES",
    "PREVIEW_WIDTH",
    "Checkpoint",
    "Entry",
    "LoadCancelled",
    "OpenTurn",
    "Turn",
]

CHECKPOINT_EVERY = 64
PREVIEW_WIDTH = 200
CANCEL_CHECK_ENTRIES = 4096  # entries replayed between two looks at ``cancelled``


class LoadCancelled(Exception):
    """A load given up because its ``cancelled`` callback said so."""


# What indexing needs to know of each entry type (looked up by exact type, for speed)
ITEM, ITEMS, USER, SYSTEM, SYSTEM_ITEMS, USAGE, TURN_END = range(1, 8)
CODES: dict[type, int] = {
    AssistantItem: ITEM,
    ToolResultEntry: ITEM,
    AssistantItems: ITEMS,
    ToolResults: ITEMS,
    HookInjectedItems: ITEMS,
    UserInput: USER,
    SystemItemEntry: SYSTEM,
    SystemItems: SYSTEM_ITEMS,
    LlmUsage: USAGE,
    TurnEnd: TURN_END,
}

Entry = LogEntry | UnknownEntry


@dataclass
class Turn:
    """One completed turn: the entries after the previous ``turn_end`` up to its own."""

    index: int
    turn_count: int
    first_entry: int
    end_entry: int
    first_ts: int | None
    last_ts: int | None
    user_preview: str | None
    assistant_items: int = 0
    tool_calls: int = 0
    tool_results: int = 0
    system_items: int = 0
    usage: list[UsageRecord] = field(default_factory=list)
    history_len_before: int = 0
    history_len_after: int = 0

    @property
    def duration_ms(self) -> int | None:
        if self.first_ts is None or self.last_ts is None:
            return None
        return self.last_ts - self.first_ts


@dataclass(slots=True, frozen=True)
class Checkpoint:
    """The replay state after ``entries`` entries, as list references plus lengths."""

    entries: int
    system_prompt: str | None
    config: Any
    history: list[Any]
    history_len: int
    turn_count: int
    last_run_interrupted: bool
    usage_history: list[UsageRecord]
    usage_len: int
    extensions: list[tuple[str, Any]]
    extensions_len: int
    pod_scope: Any
    user_segments: list[Any]
    user_segments_len: int
    session_id: str | None
    format_version: FormatVersion

    @classmethod
    def of(cls, state: RestoredState) -> Checkpoint:
        return cls(
            state.entries_count,
            state.system_prompt,
            state.config,
            state.history,
            len(state.history),
            state.turn_count,
            state.last_run_interrupted,
            state.usage_history,
            len(state.usage_history),
            state.extensions,
            len(state.extensions),
            state.pod_scope,
            state.user_segments,
            len(state.user_segments),
            state.session_id,
            state.format_version,
        )

    def state(self) -> RestoredState:
        return RestoredState(
            system_prompt=self.system_prompt,
            config=self.config,
            history=self.history[: self.history_len],
            turn_count=self.turn_count,
            last_run_interrupted=self.last_run_interrupted,
            entries_count=self.entries,
            usage_history=self.usage_history[: self.usage_len],
            extensions=self.extensions[: self.extensions_len],
            pod_scope=self.pod_scope,
            user_segments=self.user_segments[: self.user_segments_len],
            session_id=self.session_id,
            format_version=self.format_version,
        )


@dataclass(slots=True)
class OpenTurn:
    """Totals of the entries after the last ``turn_end`` (the turn in progress)."""

    first_entry: int
    history_len_before: int
    first_ts: int | None = None
    user_preview: str | None = None
    assistant_items: int = 0
    tool_calls: int = 0
    tool_results: int = 0
    system_items: int = 0
    usage: list[UsageRecord] = field(default_factory=list)
