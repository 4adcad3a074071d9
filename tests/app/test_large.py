"""The long demo segment (about 200 turns, 1,500 history items): loading shows progress,
only a window of the history is mounted, and stepping changes only what differs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from segview.app import SegviewApp
from segview.app.widgets.conversation.history_view import MAX_MOUNTED

from . import expected
from .helpers import LONG, SIZE, opened, press, wait_for

AppFactory = Callable[..., SegviewApp]


async def test_the_long_segment_loads_with_progress_and_mounts_a_window(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app(select=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, LONG)
        size = (demo_store / f"{LONG}.jsonl").stat().st_size
        assert app.main.load_progress is not None and app.main.load_progress[1] == size
        assert not app.query_one("#load-progress").display  # hidden once loaded
        counts = expected.turn_counts(demo_store, LONG)
        assert len(counts) >= 150
        assert app.main.turn_bar.position == f"turn {counts[-1]} / {counts[-1]}"
        total = len(app.main.history.items)
        mounted = app.main.history.mounted_widgets()
        assert total > 1000 and 0 < len(mounted) <= MAX_MOUNTED
        assert app.main.history.items == expected.state_at(demo_store, LONG, counts[-1]).history


async def test_stepping_keeps_the_widgets_of_unchanged_items(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app(select=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, LONG)
        counts = expected.turn_counts(demo_store, LONG)
        before = {id(w): w.index for w in app.main.history.mounted_widgets()}  # type: ignore[attr-defined]
        await press(pilot, "[")
        after = {id(w): w.index for w in app.main.history.mounted_widgets()}  # type: ignore[attr-defined]
        kept = set(before) & set(after)
        prev_len = len(expected.state_at(demo_store, LONG, counts[-2]).history)
        # every widget of an item that is still there is the same widget object
        assert {before[k] for k in kept} == {i for i in before.values() if i < prev_len}
        assert app.main.history.items == expected.state_at(demo_store, LONG, counts[-2]).history
        # the first item of the current turn is scrolled into view
        first = app.main.history.first_current_widget()
        assert first is not None
        await wait_for(
            pilot, lambda: first.region.overlaps(app.main.history.region), "turn scrolled into view"
        )
        # jumping far back and forth stays correct and bounded
        await press(pilot, "g", *str(counts[20]), "enter")
        assert app.main.history.items == expected.state_at(demo_store, LONG, counts[20]).history
        assert len(app.main.history.mounted_widgets()) <= MAX_MOUNTED
        await press(pilot, "end")
        assert app.main.history.items == expected.state_at(demo_store, LONG, counts[-1]).history
        assert len(app.main.history.mounted_widgets()) <= MAX_MOUNTED
