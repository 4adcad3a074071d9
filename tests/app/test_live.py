"""Live stores: entries appended and segments created while the app runs show up by
themselves (the watcher polls); at the last turn the view follows, elsewhere it stays."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from segview.app import SegviewApp
from segview.lineage import Lineage
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
    """The text of every item the history draws (a tool call with its result)."""
    history = app.main.history
    return "\n".join(history.search_text(i) for i in history.units())


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


# --- a segment rewritten in place while it is open (the runtime's rewind) ----------------------


def rewind(path: Path, keep_turns: int) -> None:
    """Keep the lines up to the ``turn_end`` of turn ``keep_turns``, overwriting the file in
    place as the runtime's ``Store::truncate`` does in a session directory."""
    lines = path.read_bytes().splitlines(keepends=True)
    ends = [i for i, line in enumerate(lines) if b'"kind":"turn_end"' in line]
    with open(path, "r+b") as f:
        f.truncate(0)
        f.write(b"".join(lines[: ends[keep_turns - 1] + 1]))


def turn_previews(app: SegviewApp) -> list[str | None]:
    assert app.main.timeline is not None
    return [t.user_preview for t in app.main.timeline.turns]


async def test_a_rewind_while_open_shows_the_rewritten_turns(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app(watch=True, poll_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        before = turn_previews(app)
        assert len(before) == 10 and app.main.turn_bar.position == "turn 10 / 10"
        path = demo_store / f"{MAIN}.jsonl"
        size = path.stat().st_size
        rewind(path, 2)
        padding = " and more" * (size // 9)
        for turn in (3, 4):
            append_turn(demo_store, MAIN, turn, f"rewound question {turn}{padding}")
        assert path.stat().st_size > size  # bigger than before: it looks as if it grew
        await wait_for(pilot, lambda: app.main.turn_bar.position == "turn 4 / 4", "turn 4 / 4")
        assert [p[:18] if p else p for p in turn_previews(app)] == [
            *(p[:18] if p else p for p in before[:2]),
            "rewound question 3",
            "rewound question 4",
        ]
        assert [t.turn_count for t in app.main.timeline.turns] == [1, 2, 3, 4]  # type: ignore[union-attr]
        assert app.main.history.items == expected.state_at(demo_store, MAIN, 4).history
        text = shown(app)
        assert "rewound question 4" in text and "answer to rewound question 3" in text
        assert not any(old and old[:40] in text for old in before[2:])  # no stale turn
        assert app.main.timeline.problems == []  # type: ignore[union-attr]
        await wait_for(
            pilot,
            lambda: app.main.forest is not None and app.main.forest.row(MAIN).turns == 4,  # type: ignore[union-attr]
            "the tree's turn count updated",
        )
        row = app.main.forest.row(MAIN)  # type: ignore[union-attr]
        assert row is not None and row.problems == 0
        fresh = Lineage.open(demo_store).problems()  # the demo's damaged segment only
        assert app.main.forest.problems == len(fresh)  # type: ignore[union-attr]
        assert all(p.segment_id != MAIN for p in fresh)
        assert [s.turn_count for s in app.main.cursor.stops if s.kind == "turn"] == [1, 2, 3, 4]


async def test_a_same_size_rewrite_with_the_time_restored_is_shown(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app(watch=True, poll_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        path = demo_store / f"{MAIN}.jsonl"
        old = turn_previews(app)[-1]
        assert old is not None and old.startswith("Perfect. Summarise")
        st = path.stat()
        data = path.read_bytes()
        assert data.count(b"Perfect. Summarise") == 1
        with open(path, "r+b") as f:
            f.write(data.replace(b"Perfect. Summarise", b"Great!!! Summarise"))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
        await wait_for(
            pilot, lambda: "Great!!! Summarise" in shown(app), "the rewritten text shown"
        )
        assert "Perfect. Summarise" not in shown(app)
        assert turn_previews(app)[-1] == old.replace("Perfect.", "Great!!!")
        assert app.main.turn_bar.position == "turn 10 / 10"
        assert app.main.timeline.problems == []  # type: ignore[union-attr]
        await wait_for(
            pilot,
            lambda: app.main.forest is not None and app.main.forest.row(MAIN).problems == 0,  # type: ignore[union-attr]
            "no problem in the tree",
        )
