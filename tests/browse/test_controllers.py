"""The browsing model without the app: the store session, the cursor in a segment and the
replay player, on the demo store's real files (expected values come from the store core)."""

from __future__ import annotations

import shutil
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from segview.browse.cursor import SegmentCursor
from segview.browse.player import ReplayPlayer
from segview.browse.session import StoreSession
from segview.store import (
    FsStore,
    MessageItem,
    TextPart,
    TextSegment,
    ToolResultItem,
    TurnEnd,
    collect_state,
    save_delta,
    save_turn_end,
    save_user_input,
)
from segview.timeline import Timeline
from tests.app import expected
from tests.app.helpers import FORK_MID, LONG, MAIN, SAMPLE_LOGS, TRUNCATED

TS = 1_728_400_000_000


@pytest.fixture
def store(tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(SAMPLE_LOGS, copy)
    return copy


def cursor_for(root: Path, segment_id: str) -> SegmentCursor:
    return SegmentCursor(Timeline.load(FsStore(root), segment_id))


# --- the store session ----------------------------------------------------------------------


def test_a_session_opens_the_forest_then_fills_it(store: Path) -> None:
    session = StoreSession(store)
    first = session.open()
    files = sorted(p.stem for p in store.glob("*.jsonl"))
    assert sorted(r.id for r in first.rows) == files
    snapshots = list(session.load_details(batch_seconds=0))
    last = snapshots[-1]
    assert session.forest is last
    counts = {r.id: r.turns for r in last.rows}
    for segment_id in files:
        assert counts[segment_id] == len(expected.turn_counts(store, segment_id))


def test_a_session_on_an_indexed_store_is_complete_when_opened_and_keeps_its_tree(
    store: Path,
) -> None:
    """Every detail comes from the index: the snapshot ``open`` returns is complete, there is
    nothing more to fill, and the next session finds that tree kept."""
    first = StoreSession(store)
    assert first.last_forest() is None  # nothing kept yet
    first.open()
    list(first.load_details())
    session = StoreSession(store)
    forest = session.open()
    assert session.complete and all(r.turns is not None for r in forest.rows)
    assert list(session.load_details()) == []
    assert StoreSession(store).last_forest() == forest
    assert StoreSession(store, use_index=False).last_forest() is None


def test_a_session_resolves_ids_and_prefixes(store: Path) -> None:
    session = StoreSession(store)
    session.open()
    assert session.resolve(MAIN) == (MAIN, None)
    assert session.resolve(MAIN[:8].upper()) == (MAIN, None)
    first = session.forest.rows[0].id  # type: ignore[union-attr]
    target, warning = session.resolve("0192")  # matches every demo segment
    assert target == first and warning is not None and "0192" in warning
    assert session.resolve(None) == (first, None)
    assert session.short(MAIN) == MAIN[:7]
    assert session.store_for("01920000-0000-7000-8000-000000000000") is None


def test_a_session_forks_beside_the_source_and_sees_the_new_segment(store: Path) -> None:
    session = StoreSession(store)
    session.open()
    list(session.load_details())
    before = {p.name: p.read_bytes() for p in store.iterdir()}
    new_id = session.fork(MAIN, 2)
    update = session.after_fork(new_id)
    assert update is not None and new_id in update.added
    row = update.forest.row(new_id)
    assert row is not None and row.parent_id == MAIN and row.at_turn == 2
    assert all((store / name).read_bytes() == data for name, data in before.items())
    assert collect_state(FsStore(store).read_all(new_id)).history == (
        expected.state_at(store, MAIN, 2).history
    )


def test_a_session_refresh_reports_only_changes(store: Path) -> None:
    session = StoreSession(store)
    session.open()
    list(session.load_details())
    assert session.refresh() is None
    fs = FsStore(store)
    save_user_input(fs, MAIN, [TextSegment(content="one more")], ts=TS)
    save_turn_end(fs, MAIN, 11, ts=TS + 1)
    update = session.refresh()
    assert update is not None and update.added == ()
    assert update.forest.row(MAIN).turns == len(expected.turn_counts(store, MAIN))  # type: ignore[union-attr]


# --- the cursor -----------------------------------------------------------------------------


def test_moving_shows_the_replayed_state_and_what_the_turn_added() -> None:
    cursor = cursor_for(SAMPLE_LOGS, MAIN)
    counts = expected.turn_counts(SAMPLE_LOGS, MAIN)
    assert cursor.stops[cursor.last_turn_index].turn_count == counts[-1]
    for index, turn_count in enumerate(counts, start=1):
        position = cursor.move(index)
        want = expected.state_at(SAMPLE_LOGS, MAIN, turn_count)
        assert position.state.history == want.history
        assert cursor.turn_count == turn_count
        before = expected.state_at(SAMPLE_LOGS, MAIN, counts[index - 2]) if index > 1 else None
        assert position.current_from == (len(before.history) if before else 0)
    assert cursor.move(0).state.history == []
    assert cursor.move(999).state.history == collect_state(cursor.timeline.entries).history


def test_turn_info_tells_the_turn_bar_what_happened() -> None:
    cursor = cursor_for(SAMPLE_LOGS, MAIN)
    index = cursor.index_for_turn(3)
    assert index is not None
    position = cursor.move(index)
    info = cursor.turn_info()
    assert info.position == f"turn 3 / {cursor.max_turn}"
    turn = cursor.timeline.turns[index - 1]
    assert info.tool_calls == turn.tool_calls and info.user_preview == turn.user_preview
    added = position.state.history[position.current_from :]
    assert info.errors == sum(isinstance(i, ToolResultItem) and i.is_error for i in added)
    assert info.duration_ms is not None and info.duration_ms >= 0
    assert cursor.turn_info(speed=5, replay=(7, True)).replay == (
        f"▶ 5× · entry 7/{len(cursor.timeline.entries)}"
    )


def test_a_fork_notes_where_its_inherited_history_comes_from() -> None:
    cursor = cursor_for(SAMPLE_LOGS, FORK_MID)
    note = cursor.inherited_note("01926b8", in_store=True)
    assert note is not None and note.startswith("⑂ fork: the first")
    assert "01926b8" in note and "after turn 4" in note
    assert "(not in this store)" in (cursor.inherited_note("01926b8", in_store=False) or "")
    assert cursor_for(SAMPLE_LOGS, MAIN).inherited_note(None, in_store=False) is None


def test_an_unfinished_turn_is_forked_without_its_entries() -> None:
    cursor = cursor_for(SAMPLE_LOGS, TRUNCATED)
    cursor.move(len(cursor.stops) - 1)
    assert cursor.at_tail
    at, items, unfinished = cursor.fork_point()
    assert unfinished and at == cursor.stops[-2].turn_count
    assert items == len(expected.state_at(SAMPLE_LOGS, TRUNCATED, at).history)
    assert cursor.fork_entries() is not None  # the damaged file is forked from what was read


def test_at_the_last_turn_the_cursor_follows_new_turns(store: Path) -> None:
    cursor = cursor_for(store, MAIN)
    cursor.move(cursor.last_turn_index)
    fs = FsStore(store)
    save_user_input(fs, MAIN, [TextSegment(content="and now?")], ts=TS)
    reply = MessageItem(role="assistant", content=[TextPart(text="done")])
    save_delta(fs, MAIN, [reply], ts=TS + 1)
    assert cursor.refresh()
    rewritten, index, scroll = cursor.grown()
    # the turn in progress is shown as it grows, at its end
    assert not rewritten and index is not None and cursor.stops[index].kind == "tail"
    assert scroll == "end" and index == cursor.last_turn_index
    cursor.move(index)
    save_turn_end(fs, MAIN, 11, ts=TS + 2)
    assert cursor.refresh()
    _rewritten, index, scroll = cursor.grown()
    assert index is not None and cursor.stops[index].turn_count == 11 and scroll == "turn"
    assert not cursor.refresh()


def test_elsewhere_the_cursor_stays_where_it_is(store: Path) -> None:
    cursor = cursor_for(store, MAIN)
    cursor.move(2)
    fs = FsStore(store)
    save_user_input(fs, MAIN, [TextSegment(content="more")], ts=TS)
    save_turn_end(fs, MAIN, 11, ts=TS + 1)
    assert cursor.refresh()
    assert cursor.grown() == (False, 2, "none")


# --- the replay player ----------------------------------------------------------------------


def test_a_replay_reveals_every_entry_and_stops_at_every_turn() -> None:
    cursor = cursor_for(SAMPLE_LOGS, MAIN)
    cursor.move(0)
    player = ReplayPlayer(speed=50)
    assert not player.start(cursor)
    entries = cursor.timeline.entries
    turns_seen: list[int] = []
    previous_len = 0
    while not player.finished(cursor):
        assert player.delay(cursor) >= 0
        frame = player.step(cursor)
        assert frame is not None
        assert frame.state.history == collect_state(entries[: frame.revealed]).history
        if isinstance(entries[frame.revealed - 1], TurnEnd):
            turns_seen.append(cursor.turn_count)
            assert frame.current_from == previous_len  # the items of this turn are "new"
            previous_len = len(frame.state.history)
        else:
            assert frame.current_from == previous_len
    assert turns_seen == expected.turn_counts(SAMPLE_LOGS, MAIN)


def test_a_replay_at_the_end_starts_over_and_pauses_where_it_is() -> None:
    cursor = cursor_for(SAMPLE_LOGS, LONG)
    cursor.move(cursor.last_turn_index)
    player = ReplayPlayer()
    assert player.start(cursor)  # nothing after the last turn: from the start
    assert cursor.index == 0 and player.revealed == cursor.stops[0].entry_end
    player.step(cursor)
    revealed = player.revealed
    player.hold()
    assert player.active and not player.playing and player.step(cursor) is None
    assert not player.start(cursor) and player.revealed == revealed
    player.stop()
    assert not player.active
    player.faster()
    player.faster()
    assert player.speed == 5
    player.slower()
    assert player.speed == 2


def test_a_turn_whose_run_has_not_ended_has_no_outcome_yet(tmp_path: Path) -> None:
    """The previous run's ``run_completed`` (written after its ``turn_end``) is not this
    turn's outcome."""
    root = tmp_path / "store"
    root.mkdir()
    fs = FsStore(root)
    from segview.store import RestoredState, create_segment, save_run_completed

    seg = create_segment(fs, RestoredState(), ts=TS)
    for n in (1, 2):
        save_user_input(fs, seg, [TextSegment(content=f"q{n}")], ts=TS + 10 * n)
        reply = MessageItem(role="assistant", content=[TextPart(text=f"a{n}")])
        save_delta(fs, seg, [reply], ts=TS + 10 * n + 1)
        save_turn_end(fs, seg, n, ts=TS + 10 * n + 2)
        if n == 1:
            save_run_completed(fs, seg, "finished", False, ts=TS + 10 * n + 3)
    cursor = cursor_for(root, seg)
    cursor.move(cursor.index_for_turn(1))  # type: ignore[arg-type]
    assert cursor.turn_info().outcome == "finished"
    cursor.move(cursor.index_for_turn(2))  # type: ignore[arg-type]
    assert cursor.turn_info().outcome is None
    save_run_completed(fs, seg, "limit_reached", True, ts=TS + 40)
    assert cursor.refresh()
    cursor.grown()
    assert cursor.turn_info().outcome == "limit_reached (interrupted)"


def test_a_segment_opens_at_its_turn_in_progress() -> None:
    cursor = cursor_for(SAMPLE_LOGS, TRUNCATED)
    assert cursor.stops[cursor.last_turn_index].kind == "tail"
    position = cursor.move(cursor.last_turn_index)
    assert position.state.history == collect_state(cursor.timeline.entries).history


def test_snapshots_come_further_apart_as_they_cost_more(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A snapshot of a big forest costs time in proportion to it: the next comes at least
    ``SNAPSHOT_SPACING`` times that cost later, so progress never costs more than the reading."""
    from segview.browse import session as session_module

    clock = [0.0]
    monkeypatch.setattr(session_module.time, "monotonic", lambda: clock[0])
    load, make = StoreSession._load_node, StoreSession._snapshot

    def slow_load(self: StoreSession, *args: Any, **kwargs: Any) -> bool:
        clock[0] += 1.0  # each segment takes a second to read
        return load(self, *args, **kwargs)

    def slow_snapshot(self: StoreSession, *, with_details: bool) -> Any:
        clock[0] += 0.5  # and each snapshot half a second to make
        return make(self, with_details=with_details)

    monkeypatch.setattr(StoreSession, "_load_node", slow_load)
    monkeypatch.setattr(StoreSession, "_snapshot", slow_snapshot)
    session = StoreSession(store)
    session.open()
    times: list[float] = []
    for _forest in session.load_details(batch_seconds=0.25):
        times.append(clock[0])
    segments = len(list(store.glob("*.jsonl")))
    assert segments >= 10
    # the first snapshot after 0.25 s (one segment); each later one at least 10 x 0.5 s on
    gaps = [b - a for a, b in pairwise(times[:-1])]  # the last, complete one comes at the end
    assert times and all(gap >= session_module.SNAPSHOT_SPACING * 0.5 for gap in gaps)
    assert len(times) <= 2 + segments // 5
    assert all(r.turns is not None for r in session.forest.rows)  # type: ignore[union-attr]
