"""Log text is data, never markup: a reasoning summary holding Textual markup is shown as it is.

These three reproduce what a single hostile reasoning summary did when its text reached a
``Collapsible`` title as a markup string: crash the app, quit it on a click, write a file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from segview.app import SegviewApp
from segview.store import (
    FsStore,
    ReasoningItem,
    RestoredState,
    TextSegment,
    create_segment,
    save_delta,
    save_turn_end,
    save_user_input,
)

from .helpers import NOW, SIZE, opened, screen_text

TS = 1_728_400_000_000


def segment_with_summary(root: Path, summary: str) -> str:
    root.mkdir()
    store = FsStore(root)
    seg = create_segment(store, RestoredState(system_prompt="s"), ts=TS)
    save_user_input(store, seg, [TextSegment(content="think")], ts=TS + 1)
    save_delta(store, seg, [ReasoningItem(text="thoughts", summary=[summary])], ts=TS + 2)
    save_turn_end(store, seg, 1, ts=TS + 3)
    return seg


def reasoning(app: SegviewApp) -> int:
    history = app.main.history
    return next(i for i in history.units() if isinstance(history.items[i], ReasoningItem))


async def click_reasoning_title(app: SegviewApp, pilot: Pilot[None]) -> None:
    """Click the summary in the reasoning's title, where an injected action would sit."""
    history = app.main.history
    index = reasoning(app)
    offset = history.item_offset(index)
    assert offset is not None and not history.is_expanded(index)
    x = history.item_lines(index)[0].index("·") + 2
    await pilot.click(history, offset=(offset.x + x, offset.y))
    await pilot.pause()


async def test_a_closing_tag_in_a_summary_is_shown_not_parsed(tmp_path: Path) -> None:
    store = tmp_path / "store"
    seg = segment_with_summary(store, "[/bold]")
    app = SegviewApp(store, select=seg, now=NOW, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, seg)
        assert "reasoning · [/bold]" in screen_text(app)
        assert app.is_running


async def test_a_click_action_in_a_summary_does_not_quit(tmp_path: Path) -> None:
    store = tmp_path / "store"
    seg = segment_with_summary(store, "[@click=app.quit]click me to expand[/]")
    app = SegviewApp(store, select=seg, now=NOW, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, seg)
        await click_reasoning_title(app, pilot)
        assert app.is_running and app.return_code is None
        assert "reasoning · [@click=app.quit]click me to expand[/]" in screen_text(app)
        # the click did what a click on a title does: it expanded the reasoning
        assert app.main.history.is_expanded(reasoning(app))


async def test_a_screenshot_action_in_a_summary_writes_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the action writes relative to the working directory
    store = tmp_path / "store"
    target = tmp_path / "overwritten.svg"
    seg = segment_with_summary(store, f"[@click=app.screenshot('{target.name}','.')]expand[/]")
    app = SegviewApp(store, select=seg, now=NOW, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, seg)
        await click_reasoning_title(app, pilot)
        await pilot.pause(0.2)
        assert app.is_running
        assert app.main.history.is_expanded(reasoning(app))
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]
