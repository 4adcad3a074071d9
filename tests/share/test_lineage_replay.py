"""The replay of a segment from its root: chapters, events, inherited history (demo store and
stores written through segview's own write operations)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from segview.lineage import Lineage
from segview.samples import DEMO_SEGMENTS
from segview.share.lineage_replay import LineageReplay, build_replay, lineage_path
from segview.store import (
    FsStore,
    MessageItem,
    ReasoningItem,
    RequestConfig,
    RestoredState,
    SegmentOrigin,
    SegmentStart,
    TextPart,
    ToolCallItem,
    ToolResultItem,
    collect_state,
    create_segment,
    fork_at,
    save_delta,
    save_turn_end,
    save_user_input,
)
from segview.store.model import TextSegment

MAIN = DEMO_SEGMENTS["main"]
FORK_MID = DEMO_SEGMENTS["fork_mid"]
FORK_OF_FORK = DEMO_SEGMENTS["fork_of_fork"]
FORK_TURN0 = DEMO_SEGMENTS["fork_turn0"]
COMPACTED_1 = DEMO_SEGMENTS["compacted_1"]
COMPACTED_2 = DEMO_SEGMENTS["compacted_2"]
TRUNCATED = DEMO_SEGMENTS["truncated"]
LEGACY = DEMO_SEGMENTS["legacy"]
INPUT_SEGMENTS = DEMO_SEGMENTS["input_segments"]
SYSTEM_ITEMS = DEMO_SEGMENTS["system_items"]


def replay_of(store: Path, segment: str, **kwargs: Any) -> LineageReplay:
    return build_replay(Lineage.open(store), segment, **kwargs)


def shown(replay: LineageReplay) -> list[dict[str, Any]]:
    """What the page shows at the end: a chapter's seed replaces the view, items append."""
    out: list[dict[str, Any]] = []
    for event in replay.events:
        if event.reset:
            out = list(event.items)
        else:
            out.extend(event.items)
    return out


def kind_of(item: Any) -> str:
    if isinstance(item, MessageItem):
        return item.role
    if isinstance(item, ToolCallItem):
        return "call"
    if isinstance(item, ToolResultItem):
        return "result"
    assert isinstance(item, ReasoningItem)
    return "reasoning"


def assert_shows_state(replay: LineageReplay, state: RestoredState) -> None:
    """The replay ends on exactly the state's history, item by item."""
    items = shown(replay)
    assert [i["k"] for i in items] == [kind_of(h) for h in state.history]
    for view, item in zip(items, state.history, strict=True):
        if isinstance(item, MessageItem):
            assert view["text"] == item.text()
        elif isinstance(item, ToolCallItem):
            assert view["name"] == item.name and view["id"] == item.call_id
        elif isinstance(item, ToolResultItem):
            assert view["summary"] == item.summary and view.get("content") == item.content


def test_a_fork_of_a_fork_replays_root_then_each_fork_from_its_turn(demo_store: Path) -> None:
    replay = replay_of(demo_store, FORK_OF_FORK)
    assert [(c.segment_id, c.kind, c.at_turn, c.until_turn, c.own) for c in replay.chapters] == [
        (MAIN, "root", None, 4, False),
        (FORK_MID, "fork", 4, 1, False),
        (FORK_OF_FORK, "fork", 1, None, True),
    ]
    assert replay.turns == [(0, 1), (0, 2), (0, 3), (0, 4), (1, 1), (2, 1), (2, 2)]
    # a fork's seed is its parent's state at the fork point: the replay goes on, no reset
    heads = [e for e in replay.events if e.op == "chapter"]
    assert [(e.chapter, e.reset, len(e.items)) for e in heads] == [
        (0, False, 0),
        (1, False, 0),
        (2, False, 0),
    ]
    assert "fork of 01926b8 at turn 4" in (heads[1].note or "")
    state = collect_state(FsStore(demo_store).read_all(FORK_OF_FORK))
    assert_shows_state(replay, state)
    # what the ancestors added is inherited; the segment's own turns are not
    items = shown(replay)
    own = [i for i in items if i["ch"] == 2]
    assert own and all("inh" not in i for i in own)
    assert all(i.get("inh") for i in items if i["ch"] < 2)
    assert len([i for i in items if i.get("inh")]) == 62  # its segment_start's history


def test_a_compaction_replaces_the_history_with_its_summary(demo_store: Path) -> None:
    replay = replay_of(demo_store, COMPACTED_2)
    assert [(c.segment_id, c.kind, c.at_turn, c.until_turn) for c in replay.chapters] == [
        (MAIN, "root", None, 10),
        (COMPACTED_1, "compaction", 10, 13),
        (COMPACTED_2, "compaction", 13, None),
    ]
    assert [t for _c, t in replay.turns] == list(range(1, 16))
    heads = [e for e in replay.events if e.op == "chapter"]
    assert [e.reset for e in heads] == [False, True, True]
    store = FsStore(demo_store)
    for head, seg in zip(heads[1:], (COMPACTED_1, COMPACTED_2), strict=True):
        start = store.read_all(seg)[0]
        assert isinstance(start, SegmentStart)
        assert len(head.items) == len(start.history) > 0
        assert all(i.get("seed") and i.get("inh") for i in head.items)
        assert "replaced by its summary" in (head.note or "")
    assert_shows_state(replay, collect_state(store.read_all(COMPACTED_2)))


def test_a_fork_at_turn_zero_shows_only_the_roots_start(demo_store: Path) -> None:
    replay = replay_of(demo_store, FORK_TURN0)
    assert [(c.kind, c.until_turn) for c in replay.chapters] == [("root", 0), ("fork", None)]
    assert {c for c, _t in replay.turns} == {1}
    assert_shows_state(replay, collect_state(FsStore(demo_store).read_all(FORK_TURN0)))


@pytest.mark.parametrize("turn", [0, 1, 2, 7])
def test_up_to_a_turn(demo_store: Path, turn: int) -> None:
    replay = replay_of(demo_store, MAIN, until_turn=turn)
    assert replay.turns == [(0, n) for n in range(1, turn + 1)]
    entries = FsStore(demo_store).read_all(MAIN)
    from segview.store import find_fork_cut

    cut = find_fork_cut(entries, turn).entries_kept
    assert_shows_state(replay, collect_state(entries[:cut]))


def test_a_turn_the_segment_does_not_have_is_an_error(demo_store: Path) -> None:
    with pytest.raises(ValueError, match="has no turn 99"):
        replay_of(demo_store, MAIN, until_turn=99)
    with pytest.raises(LookupError):
        replay_of(demo_store, "01926b80-0000-7000-8000-000000000000")


def test_a_missing_parent_starts_from_the_recorded_history(
    demo_store: Path, tmp_path: Path
) -> None:
    alone = tmp_path / "alone"
    alone.mkdir()
    for seg in (FORK_MID, FORK_OF_FORK):
        name = f"{seg}.jsonl"
        shutil.copyfile(demo_store / name, alone / name)
    replay = replay_of(alone, FORK_OF_FORK)
    assert [(c.kind, c.parent_id) for c in replay.chapters] == [
        ("seeded", MAIN),
        ("fork", FORK_MID),
    ]
    first = replay.events[0]
    assert first.op == "chapter" and first.reset and len(first.items) == 47
    assert "not in this store" in replay.chapters[0].label
    assert_shows_state(replay, collect_state(FsStore(alone).read_all(FORK_OF_FORK)))


def test_a_fork_whose_seed_differs_from_its_parent_is_shown_as_recorded(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    config = RequestConfig(stop_sequences=[])
    root = create_segment(store, RestoredState(system_prompt="be brief"), ts=1_000)
    for n in (1, 2):
        save_user_input(store, root, [TextSegment(content=f"question {n}")], ts=1_000 + n * 10)
        answer = MessageItem(role="assistant", content=[TextPart(text=f"answer {n}")])
        save_delta(store, root, [answer], ts=1_001 + n * 10)
        save_turn_end(store, root, n, ts=1_002 + n * 10)
    honest = fork_at(store, root, 1, ts=2_000)
    # a fork whose recorded history is not its parent's state at turn 1
    odd = "01927000-0000-7000-8000-0000000000dd"
    other = MessageItem(role="user", content=[TextPart(text="something else")])
    origin = SegmentOrigin(segment_id=root, at_turn_index=1)
    start = SegmentStart(ts=3_000, config=config, history=[other], forked_from=origin)
    store.create_segment(odd, [start])

    plain = replay_of(tmp_path, honest)
    assert [e.reset for e in plain.events if e.op == "chapter"] == [False, False]
    assert [i["text"] for i in shown(plain)] == ["question 1", "answer 1"]

    replay = replay_of(tmp_path, odd)
    heads = [e for e in replay.events if e.op == "chapter"]
    assert heads[1].reset and [i["text"] for i in heads[1].items] == ["something else"]
    assert "differs from its parent's log" in (heads[1].note or "")
    assert [i["text"] for i in shown(replay)] == ["something else"]


def test_a_damaged_log_is_replayed_from_what_can_be_read(demo_store: Path) -> None:
    replay = replay_of(demo_store, TRUNCATED)
    assert replay.chapters[0].problems == 1
    assert replay.turns == [(0, 1), (0, 2)]


def test_user_segments_and_system_items_keep_their_chips_and_badges(demo_store: Path) -> None:
    items = shown(replay_of(demo_store, INPUT_SEGMENTS))
    chips = [c for i in items for c in i.get("chips", [])]
    assert any(c.startswith("paste #") for c in chips)
    assert any(c.startswith("@") for c in chips)
    assert any(c.startswith("#") for c in chips) and any(c.startswith("/") for c in chips)
    badges = [i["badge"] for i in shown(replay_of(demo_store, SYSTEM_ITEMS)) if "badge" in i]
    assert any(b.startswith("notification: ") for b in badges)
    assert any(b.startswith("pod_event ") for b in badges)


def test_the_older_plural_entries_replay_item_by_item(demo_store: Path) -> None:
    replay = replay_of(demo_store, LEGACY)
    assert_shows_state(replay, collect_state(FsStore(demo_store).read_all(LEGACY)))
    assert max(len(e.items) for e in replay.events if e.op == "add") > 1


def test_the_path_goes_from_the_root_down(demo_store: Path) -> None:
    lineage = Lineage.open(demo_store)
    assert [n.id for n in lineage_path(lineage, COMPACTED_2)] == [MAIN, COMPACTED_1, COMPACTED_2]
    assert [n.id for n in lineage_path(lineage, MAIN)] == [MAIN]


def test_turn_events_carry_the_outcome_and_the_duration(demo_store: Path) -> None:
    turns = [e for e in replay_of(demo_store, MAIN).events if e.op == "turn"]
    assert len(turns) == 10
    assert all(e.outcome for e in turns) and all(e.duration for e in turns)
    assert all(e.ts is not None for e in turns)
    # the log's clock never runs backwards within a chapter
    times = [e.ts for e in replay_of(demo_store, MAIN).events if e.ts is not None]
    assert times == sorted(times)
