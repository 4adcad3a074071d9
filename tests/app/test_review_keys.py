"""Reviewing keys: the tree out of the way in a narrow terminal, vim-style scrolling, the next
error, the segment's info, copy, the pager, and a header that says when the segment is live."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from segview.app import SegviewApp
from segview.store import (
    FsStore,
    MessageItem,
    RunErrored,
    TextPart,
    TextSegment,
    ToolResultEntry,
    save_delta,
    save_user_input,
)

from . import expected
from .helpers import MAIN, SIZE, opened, press, screen_text, wait_for

AppFactory = Callable[..., SegviewApp]
NARROW = (80, 24)


def error_turns(store: Path, segment_id: str) -> list[int]:
    """Turn counts of the turns with a failed tool result or an errored run (from the file)."""
    entries = expected.entries(store, segment_id)
    counts = expected.turn_counts(store, segment_id)
    out: list[int] = []
    turn = 0
    for entry in entries:
        kind = getattr(entry, "kind", "")
        if kind == "turn_end":
            turn = entry.turn_count
            continue
        failed = isinstance(entry, ToolResultEntry) and getattr(entry.item, "is_error", False)
        if failed or isinstance(entry, RunErrored):
            # an error belongs to the turn whose turn_end follows it (a run's error is written
            # after its turn_end: it belongs to the turn just ended)
            following = [c for c in counts if c > turn]
            owner = turn if isinstance(entry, RunErrored) else (following[0] if following else None)
            if owner is not None and owner not in out:
                out.append(owner)
    return sorted(out)


async def test_in_a_narrow_terminal_the_tree_starts_hidden(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await opened(pilot, MAIN)
        assert not app.main.ancestry.display
        assert app.main.pane.size.width == NARROW[0]
        await press(pilot, "T")
        assert app.main.ancestry.display and app.main.pane.size.width < NARROW[0]
        await press(pilot, "T")
        assert not app.main.ancestry.display
        await press(pilot, "t")  # focusing the tree shows it
        assert app.main.ancestry.display and app.focused is app.main.ancestry
        footer = screen_text(app).splitlines()[-1]
        for key in ("] Next", "[ Prev", "/ Search", "? Help", "q Quit"):
            assert key in footer
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        assert app.main.ancestry.display


async def test_x_goes_to_the_next_turn_with_an_error(
    make_app: AppFactory, demo_store: Path
) -> None:
    want = error_turns(demo_store, MAIN)
    assert want
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "home")
        seen = []
        for _ in want:
            await press(pilot, "x")
            seen.append(app.main.turn_count)
        assert seen == want
        await press(pilot, "x")  # none after the last: stays, says so
        assert app.main.turn_count == want[-1]
        await press(pilot, "X")
        assert app.main.turn_count == (want[-2] if len(want) > 1 else want[-1])


async def test_j_k_and_half_pages_scroll_the_history(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        history = app.main.history
        history.scroll_home(animate=False)
        await pilot.pause()
        await press(pilot, "j", "j")
        assert history.scroll_y == 2
        await press(pilot, "k")
        assert history.scroll_y == 1
        await press(pilot, "ctrl+d")
        assert history.scroll_y == 1 + history.size.height // 2
        await press(pilot, "ctrl+u")
        assert history.scroll_y == 1
        await press(pilot, "G")
        assert app.main.turn_count == expected.turn_counts(Path("sample_logs"), MAIN)[-1]


async def test_i_shows_the_system_prompt_and_configuration(
    make_app: AppFactory, demo_store: Path
) -> None:
    state = expected.state_at(demo_store, MAIN, 3)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "g", "3", "enter", "i")
        shown = screen_text(app)
        assert f"segment  {MAIN}" in shown
        assert state.system_prompt is not None
        assert state.system_prompt.splitlines()[0][:60] in shown
        assert "max_tokens=" in shown
        await press(pilot, "i")
        assert not app.main.query_one("#info").display


async def test_y_copies_the_turn_and_Y_the_whole_conversation(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "g", "2", "enter", "y")
        turn = app.clipboard
        await press(pilot, "Y")
        whole = app.clipboard
    state = expected.state_at(demo_store, MAIN, 2)
    before = expected.state_at(demo_store, MAIN, 1)
    first_new = state.history[len(before.history)]
    last_user = [i for i in state.history if isinstance(i, MessageItem) and i.role == "user"][-1]
    assert last_user.text()[:40] in turn and last_user.text()[:40] in whole
    first_user = state.history[0]
    assert isinstance(first_user, MessageItem)
    assert first_user.text()[:40] not in turn and first_user.text()[:40] in whole
    assert f"### {len(before.history) + 1}." in turn
    assert first_new is not None and len(whole) > len(turn)


async def test_v_opens_the_conversation_in_the_pager(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "paged.md"
    script = tmp_path / "pager.py"
    script.write_text(f"import shutil, sys\nshutil.copy(sys.argv[1], {str(copy)!r})\n")
    monkeypatch.setenv("PAGER", f"{sys.executable} {script}")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "v")
        await wait_for(pilot, copy.exists, "the pager ran")
        assert app.is_running
    text = copy.read_text()
    assert text.startswith(f"# Segment {MAIN} at turn")
    assert not list(tmp_path.glob("segview-*"))  # the temporary file is gone


async def test_the_header_says_live_while_the_segment_grows(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        header = app.query_one("#header")
        assert "● live" not in header.plain  # type: ignore[attr-defined]
        fs = FsStore(demo_store)
        save_user_input(fs, MAIN, [TextSegment(content="still there?")], ts=1_728_500_000_000)
        reply = MessageItem(role="assistant", content=[TextPart(text="yes")])
        save_delta(fs, MAIN, [reply], ts=1_728_500_000_001)
        app.main.check_store()
        await wait_for(pilot, lambda: "● live" in header.plain, "live")  # type: ignore[attr-defined]
        # the turn in progress is shown at the end, as it grows
        assert app.main.cursor is not None and app.main.cursor.stop.kind == "tail"
        await wait_for(pilot, lambda: app.main.history.settled, "laid out")
        await wait_for(pilot, lambda: "still there?" in screen_text(app), "the turn in progress")


async def test_an_empty_store_says_what_to_do_and_disables_segment_keys(tmp_path: Path) -> None:
    store = tmp_path / "empty"
    store.mkdir()
    app = SegviewApp(store, now=0, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main.pane.empty, "the empty store shown")
        await pilot.pause()
        shown = screen_text(app)
        assert "There is no segment log in" in shown and "segview --demo" in shown
        assert app.main.check_action("next_turn", ()) is None  # shown disabled
        assert app.main.check_action("search_store", ()) is True
        await press(pilot, "]", "f", "p")  # nothing to act on: nothing happens, no crash
        assert app.is_running and app.main.cursor is None
