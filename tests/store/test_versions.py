"""Every version of the format: what each version's reader accepts, what nothing-lost
decoding keeps, replay by version, and what the writers write for each version
(FORMAT.md section 9)."""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import orjson
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from segview.store import (
    Corrupt,
    DecodeError,
    FlowSegment,
    FormatVersion,
    FsStore,
    ImageAttachment,
    Invoke,
    LogEntry,
    MessageItem,
    PausedTurnAbandoned,
    PromptProvenance,
    RequestConfig,
    RestoredState,
    RunCompleted,
    ScopeRule,
    SegmentStart,
    StoreIOError,
    SystemInterrupt,
    SystemItemEntry,
    SystemNotification,
    SystemSkillActivation,
    SystemTaskReminder,
    SystemWorkerEvent,
    SystemWorkflow,
    TextSegment,
    ToolResultEntry,
    ToolResultItem,
    TurnEnd,
    UnknownEntry,
    UnknownLoggedItem,
    UnknownSystemItem,
    UserInput,
    UserInputExtension,
    WorkerErrored,
    WorkerScopeSubDelegated,
    WorkerShutDown,
    WorkerTurnEnded,
    collect_state,
    create_compacted_segment,
    create_segment,
    decode_entry,
    encode_entry,
    ensure_head_or_fork,
    fork_at,
    save_turn_end,
    save_user_input,
)
from segview.store.codec import encode_json_value, parse_json_marked, validate_any
from segview.store.replay import flatten_segments
from segview.timeline import Timeline
from tests.reliability.strategies import json_values, text, ts, u64, uuids

REFERENCE = FormatVersion.REFERENCE
CURRENT = FormatVersion.CURRENT
SESSION = "0198c1a0-0000-7000-8000-0000000000b1"
SEG = "0198c1a0-0001-7001-8000-000000000001"
HEAD_BASIC = Path(__file__).parent.parent / "golden_head" / "stores" / "head_basic" / SESSION
CONFIG = RequestConfig(stop_sequences=[])


def start_line(session: str | None = SESSION) -> bytes:
    return encode_entry(SegmentStart(ts=1, session_id=session, config=CONFIG, history=[]))


def write(root: Path, segment_id: str, *lines: bytes, tail: bytes = b"") -> Path:
    path = root / f"{segment_id}.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines) + tail)
    return path


def head_copy(tmp_path: Path) -> FsStore:
    root = tmp_path / SESSION
    shutil.copytree(HEAD_BASIC, root)
    return FsStore(root)


# --- what each version's strict reader accepts -----------------------------------------------

NOTIFY = b'{"kind":"notification","message":"m","body":"b"}'
WORKFLOW_WITH_BODY = (
    b'{"kind":"system_item","ts":1,"item":{"kind":"workflow","slug":"s","body":"b"}}'
)
PAIRS = [
    # (line, accepted at reference, accepted at current)
    (b'{"kind":"assistant_items","ts":1,"items":[]}', True, False),
    (b'{"kind":"paused_turn_abandoned","ts":1}', False, True),
    (b'{"kind":"invoke","ts":1,"trigger":"pod_event"}', True, False),
    (b'{"kind":"invoke","ts":1,"trigger":"worker_event"}', False, True),
    (
        b'{"kind":"system_item","ts":1,"item":{"kind":"pod_event","event":{"kind":"shut_down",'
        b'"pod_name":"p"},"body":"b"}}',
        True,
        False,
    ),
    (
        b'{"kind":"system_item","ts":1,"item":{"kind":"worker_event","event":{"kind":"shut_down",'
        b'"worker_name":"w"},"body":"b"}}',
        False,
        True,
    ),
    (b'{"kind":"system_item","ts":1,"item":{"kind":"interrupt","body":"b"}}', False, True),
    (
        b'{"kind":"system_item","ts":1,"item":{"kind":"task_reminder","source":"task_inactivity",'
        b'"body":"b"}}',
        False,
        True,
    ),
    (
        b'{"kind":"system_item","ts":1,"item":{"kind":"skill_activation","name":"n","body":"b"}}',
        False,
        True,
    ),
    (b'{"kind":"system_item","ts":1,"item":{"kind":"workflow","slug":"s"}}', False, True),
    (WORKFLOW_WITH_BODY, True, True),
    (b'{"kind":"system_items","ts":1,"items":[' + NOTIFY + b"]}", True, False),
    (b'{"kind":"system_item","ts":1,"item":{"kind":"future","body":"b"}}', False, False),
    (b'{"kind":"assistant_item","ts":1,"item":{"kind":"future"}}', False, False),
    # any segment kind reads (as `unknown`), at both versions
    (b'{"kind":"user_input","ts":1,"segments":[{"kind":"flow","selector":"a/b"}]}', True, True),
    (b'{"kind":"user_input","ts":1,"segments":[{"kind":"knowledge_ref","slug":"k"}]}', True, True),
    (b'{"kind":"user_input","ts":1,"segments":[{"kind":"future","x":1}]}', True, True),
    # serde ignores unknown keys at both versions
    (b'{"kind":"turn_end","ts":1,"turn_count":1,"seq":7}', True, True),
    (start_line(None), True, False),
    (start_line(), True, True),
    (
        b'{"kind":"tool_result","ts":1,"item":{"kind":"tool_result","call_id":"c","summary":"s",'
        b'"attachments":[{"kind":"image","mime_type":"image/png","data":"aGk="}]}}',
        True,
        True,
    ),
]


@pytest.mark.parametrize(("line", "reference", "current"), PAIRS)
def test_each_version_accepts_its_own_shapes(line: bytes, reference: bool, current: bool) -> None:
    for version, accepted in ((REFERENCE, reference), (CURRENT, current)):
        if accepted:
            decode_entry(line, version=version)
        else:
            with pytest.raises(DecodeError):
                decode_entry(line, version=version)
    # the union of every version reads everything but real damage, keeping it whole
    entry = decode_entry(line, allow_later=True)
    assert encode_entry(entry) == line


@pytest.mark.parametrize(
    "data",
    ["aGk", "aGk==", "aGl=", "a Gk=", "aGk=\n", "!!!!", "aGk=aGk="],
    ids=["unpadded", "overpadded", "trailing-bits", "space", "newline", "alphabet", "inner-pad"],
)
def test_attachment_data_must_be_standard_padded_base64(data: str) -> None:
    item = {"kind": "image", "mime_type": "image/png", "data": data}
    line = orjson.dumps(
        {
            "kind": "tool_result",
            "ts": 1,
            "item": {"kind": "tool_result", "call_id": "c", "summary": "s", "attachments": [item]},
        }
    )
    with pytest.raises(DecodeError, match="base64"):
        decode_entry(line, version=CURRENT)
    with pytest.raises(DecodeError, match="base64"):
        decode_entry(line, allow_later=True)


def test_auto_takes_the_version_a_line_implies() -> None:
    # a segment_start with session_id means the current rules, anything else the reference
    assert decode_entry(start_line()).session_id == SESSION  # type: ignore[union-attr]
    with pytest.raises(DecodeError, match="paused_turn_abandoned"):
        decode_entry(b'{"kind":"paused_turn_abandoned","ts":1}')


# --- the readers' rules by version (FORMAT.md 9.5) -------------------------------------------


def test_an_unterminated_last_line_is_a_write_in_progress_at_the_current_version(
    tmp_path: Path,
) -> None:
    turn = encode_entry(TurnEnd(ts=2, turn_count=1))
    write(tmp_path, SEG, start_line(), tail=turn)  # complete JSON, no newline yet
    store = FsStore(tmp_path)
    assert store.resolve_version(SEG) is CURRENT
    assert [e.kind for e in store.read_all(SEG)] == ["segment_start"]
    assert store.read_entry_count(SEG) == 1
    read = store.read_tolerant(SEG)
    assert [e.kind for e in read.entries] == ["segment_start"]
    assert read.problems == [] and read.pending_tail and read.format_version is CURRENT
    # the reference rules read it as an entry
    assert len(store.read_all(SEG, version=REFERENCE)) == 2
    assert store.read_entry_count(SEG, version=REFERENCE) == 2
    # the write completes: a resumed read picks it up
    with open(store.path_for(SEG), "ab") as f:
        f.write(b"\n")
    read.extend(store.read_tolerant(SEG, offset=read.end_offset, first_line=read.next_line))
    assert [e.kind for e in read.entries] == ["segment_start", "turn_end"]
    assert read.lines == [1, 2] and not read.pending_tail


def test_a_half_written_last_line_is_never_corrupt_at_the_current_version(tmp_path: Path) -> None:
    turn = encode_entry(TurnEnd(ts=2, turn_count=1))
    write(tmp_path, SEG, start_line(), turn, tail=turn[:9] + "é".encode()[:1])
    store = FsStore(tmp_path, version_hint=CURRENT)
    assert len(store.read_all(SEG)) == 2 and store.read_entry_count(SEG) == 2
    read = store.read_tolerant(SEG)
    assert len(read.entries) == 2 and read.problems == [] and read.pending_tail
    # the reference reader fails on the cut character (invalid UTF-8 is an I/O error there)
    with pytest.raises(StoreIOError):
        store.read_all(SEG, version=REFERENCE)


def test_invalid_utf8_is_corrupt_at_its_line_at_the_current_version(tmp_path: Path) -> None:
    turn = encode_entry(TurnEnd(ts=2, turn_count=1))
    bad = b'{"kind":"turn_end","ts":3,"turn_count":2,"x":"\xff"}'
    write(tmp_path, SEG, start_line(), b"", b"not json", turn, bad)
    store = FsStore(tmp_path)
    for read in (store.read_all, store.read_entry_count):
        with pytest.raises(Corrupt) as exc:
            read(SEG)
        assert exc.value.line == 5  # 1 + the newlines before the first bad byte
    # the reference reader: an I/O error for the whole file (no line)
    with pytest.raises(StoreIOError):
        store.read_all(SEG, version=REFERENCE)
    with pytest.raises(StoreIOError):
        store.read_entry_count(SEG, version=REFERENCE)
    # without invalid UTF-8, the first bad line is the error
    write(tmp_path, SEG, start_line(), b"", b"not json", turn)
    with pytest.raises(Corrupt) as exc:
        store.read_all(SEG)
    assert exc.value.line == 3


def test_a_segment_start_without_session_id_is_corrupt_at_the_current_version(
    tmp_path: Path,
) -> None:
    write(tmp_path, SEG, start_line(None))
    assert FsStore(tmp_path).read_all(SEG)[0].kind == "segment_start"  # AUTO: reference
    with pytest.raises(Corrupt, match="session_id") as exc:
        FsStore(tmp_path, version_hint=CURRENT).read_all(SEG)
    assert exc.value.line == 1


# --- nothing unrecognised is lost -----------------------------------------------------------

NEWER = [
    b'{"kind":"rewind","ts":5,"to":3}',
    b'{"kind":"system_item","ts":6,"item":{"kind":"hologram","body":"seen","depth":3}}',
    b'{"kind":"assistant_item","ts":7,"item":{"kind":"video","url":"v","frames":[1,2.5]}}',
    b'{"kind":"user_input","ts":8,"segments":[{"kind":"voice","secs":2},'
    b'{"kind":"text","content":"hi","lang":"en"}]}',
    b'{"kind":"system_item","ts":9,"item":{"kind":"worker_event","event":{"kind":"paused",'
    b'"worker_name":"w","why":null},"body":"w paused"}}',
    b'{"kind":"tool_result","ts":10,"item":{"kind":"tool_result","call_id":"c","summary":"s",'
    b'"attachments":[{"kind":"audio","codec":"opus"},{"kind":"image","mime_type":"image/png",'
    b'"data":"aGk=","alt":"hi"}]}}',
    b'{"kind":"turn_end","ts":11,"turn_count":1,"seq":{"z":1,"a":[true]}}',
    b'{"kind":"user_input","ts":12,"segments":[{"kind":"unknown","was":"voice"}]}',
]


def test_the_tolerant_reader_keeps_every_unknown_thing_and_notes_it(tmp_path: Path) -> None:
    write(tmp_path, SEG, start_line(), *NEWER)
    store = FsStore(tmp_path)
    read = store.read_tolerant(SEG)
    assert len(read.entries) == 1 + len(NEWER)
    assert isinstance(read.entries[1], UnknownEntry)
    # written back verbatim: every unknown key after the known fields, in its order
    assert [
        e.encode() if isinstance(e, UnknownEntry) else encode_entry(e) for e in read.entries[1:]
    ] == NEWER
    # each line is a note of its own class, never damage
    assert [p.line for p in read.problems] == list(range(2, 2 + len(NEWER)))
    assert all(p.kind == "newer_version" for p in read.problems)
    assert read.damage == []
    messages = [p.message for p in read.problems]
    assert "unknown entry kind `rewind`" in messages[0]
    assert "unknown system item kind `hologram` at `item`" in messages[1]
    assert "unknown history item kind `video` at `item`" in messages[2]
    assert "unknown user-input segment kind `voice` at `segments[0]`" in messages[3]
    assert "unknown field `segments[1].lang`" in messages[3]
    assert "segments[0].secs" not in messages[3]  # part of the unknown segment itself
    assert "unknown worker event kind `paused` at `item.event`" in messages[4]
    assert "unknown attachment kind `audio`" in messages[5]
    assert "unknown field `item.attachments[1].alt`" in messages[5]
    assert "unknown field `seq`" in messages[6]
    assert messages[7].startswith("unknown field `segments[0].was`:")
    assert all(m.endswith("written by a newer runtime version, kept as is") for m in messages)


def test_the_runtime_encoding_drops_what_that_version_does_not_know() -> None:
    entry = decode_entry(NEWER[3], allow_later=True)
    assert encode_entry(entry, runtime=CURRENT) == (
        b'{"kind":"user_input","ts":8,"segments":[{"kind":"unknown"},'
        b'{"kind":"text","content":"hi"}]}'
    )
    # fields and segment kinds of the other version
    line = (
        b'{"kind":"user_input","ts":1,"segments":[{"kind":"flow","selector":"a"},'
        b'{"kind":"knowledge_ref","slug":"k"}],"extensions":[{"domain":"d","payload":{"b":1,"a":2}}]}'
    )
    entry = decode_entry(line, allow_later=True)
    assert encode_entry(entry, runtime=CURRENT) == (
        b'{"kind":"user_input","ts":1,"segments":[{"kind":"flow","selector":"a"},'
        b'{"kind":"unknown"}],"extensions":[{"domain":"d","payload":{"a":2,"b":1}}]}'
    )
    assert encode_entry(entry, runtime=REFERENCE) == (
        b'{"kind":"user_input","ts":1,"segments":[{"kind":"unknown"},'
        b'{"kind":"knowledge_ref","slug":"k"}]}'
    )
    workflow = decode_entry(WORKFLOW_WITH_BODY, allow_later=True)
    assert encode_entry(workflow, runtime=CURRENT).endswith(b'"slug":"s"}}')
    assert encode_entry(workflow, runtime=REFERENCE) == encode_entry(workflow) == WORKFLOW_WITH_BODY
    with pytest.raises(ValueError):
        encode_entry(workflow, runtime=FormatVersion.AUTO)


def test_a_fork_keeps_unknown_history_items_and_keys(tmp_path: Path) -> None:
    write(tmp_path, SEG, start_line(), NEWER[2], NEWER[6])
    store = FsStore(tmp_path)
    read = store.read_tolerant(SEG)
    new_id = fork_at(store, SEG, 1, entries=list(read.entries), ts=99, segment_id=SEG[:-1] + "2")
    line = store.path_for(new_id).read_bytes()
    assert b'{"kind":"video","url":"v","frames":[1,2.5]}' in line
    (start,) = store.read_tolerant(new_id).entries
    assert isinstance(start, SegmentStart) and isinstance(start.history[0], UnknownLoggedItem)


# --- replay by version (FORMAT.md 9.4) -------------------------------------------------------


def replay_store(tmp_path: Path, session: str | None) -> list[object]:
    """One segment holding every entry whose replay differs between the versions."""
    lines = [
        start_line(session),
        b'{"kind":"invoke","ts":2,"trigger":"user_send"}',
        b'{"kind":"user_input","ts":3,"segments":[{"kind":"text","content":"go "},'
        b'{"kind":"flow","selector":"coder/fix"},{"kind":"knowledge_ref","slug":"k"},'
        b'{"kind":"workflow_invoke","slug":"w"},{"kind":"future"}],'
        b'"extensions":[{"domain":"flow.runtime.v1","payload":{"state":"fix"}}]}',
        b'{"kind":"system_item","ts":4,"item":{"kind":"knowledge","slug":"k","body":"K body"}}',
        b'{"kind":"system_item","ts":5,"item":{"kind":"workflow","slug":"w","body":"W body"}}',
        b'{"kind":"system_item","ts":6,"item":{"kind":"interrupt","body":"[interrupted]"}}',
        b'{"kind":"system_item","ts":7,"item":{"kind":"hologram","body":"holo"}}',
        b'{"kind":"system_item","ts":8,"item":{"kind":"hologram"}}',
        b'{"kind":"extension","ts":9,"domain":"pod.scope","payload":{"allow":[],"deny":[]}}',
        b'{"kind":"turn_end","ts":10,"turn_count":1}',
    ]
    write(tmp_path, SEG, *lines)
    return list(FsStore(tmp_path).read_tolerant(SEG).entries)


def texts(state: RestoredState) -> list[str]:
    return [i.text() for i in state.history if isinstance(i, MessageItem)]


def test_replay_follows_the_current_rules(tmp_path: Path) -> None:
    entries = replay_store(tmp_path, SESSION)
    state = collect_state(entries)  # AUTO: the segment_start has a session_id
    assert state.format_version is CURRENT and state.session_id == SESSION
    assert texts(state) == [
        "go [Flow: coder/fix]",
        "",
        "Ignored legacy procedure item: /w",
        "[interrupted]",
        "holo",
    ]
    assert state.last_run_interrupted is True  # invoke, and no terminal record
    assert [d for d, _ in state.extensions] == ["flow.runtime.v1", "pod.scope"]
    assert state.pod_scope is None
    wire = state.to_wire()
    assert list(wire)[:3] == ["entries_count", "turn_count", "session_id"]
    assert "pod_scope" not in wire and wire["session_id"] == SESSION


def test_replay_follows_the_reference_rules(tmp_path: Path) -> None:
    entries = replay_store(tmp_path, None)
    state = collect_state(entries)  # AUTO: no session_id
    assert state.format_version is REFERENCE and state.session_id is None
    assert texts(state) == [
        "go [unknown input segment]#k/w[unknown input segment]",
        "K body",
        "W body",
        "[interrupted]",
        "holo",
    ]
    assert state.last_run_interrupted is False
    assert [d for d, _ in state.extensions] == ["pod.scope"]  # user_input.extensions ignored
    assert state.pod_scope is not None
    wire = state.to_wire()
    assert "session_id" not in wire and list(wire)[-2:] == ["pod_scope", "user_segments"]


def test_an_explicit_version_overrides_what_the_segment_says(tmp_path: Path) -> None:
    entries = replay_store(tmp_path, SESSION)
    state = collect_state(entries, REFERENCE)
    assert state.format_version is REFERENCE and state.session_id is None
    assert state.last_run_interrupted is False and state.pod_scope is not None
    assert flatten_segments(entries[2].segments, CURRENT) == "go [Flow: coder/fix]"  # type: ignore[attr-defined]


def test_a_session_directory_means_the_current_rules(tmp_path: Path) -> None:
    entries_line = [start_line(None), b'{"kind":"invoke","ts":2,"trigger":"notify"}']
    write(tmp_path, SEG, *entries_line)
    store = FsStore(tmp_path, version_hint=CURRENT)
    read = store.read_tolerant(SEG)
    assert read.format_version is CURRENT
    assert collect_state(read.entries, read.format_version).last_run_interrupted is True
    assert collect_state(read.entries).last_run_interrupted is False
    # the timeline reads and replays by the same rules, at every entry
    timeline = Timeline.load(store, SEG)
    assert timeline.format_version is CURRENT
    assert timeline.state_at_entry(2).last_run_interrupted is True
    assert Timeline.load(FsStore(tmp_path), SEG).format_version is REFERENCE


# --- writers by version (FORMAT.md 9.2, 9.3) ------------------------------------------------


def test_fork_at_a_current_segment_carries_its_session(tmp_path: Path) -> None:
    store = head_copy(tmp_path)
    new_id = fork_at(store, "0198c1a0-0005-7005-8000-000000000005", 2, ts=5)
    (line,) = store.path_for(new_id).read_bytes().splitlines()
    assert line.startswith(b'{"kind":"segment_start","ts":5,"session_id":"' + SESSION.encode())
    assert store.path_for(new_id).parent == store.root  # the source's own directory


def test_fork_at_a_reference_segment_writes_no_session(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    sid = create_segment(store, RestoredState(), ts=1)
    save_turn_end(store, sid, 1, ts=2)
    new_id = fork_at(store, sid, 1, ts=3)
    assert b"session_id" not in store.path_for(new_id).read_bytes()


@pytest.mark.parametrize("version", [REFERENCE, CURRENT])
def test_fork_at_leaves_out_a_half_written_last_line(tmp_path: Path, version: str) -> None:
    """A writer may be appending right now: its unfinished line is no reason to refuse."""
    session = SESSION if version == CURRENT else None
    turn1 = encode_entry(TurnEnd(ts=2, turn_count=1))
    user = encode_entry(UserInput(ts=3, segments=[TextSegment(content="next")]))
    path = write(tmp_path, SEG, start_line(session), turn1, tail=user[:20])
    store = FsStore(tmp_path)
    if version == REFERENCE:  # the reference reader itself still refuses the file
        with pytest.raises(Corrupt):
            store.read_all(SEG)
    before = path.read_bytes()
    for at in (1, 0):
        new_id = fork_at(store, SEG, at, ts=9)
        (start,) = store.read_all(new_id)
        assert isinstance(start, SegmentStart) and start.session_id == session
        assert start.forked_from is not None and start.forked_from.at_turn_index == at
    assert path.read_bytes() == before


def test_compaction_and_the_automatic_fork_write_what_the_current_version_expects(
    tmp_path: Path,
) -> None:
    store = head_copy(tmp_path)
    source = "0198c1a0-0003-7003-8000-000000000003"
    state = collect_state(store.read_all(source))
    count = store.read_entry_count(source)
    compacted = create_compacted_segment(store, state, source, 1, ts=7)
    (start,) = store.read_all(compacted, version=CURRENT)
    assert start.session_id == SESSION  # type: ignore[union-attr]
    assert (
        store.path_for(compacted)
        .read_bytes()
        .startswith(b'{"kind":"segment_start","ts":7,"session_id":"' + SESSION.encode() + b'"')
    )
    # a summary built by the caller carries no session: the source's is written
    summary = RestoredState(history=[state.history[0]])
    compacted = create_compacted_segment(store, summary, source, 1, ts=8)
    (start,) = store.read_all(compacted, version=CURRENT)
    assert isinstance(start, SegmentStart) and start.session_id == SESSION
    assert start.history == summary.history
    # the writer's tally still matches: nothing happens
    assert ensure_head_or_fork(store, source, count, state, ts=8) == (source, count)
    # another writer appended: a fork in the same session, recording where it came from
    save_user_input(store, source, [TextSegment(content="someone else")], ts=8)
    new_id, tally = ensure_head_or_fork(store, source, count, state, ts=9)
    assert tally == 1 and new_id != source
    (start,) = store.read_all(new_id, version=CURRENT)
    assert isinstance(start, SegmentStart) and start.session_id == SESSION
    assert start.forked_from is not None
    assert (start.forked_from.segment_id, start.forked_from.at_turn_index) == (source, 1)
    assert start.history == state.history


def test_the_reference_automatic_fork_has_no_origin(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    sid = create_segment(store, RestoredState(), ts=1)
    save_turn_end(store, sid, 1, ts=2)
    new_id, _ = ensure_head_or_fork(store, sid, 1, RestoredState(turn_count=1), ts=3)
    (start,) = store.read_all(new_id)
    assert isinstance(start, SegmentStart) and start.origin is None and start.session_id is None


def test_current_shapes_round_trip_through_the_writers(tmp_path: Path) -> None:
    store = FsStore(tmp_path / SESSION)
    os.mkdir(store.root)
    sid = create_segment(store, RestoredState(), ts=1, session_id=SESSION)
    provenance = PromptProvenance(
        config_revision=3, source_digest="s", projection_digest="p", logical_name="n"
    )
    entries = [
        Invoke(ts=2, trigger="worker_event"),
        SystemItemEntry(
            ts=3,
            item=SystemWorkerEvent(
                event=WorkerTurnEnded(worker_name="w"), body="b", prompt_provenance=provenance
            ),
        ),
        SystemItemEntry(ts=4, item=SystemTaskReminder(body="remember")),
        SystemItemEntry(ts=5, item=SystemInterrupt(body="[interrupted]")),
        SystemItemEntry(ts=6, item=SystemNotification(message="m", body="b")),
        ToolResultEntry(
            ts=7,
            item=ToolResultItem(
                call_id="c",
                summary="s",
                attachments=[ImageAttachment(mime_type="image/png", data="aGk=")],
            ),
        ),
        RunCompleted(ts=8, interrupted=False, result="finished"),
        SystemItemEntry(ts=9, item=UnknownSystemItem(kind="hologram", body="h")),
    ]
    for entry in entries[:-1]:
        store.append(sid, entry)
    written = store.read_all(sid)
    assert written[1:] == entries[:-1]
    lines = store.path_for(sid).read_bytes().splitlines()
    assert lines[3] == b'{"kind":"system_item","ts":4,"item":{"kind":"task_reminder",' + (
        b'"source":"task_inactivity","body":"remember"}}'
    )
    assert encode_entry(entries[-1]) == (
        b'{"kind":"system_item","ts":9,"item":{"kind":"hologram","body":"h"}}'
    )
    assert entries[5].item.attachments[0].size == 2  # type: ignore[union-attr]


# --- properties: every current shape, and unknown keys anywhere -------------------------------

provenances = st.builds(
    PromptProvenance,
    workspace_id=st.none() | text,
    config_revision=u64,
    source_digest=text,
    projection_digest=text,
    logical_name=text,
)
scope = st.lists(
    st.builds(ScopeRule, target=text, permission=st.sampled_from(["read", "write"])), max_size=2
)
worker_events = st.one_of(
    st.builds(WorkerTurnEnded, worker_name=text),
    st.builds(WorkerErrored, worker_name=text, message=text),
    st.builds(WorkerShutDown, worker_name=text),
    st.builds(
        WorkerScopeSubDelegated, parent_worker=text, sub_worker=text, sub_socket=text, scope=scope
    ),
)
current_system_items = st.one_of(
    st.builds(
        SystemNotification, message=text, body=text, prompt_provenance=st.none() | provenances
    ),
    st.builds(
        SystemWorkerEvent, event=worker_events, body=text, prompt_provenance=st.none() | provenances
    ),
    st.builds(SystemSkillActivation, name=text, body=text),
    st.builds(SystemTaskReminder, body=text, prompt_provenance=st.none() | provenances),
    st.builds(SystemInterrupt, body=text, prompt_provenance=st.none() | provenances),
    st.builds(SystemWorkflow, slug=text),
)
images = st.builds(
    ImageAttachment,
    mime_type=text,
    data=st.binary(max_size=24).map(lambda b: base64.b64encode(b).decode("ascii")),
)
tool_results = st.builds(
    ToolResultItem,
    call_id=text,
    summary=text,
    content=st.none() | text,
    attachments=st.lists(images, max_size=2),
    is_error=st.booleans(),
)
current_entries = st.one_of(
    st.builds(
        SegmentStart,
        ts=ts,
        session_id=uuids,
        system_prompt=st.none() | text,
        config=st.just(CONFIG),
        history=st.lists(tool_results, max_size=2),
    ),
    st.builds(Invoke, ts=ts, trigger=st.sampled_from(["user_send", "worker_event", "wakeup"])),
    st.builds(
        UserInput,
        ts=ts,
        segments=st.lists(
            st.one_of(st.builds(TextSegment, content=text), st.builds(FlowSegment, selector=text)),
            max_size=3,
        ),
        extensions=st.lists(
            st.builds(UserInputExtension, domain=text, payload=json_values), max_size=2
        ),
    ),
    st.builds(SystemItemEntry, ts=ts, item=current_system_items),
    st.builds(ToolResultEntry, ts=ts, item=tool_results),
    st.builds(PausedTurnAbandoned, ts=ts),
)


@settings(max_examples=300, deadline=None)
@given(current_entries)
def test_every_current_shape_round_trips_byte_for_byte(entry: LogEntry) -> None:
    line = encode_entry(entry)
    decoded = decode_entry(line, version=CURRENT)
    assert decoded == entry
    assert encode_entry(decoded) == line == encode_entry(decoded, runtime=CURRENT)


@settings(max_examples=300, deadline=None)
@given(current_entries, st.dictionaries(text, json_values, min_size=1, max_size=3))
def test_unknown_keys_are_kept_in_their_order_and_dropped_by_the_runtime(
    entry: LogEntry, extras: dict[str, object]
) -> None:
    line = encode_entry(entry)
    extras = {k: v for k, v in extras.items() if k not in type(entry).model_fields}
    assume(extras)
    wire = {
        **orjson.loads(line),
        **{k: encode_json_value(v, sort_keys=False) for k, v in extras.items()},
    }
    with_extras = orjson.dumps(wire)
    obj, marked = parse_json_marked(with_extras)
    kept, notes = validate_any(obj, check_duplicates=marked)
    assert list(kept.extras) == list(extras)
    assert encode_entry(kept) == with_extras
    assert encode_entry(kept, runtime=CURRENT) == line
    assert notes == tuple(f"unknown field `{key}`" for key in extras)
    # serde ignores unknown keys: the strict reader accepts the line
    assert decode_entry(with_extras, version=CURRENT) == kept
