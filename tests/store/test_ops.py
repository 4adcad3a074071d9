"""Write operations (FORMAT.md section 6); every file written is read back strictly."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import orjson
import pytest

from segview.store import (
    AlreadyExists,
    AssistantItem,
    ConfigChanged,
    Extension,
    FsStore,
    Invoke,
    LlmUsage,
    MessageItem,
    PodScopeSnapshot,
    ReasoningItem,
    RequestConfig,
    RestoredState,
    RunCompleted,
    RunErrored,
    ScopeRule,
    SegmentStart,
    SystemItemEntry,
    SystemNotification,
    TextPart,
    TextSegment,
    ToolCallItem,
    ToolResultEntry,
    ToolResultItem,
    append_entry,
    append_system_item,
    collect_state,
    create_compacted_segment,
    create_segment,
    create_segment_with_id,
    ensure_head_or_fork,
    fork,
    fork_at,
    new_segment_id,
    restore,
    save_config_changed,
    save_delta,
    save_extension,
    save_pod_scope,
    save_run_completed,
    save_run_errored,
    save_turn_end,
    save_usage,
    save_user_input,
)
from segview.store.codec import encode_entry

CFG = RequestConfig(max_tokens=1024, temperature=0.7, stop_sequences=["</done>"], reasoning="high")


def msg(role: str, text: str) -> MessageItem:
    return MessageItem(role=role, content=[TextPart(text=text)])  # type: ignore[arg-type]


def seeded_state() -> RestoredState:
    return RestoredState(system_prompt="Be brief.", config=CFG, history=[msg("user", "earlier")])


def only_files(root: Path) -> list[str]:
    return sorted(os.listdir(root))


def test_new_ids_are_uuid_v7_and_time_ordered() -> None:
    ids = [new_segment_id() for _ in range(50)]
    for sid in ids:
        u = uuid.UUID(sid)
        assert u.version == 7 and u.variant == uuid.RFC_4122 and str(u) == sid
    assert ids == sorted(ids)


def test_create_segment_writes_one_segment_start(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    sid = create_segment(store, seeded_state(), ts=100)
    assert only_files(tmp_path) == [f"{sid}.jsonl"]
    (entry,) = store.read_all(sid)
    assert entry == SegmentStart(
        ts=100, system_prompt="Be brief.", config=CFG, history=[msg("user", "earlier")]
    )
    assert b"forked_from" not in store.path_for(sid).read_bytes()


def test_create_segment_with_id_never_overwrites(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    sid = "0190a1b2-0000-7000-8000-000000000001"
    assert create_segment_with_id(store, sid, RestoredState(), ts=1) == sid
    before = store.path_for(sid).read_bytes()
    with pytest.raises(AlreadyExists):
        create_segment_with_id(store, sid, seeded_state(), ts=2)
    assert store.path_for(sid).read_bytes() == before


def test_create_compacted_segment_records_its_source(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    source = create_segment(store, RestoredState(), ts=1)
    summary = RestoredState(config=CFG, history=[msg("system", "[Summary] we fixed the parser")])
    sid = create_compacted_segment(store, summary, source, 7, ts=5)
    (entry,) = store.read_all(sid)
    assert isinstance(entry, SegmentStart)
    assert entry.compacted_from is not None and entry.forked_from is None
    assert (entry.compacted_from.segment_id, entry.compacted_from.at_turn_index) == (source, 7)
    assert entry.history == summary.history
    line = store.path_for(sid).read_text()
    assert line.endswith(f',"compacted_from":{{"segment_id":"{source}","at_turn_index":7}}}}\n')


def test_fork_has_no_origin(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    sid = fork(store, seeded_state(), ts=3)
    (entry,) = store.read_all(sid)
    assert isinstance(entry, SegmentStart) and entry.origin is None


def build_conversation(store: FsStore) -> str:
    """Two turns written with the save_* operations; returns the segment id."""
    sid = create_segment(store, RestoredState(system_prompt="sys", config=CFG), ts=1)
    append_entry(store, sid, Invoke(ts=2, trigger="user_send"))
    save_user_input(store, sid, [TextSegment(content="fix the test")], ts=3)
    written = save_delta(
        store,
        sid,
        [
            msg("user", "fix the test"),  # already logged by save_user_input: skipped
            ReasoningItem(text="look first", summary=["plan"]),
            ToolCallItem(call_id="c1", name="run_tests", arguments='{"path":"tests"}'),
            ToolResultItem(
                call_id="c1", summary="1 failed", content="assert 1 == 2", is_error=True
            ),
            msg("system", "defensive: logged as assistant_item"),
            msg("assistant", "Found it."),
        ],
        ts=4,
    )
    assert written == 5
    save_usage(store, sid, 3, 1200, 1000, 200, 80, ts=5)
    save_turn_end(store, sid, 1, ts=6)
    save_run_completed(store, sid, "finished", False, ts=7)
    save_config_changed(store, sid, RequestConfig(stop_sequences=[], reasoning=2048), ts=8)
    append_system_item(
        store, sid, SystemNotification(message="ci", body="[Notification]\nci"), ts=9
    )
    save_extension(store, sid, "memory.extract", {"z": 1, "a": [1.5, None]}, ts=10)
    save_pod_scope(
        store,
        sid,
        PodScopeSnapshot(allow=[ScopeRule(target="/repo", permission="write")], deny=[]),
        ts=11,
    )
    save_user_input(store, sid, [TextSegment(content="and now?")], ts=12)
    save_run_errored(store, sid, "529 overloaded", True, ts=13)
    save_turn_end(store, sid, 2, ts=14)
    return sid


def test_save_operations_write_the_documented_entries(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    sid = build_conversation(store)
    entries = store.read_all(sid)
    assert [e.kind for e in entries] == [
        "segment_start",
        "invoke",
        "user_input",
        "assistant_item",
        "assistant_item",
        "tool_result",
        "assistant_item",
        "assistant_item",
        "llm_usage",
        "turn_end",
        "run_completed",
        "config_changed",
        "system_item",
        "extension",
        "extension",
        "user_input",
        "run_errored",
        "turn_end",
    ]
    assert isinstance(entries[5], ToolResultEntry) and entries[5].item.is_error  # type: ignore[union-attr]
    assert isinstance(entries[6], AssistantItem) and entries[6].item == msg(
        "system", "defensive: logged as assistant_item"
    )
    assert entries[8] == LlmUsage(
        ts=5,
        history_len=3,
        input_total_tokens=1200,
        cache_read_tokens=1000,
        cache_write_tokens=200,
        output_tokens=80,
    )
    assert entries[10] == RunCompleted(ts=7, interrupted=False, result="finished")
    assert isinstance(entries[11], ConfigChanged) and entries[11].config.reasoning == 2048
    assert isinstance(entries[12], SystemItemEntry)
    assert isinstance(entries[14], Extension) and entries[14].domain == "pod.scope"
    assert entries[16] == RunErrored(ts=13, interrupted=True, message="529 overloaded")
    lines = store.path_for(sid).read_bytes().split(b"\n")
    assert lines[13] == (
        b'{"kind":"extension","ts":10,"domain":"memory.extract","payload":{"a":[1.5,null],"z":1}}'
    )
    assert lines[14] == (
        b'{"kind":"extension","ts":11,"domain":"pod.scope","payload":{"allow":'
        b'[{"permission":"write","recursive":true,"target":"/repo"}],"deny":[]}}'
    )
    # every line is what the codec writes for the entry it decodes to
    assert [encode_entry(e) for e in entries] == lines[:-1]


def test_restore_replays_the_log(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    sid = build_conversation(store)
    state = restore(store, sid)
    assert state.turn_count == 2 and state.entries_count == 18
    assert state.last_run_interrupted is True
    assert state.system_prompt == "sys" and state.config.reasoning == 2048
    assert [type(i).__name__ for i in state.history] == [
        "MessageItem",
        "ReasoningItem",
        "ToolCallItem",
        "ToolResultItem",
        "MessageItem",
        "MessageItem",
        "MessageItem",
        "MessageItem",
    ]
    assert state.pod_scope is not None and state.pod_scope.allow[0].recursive is True
    assert [d for d, _ in state.extensions] == ["memory.extract", "pod.scope"]
    assert len(state.user_segments) == 2 and len(state.usage_history) == 1


@pytest.mark.parametrize(("at", "kept"), [(0, 1), (1, 11), (2, 18), (5, 18)])
def test_fork_at_cuts_after_the_turn(tmp_path: Path, at: int, kept: int) -> None:
    store = FsStore(tmp_path)
    sid = build_conversation(store)
    source_bytes = store.path_for(sid).read_bytes()
    new = fork_at(store, sid, at, ts=99)
    assert store.path_for(sid).read_bytes() == source_bytes
    (entry,) = store.read_all(new)
    assert isinstance(entry, SegmentStart) and entry.ts == 99
    assert entry.forked_from is not None
    assert (entry.forked_from.segment_id, entry.forked_from.at_turn_index) == (sid, at)
    expected = collect_state(store.read_all(sid)[:kept])
    assert entry.history == expected.history
    assert entry.config == expected.config and entry.system_prompt == expected.system_prompt
    replayed = restore(store, new)
    assert replayed.history == expected.history
    assert orjson.dumps(replayed.to_wire()["config"]) == orjson.dumps(expected.to_wire()["config"])


def test_ensure_head_or_fork(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    sid = create_segment(store, RestoredState(), ts=1)
    save_turn_end(store, sid, 1, ts=2)
    assert ensure_head_or_fork(store, sid, 2, RestoredState(), ts=3) == (sid, 2)
    assert only_files(tmp_path) == [f"{sid}.jsonl"]
    # another writer appended: our tally (2) is stale -> fork from our in-memory state
    save_turn_end(store, sid, 2, ts=4)
    mine = seeded_state()
    new_id, tally = ensure_head_or_fork(store, sid, 2, mine, ts=5)
    assert new_id != sid and tally == 1
    (entry,) = store.read_all(new_id)
    assert isinstance(entry, SegmentStart) and entry.origin is None
    assert entry.history == mine.history and entry.system_prompt == "Be brief."
    assert len(store.read_all(sid)) == 3
