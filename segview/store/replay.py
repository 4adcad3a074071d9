"""``collect_state``: replay entries into the conversation state (FORMAT.md sections 5, 9.4).

Replay follows the rules of one version of the format:

* ``REFERENCE`` (section 5): ``invoke`` changes nothing; a ``pod.scope`` extension sets
  ``pod_scope``; an unknown user-input segment reads ``[unknown input segment]``,
  ``knowledge_ref`` / ``workflow_invoke`` read ``#slug`` / ``/slug``; every system item
  replays as its ``body``.
* ``CURRENT`` (section 9.4): the state has ``session_id`` and no ``pod_scope``; ``invoke``
  marks the run interrupted until ``run_completed`` / ``run_errored`` (their flag) or
  ``paused_turn_abandoned`` (false); ``user_input.extensions`` join ``extensions`` in log
  order; ``flow`` reads ``[Flow: selector]``, an unknown segment (``knowledge_ref`` and
  ``workflow_invoke`` included) reads ``""``; ``knowledge`` replays as ``""`` and
  ``workflow`` as ``Ignored legacy procedure item: /{slug}``.
* ``AUTO`` picks one at the first entry replayed: a ``segment_start`` with ``session_id``
  means the current rules, anything else the reference rules. Callers that know better (a
  segment in a session directory follows the current rules) pass the version.

Shapes a version does not have replay as the nearest thing it has: a system item that only
the current version knows replays as its body at the reference version, and a system item
of an unknown kind as its ``body`` when it has a string one (otherwise it adds nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, cast

import orjson
from pydantic import ValidationError

from .codec import encode_json_value, to_wire
from .model import (
    LENIENT_VALIDATORS,
    SHARING_BUILDERS,
    AssistantItem,
    AssistantItems,
    ConfigChanged,
    Extension,
    FileRefSegment,
    FlowSegment,
    FormatVersion,
    HookInjectedItems,
    Invoke,
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
    StoreModel,
    SystemItem,
    SystemItemEntry,
    SystemItems,
    SystemKnowledge,
    SystemWorkflow,
    TextSegment,
    ToolResultEntry,
    ToolResults,
    TurnEnd,
    UnknownVariant,
    UsageRecord,
    UserInput,
    UserSegment,
    WorkflowInvokeSegment,
)
from .report import warning

__all__ = [
    "POD_SCOPE_DOMAIN",
    "RestoredState",
    "apply_entry",
    "collect_state",
    "flatten_segments",
    "system_text",
]


POD_SCOPE_DOMAIN = "pod.scope"
DEFAULT_CONFIG = RequestConfig(stop_sequences=[])
UNKNOWN_SEGMENT_TEXT = "[unknown input segment]"


def flatten_segments(
    segments: Iterable[UserSegment], version: FormatVersion = FormatVersion.REFERENCE
) -> str:
    """The text of user input as the model saw it: segments concatenated, no separator.

    The rules of ``version`` apply (``AUTO`` means the reference rules): the current version
    flattens ``flow`` to ``[Flow: selector]`` and every segment it reads as unknown
    (``knowledge_ref`` and ``workflow_invoke`` included) to ``""``; the reference version
    flattens ``knowledge_ref`` / ``workflow_invoke`` to ``#slug`` / ``/slug`` and every
    segment it reads as unknown (``flow`` included) to ``[unknown input segment]``.
    """
    current = version is FormatVersion.CURRENT
    out: list[str] = []
    for seg in segments:
        if isinstance(seg, (TextSegment, PasteSegment)):
            out.append(seg.content)
        elif isinstance(seg, FileRefSegment):
            out.append("@" + seg.path)
        elif current:
            if isinstance(seg, FlowSegment):
                out.append(f"[Flow: {seg.selector}]")
        elif isinstance(seg, KnowledgeRefSegment):
            out.append("#" + seg.slug)
        elif isinstance(seg, WorkflowInvokeSegment):
            out.append("/" + seg.slug)
        else:
            out.append(UNKNOWN_SEGMENT_TEXT)
    return "".join(out)


def system_text(item: SystemItem, version: FormatVersion = FormatVersion.REFERENCE) -> str | None:
    """The text of the system message an item replays as (None: it adds no message).

    Its ``body``, except at the current version ``knowledge`` (``""``) and ``workflow``
    (``Ignored legacy procedure item: /{slug}``). An item of an unknown kind gives its
    ``body`` if it has a string one.
    """
    if isinstance(item, UnknownVariant):
        body = item.extras.get("body")
        return body if isinstance(body, str) else None
    if version is FormatVersion.CURRENT:
        if isinstance(item, SystemKnowledge):
            return ""
        if isinstance(item, SystemWorkflow):
            return f"Ignored legacy procedure item: /{item.slug}"
    body = item.body
    return "" if body is None else body


_MESSAGE_VALIDATOR = SHARING_BUILDERS[MessageItem]
_USAGE_RECORD = SHARING_BUILDERS[UsageRecord].validate_python


def _text_message(role: Any, text: str) -> MessageItem:
    # the compiled validator on a plain dict is the cheapest way to build a model (~1 µs)
    message = _MESSAGE_VALIDATOR.validate_python(
        {"role": role, "content": [{"kind": "text", "text": text}]}
    )
    assert isinstance(message, MessageItem)
    return message


Rules = dict[type, Callable[["RestoredState", Any], None]]


@dataclass(slots=True)
class RestoredState:
    """The conversation rebuilt from a log: the fields of the Rust ``RestoredState`` of the
    version whose rules were replayed (``format_version``).

    ``session_id`` belongs to the current version and ``pod_scope`` to the reference version;
    the other one stays None. ``format_version`` says which rules apply; it is ``AUTO``
    until the first entry replayed decides it (see the module docstring), and is not part of
    the state's value (two states compare equal by their fields alone).
    """

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
    session_id: str | None = None
    format_version: FormatVersion = field(default=FormatVersion.AUTO, compare=False)
    _rules: Rules | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._rules = _RULES.get(self.format_version)

    @property
    def version(self) -> FormatVersion:
        """The version whose rules apply (``REFERENCE`` while nothing decided it)."""
        v = self.format_version
        return FormatVersion.REFERENCE if v is FormatVersion.AUTO else v

    def copy(self) -> RestoredState:
        """A copy whose lists can be appended to without touching this one (items are shared)."""
        return replace(
            self,
            history=list(self.history),
            usage_history=list(self.usage_history),
            extensions=list(self.extensions),
            user_segments=list(self.user_segments),
        )

    def to_wire(self, *, runtime: bool = False) -> dict[str, Any]:
        """The state as orjson input, every item in its on-disk form (the golden files' shape).

        The keys are those of the version's ``RestoredState`` (``session_id`` after
        ``turn_count`` at the current version, ``pod_scope`` before ``user_segments`` at the
        reference version). Items are written as read, unknown keys and kinds included; with
        ``runtime``, as that version's runtime writes them (``codec.to_wire``).
        ``orjson.dumps`` of it prints floats and payload keys exactly as serde_json would.
        """
        version = self.version
        rt = version if runtime else None
        out: dict[str, Any] = {"entries_count": self.entries_count, "turn_count": self.turn_count}
        if version is FormatVersion.CURRENT:
            out["session_id"] = self.session_id
        out["system_prompt"] = self.system_prompt
        out["config"] = to_wire(self.config, rt)
        out["history"] = [to_wire(i, rt) for i in self.history]
        out["last_run_interrupted"] = self.last_run_interrupted
        out["usage_history"] = [to_wire(u, rt) for u in self.usage_history]
        out["extensions"] = [[d, encode_json_value(p)] for d, p in self.extensions]
        if version is FormatVersion.REFERENCE:
            out["pod_scope"] = None if self.pod_scope is None else to_wire(self.pod_scope, rt)
        out["user_segments"] = [[to_wire(s, rt) for s in segs] for segs in self.user_segments]
        return out

    def to_json(self, *, runtime: bool = False) -> dict[str, Any]:
        """The state as plain JSON data (see ``to_wire``)."""
        return cast(dict[str, Any], orjson.loads(orjson.dumps(self.to_wire(runtime=runtime))))


# --- the effect of each entry ----------------------------------------------------------------


def _append_item(state: RestoredState, entry: Any) -> None:
    state.history.append(entry.item)


def _append_items(state: RestoredState, entry: Any) -> None:
    state.history.extend(entry.items)


def _turn_end(state: RestoredState, entry: Any) -> None:
    state.turn_count = entry.turn_count


def _llm_usage(state: RestoredState, entry: Any) -> None:
    state.usage_history.append(_USAGE_RECORD(entry.counters()))  # (``entry.record()``)


def _run_ended(state: RestoredState, entry: Any) -> None:
    state.last_run_interrupted = entry.interrupted


def _config_changed(state: RestoredState, entry: Any) -> None:
    state.config = entry.config


def _paused_turn_abandoned(state: RestoredState, entry: Any) -> None:
    state.last_run_interrupted = False


def _system_item_rules(
    version: FormatVersion,
) -> tuple[Callable[[RestoredState, Any], None], Callable[[RestoredState, Any], None]]:
    """The effect of ``system_item`` and of the legacy ``system_items`` at ``version``."""

    def system_item(state: RestoredState, entry: Any) -> None:
        text = system_text(entry.item, version)
        if text is not None:
            state.history.append(_text_message("system", text))

    def system_items(state: RestoredState, entry: Any) -> None:
        for item in entry.items:
            text = system_text(item, version)
            if text is not None:
                state.history.append(_text_message("system", text))

    return system_item, system_items


# reference version


def _segment_start_reference(state: RestoredState, entry: Any) -> None:
    state.system_prompt = entry.system_prompt
    state.config = entry.config
    state.history = list(entry.history)


def _user_input_reference(state: RestoredState, entry: Any) -> None:
    segments = entry.segments
    state.history.append(_text_message("user", flatten_segments(segments)))
    state.user_segments.append(list(segments))


def _extension_reference(state: RestoredState, entry: Any) -> None:
    state.extensions.append((entry.domain, entry.payload))
    if entry.domain == POD_SCOPE_DOMAIN:
        try:
            snapshot = LENIENT_VALIDATORS[PodScopeSnapshot].validate_python(entry.payload)
        except ValidationError as exc:
            warning(__name__, "ignoring malformed pod.scope payload: %s", exc.errors()[0]["msg"])
        else:
            state.pod_scope = cast(PodScopeSnapshot, snapshot)


# current version


def _segment_start_current(state: RestoredState, entry: Any) -> None:
    state.session_id = entry.session_id
    state.system_prompt = entry.system_prompt
    state.config = entry.config
    state.history = list(entry.history)


def _invoke_current(state: RestoredState, entry: Any) -> None:
    state.last_run_interrupted = True


def _user_input_current(state: RestoredState, entry: Any) -> None:
    segments = entry.segments
    state.history.append(_text_message("user", flatten_segments(segments, FormatVersion.CURRENT)))
    state.user_segments.append(list(segments))
    if entry.extensions:
        state.extensions.extend((e.domain, e.payload) for e in entry.extensions)


def _extension_current(state: RestoredState, entry: Any) -> None:
    state.extensions.append((entry.domain, entry.payload))


_COMMON: Rules = {
    AssistantItem: _append_item,
    ToolResultEntry: _append_item,
    TurnEnd: _turn_end,
    LlmUsage: _llm_usage,
    RunCompleted: _run_ended,
    RunErrored: _run_ended,
    ConfigChanged: _config_changed,
    AssistantItems: _append_items,
    ToolResults: _append_items,
    HookInjectedItems: _append_items,
    PausedTurnAbandoned: _paused_turn_abandoned,
}

_SYSTEM_REFERENCE = _system_item_rules(FormatVersion.REFERENCE)
_SYSTEM_CURRENT = _system_item_rules(FormatVersion.CURRENT)

_RULES: dict[FormatVersion, Rules] = {
    FormatVersion.REFERENCE: {
        **_COMMON,
        SegmentStart: _segment_start_reference,
        UserInput: _user_input_reference,
        SystemItemEntry: _SYSTEM_REFERENCE[0],
        SystemItems: _SYSTEM_REFERENCE[1],
        Extension: _extension_reference,
    },
    FormatVersion.CURRENT: {
        **_COMMON,
        SegmentStart: _segment_start_current,
        Invoke: _invoke_current,
        UserInput: _user_input_current,
        SystemItemEntry: _SYSTEM_CURRENT[0],
        SystemItems: _SYSTEM_CURRENT[1],
        Extension: _extension_current,
    },
}
"""The replay effect of each entry type per version; other types (``invoke`` at the
reference version, unknown entries) only count."""


def _no_effect(state: RestoredState, entry: Any) -> None:
    pass


def _decide(state: RestoredState, entry: Any) -> Rules:
    """``AUTO``: the first entry replayed decides the version (see the module docstring)."""
    current = isinstance(entry, SegmentStart) and entry.session_id is not None
    state.format_version = FormatVersion.CURRENT if current else FormatVersion.REFERENCE
    rules = _RULES[state.format_version]
    state._rules = rules
    return rules


def apply_entry(state: RestoredState, entry: StoreModel | Any) -> None:
    """Apply one entry to ``state`` in place, by the state's version (unknown entries only
    count)."""
    state.entries_count += 1
    rules = state._rules
    if rules is None:
        rules = _decide(state, entry)
    rules.get(type(entry), _no_effect)(state, entry)


def collect_state(
    entries: Iterable[Any], version: FormatVersion = FormatVersion.AUTO
) -> RestoredState:
    """Replay ``entries`` in order from the empty state, by the rules of ``version``."""
    state = RestoredState(format_version=version)
    for entry in entries:
        apply_entry(state, entry)
    return state
