"""The app keeps up with the keyboard and lets go at once: keys typed while a dialog opens
reach the dialog, and q ends the app at once whatever is loading (every worker stops)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from segview.app import SegviewApp
from segview.app.screens.goto_turn import GoToTurnScreen
from segview.browse import session as session_module
from segview.lineage import Lineage
from segview.store import (
    AssistantItem,
    FsStore,
    MessageItem,
    RestoredState,
    TextPart,
    TextSegment,
    TurnEnd,
    UserInput,
    create_segment,
    encode_entry,
)
from segview.store.version import FormatVersion
from segview.timeline import LoadCancelled, Timeline

from . import expected
from .helpers import LONG, MAIN, SIZE, opened, wait_for

AppFactory = Callable[..., SegviewApp]


def burst(pilot: Pilot[None], *keys: str) -> None:
    """Keys as a terminal delivers a fast typist's (or a paste's) in one read: all queued at
    once, none waiting for the app to handle the one before."""
    app = pilot.app
    assert app._driver is not None
    for key in keys:
        char = {"enter": "\r", "escape": "\x1b"}.get(key, key if len(key) == 1 else None)
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_digits_typed_right_after_g_reach_the_dialog(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app(select=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, LONG)
        burst(pilot, "g", "1", "2", "enter")
        await wait_for(pilot, lambda: app.main.turn_count == 12, "turn 12")
        assert not isinstance(app.screen, GoToTurnScreen)
        assert app.main.history.items == expected.state_at(demo_store, LONG, 12).history
        # then a burst that leaves the dialog open with what was typed in it
        burst(pilot, "g", "7")
        await wait_for(pilot, lambda: isinstance(app.screen, GoToTurnScreen), "the dialog")
        await wait_for(
            pilot,
            lambda: [i.value for i in app.screen.query(Input)] == ["7"],
            "7 in the dialog",
        )
        burst(pilot, "escape", "right_square_bracket")  # escape closes it; ] steps again
        await wait_for(pilot, lambda: app.main.turn_count == 13, "turn 13")


async def test_a_burst_of_steps_lands_where_it_should(make_app: AppFactory) -> None:
    app = make_app(select=MAIN)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        burst(pilot, "home", *["right_square_bracket"] * 4, "left_square_bracket")
        await wait_for(pilot, lambda: app.main.turn_count == 3, "turn 3")
        burst(pilot, "g", "6", "enter", "left_square_bracket", "slash", *"Value", "enter", "N")
        await wait_for(
            pilot,
            lambda: app.screen is app.main and app.main.pane.search_query == "Value",
            "searched",
        )
        assert app.main.turn_count == 5
        history = app.main.history
        hl = history.highlight
        assert hl.query == "Value" and len(hl.matches) > 1
        first = next(
            (k for k, i in enumerate(hl.matches) if i >= history.current_from),
            len(hl.matches) - 1,
        )
        await wait_for(
            pilot, lambda: history.highlight.current == (first - 1) % len(hl.matches), "N"
        )


# --- quitting while something loads -------------------------------------------------------------

TS = 1_728_400_000_000


def big_segment(root: Path, turns: int = 1_500) -> str:
    """A segment of ``turns`` turns of about 3 KB (4 MB, 4,500 entries), written with the
    codec as the runtime writes its lines."""
    store = FsStore(root)
    seg = create_segment(store, RestoredState(system_prompt="careful"), ts=TS)
    lines = []
    for t in range(1, turns + 1):
        ts = TS + t * 10
        reply = MessageItem(role="assistant", content=[TextPart(text=f"answer {t} " + "y" * 2000)])
        for entry in (
            UserInput(ts=ts, segments=[TextSegment(content=f"question {t} " + "x" * 1000)]),
            AssistantItem(ts=ts + 1, item=reply),
            TurnEnd(ts=ts + 2, turn_count=t),
        ):
            lines.append(encode_entry(entry) + b"\n")
    with open(store.path_for(seg), "ab") as f:
        f.write(b"".join(lines))
    return seg


def test_a_load_stops_when_cancelled_while_reading_or_indexing(tmp_path: Path) -> None:
    seg = big_segment(tmp_path)
    store = FsStore(tmp_path)
    looks: list[int] = []

    def third_look() -> bool:
        looks.append(1)
        return len(looks) == 3

    with pytest.raises(LoadCancelled):
        Timeline.load(store, seg, cancelled=third_look)
    assert len(looks) == 3  # asked about every MiB read: it stopped while reading
    read_done: list[bool] = []

    def progress(done: int, total: int) -> None:
        read_done.append(done == total)

    with pytest.raises(LoadCancelled):  # asked while indexing too
        Timeline.load(store, seg, progress=progress, cancelled=lambda: any(read_done))
    whole = Timeline.load(store, seg, cancelled=lambda: False)
    assert len(whole.turns) == 1_500


def never_ending_reads(monkeypatch: pytest.MonkeyPatch, gave_up: list[str]) -> Callable[[], None]:
    """Make every timeline load crawl until it is cancelled (as a huge file would)."""
    real = Timeline.load.__func__  # type: ignore[attr-defined]

    def load(
        cls: type[Timeline],
        store: FsStore,
        segment_id: str,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        version: FormatVersion = FormatVersion.AUTO,
    ) -> Timeline:
        assert cancelled is not None

        def crawl(done: int, total: int) -> None:
            if progress is not None:
                progress(done, total)
            deadline = time.monotonic() + 60  # a guard: the test fails rather than hangs
            while not cancelled() and time.monotonic() < deadline:
                time.sleep(0.001)

        try:
            return real(  # type: ignore[no-any-return]
                cls, store, segment_id, progress=crawl, cancelled=cancelled, version=version
            )
        except LoadCancelled:
            gave_up.append(segment_id)
            raise

    monkeypatch.setattr(Timeline, "load", classmethod(load))


async def workers_ended() -> None:
    """What ``asyncio.run`` does once ``App.run`` returns: wait for the workers' threads."""
    await asyncio.wait_for(asyncio.get_running_loop().shutdown_default_executor(), 60)


async def test_q_while_a_segment_loads_quits_and_stops_the_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seg = big_segment(tmp_path)
    gave_up: list[str] = []
    never_ending_reads(monkeypatch, gave_up)
    app = SegviewApp(tmp_path, select=seg, now=0, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main.load_progress is not None, "loading")
        assert app.main.loaded_segment is None
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, "quit")
    await workers_ended()
    assert gave_up == [seg]
    assert app.return_code == 0


async def test_q_while_a_big_segment_is_read_for_the_tree_quits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read that cannot be interrupted (the details of a big segment, for its tree row)
    runs on a daemon thread: quitting does not wait for it."""
    opened_seg = big_segment(tmp_path, turns=3)
    other = big_segment(tmp_path, turns=5)
    monkeypatch.setattr(session_module, "BIG_FILE", 0)  # every file counts as big
    release = threading.Event()
    real = Lineage.load_details

    def stuck(self: Lineage, node: Any, read: Any = None) -> Any:
        if node.id == other and read is None:
            release.wait(60)
        return real(self, node, read)

    monkeypatch.setattr(Lineage, "load_details", stuck)
    try:
        app = SegviewApp(tmp_path, select=opened_seg, now=0, watch=False)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.main.loaded_segment == opened_seg, "opened")
            row = app.main.forest.row(other) if app.main.forest else None
            assert row is not None and row.turns is None  # its details still being read
            await pilot.press("q")
            await wait_for(pilot, lambda: not app.is_running, "quit")
        await workers_ended()
        assert not release.is_set()  # the read was left behind, never waited for
    finally:
        release.set()


async def test_a_long_history_is_searched_a_slice_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typing a query into a long history never waits for the whole search: it goes on a
    slice at a time, the status says how far it got, and it ends at the first match from
    the current turn on, with every match found."""
    from segview.app.widgets.conversation import history_view

    seg = big_segment(tmp_path, turns=600)
    monkeypatch.setattr(history_view, "SEARCH_SLICE", 0.0)  # 64 items at a time
    app = SegviewApp(tmp_path, select=seg, now=0, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, seg)
        await pilot.press("g", "3", "0", "0", "enter")
        statuses: list[str] = []
        update = app.main.pane._update_search_status

        def spy() -> None:
            update()
            statuses.append(app.main.search_status)

        monkeypatch.setattr(app.main.pane, "_update_search_status", spy)
        await pilot.press("slash", *"answer 1", "enter")
        history = app.main.history
        await wait_for(pilot, lambda: history.highlight.done, "the search done")
        assert any(s.startswith("searching… ") for s in statuses)
        want = [i for i, item in enumerate(history.items) if "answer 1" in item.text()]
        hl = history.highlight
        assert list(hl.matches) == want  # 1, 10..19, 100..199: 111 answers
        assert len(want) == 111
        assert app.main.search_status.startswith(f"match {hl.current + 1} / 111 here")
        # turn 300 comes after every match: the search goes to the last one
        assert all(i < history.current_from for i in want) and hl.current == len(want) - 1
        await wait_for(pilot, lambda: want[-1] in history.visible_items(), "the match shown")
        await pilot.press("n")
        assert history.highlight.current == 0
        await wait_for(pilot, lambda: history.visible_items()[:1] == [want[0]], "at the top")
