"""The app's plain-Python helpers, on the demo store's real files: stops, raw ranges, item
sources, replay pacing, the Markdown export and short ids."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segview.app.export import (
    ExportContext,
    markdown_from_log,
    state_to_markdown,
    write_export,
)
from segview.browse.pacing import MAX_DELAY, SPEEDS, faster, replay_delay, slower
from segview.browse.positions import (
    compute_stops,
    inspector_range,
    last_turn_stop,
    turn_start_ts,
)
from segview.browse.sources import ItemSources
from segview.describe import attachment_label, segment_chip_text, system_badge
from segview.store import (
    CURRENT_SYSTEM_ITEMS,
    FsStore,
    Invoke,
    MessageItem,
    SystemItemEntry,
    ToolCallItem,
    ToolResultItem,
    TurnEnd,
    UserInput,
    collect_state,
    decode_entry,
    flatten_segments,
)
from segview.text import short_ids
from segview.timeline import Timeline

from . import expected
from .helpers import INPUT_SEGMENTS, MAIN, SAMPLE_LOGS, SYSTEM_ITEMS, TRUNCATED


def timeline(segment_id: str) -> Timeline:
    return Timeline.load(FsStore(SAMPLE_LOGS), segment_id)


def test_stops_are_the_start_then_every_turn_end() -> None:
    tl = timeline(MAIN)
    stops = compute_stops(tl)
    assert stops[0].kind == "start" and stops[0].turn_count == 0
    assert [s.turn_count for s in stops[1:]] == expected.turn_counts(SAMPLE_LOGS, MAIN)
    for s in stops[1:]:
        assert isinstance(tl.entries[s.entry_end - 1], TurnEnd)
    assert stops[last_turn_stop(stops)] is stops[-1]


def test_an_unfinished_turn_is_a_tail_stop_after_the_last_turn() -> None:
    tl = timeline(TRUNCATED)
    stops = compute_stops(tl)
    assert stops[-1].kind == "tail" and stops[-1].entry_end == len(tl.entries)
    assert stops[last_turn_stop(stops)].kind == "turn"
    tail_state = collect_state(tl.entries)
    last_turn_state = expected.state_at(SAMPLE_LOGS, TRUNCATED, stops[-2].turn_count)
    assert len(tail_state.history) > len(last_turn_state.history)


def test_raw_ranges_of_all_stops_cover_the_log_once_in_order() -> None:
    for segment_id in (MAIN, INPUT_SEGMENTS, SYSTEM_ITEMS):
        tl = timeline(segment_id)
        ranges = [inspector_range(tl, s) for s in compute_stops(tl)]
        assert ranges[0][0] == 0
        for (_, b), (a, _) in pairwise(ranges):
            assert a == b
        assert ranges[-1][1] == len(tl.entries)


def test_a_turn_starts_with_its_own_first_entry_not_the_previous_runs_outcome() -> None:
    tl = timeline(MAIN)
    for turn in tl.turns:
        start = turn_start_ts(tl, turn)
        a, _b = inspector_range(tl, compute_stops(tl)[turn.index + 1])
        assert start == tl.entries[a].ts
        firsts = [e for e in tl.entries[a : turn.end_entry] if isinstance(e, (Invoke, UserInput))]
        assert firsts and firsts[0].ts == start


def test_each_turns_raw_range_holds_its_turn_end_and_nothing_of_the_next_turn() -> None:
    tl = timeline(MAIN)
    for stop in compute_stops(tl)[1:]:
        a, b = inspector_range(tl, stop)
        turn_ends = [e for e in tl.entries[a:b] if isinstance(e, TurnEnd)]
        assert [t.turn_count for t in turn_ends] == [stop.turn_count]
        assert not any(isinstance(e, UserInput) for e in tl.entries[stop.entry_end : b])


@pytest.mark.parametrize("segment_id", [SYSTEM_ITEMS, INPUT_SEGMENTS])
def test_item_sources_point_at_the_entries_that_made_each_item(segment_id: str) -> None:
    tl = timeline(segment_id)
    sources = ItemSources()
    sources.update(tl.entries)
    state = collect_state(tl.entries)
    at = sources.sources_at(len(tl.entries))
    assert len(at) == len(state.history)
    for item, src in zip(state.history, at, strict=True):
        entry = sources.entry(src)
        if isinstance(entry, SystemItemEntry):
            assert isinstance(item, MessageItem) and item.role == "system"
            assert item.text() == entry.item.body
            assert sources.system_item(src) is entry.item
        elif isinstance(entry, UserInput):
            assert isinstance(item, MessageItem) and item.text() == flatten_segments(entry.segments)
            assert sources.user_segments(src) == list(entry.segments)


def test_every_system_item_kind_has_its_own_badge() -> None:
    tl = timeline(SYSTEM_ITEMS)
    badges = {
        e.item.kind: system_badge(e.item) for e in tl.entries if isinstance(e, SystemItemEntry)
    }
    assert set(badges) == {"notification", "pod_event", "file_attachment", "knowledge", "workflow"}
    for kind, badge in badges.items():
        assert badge.startswith(kind)


def test_the_current_versions_items_have_badges_chips_and_attachment_lines() -> None:
    session = "0198c1a0-0000-7000-8000-0000000000b1"
    store = FsStore(Path(__file__).parent.parent / "golden_head/stores/head_basic" / session)
    tl = Timeline.load(store, "0198c1a0-0001-7001-8000-000000000001")
    items = [e.item for e in tl.entries if isinstance(e, SystemItemEntry)]
    assert {i.kind for i in items} == CURRENT_SYSTEM_ITEMS
    for item in items:
        assert system_badge(item).startswith(item.kind)
    chips = [
        segment_chip_text(s) for e in tl.entries if isinstance(e, UserInput) for s in e.segments
    ]
    assert "flow: coder/implement" in chips
    results = [i for i in tl.state_at(None).history if isinstance(i, ToolResultItem)]
    assert [attachment_label(a) for r in results for a in r.attachments] == [
        "[image attachment: image/png, 15 bytes]",
        "[image attachment: image/png, 15 bytes]",
        "[image attachment: image/jpeg, 11 bytes]",
    ]


def test_replay_delays_follow_the_log_scaled_by_speed_and_capped() -> None:
    entries = timeline(MAIN).entries
    gaps = [(i, entries[i].ts - entries[i - 1].ts) for i in range(1, len(entries))]
    capped = [i for i, gap in gaps if gap / 1000 > MAX_DELAY]
    small = [i for i, gap in gaps if 0 < gap / 1000 < MAX_DELAY]
    assert capped and small
    for i in capped:
        assert replay_delay(entries, i, 1) == MAX_DELAY
    for i in small:
        assert replay_delay(entries, i, 10) == pytest.approx(replay_delay(entries, i, 1) / 10)
    assert all(
        replay_delay(entries, i, s) <= MAX_DELAY for i in range(len(entries)) for s in SPEEDS
    )
    assert replay_delay(entries, 0, 1) == 0.0
    assert [faster(s) for s in SPEEDS] == [2, 5, 10, 50, 50]
    assert [slower(s) for s in SPEEDS] == [1, 1, 2, 5, 10]


def test_markdown_export_holds_the_conversation(tmp_path: Path) -> None:
    tl = timeline(MAIN)
    state = expected.state_at(SAMPLE_LOGS, MAIN, 3)
    sources = ItemSources()
    sources.update(tl.entries)
    ctx = ExportContext(store="sample_logs", segment_id=MAIN, position="turn 3 / 10")
    text = state_to_markdown(state, ctx, list(sources.sources_at(999)), sources)
    assert text.startswith(f"# Segment {MAIN} at turn 3 / 10\n")
    results = {i.call_id: i for i in state.history if isinstance(i, ToolResultItem)}
    for item in state.history:
        if isinstance(item, ToolCallItem):
            assert f"tool call `{item.name}` ({item.call_id})" in text
            assert results[item.call_id].summary in text
        elif isinstance(item, MessageItem) and item.role == "user":
            # as Markdown that shows the text (``<module>`` is escaped, not an HTML tag)
            assert markdown_from_log(item.text()) in text
    first = write_export(text, tmp_path, "x")
    second = write_export("other", tmp_path, "x")
    assert first.name == "x.md" and second.name == "x-2.md"
    assert first.read_text() == text


def test_short_ids_are_unique_prefixes() -> None:
    ids = [p.stem for p in SAMPLE_LOGS.glob("*.jsonl")]
    short = short_ids(ids)
    assert len(set(short.values())) == len(ids)
    for full, prefix in short.items():
        assert full.startswith(prefix) and len(prefix) >= 7
        assert [i for i in ids if i.startswith(prefix)] == [full]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet="01ab-", min_size=0, max_size=14), max_size=30),
    st.integers(min_value=0, max_value=9),
)
def test_short_ids_are_the_shortest_unique_prefixes(ids: list[str], minimum: int) -> None:
    """Against the definition, one id at a time: ids of a store share long prefixes (a
    UUIDv7's time), so the prefixes are found by halving, not character by character."""
    short = short_ids(ids, minimum)
    assert set(short) == set(ids)
    for sid, prefix in short.items():
        others = [o for o in set(ids) if o != sid]
        n = minimum
        while n < len(sid) and any(o.startswith(sid[:n]) for o in others):
            n += 1
        assert prefix == sid[: min(n, len(sid))], (sid, others)


def test_markdown_export_prints_sampling_settings_as_written() -> None:
    """temperature / top_p are 32-bit in the log: 0.2 and 0.95, not their widened digits."""
    line = (
        b'{"kind":"segment_start","ts":1,"system_prompt":null,"config":{"max_tokens":512,'
        b'"temperature":0.2,"top_p":0.95,"top_k":null,"stop_sequences":[],"reasoning":"low"},'
        b'"history":[]}'
    )
    state = collect_state([decode_entry(line)])
    ctx = ExportContext(store="s", segment_id="x", position="turn 0 / 0")
    text = state_to_markdown(state, ctx)
    assert "- config: max_tokens=512, temperature=0.2, top_p=0.95, reasoning=low\n" in text
