"""The long demo segment (about 200 turns, 1,500 history items): loading shows progress, what
showing it first needs is computed by the loading thread, only what is on screen is rendered,
and stepping renders only what changed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from segview.app import SegviewApp, main_screen
from segview.browse import cursor as cursor_module

from . import expected
from .helpers import LONG, SIZE, opened, press, wait_for

AppFactory = Callable[..., SegviewApp]
SCREENS = 3  # units are rendered a screen above what is shown and a screen and a half below


def rendered_at_most(app: SegviewApp) -> int:
    """Items rendered for one screen: every one at least two lines (a blank line, a head)."""
    return SCREENS * app.main.history.size.height // 2 + 2


async def test_the_long_segment_loads_with_progress_and_renders_only_what_is_shown(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app(select=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, LONG)
        size = (demo_store / f"{LONG}.jsonl").stat().st_size
        assert app.main.load_progress is not None and app.main.load_progress[1] == size
        assert not app.main.pane.query_one("#load-progress").display  # hidden once loaded
        counts = expected.turn_counts(demo_store, LONG)
        assert len(counts) >= 150
        assert app.main.turn_bar.position == f"turn {counts[-1]} / {counts[-1]}"
        history = app.main.history
        assert history.items == expected.state_at(demo_store, LONG, counts[-1]).history
        units = history.units()
        rendered = history.rendered()
        assert len(units) > 1000 and 0 < len(rendered) <= rendered_at_most(app)
        visible = history.visible_items()
        assert visible and set(visible) <= set(rendered)
        assert visible == units[units.index(visible[0]) :][: len(visible)]  # in order
        # the virtual height holds every item: the scroll bar reaches the first one
        await press(pilot, "pageup")
        history.scroll_to(y=0, animate=False, immediate=True)
        await pilot.pause()
        assert history.visible_items()[0] == units[0]
        assert len(history.rendered()) <= 2 * rendered_at_most(app)


async def test_what_opening_needs_is_computed_by_the_loading_thread(
    make_app: AppFactory, demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The item sources, the token usage and how the history is drawn, over a whole log, take
    0.3 s at 100 MB: made in the UI's thread, they held every key while a log opened."""
    threads: dict[str, set[str]] = {"cursor": set(), "usage": set(), "units": set()}
    make_cursor, usage = cursor_module.SegmentCursor.__init__, cursor_module.segment_usage
    extend = cursor_module.HistoryUnits._extend

    def spy_cursor(self: Any, timeline: Any) -> None:
        threads["cursor"].add(threading.current_thread().name)
        make_cursor(self, timeline)

    def spy_usage(entries: Any) -> Any:
        threads["usage"].add(threading.current_thread().name)
        return usage(entries)

    def spy_extend(self: Any, history: Any) -> None:
        threads["units"].add(threading.current_thread().name)
        extend(self, history)

    monkeypatch.setattr(cursor_module.SegmentCursor, "__init__", spy_cursor)
    monkeypatch.setattr(cursor_module.HistoryUnits, "_extend", spy_extend)
    monkeypatch.setattr(cursor_module, "segment_usage", spy_usage)
    app = make_app(select=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, LONG)
        counts = expected.turn_counts(demo_store, LONG)
        assert app.main.turn_bar.position == f"turn {counts[-1]} / {counts[-1]}"
        main = threading.main_thread().name
        assert threads["cursor"] and main not in threads["cursor"]
        assert threads["usage"] and main not in threads["usage"]
        assert threads["units"] and main not in threads["units"]
        await press(pilot, "[")  # stepping reuses what was computed
        assert main not in threads["usage"]
        assert app.main.turn_bar.position == f"turn {counts[-2]} / {counts[-1]}"


async def test_stepping_renders_only_what_changed(make_app: AppFactory, demo_store: Path) -> None:
    app = make_app(select=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, LONG)
        counts = expected.turn_counts(demo_store, LONG)
        history = app.main.history
        # the previous turn at the top: it and a screen above it rendered
        history.scroll_to_item(len(expected.state_at(demo_store, LONG, counts[-3]).history))
        await pilot.pause()
        before = history.rendered()
        await press(pilot, "[")
        after = history.rendered()
        prev = expected.state_at(demo_store, LONG, counts[-2]).history
        assert history.items == prev
        current_from = history.current_from
        kept = before.keys() & after.keys()
        assert any(i < current_from for i in kept)
        # an item that looks the same is not rendered again; the turn's items, now marked
        # "new this turn", are
        for i in kept:
            assert (after[i] == before[i]) == (i < current_from), i
        # the first item of the current turn is scrolled to the top
        first = history.first_current_index()
        assert first is not None and first >= current_from
        await wait_for(pilot, lambda: history.visible_items()[:1] == [first], "turn at the top")
        # jumping far back and forth stays correct and bounded
        await press(pilot, "g", *str(counts[20]), "enter")
        assert history.items == expected.state_at(demo_store, LONG, counts[20]).history
        await press(pilot, "end")
        assert history.items == expected.state_at(demo_store, LONG, counts[-1]).history
        assert len(history.rendered()) <= 3 * rendered_at_most(app)


async def test_the_app_collects_the_youngest_generation_less_often_while_it_runs(
    make_app: AppFactory,
) -> None:
    import gc

    from segview.gcpause import YOUNG_THRESHOLD

    before = gc.get_threshold()
    app = make_app(select=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, LONG)
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert gc.get_threshold() == before


async def test_the_progress_bar_shows_while_loading_without_restyling_the_pane(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Showing and hiding the progress bar of a big load restyles the bar alone: a class on
    the pane restyled its every widget (36 ms each way)."""
    app = make_app(select=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, LONG)
        pane = app.main.pane
        bar = pane.query_one("#load-progress")
        restyled: list[object] = []
        update_styles = type(app).update_styles

        def spy(self: Any, node: Any, *args: Any, **kwargs: Any) -> None:
            restyled.append(node)
            update_styles(self, node, *args, **kwargs)

        monkeypatch.setattr(type(app), "update_styles", spy)
        pane.progress(10, 100)
        await pilot.pause()
        assert bar.display and bar.styles.display == "block"
        pane.failed()
        await pilot.pause()
        assert not bar.display
        assert pane not in restyled


async def test_while_a_big_segment_loads_its_turn_bar_and_progress_show(
    make_app: AppFactory, demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pane stays in place while a big segment loads: the turn bar says what is loading,
    with no figures of the segment shown before, and the progress bar shows how far. (The
    pane's flag was named ``loading``, Textual's own flag that puts a loading indicator in a
    widget's place: the pane went blank until the segment was shown.)"""
    from textual.widgets import LoadingIndicator

    from segview.timeline import Timeline

    halfway = threading.Event()
    go_on = threading.Event()
    load = Timeline.load

    def held_load(store: Any, segment_id: str, progress: Any = None, **kwargs: Any) -> Any:
        if segment_id == LONG and progress is not None:
            total = (demo_store / f"{LONG}.jsonl").stat().st_size
            progress(total // 2, total)
            halfway.set()
            go_on.wait(15)
        return load(store, segment_id, progress=progress, **kwargs)

    monkeypatch.setattr(Timeline, "load", held_load)
    app = make_app(select=LONG)
    async with app.run_test(size=SIZE) as pilot:
        try:
            await wait_for(pilot, halfway.is_set, "the load halfway")
            pane = app.main.pane
            bar = pane.query_one("#load-progress")
            await wait_for(pilot, lambda: bool(bar.display), "the progress bar shown")
            await pilot.pause()
            assert not pane.query(LoadingIndicator)
            assert pane.region.height > 0 and bar.region.height == 1
            assert f"loading {LONG[:13]}" in app.main.turn_bar.plain
            assert app.main.turn_bar.usage_plain == ""
        finally:
            go_on.set()
        await opened(pilot, LONG)
        assert not bar.display
        assert "tool call" in app.main.turn_bar.plain


@pytest.mark.parametrize(("interval", "posted"), [(3600.0, 2), (0.0, 50)])
async def test_a_loads_progress_is_posted_a_few_times_a_second_at_most(
    interval: float,
    posted: int,
    make_app: AppFactory,
    demo_store: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each progress update is drawn by the UI's thread, which shares the interpreter lock
    with the load: reports closer together than ``PROGRESS_INTERVAL`` are not posted, except
    the first and the last (here 50 reports at once: with an hour's interval, those two)."""
    from segview.timeline import Timeline

    load = Timeline.load

    def reporting_load(store: Any, segment_id: str, progress: Any = None, **kwargs: Any) -> Any:
        if segment_id == LONG and progress is not None:
            total = (demo_store / f"{LONG}.jsonl").stat().st_size
            for k in range(1, 51):
                progress(total * k // 50, total)
        return load(store, segment_id, **kwargs)  # (its own reports left out)

    reports: list[tuple[int, int]] = []

    class Counted(main_screen.LoadProgress):
        def __init__(self, segment_id: str, done: int, total: int) -> None:
            reports.append((done, total))
            super().__init__(segment_id, done, total)

    monkeypatch.setattr(Timeline, "load", reporting_load)
    monkeypatch.setattr(main_screen, "LoadProgress", Counted)
    monkeypatch.setattr(main_screen, "PROGRESS_INTERVAL", interval)
    app = make_app(select=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, LONG)
    assert len(reports) == posted
    assert reports[0][0] < reports[0][1] == reports[-1][0]  # the first, then the whole file
