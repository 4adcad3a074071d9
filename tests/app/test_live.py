"""Live stores: entries appended and segments created while the app runs show up by
themselves (the watcher polls); at the last turn the view follows, elsewhere it stays."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from segview.app import SegviewApp
from segview.store import (
    FsStore,
    MessageItem,
    RestoredState,
    TextPart,
    TextSegment,
    create_segment,
    save_delta,
    save_turn_end,
    save_user_input,
)

from . import expected
from .helpers import MAIN, SIZE, opened, press, wait_for

AppFactory = Callable[..., SegviewApp]
TS = 1_728_400_000_000


def append_turn(store: Path, segment_id: str, turn_count: int, text: str) -> None:
    fs = FsStore(store)
    save_user_input(fs, segment_id, [TextSegment(content=text)], ts=TS)
    reply = MessageItem(role="assistant", content=[TextPart(text=f"answer to {text}")])
    save_delta(fs, segment_id, [reply], ts=TS + 1000)
    save_turn_end(fs, segment_id, turn_count, ts=TS + 1001)


def shown(app: SegviewApp) -> str:
    return "\n".join(w.search_text() for w in app.main.history.mounted_widgets())  # type: ignore[attr-defined]


async def test_at_the_last_turn_the_view_follows_new_turns(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app(watch=True, poll_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        last = expected.turn_counts(demo_store, MAIN)[-1]
        assert app.main.turn_count == last
        # half a turn: the view stays at the last completed turn
        save_user_input(FsStore(demo_store), MAIN, [TextSegment(content="one more thing")], ts=TS)
        await wait_for(
            pilot,
            lambda: len(app.main.cursor.stops) and app.main.cursor.stops[-1].kind == "tail",
            "tail",
        )
        assert app.main.turn_bar.position == f"turn {last} / {last}"
        # the turn completes: the view moves to it
        reply = MessageItem(role="assistant", content=[TextPart(text="done, live")])
        save_delta(FsStore(demo_store), MAIN, [reply], ts=TS + 5)
        save_turn_end(FsStore(demo_store), MAIN, last + 1, ts=TS + 6)
        await wait_for(pilot, lambda: app.main.turn_count == last + 1, "the new turn shown")
        assert app.main.turn_bar.position == f"turn {last + 1} / {last + 1}"
        assert "one more thing" in shown(app) and "done, live" in shown(app)
        assert app.main.history.items == expected.state_at(demo_store, MAIN, last + 1).history
        row = app.main.forest.row(MAIN) if app.main.forest else None
        await wait_for(pilot, lambda: row is not None, "row")
        await wait_for(
            pilot,
            lambda: app.main.forest is not None and app.main.forest.row(MAIN).turns == last + 1,  # type: ignore[union-attr]
            "the tree's turn count updated",
        )


async def test_elsewhere_the_view_stays_where_it_is(make_app: AppFactory, demo_store: Path) -> None:
    app = make_app(watch=True, poll_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        last = expected.turn_counts(demo_store, MAIN)[-1]
        await press(pilot, "g", "5", "enter")
        items = list(app.main.history.items)
        append_turn(demo_store, MAIN, last + 1, "later question")
        await wait_for(
            pilot, lambda: app.main.turn_bar.position == f"turn 5 / {last + 1}", "M updated, N kept"
        )
        assert app.main.history.items == items
        await press(pilot, "end")
        assert app.main.turn_count == last + 1
        assert "later question" in shown(app)


async def test_a_new_segment_appears_in_the_tree(make_app: AppFactory, demo_store: Path) -> None:
    app = make_app(watch=True, poll_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        state = RestoredState(system_prompt="a new agent run")
        new_id = create_segment(FsStore(demo_store), state, ts=TS)
        await wait_for(
            pilot, lambda: app.main.ancestry.node_for(new_id) is not None, "the new node"
        )
        assert app.main.segment_id == MAIN  # the open segment did not change
        append_turn(demo_store, new_id, 1, "hello from a live agent")
        await wait_for(
            pilot,
            lambda: app.main.forest is not None and app.main.forest.row(new_id).turns == 1,  # type: ignore[union-attr]
            "its details updated",
        )
        row = app.main.forest.row(new_id)  # type: ignore[union-attr]
        assert row is not None and row.title == "hello from a live agent"
