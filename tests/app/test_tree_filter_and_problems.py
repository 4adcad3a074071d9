"""The tree's filter (ctrl+f) and the store's problems (P): typing keeps the segments whose title,
label or id holds the text, under their ancestors; the problems are those ``segview check``
lists, and choosing one opens its segment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import Input, OptionList

from segview.app import SegviewApp
from segview.app.screens.search import SearchScreen
from segview.app.screens.store_problems import StoreProblemsScreen
from segview.app.widgets.panels.problems_panel import ProblemsPanel
from segview.lineage import Lineage

from .helpers import FORK_MID, FORK_OF_FORK, LONG, MAIN, TRUNCATED, opened, press, wait_for

AppFactory = Callable[..., SegviewApp]
NARROW = (80, 24)


def tree_segments(app: SegviewApp) -> list[str]:
    """The segments the tree has rows for, top to bottom."""
    tree = app.main.ancestry
    out: list[str] = []
    stack = list(reversed(tree.root.children))
    while stack:
        node = stack.pop()
        if node.data is not None:
            out.append(node.data)
        stack.extend(reversed(node.children))
    return out


async def test_ctrl_f_filters_the_tree_as_you_type(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await opened(pilot, MAIN)
        every = tree_segments(app)
        assert not app.main.ancestry.display  # hidden at 80 columns: ctrl+f shows it
        await press(pilot, "ctrl+f")
        assert isinstance(app.screen, SearchScreen) and app.main.ancestry.display
        await pilot.press(*"QUILL")  # any case
        assert tree_segments(app) == [LONG]
        status = str(app.screen.query_one("#search-count").render())
        assert f"1 of {len(every)} segments" in status
        first_row = app.main.ancestry.root.children[0].label.plain
        assert "filter “QUILL”: 1 of" in first_row
        await press(pilot, "enter")  # keeps the filter, and the tree takes the keys
        assert not isinstance(app.screen, SearchScreen)
        assert app.focused is app.main.ancestry and tree_segments(app) == [LONG]
        app.main.ancestry.move_cursor(app.main.ancestry.node_for(LONG))
        await press(pilot, "enter")
        await opened(pilot, LONG)

        # an id: the segment, under its ancestors
        await press(pilot, "ctrl+f")
        line = app.screen.query_one("#search-input", Input)
        assert line.value == "QUILL"
        line.value = ""
        await pilot.press(*FORK_OF_FORK[:13])
        assert tree_segments(app) == [MAIN, FORK_MID, FORK_OF_FORK]
        await press(pilot, "escape")  # clears it
        assert tree_segments(app) == every
        assert app.main.ancestry.filter_text == ""


async def test_p_lists_the_problems_of_the_store_and_opens_one(make_app: AppFactory) -> None:
    want = Lineage.open(Path("sample_logs")).problems(with_details=True)  # as the app names it
    assert [p.segment_id for p in want] == [TRUNCATED]
    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "P")
        screen = app.screen
        assert isinstance(screen, StoreProblemsScreen)
        await wait_for(pilot, lambda: screen.problems is not None, "the problems read")
        assert screen.problems == want
        rows = screen.query_one(OptionList)
        assert rows.option_count == len(want)
        row = str(rows.get_option_at_index(0).prompt)
        assert f"line {want[0].line}" in row and "truncated last line" in row
        status = str(screen.query_one("#store-problems-status").render())
        assert "1 problem in 1 file" in status
        rows.highlighted = 0
        await press(pilot, "enter")
        await opened(pilot, TRUNCATED)
        assert app.main.pane.show_problems
        assert f"line {want[0].line}" in app.main.query_one("#problems", ProblemsPanel).plain
        await press(pilot, "P")
        assert isinstance(app.screen, StoreProblemsScreen)
        await press(pilot, "escape")
        assert not isinstance(app.screen, StoreProblemsScreen) and app.main.segment_id == TRUNCATED
