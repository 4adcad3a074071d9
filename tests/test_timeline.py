"""Timeline: turns of a segment and states that equal collect_state over the entry prefix."""

from __future__ import annotations

import gc
import itertools
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest

from segview.store import (
    AssistantItems,
    FsStore,
    Invoke,
    MessageItem,
    PodScopeSnapshot,
    ReasoningItem,
    RequestConfig,
    RestoredState,
    ScopeRule,
    SegmentStart,
    SystemNotification,
    TextPart,
    TextSegment,
    ToolCallItem,
    ToolResultItem,
    TurnEnd,
    UsageRecord,
    append_entry,
    append_system_item,
    apply_entry,
    collect_state,
    create_compacted_segment,
    create_segment,
    encode_entry,
    fork_at,
    save_config_changed,
    save_delta,
    save_extension,
    save_pod_scope,
    save_run_completed,
    save_turn_end,
    save_usage,
    save_user_input,
)
from segview.store.version import FormatVersion
from segview.timeline import Timeline, gc_paused
from tests.conftest import golden_segment_files
from tests.layouts import rewrite, write_segment

SEG = "0190e000-0000-7000-8000-000000000001"


def wire(state: RestoredState) -> bytes:
    return orjson.dumps(state.to_wire())


# --- golden segments -------------------------------------------------------------------------


@pytest.mark.parametrize("path", golden_segment_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_prefix_of_every_golden_segment(path: Path) -> None:
    store = FsStore(path.parent)
    timeline = Timeline.load(store, path.stem)
    entries = store.read_all(path.stem)
    assert timeline.entries == entries
    assert timeline.problems == []
    assert timeline.lines == list(range(1, len(entries) + 1))
    for n in range(len(entries) + 1):
        assert wire(timeline.state_at_entry(n)) == wire(collect_state(entries[:n]))
    for i, turn in enumerate(timeline.turns):
        expected = wire(collect_state(entries[: turn.end_entry + 1]))
        assert wire(timeline.state_after_turn(i)) == expected
        if timeline.turn_by_count(turn.turn_count) is turn:
            assert wire(timeline.state_at(turn.turn_count)) == expected
    assert wire(timeline.state_at(None)) == wire(collect_state(entries))
    ends = [i for i, line in enumerate(path.read_text().splitlines()) if '"turn_end"' in line]
    assert [t.end_entry for t in timeline.turns] == ends


# --- generated logs --------------------------------------------------------------------------


@dataclass
class Expected:
    """What the generator wrote for one turn (counted while writing, not read back)."""

    turn_count: int
    first_entry: int
    end_entry: int = -1
    first_ts: int = 0
    last_ts: int = 0
    user_preview: str = ""
    assistant_items: int = 0
    tool_calls: int = 0
    tool_results: int = 0
    system_items: int = 0
    usage: list[UsageRecord] = field(default_factory=list)


class Writer:
    """Writes a log through the store's operations, counting entries and ts as it goes."""

    def __init__(self, store: FsStore, segment_id: str) -> None:
        self.store = store
        self.segment_id = segment_id
        self.count = 0
        self.ts = 1_700_000_000_000

    def tick(self, entries: int = 1) -> int:
        self.ts += 1
        self.count += entries
        return self.ts


def write_log(store: FsStore, segment_id: str, turns: int, *, restart_at: int) -> list[Expected]:
    """A log of ``turns`` turns mixing every entry kind, with a second segment_start."""
    w = Writer(store, segment_id)
    create_segment(store, RestoredState(system_prompt="sys"), ts=w.tick(), segment_id=segment_id)
    expected: list[Expected] = []
    for i in range(1, turns + 1):
        # a turn's range starts right after the previous turn_end (ts go up by one per entry)
        exp = Expected(turn_count=i, first_entry=expected[-1].end_entry + 1 if expected else 0)
        exp.first_ts = expected[-1].last_ts + 1 if expected else w.ts
        if i == restart_at:
            seed = [MessageItem(role="system", content=[TextPart(text="restarted")])]
            append_entry(
                store,
                segment_id,
                SegmentStart(
                    ts=w.tick(),
                    system_prompt="second",
                    config=RequestConfig(stop_sequences=["x"]),
                    history=seed,
                ),
            )
        append_entry(store, segment_id, Invoke(ts=w.tick(), trigger="user_send"))
        text = f"question {i}\n  with  spaces"
        save_user_input(store, segment_id, [TextSegment(content=text)], ts=w.tick())
        exp.user_preview = f"question {i} with spaces"
        items: list[Any] = []
        for k in range(i % 3):
            items.append(ToolCallItem(call_id=f"c{i}.{k}", name="run", arguments="{}"))
            items.append(ToolResultItem(call_id=f"c{i}.{k}", summary="ok", is_error=k == 1))
            exp.tool_calls += 1
            exp.tool_results += 1
            exp.assistant_items += 1
        if i % 5 == 0:
            items.append(ReasoningItem(text="hmm", summary=["a"]))
            exp.assistant_items += 1
        items.append(MessageItem(role="assistant", content=[TextPart(text=f"answer {i}")]))
        exp.assistant_items += 1
        save_delta(store, segment_id, items, ts=w.tick(len(items)))
        if i % 4 == 0:
            note = SystemNotification(message="m", body=f"note {i}")
            append_system_item(store, segment_id, note, ts=w.tick())
            exp.system_items += 1
        if i % 13 == 0:  # a legacy plural entry
            legacy = [MessageItem(role="assistant", content=[TextPart(text="old")])] * 2
            append_entry(store, segment_id, AssistantItems(ts=w.tick(), items=legacy))
            exp.assistant_items += 2
        record = UsageRecord(
            history_len=i,
            input_total_tokens=100 * i,
            cache_read_tokens=i,
            cache_write_tokens=0,
            output_tokens=7,
        )
        save_usage(store, segment_id, i, 100 * i, i, 0, 7, ts=w.tick())
        exp.usage.append(record)
        if i % 7 == 0:
            scope = PodScopeSnapshot(allow=[ScopeRule(target=f"/p{i}", permission="read")], deny=[])
            save_pod_scope(store, segment_id, scope, ts=w.tick())
            save_extension(store, segment_id, "memory", {"n": i, "f": 0.5}, ts=w.tick())
        if i % 11 == 0:
            config = RequestConfig(temperature=0.1 * (i % 10), stop_sequences=[])
            save_config_changed(store, segment_id, config, ts=w.tick())
        exp.end_entry = w.count
        save_turn_end(store, segment_id, i, ts=w.tick())
        exp.last_ts = w.ts
        expected.append(exp)
        if i % 6 == 0:  # after the turn_end: part of the next turn's range
            save_run_completed(store, segment_id, "finished", i % 12 == 0, ts=w.tick())
    save_user_input(store, segment_id, [TextSegment(content="unanswered")], ts=w.tick())
    return expected


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[FsStore, list[Expected]]:
    store = FsStore(tmp_path_factory.mktemp("generated"))
    expected = write_log(store, SEG, 260, restart_at=130)
    return store, expected


def test_generated_log_every_prefix(generated: tuple[FsStore, list[Expected]]) -> None:
    store, _expected = generated
    timeline = Timeline.load(store, SEG)
    entries = store.read_all(SEG)
    assert timeline.entries == entries and timeline.problems == []
    # collect_state replays from the empty state with apply_entry, one entry after another:
    # ``reference`` is collect_state(entries[:n]) for each n without replaying every prefix
    # from scratch (that alone would take seconds); every 10th prefix is replayed in full.
    reference = RestoredState()
    for n in range(len(entries) + 1):
        state = timeline.state_at_entry(n)
        # RestoredState is a dataclass: == compares every field, items by value
        assert state == reference
        if n % 10 == 0 or n == len(entries):
            assert wire(state) == wire(collect_state(entries[:n]))
        if n < len(entries):
            apply_entry(reference, entries[n])


def test_a_timeline_s_models_of_one_shape_share_their_given_fields(
    generated: tuple[FsStore, list[Expected]],
) -> None:
    store, _expected = generated
    timeline = Timeline.load(store, SEG)
    read_once = store.read_all(SEG)
    by_shape: dict[tuple[type, frozenset[str]], set[int]] = {}
    for kept, once in zip(timeline.entries, read_once, strict=True):
        assert kept == once and kept.model_fields_set == once.model_fields_set
        key = (type(kept), frozenset(kept.model_fields_set))
        by_shape.setdefault(key, set()).add(id(kept.model_fields_set))
        assert kept.model_fields_set is not once.model_fields_set  # read once: its own
    # every shape has one set, held by all its entries (the log has a few dozen shapes)
    assert len(by_shape) < 40 < len(timeline.entries)
    assert all(len(ids) == 1 for ids in by_shape.values())
    # and so do the models the replay makes: users' messages, usage records
    state = timeline.state_at(None)
    users = [i for i in state.history if isinstance(i, MessageItem) and i.role == "user"]
    records = [record for _i, record in timeline.usage]
    for made in (users, [part for user in users for part in user.content], records):
        sets = {frozenset(m.model_fields_set): id(m.model_fields_set) for m in made}
        assert len(made) > 10 and len({id(m.model_fields_set) for m in made}) == len(sets)


def test_generated_log_turns(generated: tuple[FsStore, list[Expected]]) -> None:
    store, expected = generated
    timeline = Timeline.load(store, SEG)
    entries = timeline.entries
    assert len(timeline.turns) == len(expected) == 260
    for turn, exp in zip(timeline.turns, expected, strict=True):
        assert turn.index == exp.turn_count - 1
        assert turn.turn_count == exp.turn_count
        assert (turn.first_entry, turn.end_entry) == (exp.first_entry, exp.end_entry)
        assert (turn.first_ts, turn.last_ts) == (exp.first_ts, exp.last_ts)
        assert turn.duration_ms == exp.last_ts - exp.first_ts
        assert turn.user_preview == exp.user_preview
        assert turn.assistant_items == exp.assistant_items
        assert turn.tool_calls == exp.tool_calls
        assert turn.tool_results == exp.tool_results
        assert turn.system_items == exp.system_items
        assert turn.usage == exp.usage
        before = collect_state(entries[: turn.first_entry])
        after = collect_state(entries[: turn.end_entry + 1])
        assert turn.history_len_before == len(before.history)
        assert turn.history_len_after == len(after.history)
    assert [r for _i, r in timeline.usage] == [r for e in expected for r in e.usage]
    assert all(type(entries[i]).__name__ == "LlmUsage" for i, _r in timeline.usage)
    assert timeline.last_turn is timeline.turns[-1]
    assert timeline.open_turn_start == expected[-1].end_entry + 1
    assert timeline.turn_of_entry(0) is timeline.turns[0]
    assert timeline.turn_of_entry(expected[5].end_entry) is timeline.turns[5]
    assert timeline.turn_of_entry(expected[5].end_entry + 1) is timeline.turns[6]
    assert timeline.turn_of_entry(len(entries) - 1) is None
    assert timeline.start is not None and timeline.start.system_prompt == "sys"
    assert timeline.inherited_len == 0 and timeline.origin is None
    with pytest.raises(KeyError):
        timeline.state_at(261)
    with pytest.raises(IndexError):
        timeline.state_at_entry(len(entries) + 1)


def test_returned_states_are_the_callers_to_mutate(
    generated: tuple[FsStore, list[Expected]],
) -> None:
    store, _expected = generated
    timeline = Timeline.load(store, SEG)
    first = timeline.state_at(40)
    first.history.clear()
    first.usage_history.clear()
    first.extensions.clear()
    first.user_segments.clear()
    entries = timeline.entries
    for count in (40, 41, 200):
        turn = timeline.turn_by_count(count)
        assert turn is not None
        assert timeline.state_at(count) == collect_state(entries[: turn.end_entry + 1])


def test_random_jumps_match_replay(generated: tuple[FsStore, list[Expected]]) -> None:
    store, _expected = generated
    timeline = Timeline.load(store, SEG)
    entries = timeline.entries
    rng = random.Random(7)
    for n in rng.sample(range(len(entries) + 1), 60):
        assert wire(timeline.state_at_entry(n)) == wire(collect_state(entries[:n]))


def test_duplicate_turn_counts_use_the_first(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    create_segment(store, RestoredState(), ts=1, segment_id=SEG)
    save_user_input(store, SEG, [TextSegment(content="a")], ts=2)
    save_turn_end(store, SEG, 1, ts=3)
    save_user_input(store, SEG, [TextSegment(content="b")], ts=4)
    save_turn_end(store, SEG, 1, ts=5)
    timeline = Timeline.load(store, SEG)
    assert [t.turn_count for t in timeline.turns] == [1, 1]
    assert timeline.turn_by_count(1) is timeline.turns[0]
    assert len(timeline.state_at(1).history) == 1
    assert len(timeline.state_after_turn(1).history) == 2


def test_fork_and_compaction_origin(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    write_log(store, SEG, 4, restart_at=0)
    child = fork_at(store, SEG, 3, ts=10)
    timeline = Timeline.load(store, child)
    assert timeline.origin_kind == "fork"
    assert timeline.origin is not None
    assert (timeline.origin.segment_id, timeline.origin.at_turn_index) == (SEG, 3)
    parent = Timeline.load(store, SEG)
    branch = parent.turn_by_count(3)
    assert branch is not None and timeline.inherited_len == branch.history_len_after
    state = parent.state_at(3)
    compacted = create_compacted_segment(store, state, SEG, 3, ts=11)
    timeline = Timeline.load(store, compacted)
    assert timeline.origin_kind == "compaction"
    assert timeline.inherited_len == len(state.history)
    assert timeline.turns == [] and timeline.state_at(None).history == state.history


def test_damaged_lines_are_skipped_and_reported(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    write_log(store, SEG, 3, restart_at=0)
    with store.path_for(SEG).open("ab") as f:
        f.write(b"\n")  # blank line
        f.write(b'{"kind":"turn_end","ts":1.5,"turn_count":4}\n')  # corrupt
        f.write(b'{"kind":"new_kind","ts":99}\n')  # unknown kind: kept
    save_turn_end(store, SEG, 4, ts=100)
    total_lines = len(store.path_for(SEG).read_bytes().splitlines())
    timeline = Timeline.load(store, SEG)
    assert [p.line for p in timeline.problems] == [total_lines - 2, total_lines - 1]
    assert timeline.lines[-2:] == [total_lines - 1, total_lines]
    assert type(timeline.entries[-2]).__name__ == "UnknownEntry"
    assert [t.turn_count for t in timeline.turns] == [1, 2, 3, 4]
    entries = timeline.entries
    for n in range(len(entries) + 1):
        assert wire(timeline.state_at_entry(n)) == wire(collect_state(entries[:n]))


def test_missing_segment_is_an_empty_timeline(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    timeline = Timeline.load(store, SEG)
    assert timeline.entries == [] and timeline.turns == []
    assert len(timeline.problems) == 1 and timeline.problems[0].line is None
    assert timeline.state_at(None) == RestoredState()
    write_log(store, SEG, 2, restart_at=0)
    assert timeline.refresh() == len(store.read_all(SEG))
    assert [t.turn_count for t in timeline.turns] == [1, 2] and timeline.problems == []


def test_progress_reports_bytes(generated: tuple[FsStore, list[Expected]]) -> None:
    store, _expected = generated
    calls: list[tuple[int, int]] = []
    Timeline.load(store, SEG, progress=lambda done, total: calls.append((done, total)))
    size = store.path_for(SEG).stat().st_size
    assert calls and calls[-1] == (size, size)
    assert all(a <= b for (a, _), (b, _) in itertools.pairwise(calls))


# --- refresh ---------------------------------------------------------------------------------


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    original = FsStore.read_tolerant

    def counted(store: FsStore, segment_id: str, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return original(store, segment_id, **kwargs)

    monkeypatch.setattr(FsStore, "read_tolerant", counted)
    return calls


def check_all_prefixes(timeline: Timeline) -> None:
    fresh = Timeline.load(timeline.store, timeline.segment_id)
    assert timeline.entries == fresh.entries
    assert timeline.lines == fresh.lines and timeline.offsets == fresh.offsets
    assert timeline.turns == fresh.turns and timeline.usage == fresh.usage
    assert timeline.problems == fresh.problems
    entries = timeline.entries
    for n in range(len(entries) + 1):
        assert timeline.state_at_entry(n) == collect_state(entries[:n])


def test_refresh_reads_only_appended_bytes(tmp_path: Path, reads: list[dict[str, Any]]) -> None:
    store = FsStore(tmp_path)
    write_log(store, SEG, 5, restart_at=3)
    timeline = Timeline.load(store, SEG)
    assert timeline.refresh() == 0
    assert len(reads) == 1  # nothing new: not even opened for reading
    size = store.path_for(SEG).stat().st_size
    before = len(timeline.entries)
    save_delta(store, SEG, [MessageItem(role="assistant", content=[TextPart(text="x")])], ts=5)
    save_usage(store, SEG, 1, 2, 3, 4, 5, ts=6)
    save_turn_end(store, SEG, 6, ts=7)
    assert timeline.refresh() == 3
    assert reads[-1]["offset"] == size
    assert len(timeline.entries) == before + 3
    last = timeline.turns[-1]
    assert (last.turn_count, last.end_entry, last.last_ts) == (6, before + 2, 7)
    assert last.first_entry == timeline.turns[-2].end_entry + 1
    assert last.user_preview == "unanswered" and last.assistant_items == 1
    assert len(last.usage) == 1
    check_all_prefixes(timeline)


def test_partial_last_line_is_picked_up_when_completed(
    tmp_path: Path, reads: list[dict[str, Any]]
) -> None:
    store = FsStore(tmp_path)
    write_log(store, SEG, 2, restart_at=0)
    timeline = Timeline.load(store, SEG)
    before = len(timeline.entries)
    lines = len(store.path_for(SEG).read_bytes().splitlines())
    data = encode_entry(TurnEnd(ts=50, turn_count=3)) + b"\n"
    with store.path_for(SEG).open("ab") as f:
        f.write(data[:10])
    assert timeline.refresh() == 0
    assert [(p.line, p.message.split(" ")[0]) for p in timeline.problems] == [
        (lines + 1, "truncated")
    ]
    assert len(timeline.turns) == 2
    with store.path_for(SEG).open("ab") as f:
        f.write(data[10:])
    assert timeline.refresh() == 1
    assert timeline.problems == [] and len(timeline.entries) == before + 1
    assert timeline.turns[-1].turn_count == 3 and timeline.lines[-1] == lines + 1
    check_all_prefixes(timeline)


def test_unterminated_entry_is_not_counted_twice(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    write_log(store, SEG, 2, restart_at=0)
    with store.path_for(SEG).open("ab") as f:
        f.write(encode_entry(TurnEnd(ts=50, turn_count=3)))  # complete JSON, no newline yet
    timeline = Timeline.load(store, SEG)
    assert [t.turn_count for t in timeline.turns] == [1, 2, 3]
    with store.path_for(SEG).open("ab") as f:
        f.write(b"\n")
    save_user_input(store, SEG, [TextSegment(content="next")], ts=51)
    assert timeline.refresh() == 1
    assert [t.turn_count for t in timeline.turns] == [1, 2, 3]
    check_all_prefixes(timeline)
    # a provisional entry whose line turns out to be longer and corrupt is withdrawn
    with store.path_for(SEG).open("ab") as f:
        f.write(encode_entry(TurnEnd(ts=60, turn_count=4)))
    assert timeline.refresh() == 1 and timeline.turns[-1].turn_count == 4
    with store.path_for(SEG).open("ab") as f:
        f.write(b"garbage\n")
    assert timeline.refresh() == -1
    assert [t.turn_count for t in timeline.turns] == [1, 2, 3]
    assert timeline.problems[-1].line == timeline.lines[-1] + 1
    check_all_prefixes(timeline)


def test_a_format_version_given_applies_to_every_read(tmp_path: Path) -> None:
    """``Timeline.load(..., version=...)``: an unterminated line that does not parse is a
    truncated line (a problem) by the reference rules, a write in progress by the current
    ones; the version holds when the file grows and when it is read again after a rewrite."""
    store = FsStore(tmp_path)
    write_log(store, SEG, 2, restart_at=0)
    with store.path_for(SEG).open("ab") as f:
        f.write(b'{"kind":"tu')
    reference = Timeline.load(store, SEG)
    current = Timeline.load(store, SEG, version=FormatVersion.CURRENT)
    assert reference.format_version is FormatVersion.REFERENCE and len(reference.problems) == 1
    assert current.format_version is FormatVersion.CURRENT and current.problems == []
    assert current.version_asked is FormatVersion.CURRENT
    path = store.path_for(SEG)
    path.write_bytes(b"\n".join(path.read_bytes().split(b"\n")[:5]) + b"\n" + b'{"kind":"tu')
    current.refresh()
    assert current.generation == 1 and current.format_version is FormatVersion.CURRENT
    assert current.problems == []


def test_replaced_file_is_read_again(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    write_log(store, SEG, 6, restart_at=0)
    timeline = Timeline.load(store, SEG)
    path = store.path_for(SEG)
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join(lines[:5]) + b"\n")
    timeline.refresh()
    assert timeline.generation == 1 and len(timeline.entries) == 5
    check_all_prefixes(timeline)


# --- segments rewritten in place (the runtime's rewind) -------------------------------------


def rewind_lines(path: Path, keep_turns: int) -> list[bytes]:
    """The file's lines up to and including the ``turn_end`` of turn ``keep_turns``."""
    lines = path.read_bytes().splitlines(keepends=True)
    ends = [i for i, line in enumerate(lines) if b'"kind":"turn_end"' in line]
    return lines[: ends[keep_turns - 1] + 1]


def turn_texts(timeline: Timeline) -> list[str | None]:
    return [t.user_preview for t in timeline.turns]


@pytest.mark.parametrize("keep_inode", [True, False], ids=["overwrite", "rename"])
def test_a_rewind_in_place_is_read_again(
    tmp_path: Path, keep_inode: bool, reads: list[dict[str, Any]]
) -> None:
    """Truncated to fewer entries, then different ones appended: a bigger file whose start is
    the same but whose bytes before the old resume point changed."""
    path = write_segment(tmp_path, SEG, None, ts=1000, turns=3, text="first")
    store = FsStore(tmp_path)
    timeline = Timeline.load(store, SEG)
    assert turn_texts(timeline) == ["first 1", "first 2", "first 3"]
    size = path.stat().st_size
    rewrite(path, b"".join(rewind_lines(path, 1)), keep_inode=keep_inode)
    add_turns_from(store, 2, 4, ts=5000, text="second take")
    assert path.stat().st_size > size  # it looks as if it only grew
    timeline.refresh()
    assert timeline.generation == 1
    assert turn_texts(timeline) == ["first 1", "second take 2", "second take 3", "second take 4"]
    assert [t.turn_count for t in timeline.turns] == [1, 2, 3, 4]
    assert timeline.problems == []
    assert reads[-1].get("offset", 0) == 0  # read from the start
    check_all_prefixes(timeline)
    # appends after the rewind are read incrementally again
    add_turns_from(store, 5, 5, ts=9000, text="later")
    size = path.stat().st_size
    timeline.refresh()
    assert timeline.generation == 1 and reads[-1]["offset"] < size
    assert turn_texts(timeline)[-1] == "later 5"
    check_all_prefixes(timeline)


def test_a_same_size_rewrite_with_the_time_restored_is_read_again(tmp_path: Path) -> None:
    path = write_segment(tmp_path, SEG, None, ts=1000, turns=3, text="first")
    timeline = Timeline.load(FsStore(tmp_path), SEG)
    st = path.stat()
    data = path.read_bytes()
    assert data.count(b"first 2") == 1
    rewrite(path, data.replace(b"first 2", b"FIRST 2"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    timeline.refresh()
    assert timeline.generation == 1
    assert turn_texts(timeline) == ["first 1", "FIRST 2", "first 3"]
    assert timeline.problems == []
    check_all_prefixes(timeline)


def test_a_rewind_to_a_shorter_file_during_a_pending_tail(tmp_path: Path) -> None:
    """A half-written line, then a rewind and new turns: no stale tail, no false problem."""
    path = write_segment(tmp_path, SEG, None, ts=1000, turns=3, text="first")
    store = FsStore(tmp_path)
    with path.open("ab") as f:
        f.write(b'{"kind":"user_input","ts":9')
    timeline = Timeline.load(store, SEG)
    assert [p.message.split(" ")[0] for p in timeline.problems] == ["truncated"]
    rewrite(path, b"".join(rewind_lines(path, 2)))
    add_turns_from(store, 3, 3, ts=5000, text="again")
    timeline.refresh()
    assert turn_texts(timeline) == ["first 1", "first 2", "again 3"]
    assert timeline.problems == []
    check_all_prefixes(timeline)


def add_turns_from(store: FsStore, first: int, last: int, *, ts: int, text: str) -> None:
    for i in range(first, last + 1):
        save_user_input(store, SEG, [TextSegment(content=f"{text} {i}")], ts=ts + 10 * i)
        answer = MessageItem(role="assistant", content=[TextPart(text=f"{text} answer {i}")])
        save_delta(store, SEG, [answer], ts=ts + 10 * i + 1)
        save_turn_end(store, SEG, i, ts=ts + 10 * i + 2)


def test_gc_pause_is_counted_and_restores_the_collector() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # was off before: stays off
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError
    assert gc.isenabled()
