"""Hypothesis strategies for arbitrary *valid* entries of every kind."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from segview.store import (
    U64_MAX,
    AssistantItem,
    AssistantItems,
    ConfigChanged,
    Extension,
    FileRefSegment,
    HookInjectedItems,
    Invoke,
    KnowledgeRefSegment,
    LlmUsage,
    MessageItem,
    PasteSegment,
    PausedTurnAbandoned,
    PodErrored,
    PodScopeSubDelegated,
    PodShutDown,
    PodTurnEnded,
    ReasoningItem,
    RefusalPart,
    RequestConfig,
    RunCompleted,
    RunErrored,
    ScopeRule,
    SegmentOrigin,
    SegmentStart,
    SystemFileAttachment,
    SystemItemEntry,
    SystemItems,
    SystemKnowledge,
    SystemNotification,
    SystemPodEvent,
    SystemWorkflow,
    TextPart,
    TextSegment,
    ToolCallItem,
    ToolResultEntry,
    ToolResultItem,
    ToolResults,
    TurnEnd,
    UnknownSegment,
    UserInput,
    UserInputExtension,
    WorkflowInvokeSegment,
)

I64_MIN = -(2**63)
U32_MAX = 2**32 - 1
I32 = (-(2**31), 2**31 - 1)

# characters the format must carry unchanged: controls, separators that are not JSON line
# breaks, quotes and backslashes, astral characters, and the BOM inside a string
SPECIAL = '\x00\x01\x08\t\n\x0b\x0c\r\x1b\x1f\x7f\x85\xa0\u2028\u2029\ufeff"\\/😀𝄞é中'
chars = st.one_of(
    st.sampled_from(SPECIAL), st.characters(codec="utf-8", exclude_categories=("Cs",))
)
text = st.text(chars, max_size=12)
ts = st.integers(0, U64_MAX)
u64 = st.integers(0, U64_MAX)
u32 = st.integers(0, U32_MAX)
f32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
uuids = st.uuids().map(str)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(I64_MIN, U64_MAX),
    st.sampled_from([0, -1, U64_MAX, I64_MIN, 2**53 + 1]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.1, -0.0, 1e-7, 1e16, 1.5e300, 5e-324]),
    text,
)
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
    max_leaves=12,
)

configs = st.builds(
    RequestConfig,
    max_tokens=st.none() | u32,
    temperature=st.none() | f32,
    top_p=st.none() | f32,
    top_k=st.none() | u32,
    stop_sequences=st.lists(text, max_size=3),
    reasoning=st.none() | text | st.integers(*I32),
)

parts = st.one_of(st.builds(TextPart, text=text), st.builds(RefusalPart, refusal=text))
logged_items = st.one_of(
    st.builds(
        MessageItem,
        role=st.sampled_from(["user", "assistant", "system"]),
        content=st.lists(parts, max_size=3),
    ),
    st.builds(ToolCallItem, call_id=text, name=text, arguments=text),
    st.builds(
        ToolResultItem,
        call_id=text,
        summary=text,
        content=st.none() | text,
        is_error=st.booleans(),
    ),
    st.builds(
        ReasoningItem,
        text=text,
        summary=st.lists(text, max_size=3),
        encrypted_content=st.none() | text,
        signature=st.none() | text,
    ),
)
user_segments = st.one_of(
    st.builds(TextSegment, content=text),
    st.builds(PasteSegment, id=u32, chars=u32, lines=u32, content=text),
    st.builds(FileRefSegment, path=text),
    st.builds(KnowledgeRefSegment, slug=text),
    st.builds(WorkflowInvokeSegment, slug=text),
    st.just(UnknownSegment()),
)
scope_rules = st.builds(
    ScopeRule, target=text, permission=st.sampled_from(["read", "write"]), recursive=st.booleans()
)
pod_events = st.one_of(
    st.builds(PodTurnEnded, pod_name=text),
    st.builds(PodErrored, pod_name=text, message=text),
    st.builds(PodShutDown, pod_name=text),
    st.builds(
        PodScopeSubDelegated,
        parent_pod=text,
        sub_pod=text,
        sub_socket=text,
        scope=st.lists(scope_rules, max_size=2),
    ),
)
system_items = st.one_of(
    st.builds(SystemNotification, message=text, body=text),
    st.builds(SystemPodEvent, event=pod_events, body=text),
    st.builds(SystemFileAttachment, path=text, body=text),
    st.builds(SystemKnowledge, slug=text, body=text),
    st.builds(SystemWorkflow, slug=text, body=text),
)
origins = st.builds(SegmentOrigin, segment_id=uuids, at_turn_index=u64)

entries = st.one_of(
    st.builds(
        SegmentStart,
        ts=ts,
        session_id=st.none() | uuids,
        system_prompt=st.none() | text,
        config=configs,
        history=st.lists(logged_items, max_size=3),
        forked_from=st.none() | origins,
        compacted_from=st.none() | origins,
    ),
    st.builds(
        Invoke,
        ts=ts,
        trigger=st.sampled_from(["user_send", "notify", "pod_event", "system_reminder", "wakeup"]),
    ),
    st.builds(
        UserInput,
        ts=ts,
        segments=st.lists(user_segments, max_size=4),
        extensions=st.lists(
            st.builds(UserInputExtension, domain=text, payload=json_values), max_size=2
        ),
    ),
    st.builds(AssistantItem, ts=ts, item=logged_items),
    st.builds(ToolResultEntry, ts=ts, item=logged_items),
    st.builds(SystemItemEntry, ts=ts, item=system_items),
    st.builds(AssistantItems, ts=ts, items=st.lists(logged_items, max_size=3)),
    st.builds(ToolResults, ts=ts, items=st.lists(logged_items, max_size=3)),
    st.builds(SystemItems, ts=ts, items=st.lists(system_items, max_size=3)),
    st.builds(HookInjectedItems, ts=ts, items=st.lists(logged_items, max_size=3)),
    st.builds(TurnEnd, ts=ts, turn_count=u64),
    st.builds(
        RunCompleted,
        ts=ts,
        interrupted=st.booleans(),
        result=st.sampled_from(["finished", "paused", "limit_reached", "yielded"]),
    ),
    st.builds(RunErrored, ts=ts, interrupted=st.booleans(), message=text),
    st.builds(ConfigChanged, ts=ts, config=configs),
    st.builds(
        LlmUsage,
        ts=ts,
        history_len=u64,
        input_total_tokens=u64,
        cache_read_tokens=u64,
        cache_write_tokens=u64,
        output_tokens=u64,
    ),
    st.builds(Extension, ts=ts, domain=text, payload=json_values),
    st.builds(PausedTurnAbandoned, ts=ts),
)
