"""The tree kept from the last time a store was shown: drawn in the first frame, marked as
being checked, then replaced by what the store holds; a row of it opens once the store is
open; a kept tree that was changed, or a store that is gone, is not shown."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from segview.app import SegviewApp
from segview.browse.forest import ForestSnapshot, decode, encode
from segview.browse.session import StoreSession
from segview.index import StoreIndex

from .helpers import LEGACY, MAIN, SIZE, opened, wait_for

AppFactory = Callable[..., SegviewApp]


async def show_once(make_app: AppFactory) -> None:
    """Run the app on the store until everything is shown (which keeps its tree)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)


def hold_open(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """``StoreSession.open`` waits until the event returned is set."""
    go = threading.Event()
    real_open = StoreSession.open

    def held(self: StoreSession) -> Any:
        go.wait(15)
        return real_open(self)

    monkeypatch.setattr(StoreSession, "open", held)
    return go


def header(app: SegviewApp) -> str:
    return str(app.main.query_one("#header").plain)  # type: ignore[attr-defined]


async def test_the_kept_tree_comes_first_then_what_the_store_holds(
    make_app: AppFactory, demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await show_once(make_app)
    (demo_store / f"{LEGACY}.jsonl").unlink()  # gone since the tree was kept
    go = hold_open(monkeypatch)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        try:
            tree = app.main.ancestry
            await pilot.pause()
            assert tree.node_for(MAIN) is not None
            assert tree.node_for(LEGACY) is not None  # as it was last time
            assert "checking the store" in header(app)
            assert "opening the store" in app.main.turn_bar.plain  # no figures of nothing
            assert app.main.forest is None  # nothing else takes the kept tree for the store
        finally:
            go.set()
        await opened(pilot, MAIN)
        assert tree.node_for(LEGACY) is None
        assert not app.main.session.same_as_kept
        assert "checking the store" not in header(app)
        assert (
            {r.id for r in tree.forest.rows}
            == {  # type: ignore[union-attr]
                p.name[:-6] for p in demo_store.glob("*.jsonl")
            }
        )


async def test_a_store_as_its_kept_tree_shows_it_keeps_the_rows_drawn(
    make_app: AppFactory, demo_store: Path
) -> None:
    """Nothing changed since the tree was kept: the tree keeps the rows it drew first (no
    second comparison of every row), and they are what the store holds."""
    await show_once(make_app)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        tree = app.main.ancestry
        first = tree.forest
        assert first is not None  # in the first frame
        await opened(pilot, MAIN)
        assert app.main.session.same_as_kept
        assert tree.forest is first and first == app.main.forest
        assert "checking the store" not in header(app)


async def test_a_row_of_the_kept_tree_opens_once_the_store_is_open(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The segment asked for waits for the store (it used to fail: not in this store)."""
    await show_once(make_app)
    go = hold_open(monkeypatch)
    app = make_app(select=None)
    async with app.run_test(size=SIZE) as pilot:
        try:
            await pilot.pause()
            assert app.main.ancestry.node_for(LEGACY) is not None
            app.main.open_segment(LEGACY)
            await pilot.pause(0.3)
            assert app.main.loaded_segment is None  # waiting for the store
        finally:
            go.set()
        await opened(pilot, LEGACY)
        assert app.main.pane.cursor is not None


async def test_a_kept_tree_that_was_changed_is_not_shown(
    make_app: AppFactory, demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await show_once(make_app)
    index = StoreIndex.open(demo_store)
    assert index is not None
    key = str(demo_store.resolve())
    kept = index.forest(key)
    assert kept is not None and decode(kept) is not None
    index.put_forest(key, kept[:-2] + bytes([kept[-2] ^ 1]) + kept[-1:])  # one bit changed
    index.close()
    go = hold_open(monkeypatch)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        try:
            await pilot.pause(0.2)
            assert app.main.ancestry.forest is None  # no tree until the store is open
            assert "checking the store" not in header(app)
        finally:
            go.set()
        await opened(pilot, MAIN)
    again = StoreIndex.open(demo_store)
    assert again is not None
    assert decode(again.forest(key) or b"") is not None  # replaced by the tree just shown
    again.close()


async def test_a_store_gone_since_its_tree_was_kept_shows_no_tree(
    make_app: AppFactory, demo_store: Path
) -> None:
    await show_once(make_app)
    moved = demo_store.with_name("moved")
    demo_store.rename(moved)
    demo_store.mkdir()  # the store's directory, empty: the old segments are not there
    (demo_store / "not-a-segment.txt").write_text("")
    app = make_app(select=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main.forest is not None, "the store opened")
        await pilot.pause()
        assert app.main.ancestry.node_for(MAIN) is None
        assert "checking the store" not in header(app)


async def test_a_store_that_cannot_be_read_since_its_tree_was_kept_shows_no_tree(
    make_app: AppFactory, demo_store: Path
) -> None:
    await show_once(make_app)
    shutil.rmtree(demo_store)
    app = make_app(select=None)
    async with app.run_test(size=SIZE) as pilot:
        turn_bar = app.main.turn_bar
        await wait_for(pilot, lambda: "cannot read the store" in turn_bar.plain, "the failure")
        await pilot.pause()
        assert app.main.ancestry.forest is not None and app.main.ancestry.forest.rows == ()
        assert app.main.ancestry.node_for(MAIN) is None
        assert "checking the store" not in header(app)


def test_a_snapshot_is_kept_as_it_was_and_nothing_else_is_taken_for_one(
    demo_store: Path,
) -> None:
    session = StoreSession(demo_store)
    forest = session.open()
    assert forest.rows
    data = encode(forest)
    assert decode(data) == forest
    assert decode(data[:-1]) is None  # cut short
    assert decode(data[:20]) is None
    assert decode(b"") is None
    assert decode(b"segview-forest-9\n" + data[17:]) is None  # another format
    empty = ForestSnapshot((), "flat", 0, 0)
    assert decode(encode(empty)) == empty
