"""The history view as a person scrolls, clicks and replays: what is on screen stays put while
the items around it are measured, a long one-line result is clipped until clicked, a replay
follows the end, inherited items are marked, and the colours follow the theme."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.style import Style
from textual.color import Color

from segview.app import SegviewApp
from segview.app.widgets.conversation.items import EXPANDED_CHARS, PREVIEW_CHARS
from segview.store import (
    FsStore,
    MessageItem,
    RestoredState,
    TextPart,
    TextSegment,
    ToolCallItem,
    ToolResultItem,
    create_segment,
    save_delta,
    save_turn_end,
    save_user_input,
)

from . import expected
from .helpers import COMPACTED_1, LONG, MAIN, SIZE, drawn, opened, press, squeeze, wait_for

AppFactory = Callable[..., SegviewApp]
TS = 1_728_400_000_000


async def test_scrolling_up_into_items_not_measured_yet_moves_the_screen_by_one_line(
    make_app: AppFactory,
) -> None:
    app = make_app(select=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, LONG)
        history = app.main.history
        units = history.units()
        # far from anything rendered so far: positions there are estimates
        target = units[len(units) // 3]
        history.scroll_to_item(target)
        await pilot.pause()
        assert history.visible_items()[0] == target
        start = history.item_offset(target)
        assert start is not None
        for step in range(1, 40):  # line by line, into items measured on the way
            await press(pilot, "up")
            offset = history.item_offset(target)
            if offset is None:
                break
            assert offset.y == start.y + step, step  # the item moved by exactly one line
        assert step > 20


async def test_a_resize_keeps_the_item_at_the_top(make_app: AppFactory) -> None:
    app = make_app(select=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, LONG)
        history = app.main.history
        target = history.units()[300]
        history.scroll_to_item(target)
        await pilot.pause()
        await pilot.resize_terminal(100, 30)  # narrower: every item wraps again
        await wait_for(pilot, lambda: history.size.width < 60, "narrower")
        await pilot.pause()
        assert history.visible_items()[0] == target


async def test_a_replay_follows_the_end(make_app: AppFactory, demo_store: Path) -> None:
    app = make_app(replay_time_scale=0.001)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        history = app.main.history
        ends: list[bool] = []
        show = app.main.pane._show

        def spy(position, scroll):  # type: ignore[no-untyped-def]
            show(position, scroll)
            if scroll == "end":
                ends.append(history.units()[-1] in history.visible_items())

        app.main.pane._show = spy  # type: ignore[method-assign]
        await press(pilot, "home", "p")
        await wait_for(pilot, lambda: not app.main.replaying, "the replay finished")
        assert len(ends) > 10 and all(ends)
        last = expected.turn_counts(demo_store, MAIN)[-1]
        assert history.items == expected.state_at(demo_store, MAIN, last).history


def segment_with_a_long_line(root: Path, size: int) -> str:
    store = FsStore(root)
    seg = create_segment(store, RestoredState(system_prompt="s"), ts=TS)
    save_user_input(store, seg, [TextSegment(content="show the log")], ts=TS + 1)
    line = "".join(f"{n:08d} " for n in range(size // 9 + 1))[:size]
    items = [
        ToolCallItem(call_id="c1", name="cat", arguments='{"path": "app.log"}'),
        ToolResultItem(call_id="c1", summary="one long line", content=line),
        MessageItem(role="assistant", content=[TextPart(text="done")]),
    ]
    save_delta(store, seg, items, ts=TS + 2)
    save_turn_end(store, seg, 1, ts=TS + 3)
    return seg


async def test_a_long_line_is_clipped_until_clicked(tmp_path: Path) -> None:
    size = 2_000_000
    seg = segment_with_a_long_line(tmp_path, size)
    app = SegviewApp(tmp_path, select=seg, now=0, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, seg)
        history = app.main.history
        call = 1  # the call, drawn with its result
        text = drawn(app, call)
        assert squeeze(f"… {size - PREVIEW_CHARS:,} more characters (click to expand)") in text
        folded = len(history.item_lines(call))
        assert folded < 2 * PREVIEW_CHARS // history.size.width + 10
        offset = history.item_offset(call)
        assert offset is not None
        await pilot.click(history, offset=offset)
        assert history.is_expanded(call)
        text = drawn(app, call)
        assert squeeze(f"… {size - EXPANDED_CHARS:,} more characters not shown") in text
        assert len(history.item_lines(call)) > EXPANDED_CHARS // history.size.width
        history.scroll_to_item(call)
        await pilot.pause()
        await pilot.click(history, offset=history.item_offset(call))
        assert not history.is_expanded(call) and len(history.item_lines(call)) == folded


async def test_inherited_items_are_marked(make_app: AppFactory) -> None:
    app = make_app(select=COMPACTED_1)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, COMPACTED_1)
        timeline = app.main.timeline
        assert timeline is not None and timeline.inherited_len > 0
        history = app.main.history
        for index in history.units():
            inherited = index < timeline.inherited_len
            assert ("inherited" in history.marks(index)) == inherited, index
        assert "inherited" in history.item_lines(0)[0]  # a tag in its head


def border_colour(app: SegviewApp, index: int) -> Style:
    """The style of the left border of item ``index``'s first line as drawn."""
    history = app.main.history
    offset = history.item_offset(index)
    assert offset is not None
    strip = history.render_line(offset.y)
    x = 0
    for segment in strip:
        if x == 1:
            assert segment.text[0] in "▎█"
            return segment.style or Style()
        x += segment.cell_length
    raise AssertionError("no border")


async def test_the_colours_follow_the_theme(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        history = app.main.history
        user = next(
            i
            for i in history.units()
            if isinstance(history.items[i], MessageItem) and history.items[i].role == "user"
        )
        assert not history.marks(user)  # a plain user message: the border of its kind
        history.scroll_to_item(user)
        await pilot.pause()
        for theme in ("textual-light", "nord", "textual-dark"):
            app.theme = theme
            await pilot.pause()
            await wait_for(
                pilot,
                lambda: (
                    border_colour(app, user).color
                    == Color.parse(app.current_theme.primary).rich_color
                ),
                f"the user border in {theme}'s primary colour",
            )


async def test_a_scroll_asked_for_while_hidden_happens_once_shown(make_app: AppFactory) -> None:
    """Hidden, the view has no height and keeps the scroll for later; shown again at the
    size it had, it gets no resize, and the scroll still happens at its first draw."""
    app = make_app(select=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, LONG)
        history = app.main.history
        target = history.units()[300]
        history.display = False
        await wait_for(pilot, lambda: history.scrollable_content_region.height == 0, "hidden")
        history.scroll_to_item(target)
        assert not history.settled  # waiting for a height
        history.display = True
        await wait_for(pilot, lambda: history.settled, "the scroll done")
        await pilot.pause()
        assert history.visible_items()[0] == target


async def test_a_scroll_left_waiting_while_the_view_has_its_size_is_done_at_the_next_draw(
    make_app: AppFactory,
) -> None:
    """However the resize that should have run it was missed (its order against the layout
    is Textual's), a waiting scroll does not wait forever once the view is drawn."""
    app = make_app(select=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, LONG)
        history = app.main.history
        target = history.units()[300]
        history._pending = history.unit_of(target)  # as if asked for before it had a height
        history.refresh()
        await wait_for(pilot, lambda: history.settled, "the scroll done", timeout=5)
        await pilot.pause()
        assert history.visible_items()[0] == target
