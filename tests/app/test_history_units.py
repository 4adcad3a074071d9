"""How the states of a segment are drawn (``HistoryUnits``): one per run of items, shared by
every state of the run, each item drawn once (a tool result inside its call), and a history
that parts from what was taken in (a tail read again) forgets the tail from where they part."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from segview.app import SegviewApp
from segview.browse.cursor import HistoryUnits, SegmentCursor
from segview.samples import DEMO_SEGMENTS
from segview.store import (
    FsStore,
    MessageItem,
    RequestConfig,
    RestoredState,
    SegmentStart,
    TextPart,
    TextSegment,
    ToolCallItem,
    ToolResultItem,
    append_entry,
    create_segment,
    save_delta,
    save_turn_end,
    save_user_input,
)
from segview.timeline import Timeline

from . import expected
from .helpers import NOW, SAMPLE_LOGS, SIZE, drawn, opened, press, squeeze

TS = 1_728_400_000_000


def drawn_on_their_own(history: list[Any]) -> tuple[list[int], dict[int, int]]:
    """The reference: an item is drawn inside the first call with its id when that call
    comes before it and it is the id's first result; the indices drawn on their own, and
    call -> result."""
    calls: dict[str, int] = {}
    results: dict[str, int] = {}
    units, result_of = [], {}
    for i, item in enumerate(history):
        if isinstance(item, ToolCallItem):
            calls.setdefault(item.call_id, i)
        elif isinstance(item, ToolResultItem) and item.call_id not in results:
            results[item.call_id] = i
            if item.call_id in calls:
                result_of[calls[item.call_id]] = i
                continue
        units.append(i)
    return units, result_of


@pytest.mark.parametrize("segment_id", sorted(DEMO_SEGMENTS.values()))
def test_the_states_of_a_run_share_their_units_and_draw_each_item_once(segment_id: str) -> None:
    cursor = SegmentCursor(Timeline.load(FsStore(SAMPLE_LOGS), segment_id))
    shared = set()
    for index in [*range(len(cursor.stops)), *reversed(range(len(cursor.stops)))]:
        position = cursor.move(index)
        units = position.units
        assert units is not None
        shared.add(id(units))
        history = position.state.history
        want, result_of = drawn_on_their_own(history)
        assert list(units.units[: units.count(len(history))]) == want
        for call in want:
            assert units.result(call, len(history)) == result_of.get(call)
        for r in set(result_of.values()):
            assert units.call_of(r) in result_of
    assert len(shared) == 1  # one run: one HistoryUnits for every state


def test_a_history_that_parts_forgets_the_tail_from_where_they_part() -> None:
    def call(n: int) -> ToolCallItem:
        return ToolCallItem(call_id=f"c{n}", name="run", arguments="{}")

    def result(n: int) -> ToolResultItem:
        return ToolResultItem(call_id=f"c{n}", summary=f"ok {n}")

    first = [call(1), result(1), call(2), result(2), call(3)]
    units = HistoryUnits()
    units.take(first)
    assert list(units.units) == [0, 2, 4] and units.result(2, 5) == 3
    # the last entry read again: items from index 3 on are new objects, and different
    second = [*first[:3], MessageItem(role="assistant", content=[TextPart(text="x")]), result(2)]
    units.take(second)
    assert units.cuts == [3]
    fresh = HistoryUnits()
    fresh.take(second)
    assert list(units.units) == list(fresh.units) == [0, 2, 3]
    assert units.result(2, 5) == 4 and units.call_of(4) == 2 and units.call_of(3) is None
    # a shorter history of the same run changes nothing
    units.take(second[:2])
    assert units.cuts == [3] and units.count(2) == 1


def segment_with_two_runs(root: Path) -> str:
    """Turn 1, then a ``segment_start`` in the middle of the log that seeds a new history,
    then turn 2."""
    store = FsStore(root)
    seg = create_segment(store, RestoredState(system_prompt="s"), ts=TS)
    save_user_input(store, seg, [TextSegment(content="first question")], ts=TS + 1)
    reply = MessageItem(role="assistant", content=[TextPart(text="first answer")])
    save_delta(store, seg, [reply], ts=TS + 2)
    save_turn_end(store, seg, 1, ts=TS + 3)
    seed = [MessageItem(role="system", content=[TextPart(text="a summary of before")])]
    append_entry(
        store, seg, SegmentStart(ts=TS + 4, config=RequestConfig(stop_sequences=[]), history=seed)
    )
    save_user_input(store, seg, [TextSegment(content="second question")], ts=TS + 5)
    reply = MessageItem(role="assistant", content=[TextPart(text="second answer")])
    save_delta(store, seg, [reply], ts=TS + 6)
    save_turn_end(store, seg, 2, ts=TS + 7)
    return seg


async def test_a_segment_start_in_the_log_starts_a_new_run(tmp_path: Path) -> None:
    seg = segment_with_two_runs(tmp_path)
    cursor = SegmentCursor(Timeline.load(FsStore(tmp_path), seg))
    runs = {id(cursor.move(i).units) for i in range(len(cursor.stops))}
    assert len(runs) == 2
    app = SegviewApp(tmp_path, select=seg, now=NOW, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, seg)
        history = app.main.history
        assert history.items == expected.state_at(tmp_path, seg, 2).history
        assert history.units() == [0, 1, 2]
        assert squeeze("a summary of before") in drawn(app, 0)
        assert squeeze("second answer") in drawn(app, 2)
        await press(pilot, "[")
        assert history.items == expected.state_at(tmp_path, seg, 1).history
        assert squeeze("first question") in drawn(app, 0)
        assert squeeze("first answer") in drawn(app, 1)
        assert all("current" in history.marks(i) for i in history.units())
