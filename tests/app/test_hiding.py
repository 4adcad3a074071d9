"""Hiding reasoning (R) and tool output (O) in the history: each hidden item is one line
saying what is hidden and which key shows it; the turn bar says what is hidden; the choice
holds for every segment opened until the key is pressed again."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from segview.app import SegviewApp
from segview.store import ReasoningItem, ToolCallItem, ToolResultItem

from .helpers import FORK_MID, MAIN, opened, press, screen_text, wait_for

AppFactory = Callable[..., SegviewApp]
NARROW = (80, 24)


def kinds(app: SegviewApp) -> tuple[list[int], list[int]]:
    """The units of the history shown: reasoning items, tool calls (a result is in its call)."""
    items, units = app.main.history.items, app.main.history.units()
    reasoning = [i for i in units if isinstance(items[i], ReasoningItem)]
    calls = [i for i in units if isinstance(items[i], ToolCallItem)]
    return reasoning, calls


def results(app: SegviewApp) -> dict[str, ToolResultItem]:
    return {i.call_id: i for i in app.main.history.items if isinstance(i, ToolResultItem)}


async def test_r_and_o_hide_reasoning_and_tool_output_for_every_segment(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "g", "1", "enter")
        history = app.main.history
        reasoning, calls = kinds(app)
        assert reasoning and calls
        whole = {i: len(history.item_lines(i)) for i in reasoning + calls}
        assert all(n > 1 for i, n in whole.items() if i in calls)
        assert "hidden" not in app.main.turn_bar.plain

        await press(pilot, "R")
        for i in reasoning:
            (line,) = history.item_lines(i)
            assert line.lstrip().startswith("▶ reasoning hidden (") and "· R shows" in line
            assert "hidden" in history.marks(i)
        assert all(len(history.item_lines(i)) == whole[i] for i in calls)
        assert "reasoning hidden" in app.main.turn_bar.plain

        await press(pilot, "O")
        by_call = results(app)
        for i in calls:
            call = history.items[i]
            assert isinstance(call, ToolCallItem)
            (line,) = history.item_lines(i)
            outcome = "✗ error" if by_call[call.call_id].is_error else "✓ result"
            assert "tool call" in line and call.name in line and outcome in line
            assert "arguments, output hidden · O shows" in line
        assert any("✗ error" in history.item_lines(i)[0] for i in calls)  # failures still show
        assert "reasoning, tool output hidden" in app.main.turn_bar.plain
        history.scroll_to_item(reasoning[0])
        await wait_for(pilot, lambda: history.settled, "laid out")
        await pilot.pause()
        shown = screen_text(app)
        turn_line = next(line for line in shown.splitlines() if "turn 1 / " in line)
        assert "reasoning, tool output hidden" in turn_line
        assert "▶ reasoning hidden (" in shown and "arguments, output hidden · O shows" in shown

        # remembered when another segment is opened
        app.main.open_segment(FORK_MID)
        await opened(pilot, FORK_MID)
        reasoning, calls = kinds(app)
        assert calls
        for i in reasoning + calls:
            assert len(history.item_lines(i)) == 1 and "hidden" in history.marks(i)
        assert "reasoning, tool output hidden" in app.main.turn_bar.plain

        # a click shows one whole; the others stay hidden
        first, *others = calls
        history.scroll_to_item(first)
        await wait_for(pilot, lambda: history.item_offset(first) is not None, "on screen")
        offset = history.item_offset(first)
        assert offset is not None
        await pilot.click(history, offset=offset)
        assert len(history.item_lines(first)) > 1 and "hidden" not in history.marks(first)
        assert all(len(history.item_lines(i)) == 1 for i in others)

        # pressed again: everything shows, and the turn bar says nothing is hidden
        await press(pilot, "R", "O")
        assert all(len(history.item_lines(i)) > 1 for i in calls)
        assert all("hidden" not in history.marks(i) for i in reasoning + calls)
        assert "hidden" not in app.main.turn_bar.plain


async def test_a_search_match_in_hidden_tool_output_is_shown_whole(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "g", "1", "enter", "O")
        history = app.main.history
        _reasoning, calls = kinds(app)
        by_call = results(app)
        call = history.items[calls[-1]]
        assert isinstance(call, ToolCallItem)
        word = by_call[call.call_id].summary.split()[0]
        await press(pilot, "slash", *word, "enter")
        await wait_for(pilot, lambda: history.highlight.matches != (), "a match")
        hl = history.highlight
        current = hl.matches[hl.current]
        assert "expanded" in history.marks(current) and "hidden" not in history.marks(current)
        assert len(history.item_lines(current)) > 1


async def test_a_narrow_history_says_what_is_hidden_in_fewer_words(make_app: AppFactory) -> None:
    """At 100 columns the tree takes half the width: a stub says it in fewer words (still
    with the key that shows it), and the turn bar keeps ``turn N / M`` whole."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "g", "1", "enter", "R", "O")
        history = app.main.history
        assert app.main.ancestry.display and history.size.width < 60
        reasoning, calls = kinds(app)
        for i in reasoning:
            (line,) = history.item_lines(i)
            assert line.lstrip().startswith("▶ reasoning hidden (R)")
        for i in calls:
            (line,) = history.item_lines(i)
            assert "tool call" in line and "hidden (O)" in line
        turn_line = next(row for row in screen_text(app).splitlines() if "turn 1 / 10" in row)
        assert "reasoning, tool output hidden" in turn_line or "R, O hidden" in turn_line


async def test_the_stubs_and_the_turn_bar_name_the_keys_in_use(make_app: AppFactory) -> None:
    """With R and O given other keys in the config file's ``[keymap]``, what is hidden says
    those keys."""
    Path(os.environ["SEGVIEW_CONFIG"]).write_text(
        '[keymap]\ntoggle_reasoning = "z"\ntoggle_tool_output = "Z"\n', encoding="utf-8"
    )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "g", "1", "enter", "z", "Z")
        reasoning, calls = kinds(app)
        assert "(z)" in app.main.history.item_lines(reasoning[0])[0]
        assert "(Z)" in app.main.history.item_lines(calls[0])[0]
        assert "hidden" in app.main.turn_bar.plain
