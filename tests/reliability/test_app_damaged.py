"""The app on damaged stores: it opens a store holding every damage case, shows each damaged
segment with its problems (line and message), follows a segment a real process is writing,
and reports a fork it cannot write, without ever stopping."""

from __future__ import annotations

import errno
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from segview.app import SegviewApp
from segview.app.screens.fork_dialog import ForkDialog
from segview.app.widgets.panels.problems_panel import ProblemsPanel
from segview.lineage import Lineage
from segview.store import FsStore, TurnEnd, encode_entry
from tests.conftest import GOLDEN_STORES
from tests.reliability.damage import BASE_TS, CASE_NAMES, Built, build_all, segment_id
from tests.reliability.test_damage_lineage import in_forest
from tests.reliability.test_live_writers import SOURCE, LiveWriter, start_source
from tests.reliability.test_readonly import can_create_in, fail_writes_under, snapshot
from tests.reliability.writer import script_entries

NOW = BASE_TS + 10**8
SIZE = (160, 50)


@pytest.fixture(autouse=True)
def _work_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # nothing the app might write lands in the repository


async def wait_for(
    pilot: Pilot[None], condition: Callable[[], bool], what: str, timeout: float = 20.0
) -> None:
    """Let the app run until ``condition()`` holds (a generous limit, not a speed test)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert pilot.app.is_running, f"the app stopped while waiting for: {what}"
        if time.monotonic() > deadline:
            raise AssertionError(f"the app never reached: {what}")
        await pilot.pause(0.02)


def panel_text(app: SegviewApp) -> str:
    return str(app.query_one("#problems-list", Static).content)


async def select_in_tree(pilot: Pilot[None], app: SegviewApp, segment_id: str) -> None:
    """Select the segment the way a user does: cursor onto its row in the tree, enter."""
    tree = app.main.ancestry
    node = tree.node_for(segment_id)
    assert node is not None, segment_id
    tree.focus()
    # a cursor move the app scheduled itself (showing the open segment) may land after ours
    for _attempt in range(20):
        tree.move_cursor(node, animate=False)
        await pilot.pause(0.05)
        if tree.cursor_node is node:
            break
    assert tree.cursor_node is node
    await pilot.press("enter")
    await wait_for(
        pilot,
        lambda: app.main.loaded_segment == segment_id and app.main.timeline is not None,
        f"{segment_id} shown",
    )
    await pilot.pause()


async def test_every_damaged_segment_opens_and_shows_its_problems(tmp_path: Path) -> None:
    root = tmp_path / "store"
    built = build_all(root)
    planted = set().union(*(b.planted for b in built.values()))
    expected = {p.path.name: p for p in Lineage.open(root).problems()}
    notes = sum(p.is_note for p in expected.values())  # what a newer runtime version wrote
    assert notes == 1
    app = SegviewApp(root, now=NOW, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: (
                app.main.forest is not None and app.main.forest.problems == len(planted) - notes
            ),
            "the store's details loaded",
        )
        assert app.main.forest is not None and app.main.forest.skipped == 4
        shown: list[tuple[str, Built]] = [(sid, b) for b in built.values() for sid in in_forest(b)]
        for sid, b in shown:
            await select_in_tree(pilot, app, sid)
            text = panel_text(app)
            panel = app.query_one("#problems", ProblemsPanel)
            timeline = app.main.timeline
            assert timeline is not None and timeline.segment_id == sid
            assert [p.line for p in timeline.problems] == b.line_problems, b.case
            mine = expected.get(f"{sid}.jsonl")
            assert panel.display == bool(mine or app.main.forest.row(sid).in_cycle), b.case  # type: ignore[union-attr]
            if mine is None and b.case != "fork_cycle":
                continue
            if mine is not None and mine.is_note:
                assert text.startswith("ℹ 1 line holds what a newer runtime version wrote")
            else:
                assert text.startswith(f"⚠ 1 problem in {root / sid}.jsonl\n"), (b.case, text)
            if b.case == "missing_parent":
                gone = segment_id(CASE_NAMES.index("missing_parent") + 1, 0xFFF)
                assert f"its parent {gone} is not in this store" in text
            elif b.case == "fork_cycle":
                assert "part of a fork cycle" in text
            else:  # the problem with its line and message, as `segview check` reports it
                assert mine is not None
                if mine.line is not None:
                    assert f"line {mine.line}" in text, (b.case, text)
                assert mine.message[:60] in text, (b.case, text)
        assert app.is_running


async def test_the_app_follows_a_segment_a_real_process_is_writing(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    start, head = start_source(store)
    script = script_entries(24)
    app = SegviewApp(tmp_path, select=SOURCE, now=NOW, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main.loaded_segment == SOURCE, "the segment shown")
        writer = LiveWriter(tmp_path, SOURCE, len(script))
        partial_seen = False
        while (msg := writer.message(0.005)) != "done":
            app.main.check_store()  # what the watcher does on each tick
            await pilot.pause()
            tl = app.main.timeline
            assert tl is not None
            assert tl.entries == [start, *script][: len(tl.entries)]
            if msg is not None and msg.startswith("partial"):
                index = int(msg.split()[1])
                if tl.problems:  # a half-written line shows as a problem, not a crash
                    assert [p.line for p in tl.problems] == [index + 2]
                    partial_seen = True
                writer.go()
        writer.finish()
        app.main.check_store()
        await wait_for(
            pilot,
            lambda: (
                app.main.timeline is not None and len(app.main.timeline.entries) == 1 + len(script)
            ),
            "every entry shown",
        )
        assert app.main.timeline is not None and app.main.timeline.problems == []
        await wait_for(pilot, lambda: app.main.turn_count == 4, "the last turn shown")
        assert "4" in app.main.position_text
        assert not app.query_one("#problems", ProblemsPanel).display
        assert partial_seen
    expected = head + b"".join(encode_entry(e) + b"\n" for e in script)
    assert store.path_for(SOURCE).read_bytes() == expected
    assert os.listdir(tmp_path) == [f"{SOURCE}.jsonl"]


async def test_fork_here_in_a_read_only_store_shows_the_error_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    shutil.copytree(GOLDEN_STORES / "basic", root)
    seg = "0190b000-0001-7000-8000-000000000001"
    root.chmod(0o555)
    try:
        if can_create_in(root):
            fail_writes_under(monkeypatch, root, errno.EROFS)
        before = snapshot(root)
        app = SegviewApp(root, select=seg, now=NOW, watch=False)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.main.loaded_segment == seg, "the segment shown")
            app.main.history.focus()
            app.main.action_fork_here()
            await wait_for(pilot, lambda: isinstance(app.screen, ForkDialog), "the fork dialog")
            dialog = app.screen
            assert isinstance(dialog, ForkDialog)
            await pilot.press("enter")
            await wait_for(pilot, lambda: dialog.error is not None, "the fork error shown")
            message = dialog.error_text
            assert str(root) in message and "\n" not in message
            assert "Read-only file system" in message or "Permission denied" in message
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, ForkDialog), "closed")
            assert app.is_running and app.main.loaded_segment == seg
        assert snapshot(root) == before
    finally:
        monkeypatch.undo()
        root.chmod(0o755)


async def test_a_growing_store_leaves_the_tree_cursor_where_the_user_put_it(
    tmp_path: Path,
) -> None:
    """A live agent makes the forest update every tick; the user's tree cursor stays put."""
    root = tmp_path / "store"
    shutil.copytree(GOLDEN_STORES / "basic", root)
    seg = "0190b000-0001-7000-8000-000000000001"
    other = "0190a1b2-0001-7001-8000-000000000001"
    app = SegviewApp(root, select=seg, now=NOW, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main.loaded_segment == seg, "the segment shown")
        await wait_for(
            pilot,
            lambda: (
                app.main.forest is not None
                and all(r.turns is not None for r in app.main.forest.rows)
            ),
            "the store's details loaded",
        )
        await pilot.pause(0.3)
        tree = app.main.ancestry
        node = tree.node_for(other)
        assert node is not None
        tree.focus()
        tree.move_cursor(node, animate=False)
        await pilot.pause()
        for turn in range(5, 8):  # the open segment grows, as a running agent's does
            with open(root / f"{seg}.jsonl", "ab") as f:
                f.write(encode_entry(TurnEnd(ts=NOW + turn, turn_count=turn)) + b"\n")
            app.main.check_store()
            await wait_for(
                pilot,
                lambda turn=turn: app.main.turn_count == turn,  # type: ignore[misc]
                f"turn {turn} shown",
            )
            await pilot.pause()
            assert tree.cursor_node is not None and tree.cursor_node.data == other
        await pilot.press("enter")  # and selecting it still opens what the user chose
        await wait_for(pilot, lambda: app.main.loaded_segment == other, "the chosen segment")
