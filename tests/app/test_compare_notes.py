"""Pilot tests: comparing two segments (m, c, n, N, escape), labels (L) and notes (a), tokens in
the tree ($) and in the turn bar. Expected values come from the files."""

from __future__ import annotations

import errno
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from segview.app import SegviewApp
from segview.app.screens.compare import CompareScreen
from segview.cli import main
from segview.notes import SIDECAR_DIR, read_notes
from segview.store import ReasoningItem
from segview.text import format_tokens
from tests.reliability.test_readonly import can_create_in, fail_writes_under, snapshot

from .helpers import (
    COMPACTED_1,
    FORK_MID,
    FORK_OF_FORK,
    LONG,
    MAIN,
    NOW,
    SIZE,
    drawn,
    opened,
    press,
    screen_text,
    squeeze,
    wait_for,
)

AppFactory = Callable[..., SegviewApp]


def lines(store: Path, segment_id: str) -> list[dict[str, Any]]:
    """The file's complete lines as JSON (the demo's truncated last line left out)."""
    data = (store / f"{segment_id}.jsonl").read_bytes()
    return [orjson.loads(x) for x in data.split(b"\n")[:-1]]


def user_inputs(store: Path, segment_id: str) -> list[str]:
    return [
        "".join(s.get("content", "") for s in e["segments"])
        for e in lines(store, segment_id)
        if e["kind"] == "user_input"
    ]


def usage_until(store: Path, segment_id: str, turn_count: int | None) -> tuple[int, int]:
    """Input and output tokens of the requests up to the first ``invoke`` after the
    ``turn_end`` with ``turn_count`` (None: the whole file)."""
    total_in = total_out = 0
    ended = False
    for e in lines(store, segment_id):
        if e["kind"] == "turn_end" and e["turn_count"] == turn_count:
            ended = True
        elif e["kind"] == "invoke" and ended:
            break
        elif e["kind"] == "llm_usage":
            total_in += e["input_total_tokens"]
            total_out += e["output_tokens"]
    return total_in, total_out


def digests(store: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in store.glob("*.jsonl")}


def messages(app: SegviewApp) -> list[str]:
    return [n.message for n in app._notifications]


def tree_label(app: SegviewApp, segment_id: str) -> str:
    label = app.main.ancestry.label_of(segment_id)
    assert label is not None
    return str(label)


async def compared(pilot: Any) -> CompareScreen:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), "the compare screen")
    screen = app.screen
    assert isinstance(screen, CompareScreen)
    await wait_for(pilot, lambda: screen.loaded, "the comparison built")
    await pilot.pause()
    return screen


# --- comparing ----------------------------------------------------------------------------------


async def test_c_on_a_fork_compares_it_with_its_parent(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app(select=FORK_MID)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, FORK_MID)
        await press(pilot, "c")
        screen = await compared(pilot)
        assert (screen.a, screen.b) == (FORK_MID, MAIN)
        summary = screen.summary_plain
        assert "common ancestor: 01926b8 (A leaves it after its turn 4; B is it)" in summary
        assert "shared: 4 turns, 47 items (01926b8 turns 1-4)" in summary
        assert "diverges at turn 5 (user input)" in summary
        fork_input, main_input = (
            user_inputs(demo_store, FORK_MID)[0],
            user_inputs(demo_store, MAIN)[4],
        )
        assert f"A: {fork_input[:60]}" in summary and f"B: {main_input[:60]}" in summary
        # one row per turn after the shared ones; the first is the divergence, and current
        assert [r.diff.label for r in screen.rows] == [f"turn {n}" for n in range(5, 11)]
        first = screen.rows[0]
        assert first.has_class("-divergence") and first.has_class("-current")
        assert "◆ diverges here" in first.plain
        assert fork_input[:40] in first.plain and main_input[:40] in first.plain
        assert screen.query_one("#compare-shared").collapsed  # type: ignore[attr-defined]
        # the totals, as the files say
        totals = str(screen.query_one("#compare-totals").render())  # type: ignore[attr-defined]
        assert totals  # rendered
        a_in, a_out = usage_until(demo_store, FORK_MID, None)
        c = screen.comparison
        assert c is not None and (c.totals_a.tokens.input, c.totals_a.tokens.output) == (
            a_in,
            a_out,
        )
        assert (c.totals_a.turns, c.totals_b.turns) == (2, 6)
        # n / N move between the rows that differ, escape closes
        await press(pilot, "n")
        assert screen.current_row is screen.rows[1] and screen.rows[1].has_class("-current")
        assert not first.has_class("-current")
        await press(pilot, "N", "N")
        assert screen.current_row is screen.rows[-1]  # wraps around
        await press(pilot, "escape")
        assert app.screen is app.main


async def test_mark_one_segment_then_compare_it_with_another(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app(select=MAIN)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        tree = app.main.ancestry
        await press(pilot, "t")
        tree.move_cursor(tree.node_for(FORK_OF_FORK))
        await press(pilot, "m")
        assert app.main.marked == FORK_OF_FORK and "◆" in tree_label(app, FORK_OF_FORK)
        tree.move_cursor(tree.node_for(COMPACTED_1))
        await press(pilot, "c")
        screen = await compared(pilot)
        assert (screen.a, screen.b) == (FORK_OF_FORK, COMPACTED_1)
        summary = screen.summary_plain
        assert (
            "common ancestor: 01926b8 (A leaves it after its turn 4; B leaves it after its turn 10)"
            in summary
        )
        assert "diverges at turn 5" in summary
        await press(pilot, "escape")
        # m again unmarks
        tree.move_cursor(tree.node_for(FORK_OF_FORK))
        await press(pilot, "m")
        assert app.main.marked is None and "◆" not in tree_label(app, FORK_OF_FORK)


async def test_a_long_comparison_mounts_its_rows_as_they_are_needed(
    make_app: AppFactory,
) -> None:
    from segview.app.screens.compare import ROW_BATCH

    app = make_app(select=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, LONG)
        await press(pilot, "m")
        app.main.ancestry.move_cursor(app.main.ancestry.node_for(MAIN))
        await press(pilot, "c")
        screen = await compared(pilot)
        assert (screen.a, screen.b) == (LONG, MAIN)
        assert len(screen.rows) == 200 and screen.mounted_rows == ROW_BATCH
        more = screen.query_one("#compare-more")
        assert more.display and "180 more turns not shown" in str(more.label)  # type: ignore[attr-defined]
        screen.query_one("#compare-body").scroll_end(animate=False)
        await pilot.pause()
        await pilot.click("#compare-more")
        await wait_for(pilot, lambda: screen.mounted_rows == 2 * ROW_BATCH, "one more batch")
        await press(pilot, "N")  # the last difference: everything up to it is mounted
        assert screen.current_row is screen.rows[-1] and screen.mounted_rows == 200
        assert not more.display
        assert screen.rows[-1].is_mounted and screen.rows[-1].has_class("-current")


async def test_c_on_a_root_with_nothing_marked_explains_itself(make_app: AppFactory) -> None:
    app = make_app(select=MAIN)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "c")
        assert app.screen is app.main
        assert any("nothing to compare" in m for m in messages(app))


async def test_the_compare_screen_keys_are_in_its_palette(make_app: AppFactory) -> None:
    from segview.app.commands import SegviewCommands

    app = make_app(select=FORK_MID)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, FORK_MID)
        await press(pilot, "c")
        screen = await compared(pilot)
        names = [hit.text async for hit in SegviewCommands(screen).discover()]
        assert names == ["Next diff (n)", "Prev diff (N)", "Close (escape)"]


# --- labels and notes ---------------------------------------------------------------------------


async def test_a_label_set_in_the_app_shows_in_the_tree_and_survives_a_restart(
    make_app: AppFactory, demo_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digests(demo_store)
    app = make_app(select=FORK_MID)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, FORK_MID)
        await press(pilot, "L")
        await pilot.press(*"td [b]x[/b]")
        await press(pilot, "enter")
        await wait_for(pilot, lambda: "✎ td" in tree_label(app, FORK_MID), "the label")
        label = tree_label(app, FORK_MID)
        assert "✎ td [b]x[/b]" in label  # as typed: never markup
        assert "Let's skip" not in label
        assert app.main.pane.placement.bar == "✎ td [b]x[/b]"
    assert read_notes(demo_store, FORK_MID).label == "td [b]x[/b]"
    # the command line sees it
    assert main(["tree", str(demo_store)]) == 0
    assert "fork @4  2 turns  ✎ td [b]x[/b]" in capsys.readouterr().out
    # a new app shows it too
    again = make_app(select=MAIN)
    async with again.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await wait_for(pilot, lambda: "✎ td" in tree_label(again, FORK_MID), "label")
    assert digests(demo_store) == before
    assert {p.name for p in (demo_store / SIDECAR_DIR).iterdir()} == {f"{FORK_MID}.notes.jsonl"}


async def test_a_label_set_from_the_command_line_appears_in_the_open_app(
    make_app: AppFactory, demo_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(select=MAIN, watch=True, poll_interval=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        assert main(["label", str(demo_store), "01926b8", "main line"]) == 0
        await wait_for(pilot, lambda: "✎ main line" in tree_label(app, MAIN), "the new label")
        assert "✎ main line" in app.main.pane.placement.bar  # type: ignore[operator]
        assert main(["note", str(demo_store), "01926b8", "--item", "3", "third item"]) == 0
        await wait_for(
            pilot, lambda: app.main.pane.placement.by_item.get(2) == ("third item",), "the note"
        )
    capsys.readouterr()


async def test_notes_on_a_turn_and_on_an_item_show_on_their_items_and_in_the_export(
    make_app: AppFactory, demo_store: Path
) -> None:
    before = digests(demo_store)
    app = make_app(select=MAIN)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "g", "5", "enter")
        assert app.main.turn_count == 5
        await press(pilot, "a")
        await pilot.press(*"the ISO question")
        await press(pilot, "enter")
        history = app.main.history
        first_item = history.current_from  # the turn's user input
        await wait_for(
            pilot,
            lambda: "turn 5: the ISO question" in history.notes_of(first_item),
            "the turn note on the turn's first item",
        )
        # a note on one item (the 49th: the reasoning of turn 5, a collapsible: in its title)
        await press(pilot, "a")
        await pilot.press(*"a good answer", "tab", "4", "9")
        await press(pilot, "enter")
        await wait_for(
            pilot,
            lambda: "turn 5: a good answer" in history.notes_of(48),
            "the item note",
        )
        assert isinstance(history.items[48], ReasoningItem)
        assert squeeze("✎ turn 5: a good answer") in drawn(app, 48)  # in its folded title
        await wait_for(pilot, lambda: history.settled, "the history redrawn")
        assert "✎ turn 5: the ISO question" in screen_text(app)  # on the user input's head
        notes = read_notes(demo_store, MAIN)
        assert [(n.turn, n.item, n.text) for n in notes.notes] == [
            (5, None, "the ISO question"),
            (5, 49, "a good answer"),
        ]
        await press(pilot, "e", "m")  # export as Markdown
        await wait_for(pilot, lambda: app.main.last_export is not None, "the export")
        text = app.main.last_export.read_text()  # type: ignore[union-attr]
        assert "> ✎ note on item 48: turn 5: the ISO question" in text
        assert "> ✎ note on item 49: turn 5: a good answer" in text
    assert digests(demo_store) == before


async def test_a_note_dialog_refuses_an_item_the_turn_does_not_show(make_app: AppFactory) -> None:
    from segview.app.screens.note_dialog import NoteDialog

    app = make_app(select=MAIN)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "g", "1", "enter", "a")
        await pilot.press(*"x", "tab", "9", "9", "9")
        await press(pilot, "enter")
        assert isinstance(app.screen, NoteDialog)
        assert "no item 999" in str(app.screen.query_one("#note-error").render())
        await press(pilot, "escape")
        assert app.screen is app.main


@pytest.fixture
def read_only_demo(demo_store: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for p in demo_store.iterdir():
        p.chmod(0o444)
    demo_store.chmod(0o555)
    if can_create_in(demo_store):  # chmod does not bind this user (root): simulate
        fail_writes_under(monkeypatch, demo_store, errno.EROFS)
    yield demo_store
    monkeypatch.undo()
    demo_store.chmod(0o755)


async def test_labelling_in_a_read_only_store_says_so_and_writes_nothing(
    read_only_demo: Path,
) -> None:
    before = snapshot(read_only_demo)
    app = SegviewApp("sample_logs", select=FORK_MID, now=NOW, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, FORK_MID)
        await press(pilot, "L")
        await pilot.press(*"label")
        await press(pilot, "enter")
        await wait_for(
            pilot, lambda: any("read-only" in m for m in messages(app)), "the read-only message"
        )
        assert "✎" not in tree_label(app, FORK_MID)
    assert snapshot(read_only_demo) == before


async def test_a_read_only_app_refuses_labels_and_notes(
    make_app: AppFactory, demo_store: Path
) -> None:
    from segview.app.screens.note_dialog import LabelDialog, NoteDialog

    before = snapshot(demo_store)
    app = make_app(select=FORK_MID, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, FORK_MID)
        await press(pilot, "L")
        await press(pilot, "a")
        assert not any(isinstance(s, LabelDialog | NoteDialog) for s in app.screen_stack)
        shown = messages(app)
        assert any("read-only: labelling" in m for m in shown), shown
        assert any("read-only: notes" in m for m in shown), shown
        await press(pilot, "c")  # comparing writes nothing: allowed
        await compared(pilot)
    assert snapshot(demo_store) == before


# --- tokens -------------------------------------------------------------------------------------


async def test_dollar_shows_tokens_in_the_tree_per_segment_branch_and_subtree(
    make_app: AppFactory, demo_store: Path
) -> None:
    own = {p.stem: usage_until(demo_store, p.stem, None) for p in demo_store.glob("*.jsonl")}
    inherited = usage_until(demo_store, MAIN, 4)
    app = make_app(select=MAIN)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)

        def shows(segment_id: str, tokens: tuple[int, int]) -> bool:
            text = f"{format_tokens(tokens[0])}/{format_tokens(tokens[1])}"
            return text in tree_label(app, segment_id)

        await press(pilot, "$")
        await wait_for(pilot, lambda: shows(FORK_MID, own[FORK_MID]), "per segment")
        assert all(shows(s, t) for s, t in own.items())
        await press(pilot, "$")
        branch = (own[FORK_MID][0] + inherited[0], own[FORK_MID][1] + inherited[1])
        await wait_for(pilot, lambda: shows(FORK_MID, branch), "per branch")
        await press(pilot, "$")
        subtree = tuple(own[FORK_MID][i] + own[FORK_OF_FORK][i] for i in (0, 1))
        await wait_for(pilot, lambda: shows(FORK_MID, subtree), "per subtree")  # type: ignore[arg-type]
        await press(pilot, "$")
        assert not shows(FORK_MID, subtree) and not shows(MAIN, own[MAIN])


async def test_the_turn_bar_shows_the_turns_tokens_and_the_branch_so_far(
    make_app: AppFactory, demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[prices.default]\ninput = 3\noutput = 15\n")
    monkeypatch.setenv("SEGVIEW_CONFIG", str(config))
    app = make_app(select=FORK_MID)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, FORK_MID)
        inherited = usage_until(demo_store, MAIN, 4)
        own = usage_until(demo_store, FORK_MID, 1)
        so_far = (inherited[0] + own[0], inherited[1] + own[1])
        await press(pilot, "[")
        assert app.main.turn_count == 1

        def text() -> str:
            return app.main.turn_bar.usage_plain

        expected = f"so far {format_tokens(so_far[0])} in · {format_tokens(so_far[1])} out · $"
        await wait_for(pilot, lambda: expected in text(), "the branch so far")
        assert f"this turn {format_tokens(own[0])} in · {format_tokens(own[1])} out · $" in text()
        await press(pilot, "[")  # turn 0: only what was inherited
        zero = f"so far {format_tokens(inherited[0])} in · {format_tokens(inherited[1])} out"
        assert zero in text() and "this turn" not in text()


def test_notes_json_after_the_app(demo_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notes", str(demo_store), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
