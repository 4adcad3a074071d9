"""The ancestry tree takes a new forest by relabelling the rows that changed: every changed
row shows its new label, and the whole update is one redraw, not one queued per row. Building
many rows lays the tree out once, not once per row."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from textual.geometry import Region
from textual.pilot import Pilot

from segview.app import SegviewApp
from segview.browse.forest import ForestSnapshot, TreeRow

from .helpers import FORK_OF_FORK, LEGACY, MAIN, SIZE, opened

if TYPE_CHECKING:
    from segview.app.widgets.sidebar.ancestry_tree import AncestryTree

AppFactory = Callable[..., SegviewApp]


@asynccontextmanager
async def demo_tree(
    make_app: AppFactory,
) -> AsyncIterator[tuple[Pilot[None], SegviewApp, AncestryTree, ForestSnapshot]]:
    """The app on the demo store at ``SIZE``, with the main segment open and the tree complete:
    (pilot, app, its tree, the forest it shows)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        forest = app.main.forest
        assert forest is not None
        yield pilot, app, app.main.ancestry, forest


async def test_a_forest_whose_every_row_changed_is_drawn_at_once(
    make_app: AppFactory, demo_store: Path
) -> None:
    async with demo_tree(make_app) as (pilot, _app, tree, forest):
        assert len(forest.rows) >= 10
        renamed = ForestSnapshot(
            tuple(replace(r, title=f"renamed {n}") for n, r in enumerate(forest.rows)),
            forest.layout,
            forest.problems,
            forest.skipped,
        )
        assert renamed.shape == forest.shape  # labels change, not the structure
        queued: int = tree._message_queue.qsize()
        tree.set_forest(renamed)
        # one redraw for the tree, not a callback per row
        assert tree._message_queue.qsize() <= queued + 1
        await pilot.pause()
        shown = [
            "".join(s.text for s in strip)
            for strip in tree.render_lines(Region(0, 0, tree.size.width, tree.size.height))
        ]
        for n, row in enumerate(renamed.rows):
            node = tree.node_for(row.id)
            label = tree.label_of(row.id)
            assert node is not None and label is not None and f"renamed {n}" in label.plain
            if node.line < tree.size.height:  # the rows on screen are drawn with it
                assert f"renamed {n}" in shown[node.line]


async def test_sessions_whose_ids_share_a_long_prefix_have_headings_apart(tmp_path: Path) -> None:
    import shutil

    store = tmp_path / "head_basic"
    shutil.copytree(Path(__file__).parents[1] / "golden_head" / "stores" / "head_basic", store)
    sessions = sorted(p.name for p in store.iterdir() if p.is_dir())
    assert len(sessions) == 2 and sessions[0][:13] == sessions[1][:13]
    app = SegviewApp(store, now=0, watch=False)
    async with app.run_test(size=(140, 45)) as pilot:
        tree = app.main.ancestry
        await pilot.pause()
        while app.main.forest is None or not app.main.forest.rows:
            await pilot.pause(0.05)
        await pilot.pause()
        headings = [str(c.label) for c in tree.root.children if c.data is None]
        names = [h.removeprefix("session ") for h in headings]
        assert len(names) == 2 and len(set(names)) == 2
        assert all(any(s.startswith(n) for s in sessions) for n in names)
        assert all(len(n) >= 13 for n in names)


async def test_in_80_columns_session_headings_keep_the_end_that_tells_them_apart(
    tmp_path: Path,
) -> None:
    """Two sessions whose ids differ in their last characters: in the narrow tree each
    heading shows its id's start and its end, around an ellipsis, and fits."""
    import shutil

    store = tmp_path / "head_basic"
    shutil.copytree(Path(__file__).parents[1] / "golden_head" / "stores" / "head_basic", store)
    sessions = sorted(p.name for p in store.iterdir() if p.is_dir())
    app = SegviewApp(store, now=0, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        while app.main.forest is None or not app.main.forest.rows:
            await pilot.pause(0.05)
        await pilot.press("T")
        await pilot.pause()
        tree = app.main.ancestry
        width = tree.size.width
        shown = [
            "".join(s.text for s in strip).rstrip()
            for strip in tree.render_lines(Region(0, 0, width, tree.size.height))
        ]
        headings = [line for line in shown if "session " in line]
        assert len(headings) == 2
        for heading, session in zip(headings, sessions, strict=True):
            assert cell_len(heading) <= width
            assert "…" in heading
            assert heading.endswith(session[-4:])
            assert session[:8] in heading


async def test_the_tree_shown_in_80_columns_takes_half_and_its_rows_fit(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, MAIN)
        tree = app.main.ancestry
        assert not tree.display
        await pilot.press("T")
        await pilot.pause()
        assert tree.display and tree.outer_size.width == 40
        await pilot.pause()
        rows = [
            "".join(s.text for s in strip).rstrip()
            for strip in tree.render_lines(Region(0, 0, tree.size.width, tree.size.height))
        ]
        segment_rows = [r for r in rows if "t·" in r]
        assert len(segment_rows) >= 8
        # every row keeps its turn count and age: the label was cut to the narrower tree
        assert all(re.search(r" \d+t·\d+[a-z]+( |$)", r) for r in segment_rows), rows
        assert all(cell_len(r) <= tree.size.width for r in rows)
        # the conversation keeps the other half
        assert app.main.pane.outer_size.width >= 39


async def last_line_at_the_end(pilot: Pilot[None], tree: AncestryTree) -> str:
    """The tree's last line on screen once it is scrolled to its end."""
    tree.scroll_end(animate=False, immediate=True)
    await pilot.pause()
    strips = tree.render_lines(Region(0, 0, tree.size.width, tree.size.height))
    return "".join(s.text for s in strips[tree.size.height - 1])


def numbered_rows(template: TreeRow, count: int) -> tuple[TreeRow, ...]:
    """``count`` root rows like ``template``, titled ``row number N``."""
    return tuple(
        replace(
            template,
            id=f"{n:08d}-0000-7000-8000-000000000000",
            short=f"{n:08d}",
            parent_id=None,
            origin=None,
            origin_parent=None,
            title=f"row number {n}",
        )
        for n in range(count)
    )


async def test_a_row_is_labelled_when_it_is_drawn_not_when_it_is_added(
    make_app: AppFactory, demo_store: Path
) -> None:
    """Building the rows of a large store makes the labels of the rows on screen only; a
    row scrolled to is labelled as it is drawn, with its own title."""
    async with demo_tree(make_app) as (pilot, _app, tree, forest):
        rows = numbered_rows(forest.rows[0], 2_000)
        made: list[str] = []
        make = tree._label

        def counting(row, width):  # type: ignore[no-untyped-def]
            made.append(row.id)
            return make(row, width)

        tree._label = counting  # type: ignore[method-assign]
        tree.set_forest(ForestSnapshot(rows, forest.layout, 0, forest.skipped))
        await pilot.pause()
        assert 0 < len(made) <= tree.size.height + 2  # the rows on screen (and the open one)
        assert "row number 1999" in (await last_line_at_the_end(pilot, tree))
        assert len(made) <= 2 * tree.size.height + 2


async def test_building_many_rows_invalidates_the_tree_once_and_keeps_the_cursor(
    make_app: AppFactory, demo_store: Path
) -> None:
    """Textual's tree forgets its laid-out lines at every node added; building 2,000 rows
    does that once, and the tree then holds every row with the cursor on the open segment."""
    from textual.widgets import Tree

    async with demo_tree(make_app) as (pilot, _app, tree, forest):
        main_row = forest.row(MAIN)
        assert main_row is not None
        rows = (
            replace(main_row, parent_id=None, origin=None, origin_parent=None),
            *numbered_rows(forest.rows[0], 2_000),
        )
        invalidated: list[int] = []
        invalidate = Tree._invalidate

        def counting(self: Tree[Any]) -> None:
            invalidated.append(1)
            invalidate(self)

        Tree._invalidate = counting  # type: ignore[method-assign]
        try:
            tree.set_forest(ForestSnapshot(rows, forest.layout, 0, forest.skipped))
        finally:
            Tree._invalidate = invalidate  # type: ignore[method-assign]
        assert 1 <= len(invalidated) <= 3  # the build, and what showing the cursor asks
        await pilot.pause()
        assert len(tree._tree_lines) == 2_001
        assert tree.cursor_node is not None and tree.cursor_node.data == MAIN
        assert "row number 1999" in (await last_line_at_the_end(pilot, tree))


def chained_rows(template: TreeRow, count: int) -> tuple[TreeRow, ...]:
    """``count`` rows like ``template``, each a fork of the one before (a chain of forks)."""
    rows = numbered_rows(template, count)
    return tuple(
        replace(row, parent_id=rows[n - 1].id, origin="fork", origin_parent=rows[n - 1].id)
        if n
        else row
        for n, row in enumerate(rows)
    )


async def test_the_tree_lines_are_freed_without_the_collector_and_a_deep_chain_builds(
    make_app: AppFactory, demo_store: Path
) -> None:
    """The lines of a build are freed as soon as the next replaces them (Textual's own build
    keeps them in a reference cycle until the cyclic collector runs: hundreds of thousands of
    objects for one collection at 50,000 rows); a chain of forks deeper than Python's
    recursion limit builds, down to its last fork."""
    import gc
    import sys
    import weakref

    async with demo_tree(make_app) as (pilot, _app, tree, forest):
        gc.disable()
        try:
            line = weakref.ref(tree._tree_lines[0])
            tree._invalidate()
            assert tree._tree_lines[0] is not line()  # built again
            assert line() is None  # the old lines went with the build they belonged to
        finally:
            gc.enable()
        depth = sys.getrecursionlimit() + 1_000
        rows = chained_rows(forest.rows[0], depth)
        tree.set_forest(ForestSnapshot(rows, "flat", 0, 0))
        await pilot.pause()
        assert len(tree._tree_lines) == depth
        last = tree._tree_lines[-1]
        assert last.node.data == rows[-1].id and len(last.path) == depth
        await last_line_at_the_end(pilot, tree)  # drawn (its label is far to the right)


async def test_a_restyle_draws_the_tree_again_without_laying_it_out(
    make_app: AppFactory, demo_store: Path
) -> None:
    """Focus moving to the tree and back, or another theme, restyles it: its lines are drawn
    again (the cursor's row in the focused style) but not laid out again (Textual's own tree
    lays out every line at a restyle: 80 ms at 50,000 rows)."""
    async with demo_tree(make_app) as (pilot, app, tree, _forest):
        lines = tree._tree_lines
        before = app.main.history.has_focus
        tree.focus()
        await pilot.pause()
        app.main.history.focus()
        await pilot.pause()
        app.theme = "segview-light" if app.theme != "segview-light" else "segview-dark"
        await pilot.pause()
        assert before
        assert tree._tree_lines is lines  # the same lines, not laid out again
        assert tree.cursor_node is not None and tree.cursor_node.data == MAIN
        assert MAIN[:7] in "".join(s.text for s in tree.render_lines(tree.region.reset_offset))


async def test_showing_a_segment_does_not_lay_the_tree_out_again(
    make_app: AppFactory, demo_store: Path
) -> None:
    """Moving to a segment's row expands its collapsed ancestors only: not the hidden root,
    which Textual makes collapsed (expanding it laid out every line again when the first
    segment was shown: 80 ms at 50,000 rows, with the app starting)."""
    async with demo_tree(make_app) as (pilot, _app, tree, _forest):
        tree.root._expanded = False  # as Textual makes it (it is hidden, never expanded)
        lines = tree._tree_lines
        for segment_id in (FORK_OF_FORK, MAIN, LEGACY):
            tree.show_segment(segment_id)
            await pilot.pause()
            assert tree.cursor_node is not None and tree.cursor_node.data == segment_id
        assert tree._tree_lines is lines
        fork = tree.node_for(FORK_OF_FORK)
        assert fork is not None and fork.parent is not None
        fork.parent.collapse()  # a collapsed ancestor is expanded to show the row
        await pilot.pause()
        tree.show_segment(FORK_OF_FORK)
        await pilot.pause()
        assert fork.parent.is_expanded
        assert tree.cursor_node is fork
