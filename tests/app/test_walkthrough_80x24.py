"""A review of the demo store in an 80x24 terminal, end to end, as a user does it, asserted on
what the screen shows: search the store for a word only another conversation has and open
the result at its turn; go to the next error; copy the turn as Markdown; fork there through
the dialog and see the fork in the header and the tree; replay the parent to its end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from segview.app import SegviewApp
from segview.app.export import ExportContext, state_to_markdown
from segview.browse.cursor import SegmentCursor
from segview.search import Query, search_store
from segview.store import (
    FsStore,
    MessageItem,
    RunErrored,
    SegmentStart,
    ToolResultItem,
    TurnEnd,
)
from segview.store.layout import scan_store
from segview.timeline import Timeline

from . import expected
from .helpers import MAIN, SYSTEM_ITEMS, opened, press, screen_text, wait_for

AppFactory = Callable[..., SegviewApp]
SIZE = (80, 24)
WORD = "twine"  # said only in the release conversation (SYSTEM_ITEMS)


def rows(app: SegviewApp) -> list[str]:
    """The screen's rows that hold text, top to bottom."""
    return [row for row in screen_text(app).splitlines() if row.strip()]


def turn_row(app: SegviewApp) -> str:
    """The turn bar's first row: ``turn N / M ...`` and the replay indicator."""
    return next(row for row in rows(app) if row.lstrip().startswith("turn "))


def next_error_turn(store: Path, segment_id: str, after: int) -> int:
    """The first turn after turn ``after`` with a failed tool result or an errored run (from
    the file: the turn whose ``turn_end`` follows the first such entry)."""
    turn, failing = 0, False
    for entry in expected.entries(store, segment_id):
        if isinstance(entry, TurnEnd):
            if failing and entry.turn_count > after:
                return entry.turn_count
            turn, failing = entry.turn_count, False
        elif turn >= after and (
            isinstance(entry, RunErrored)
            or (isinstance(getattr(entry, "item", None), ToolResultItem) and entry.item.is_error)
        ):
            failing = True
    raise AssertionError(f"no error after turn {after}")


async def test_a_review_at_80x24(
    make_app: AppFactory, demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = SYSTEM_ITEMS
    hits = [h for f in search_store(scan_store(demo_store), Query(WORD)) for h in f.hits]
    assert hits and {h.segment_id for h in hits} == {target}  # only in another segment
    found = hits[0]  # the first result: what enter opens
    assert found.turn is not None
    last = expected.turn_counts(demo_store, target)[-1]
    assert found.turn < last  # not where the segment opens by itself
    error_turn = next_error_turn(demo_store, target, found.turn)

    app = make_app(select=MAIN, replay_time_scale=0.05)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await opened(pilot, MAIN)
        assert MAIN in rows(app)[0]  # the header: the open segment's id, whole
        assert not app.main.ancestry.display  # 80 columns: the tree starts hidden

        # S: search the store, enter opens the first result at its turn
        await press(pilot, "S")
        await pilot.press(*WORD)
        await wait_for(
            pilot, lambda: f"{len(hits)} items in 1 segment" in screen_text(app), "the results"
        )
        await press(pilot, "enter")
        await wait_for(
            pilot,
            lambda: target in rows(app)[0] and f"turn {found.turn} / {last}" in turn_row(app),
            "the result's segment at its turn",
        )
        await wait_for(pilot, lambda: app.main.history.settled, "laid out")
        await pilot.pause()
        shown = screen_text(app)
        assert WORD in shown.casefold()  # the word itself is on screen
        assert f"search “{WORD}”" in shown

        # x: the next turn with an error; the turn bar says what went wrong
        await press(pilot, "x")
        await wait_for(
            pilot, lambda: f"turn {error_turn} / {last}" in turn_row(app), "the error's turn"
        )
        detail = rows(app)[rows(app).index(turn_row(app)) + 1]
        assert "run errored" in detail or "failed" in detail

        # y: what this turn added, as Markdown, to the clipboard
        await press(pilot, "y")
        store = demo_store
        state = expected.state_at(store, target, error_turn)
        before_turn = expected.state_at(store, target, error_turn - 1)
        ctx = ExportContext(
            store="sample_logs", segment_id=target, position=f"turn {error_turn} / {last}"
        )
        # the state and the turn's first item from the file; the entries that produced the
        # items (for the badges of system items) from the browsing model
        cursor = SegmentCursor(Timeline.load(FsStore(store), target))
        cursor.move(cursor.index_for_turn(error_turn) or 0)
        sources = list(cursor.sources_at(cursor.stop.entry_end))
        turn_markdown = state_to_markdown(
            state, ctx, sources, cursor.sources, items_from=len(before_turn.history)
        )
        assert copied == [turn_markdown]
        assert f"## Items {len(before_turn.history) + 1} and after" in turn_markdown
        first_input = before_turn.history[0]
        assert isinstance(first_input, MessageItem)
        assert first_input.text()[:40] not in copied[0]  # only what this turn added
        await wait_for(
            pilot, lambda: "copied this turn" in screen_text(app), "the copy's notification"
        )

        # f: fork here through the dialog
        originals = {p.name: p.read_bytes() for p in store.iterdir() if p.is_file()}
        await press(pilot, "f")
        dialog = [row for row in rows(app) if "Fork after turn" in row]
        assert dialog and f"Fork after turn {error_turn}?" in dialog[0]
        assert any(target in row for row in rows(app))  # the source's id, whole, at 80 columns
        await press(pilot, "enter")
        await wait_for(
            pilot, lambda: target not in rows(app)[0] and "turn 0 / 0" in turn_row(app), "fork"
        )
        new = {p.name for p in store.iterdir() if p.is_file()} - set(originals)
        assert len(new) == 1
        new_id = new.pop().removesuffix(".jsonl")
        assert new_id in rows(app)[0]  # the header shows the fork
        for name, data in originals.items():
            assert (store / name).read_bytes() == data  # nothing else touched
        start_entry = FsStore(store).read_all(new_id)[0]
        assert isinstance(start_entry, SegmentStart) and start_entry.forked_from is not None
        assert start_entry.forked_from.segment_id == target
        await press(pilot, "T")  # the tree, hidden at 80 columns
        short = app.main.session.short(new_id)
        inputs = [i for i in state.history if isinstance(i, MessageItem) and i.role == "user"]
        title = inputs[-1].text()
        fork_rows = [row for row in rows(app) if f"⑂ fork @{error_turn} {short}" in row]
        assert fork_rows and title[:6] in fork_rows[0]  # titled by its last input, not "(no …)"
        await press(pilot, "T")

        # p: replay the parent from before the error to its end
        await press(pilot, "o")  # the parent, at the fork point
        await wait_for(
            pilot,
            lambda: target in rows(app)[0] and f"turn {error_turn} / {last}" in turn_row(app),
            "the parent at the fork point",
        )
        await press(pilot, "left_square_bracket")
        start = error_turn - 1
        assert f"turn {start} / {last}" in turn_row(app) and "replay 1×" in turn_row(app)
        await press(pilot, "p")
        await wait_for(
            pilot,
            lambda: "▶" in turn_row(app) and f"turn {error_turn} / {last}" in turn_row(app),
            "playing, one turn on",
        )
        await wait_for(
            pilot,
            lambda: "▶" not in turn_row(app) and f"turn {last} / {last}" in turn_row(app),
            "the replay at its end, stopped",
        )
        assert "replay 1×" in turn_row(app)
        await wait_for(
            pilot, lambda: f"replay finished at turn {last} / {last}" in screen_text(app), "said"
        )


@pytest.mark.parametrize(
    "keys", [("f",), ("e",), ("g",), ("a",), ("L",), ("S",), ("P",), ("question_mark",)]
)
async def test_every_dialog_fits_in_80_columns(make_app: AppFactory, keys: tuple[str, ...]) -> None:
    """Each dialog's box lies inside the screen, its right border included."""
    app = make_app(select=MAIN)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        main = app.screen
        await press(pilot, *keys)
        assert app.screen is not main
        box = app.screen.children[-1]  # a dialog's box (Textual's own layers come first)
        assert box.region.x >= 0 and box.region.right <= SIZE[0], (keys, box.region)
        assert box.region.y >= 0 and box.region.bottom <= SIZE[1], (keys, box.region)
