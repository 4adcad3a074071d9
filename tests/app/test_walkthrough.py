"""The newcomer's walk-through, as one Pilot test: open the demo store, find a fork and a
compaction in the tree, step through every turn, fork from turn 2, see the new branch,
replay a segment at 10x, quit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from segview.app import SegviewApp
from segview.app.screens.fork_dialog import ForkDialog
from segview.cli.app_cmd import resolve_target
from segview.store import FsStore, collect_state

from . import expected
from .helpers import MAIN, NOW, SIZE, opened, press, wait_for


async def test_new_user_walkthrough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "nobody"))
    for var in ("INSOMNIA_DATA_DIR", "INSOMNIA_HOME", "YOI_DATA_DIR", "YOI_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(var, raising=False)
    target = resolve_target(None, False)  # no store of the runtime: the demo copy
    store = target.store
    app = SegviewApp(
        store, select=target.select, note=target.note, now=NOW, replay_time_scale=0.001
    )
    try:
        async with app.run_test(size=SIZE) as pilot:
            await opened(pilot, MAIN)

            # a forked and a compacted conversation, marked differently in the tree
            assert app.main.forest is not None
            forks = [r for r in app.main.forest.rows if r.origin == "fork"]
            compactions = [r for r in app.main.forest.rows if r.origin == "compaction"]
            assert forks and compactions
            fork_label = app.main.ancestry.label_of(forks[0].id).plain  # type: ignore[union-attr]
            compaction_label = app.main.ancestry.label_of(compactions[0].id).plain  # type: ignore[union-attr]
            assert f"⑂ fork @{forks[0].at_turn}" in fork_label
            assert f"⇣ compaction @{compactions[0].at_turn}" in compaction_label

            # step through every turn of the main conversation
            counts = expected.turn_counts(store, MAIN)
            await press(pilot, "home")
            assert app.main.turn_bar.position == f"turn 0 / {counts[-1]}"
            for n in counts:
                await press(pilot, "]")
                assert app.main.turn_bar.position == f"turn {n} / {counts[-1]}"
                assert app.main.history.items == expected.state_at(store, MAIN, n).history

            # fork from turn 2 and see the new branch, selected, under its parent
            before = expected.files(store)
            await press(pilot, "g", "2", "enter")
            await press(pilot, "f")
            assert isinstance(app.screen, ForkDialog)
            await press(pilot, "enter")
            await wait_for(pilot, lambda: app.main.segment_id not in (None, MAIN), "the new branch")
            new_id = app.main.segment_id
            assert new_id is not None
            await opened(pilot, new_id)
            assert expected.files(store) - before == {f"{new_id}.jsonl"}
            node = app.main.ancestry.node_for(new_id)
            assert node is not None and node.parent is app.main.ancestry.node_for(MAIN)
            assert app.main.ancestry.cursor_node is node
            assert "⑂ fork @2" in app.main.ancestry.label_of(new_id).plain  # type: ignore[union-attr]
            forked = collect_state(FsStore(store).read_all(new_id))
            assert forked.history == expected.state_at(store, MAIN, 2).history

            # replay the main conversation at 10x from its start
            main_node = app.main.ancestry.node_for(MAIN)
            assert main_node is not None
            app.main.ancestry.focus()
            app.main.ancestry.move_cursor(main_node)
            await press(pilot, "enter")
            await opened(pilot, MAIN)
            app.main.history.focus()
            await press(pilot, "home", "+", "+", "+")
            assert app.main.speed == 10
            seen: list[str] = []
            show = app.main.turn_bar.show
            monkeypatch.setattr(
                app.main.turn_bar,
                "show",
                lambda info: (show(info), seen.append(app.main.turn_bar.plain)),
            )
            await press(pilot, "p")
            await wait_for(pilot, lambda: not app.main.replaying, "the replay reached the end")
            assert app.main.turn_bar.position == f"turn {counts[-1]} / {counts[-1]}"
            assert any("▶ 10×" in text for text in seen)

            await press(pilot, "q")
            await wait_for(pilot, lambda: not app.is_running, "quit")
        assert app.return_code == 0
    finally:
        shutil.rmtree(store.parent)
