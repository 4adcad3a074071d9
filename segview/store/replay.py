"""``collect_state``: replay entries into the conversation state (FORMAT.md section 5)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, cast

import orjson
from pydantic import ValidationError

from .codec import encode_json_value, to_wire
from .model import (
    AssistantItem,
    AssistantItems,
    ConfigChanged,
    Extension,
    FileRefSegment,
    HookInjectedItems,
    KnowledgeRefSegment,
    LlmUsage,
    LoggedItem,
    MessageItem,
    PasteSegment,
    PausedTurnAbandoned,
    PodScopeSnapshot,
    RequestConfig,
    RunCompleted,
    RunErrored,
    SegmentStart,
    SystemItem,
    SystemItemEntry,
    SystemItems,
    TextSegment,
    ToolResultEntry,
    ToolResults,
    TurnEnd,
    UsageRecord,
    UserInput,
    UserSegment,
    WorkflowInvokeSegment,
)

__all__ = ["POD_SCOPE_DOMAIN", "RestoredState", "apply_entry", "collect_state", "flatten_segments"]

log = logging.getLogger(__name__)

POD_SCOPE_DOMAIN = "pod.scope"
DEFAULT_CONFIG = RequestConfig(stop_sequences=[])


def flatten_segments(segments: Iterable[UserSegment]) -> str:
    """The text of user input as the model saw it: segments concatenated, no separator."""
    out: list[str] = []
    for seg in segments:
        if isinstance(seg, (TextSegment, PasteSegment)):
            out.append(seg.content)
        elif isinstance(seg, FileRefSegment):
            out.append("@" + seg.path)
        elif isinstance(seg, KnowledgeRefSegment):
            out.append("#" + seg.slug)
        elif isinstance(seg, WorkflowInvokeSegment):
            out.append("/" + seg.slug)
        else:
            out.append("[unknown input segment]")
    return "".join(out)


_MESSAGE_VALIDATOR = MessageItem.__pydantic_validator__


def _text_message(role: Any, text: str) -> MessageItem:
    # the compiled validator on a plain dict is the cheapest way to build a model (~1 µs)
    message = _MESSAGE_VALIDATOR.validate_python(
        {"role": role, "content": [{"kind": "text", "text": text}]}
    )
    assert isinstance(message, MessageItem)
    return message


@dataclass(slots=True)
class RestoredState:
    """The conversation rebuilt from a log: exactly the fields of the Rust ``RestoredState``."""

    system_prompt: str | None = None
    config: RequestConfig = DEFAULT_CONFIG
    history: list[LoggedItem] = field(default_factory=list)
    turn_count: int = 0
    last_run_interrupted: bool = False
    entries_count: int = 0
    usage_history: list[UsageRecord] = field(default_factory=list)
    extensions: list[tuple[str, Any]] = field(default_factory=list)
    pod_scope: PodScopeSnapshot | None = None
    user_segments: list[list[UserSegment]] = field(default_factory=list)

    def copy(self) -> RestoredState:
        """A copy whose lists can be appended to without touching this one (items are shared)."""
        return replace(
            self,
            history=list(self.history),
            usage_history=list(self.usage_history),
            extensions=list(self.extensions),
            user_segments=list(self.user_segments),
        )

    def to_wire(self) -> dict[str, Any]:
        """The state as orjson input, every item in its on-disk form (the golden files' shape).

        ``orjson.dumps`` of it prints floats and payload keys exactly as serde_json would.
        """
        return {
            "entries_count": self.entries_count,
            "turn_count": self.turn_count,
            "system_prompt": self.system_prompt,
            "config": to_wire(self.config),
            "history": [to_wire(i) for i in self.history],
            "last_run_interrupted": self.last_run_interrupted,
            "usage_history": [to_wire(u) for u in self.usage_history],
            "extensions": [[d, encode_json_value(p)] for d, p in self.extensions],
            "pod_scope": None if self.pod_scope is None else to_wire(self.pod_scope),
            "user_segments": [[to_wire(s) for s in segs] for segs in self.user_segments],
        }

    def to_json(self) -> dict[str, Any]:
        """The state as plain JSON data (see ``to_wire``)."""
        return cast(dict[str, Any], orjson.loads(orjson.dumps(self.to_wire())))


def _system_message(item: SystemItem) -> MessageItem:
    return _text_message("system", item.body)


def _append_item(state: RestoredState, entry: Any) -> None:
    state.history.append(entry.item)


def _user_input(state: RestoredState, entry: Any) -> None:
    state.history.append(_text_message("user", flatten_segments(entry.segments)))
    state.user_segments.append(list(entry.segments))


def _system_item(state: RestoredState, entry: Any) -> None:
    state.history.append(_system_message(entry.item))


def _turn_end(state: RestoredState, entry: Any) -> None:
    state.turn_count = entry.turn_count


def _llm_usage(state: RestoredState, entry: Any) -> None:
    state.usage_history.append(entry.record())


def _segment_start(state: RestoredState, entry: Any) -> None:
    state.system_prompt = entry.system_prompt
    state.config = entry.config
    state.history = list(entry.history)


def _run_ended(state: RestoredState, entry: Any) -> None:
    state.last_run_interrupted = entry.interrupted


def _config_changed(state: RestoredState, entry: Any) -> None:
    state.config = entry.config


def _extension(state: RestoredState, entry: Any) -> None:
    state.extensions.append((entry.domain, entry.payload))
    if entry.domain == POD_SCOPE_DOMAIN:
        try:
            state.pod_scope = PodScopeSnapshot.model_validate(entry.payload)
        except ValidationError as exc:
            log.warning("ignoring malformed pod.scope payload: %s", exc.errors()[0]["msg"])


def _append_items(state: RestoredState, entry: Any) -> None:
    state.history.extend(entry.items)


def _system_items(state: RestoredState, entry: Any) -> None:
    state.history.extend(_system_message(i) for i in entry.items)


def _paused_turn_abandoned(state: RestoredState, entry: Any) -> None:
    state.last_run_interrupted = False


def _no_effect(state: RestoredState, entry: Any) -> None:
    pass


_APPLY: dict[type, Callable[[RestoredState, Any], None]] = {
    AssistantItem: _append_item,
    ToolResultEntry: _append_item,
    UserInput: _user_input,
    SystemItemEntry: _system_item,
    TurnEnd: _turn_end,
    LlmUsage: _llm_usage,
    SegmentStart: _segment_start,
    RunCompleted: _run_ended,
    RunErrored: _run_ended,
    ConfigChanged: _config_changed,
    Extension: _extension,
    AssistantItems: _append_items,
    ToolResults: _append_items,
    HookInjectedItems: _append_items,
    SystemItems: _system_items,
    PausedTurnAbandoned: _paused_turn_abandoned,
}
"""The replay effect of each entry type (FORMAT.md section 3); others (``invoke``, unknown
entries) only count."""


def apply_entry(state: RestoredState, entry: Any) -> None:
    """Apply one entry to ``state`` in place (unknown entries only count)."""
    state.entries_count += 1
    _APPLY.get(type(entry), _no_effect)(state, entry)


def collect_state(entries: Iterable[Any]) -> RestoredState:
    """Replay ``entries`` in order from the empty state."""
    state = RestoredState()
    for entry in entries:
        apply_entry(state, entry)
    return state
