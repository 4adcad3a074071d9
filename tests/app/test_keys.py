"""Pilot tests: every key of the key table, asserting on what the widgets show and on the
files in the store (expected values come from the files through the store core)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from segview.app import SegviewApp
from segview.app.keymap import EXTRA_HELP, KEYS, MAIN_SCOPES
from segview.app.screens.fork_dialog import ForkDialog
from segview.app.screens.goto_turn import GoToTurnScreen
from segview.app.screens.help import HelpScreen, help_table
from segview.app.screens.search import SearchScreen
from segview.browse.pacing import SPEEDS
from segview.store import FsStore, MessageItem, ToolCallItem, ToolResultItem, collect_state
from segview.store import fs_store as fs_store_module

from . import expected
from .helpers import (
    COMPACTED_1,
    FORK_MID,
    MAIN,
    SIZE,
    TRUNCATED,
    drawn,
    opened,
    press,
    squeeze,
    wait_for,
)

AppFactory = Callable[..., SegviewApp]


async def test_opens_at_the_last_turn_with_the_state_of_that_turn(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        last = expected.turn_counts(demo_store, MAIN)[-1]
        assert app.main.turn_bar.position == f"turn {last} / {last}"
        state = expected.state_at(demo_store, MAIN, last)
        assert app.main.history.items == state.history
        last_user = max(
            n
            for n, i in enumerate(state.history)
            if isinstance(i, MessageItem) and i.role == "user"
        )
        # the turn's user input is on screen, drawn with its text
        assert last_user in app.main.history.visible_items()
        assert squeeze(state.history[last_user].text()) in drawn(app, last_user)
        header = app.query_one("#header").plain  # type: ignore[attr-defined]
        assert "sample_logs" in header and MAIN in header
        # every segment of the store is in the tree
        ids = {r.id for r in app.main.forest.rows} if app.main.forest else set()
        assert ids == {p.stem for p in demo_store.glob("*.jsonl")}
        assert all(app.main.ancestry.node_for(i) is not None for i in ids)


async def test_brackets_step_between_turns(make_app: AppFactory, demo_store: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        counts = expected.turn_counts(demo_store, MAIN)
        await press(pilot, "[")
        assert app.main.turn_bar.position == expected.position(demo_store, MAIN, counts[-2])
        assert app.main.history.items == expected.state_at(demo_store, MAIN, counts[-2]).history
        await press(pilot, "[", "[")
        assert app.main.turn_count == counts[-4]
        assert app.main.history.items == expected.state_at(demo_store, MAIN, counts[-4]).history
        await press(pilot, "]")
        assert app.main.turn_count == counts[-3]
        assert app.main.history.items == expected.state_at(demo_store, MAIN, counts[-3]).history
        # the items the current turn added are marked, earlier ones are not
        before = expected.state_at(demo_store, MAIN, counts[-4]).history
        for index in app.main.history.units():
            new = index >= len(before)
            assert ("current" in app.main.history.marks(index)) == new, (index, len(before))
        await press(pilot, "]", "]", "]")  # past the end: stays at the last turn
        assert app.main.turn_bar.position == expected.position(demo_store, MAIN, counts[-1])


async def test_home_and_end_go_to_the_first_and_last_turn_wherever_the_focus_is(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        last = expected.turn_counts(demo_store, MAIN)[-1]
        assert app.focused is app.main.history
        await press(pilot, "home")
        assert app.main.turn_bar.position == f"turn 0 / {last}"
        start = collect_state(expected.entries(demo_store, MAIN)[:1])
        assert app.main.history.items == start.history
        await press(pilot, "end")
        assert app.main.turn_bar.position == f"turn {last} / {last}"
        # from the turn bar too
        app.main.turn_bar.focus()
        await press(pilot, "home")
        assert app.main.turn_count == 0
        await press(pilot, "end")
        assert app.main.turn_count == last
        # from the tree too (the raw inspector keeps them for its own lines)
        app.main.ancestry.focus()
        await press(pilot, "home")
        assert app.main.turn_count == 0 and app.focused is app.main.ancestry
        await press(pilot, "end")
        assert app.main.turn_count == last


async def test_end_during_a_replay_stops_it_at_the_last_turn(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app()
    last = expected.turn_counts(demo_store, MAIN)[-1]
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "home", "p")
        assert app.main.replaying
        app.main.ancestry.focus()
        await press(pilot, "end")
        assert not app.main.replaying and app.main.replay_position is None
        assert app.main.turn_bar.position == f"turn {last} / {last}"
        assert "▶" not in app.main.turn_bar.plain


async def test_g_asks_for_a_turn_and_goes_there(make_app: AppFactory, demo_store: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "g")
        assert isinstance(app.screen, GoToTurnScreen)
        await press(pilot, "4", "2", "enter")  # no such turn: the prompt stays, says so
        assert isinstance(app.screen, GoToTurnScreen)
        assert "no turn 42" in str(app.screen.query_one("#goto-error").content)
        app.screen.query_one("#goto-input").value = ""  # type: ignore[attr-defined]
        await press(pilot, "3", "enter")
        assert not isinstance(app.screen, GoToTurnScreen)
        assert app.main.turn_bar.position == expected.position(demo_store, MAIN, 3)
        assert app.main.history.items == expected.state_at(demo_store, MAIN, 3).history


async def test_f_forks_here_into_exactly_one_new_valid_segment_selected_in_the_tree(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "g", "2", "enter")
        before = expected.files(demo_store)
        source_bytes = (demo_store / f"{MAIN}.jsonl").read_bytes()
        await press(pilot, "f")
        assert isinstance(app.screen, ForkDialog)
        await press(pilot, "enter")
        await wait_for(pilot, lambda: app.main.segment_id not in (None, MAIN), "the fork is opened")
        new_id = app.main.segment_id
        assert new_id is not None
        await opened(pilot, new_id)
        assert expected.files(demo_store) - before == {f"{new_id}.jsonl"}
        assert before <= expected.files(demo_store)
        assert (demo_store / f"{MAIN}.jsonl").read_bytes() == source_bytes
        written = FsStore(demo_store).read_all(new_id)  # strict: the Rust reader accepts it
        assert len(written) == 1
        start = written[0]
        assert start.forked_from is not None  # type: ignore[union-attr]
        assert start.forked_from.segment_id == MAIN  # type: ignore[union-attr]
        assert start.forked_from.at_turn_index == 2  # type: ignore[union-attr]
        replayed = collect_state(written)
        source = expected.state_at(demo_store, MAIN, 2)
        assert replayed.history == source.history
        assert replayed.system_prompt == source.system_prompt
        assert replayed.config == source.config
        # the new branch is in the tree under its parent, with the cursor on it
        node = app.main.ancestry.node_for(new_id)
        assert node is not None and node.parent is app.main.ancestry.node_for(MAIN)
        assert app.main.ancestry.cursor_node is node
        assert app.main.turn_bar.position == "turn 0 / 0"
        assert app.main.history.items == source.history


async def test_f_on_a_store_that_cannot_be_written_shows_the_error_and_writes_nothing(
    make_app: AppFactory, demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.chmod(demo_store, 0o555)
    probe = demo_store / ".probe"
    try:
        probe.write_bytes(b"")
        probe.unlink()
        writable = True  # running as root: permissions do not stop writes
    except OSError:
        writable = False
    if writable:

        def failing_fsync(fd: int) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(fs_store_module.os, "fsync", failing_fsync)
    try:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await opened(pilot, MAIN)
            before = expected.files(demo_store)
            await press(pilot, "f")
            dialog = app.screen
            assert isinstance(dialog, ForkDialog)
            await press(pilot, "enter")
            await wait_for(pilot, lambda: dialog.error is not None, "the fork error shown")
            assert app.screen is dialog
            message = dialog.error_text
            assert ("No space left" in message) if writable else ("ermission" in message)
            assert "Nothing was written" in str(dialog.query_one("#fork-error").content)
            assert expected.files(demo_store) == before
            await press(pilot, "escape")
            assert not isinstance(app.screen, ForkDialog)
            assert app.main.segment_id == MAIN
    finally:
        os.chmod(demo_store, 0o755)


async def test_p_plays_and_pauses_and_stepping_stops_the_replay(make_app: AppFactory) -> None:
    app = make_app(replay_time_scale=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "home")
        await press(pilot, "p")
        assert app.main.replaying
        assert "▶" in app.main.turn_bar.plain
        await press(pilot, "p")
        assert not app.main.replaying
        assert app.main.replay_position is not None  # paused where it was
        assert "paused" in app.main.turn_bar.plain
        await press(pilot, "]")
        assert not app.main.replaying and app.main.replay_position is None
        assert app.main.turn_count == 1


async def test_p_at_the_last_turn_replays_from_the_start(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app(replay_time_scale=0.001)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        last = expected.turn_counts(demo_store, MAIN)[-1]
        seen: list[int] = []
        show = app.main.turn_bar.show
        app.main.turn_bar.show = lambda info: (show(info), seen.append(info.turn_count))  # type: ignore[method-assign]
        await press(pilot, "p")
        await wait_for(pilot, lambda: not app.main.replaying, "the replay finished")
        assert seen[0] == 0 and seen[-1] == last
        assert sorted(set(seen)) == [0, *expected.turn_counts(demo_store, MAIN)]


async def test_plus_and_minus_change_the_replay_speed(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        assert app.main.speed == SPEEDS[0] == 1
        seen = [app.main.speed]
        for _ in range(len(SPEEDS)):
            await press(pilot, "+")
            seen.append(app.main.speed)
        assert seen == [1, 2, 5, 10, 50, 50]
        assert "replay 50×" in app.main.turn_bar.plain
        await press(pilot, "-", "-")
        assert app.main.speed == 5
        await press(pilot, "-", "-", "-")
        assert app.main.speed == 1


async def test_p_at_10x_replays_entry_by_entry_through_every_turn_to_the_last(
    make_app: AppFactory, demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(replay_time_scale=0.001)
    positions: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        show = app.main.turn_bar.show

        def spy(info):  # type: ignore[no-untyped-def]
            show(info)
            positions.append(app.main.turn_bar.position)

        monkeypatch.setattr(app.main.turn_bar, "show", spy)
        await press(pilot, "home", "+", "+", "+")
        assert app.main.speed == 10
        await press(pilot, "p")
        await wait_for(pilot, lambda: not app.main.replaying, "the replay finished")
        counts = expected.turn_counts(demo_store, MAIN)
        assert app.main.turn_bar.position == f"turn {counts[-1]} / {counts[-1]}"
        seen = list(dict.fromkeys(positions))
        assert seen == [f"turn {n} / {counts[-1]}" for n in [0, *counts]]
        assert app.main.history.items == expected.state_at(demo_store, MAIN, counts[-1]).history


async def test_search_highlights_matches_and_n_N_move_between_them(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app()
    query = "ValueError"
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        history = expected.state_at(demo_store, MAIN, 10).history
        # tool results are shown inside their calls: count the shown units that match
        call_at = {i.call_id: n for n, i in enumerate(history) if isinstance(i, ToolCallItem)}
        units = set()
        for n, item in enumerate(history):
            text = item.model_dump_json()
            if query.lower() not in text.lower():
                continue
            if isinstance(item, ToolResultItem) and call_at.get(item.call_id, n) < n:
                n = call_at[item.call_id]
            units.add(n)
        await press(pilot, "/")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*query)
        await press(pilot, "enter")
        assert not isinstance(app.screen, SearchScreen)
        hl = app.main.history.highlight
        assert set(hl.matches) == units and len(units) > 2
        k = len(units)
        first = hl.current
        status = app.query_one("#search-status").content
        assert f"match {first + 1} / {k}" in str(status)
        await press(pilot, "n")
        assert app.main.history.highlight.current == (first + 1) % k
        assert f"match {(first + 1) % k + 1} / {k}" in app.main.search_status
        await press(pilot, "N", "N")
        assert app.main.history.highlight.current == (first - 1) % k
        history = app.main.history
        current_index = history.highlight.matches[history.highlight.current]
        assert "search-current" in history.marks(current_index)
        assert query.lower() in history.search_text(current_index).lower()
        others = set(hl.matches) - {current_index}
        assert all("search-hit" in history.marks(i) for i in others)
        # scrolled to it: the match is at the top of the history, drawn with the query in it
        await wait_for(
            pilot, lambda: history.visible_items()[:1] == [current_index], "match scrolled to top"
        )
        assert query.lower() in drawn(app, current_index).lower()
        # escape in the search line clears the search
        await press(pilot, "/", "escape")
        assert app.main.history.highlight.matches == ()
        assert not app.query_one("#search-status").display


async def test_r_shows_the_raw_lines_of_the_current_turn(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "g", "3", "enter")
        await press(pilot, "r")
        inspector = app.main.inspector
        assert inspector.display
        await wait_for(pilot, lambda: bool(inspector.lines), "raw lines read")
        file_lines = (demo_store / f"{MAIN}.jsonl").read_bytes().split(b"\n")
        assert inspector.lines == [file_lines[n - 1] for n in inspector.line_numbers]
        turn_ends = [line for line in inspector.lines if b'"kind":"turn_end"' in line]
        assert turn_ends == [next(x for x in file_lines if b'"turn_count":3}' in x)]
        assert inspector.line_numbers == sorted(inspector.line_numbers)
        # stepping updates it
        await press(pilot, "]")
        await wait_for(pilot, lambda: b'"turn_count":4}' in b"".join(inspector.lines), "turn 4")
        await press(pilot, "r")
        assert not inspector.display


async def test_o_opens_the_parent_at_the_fork_point(make_app: AppFactory, demo_store: Path) -> None:
    app = make_app(select=FORK_MID)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, FORK_MID)
        start = FsStore(demo_store).read_all(FORK_MID)[0]
        origin = start.forked_from  # type: ignore[union-attr]
        assert origin is not None and origin.segment_id == MAIN
        await press(pilot, "o")
        await opened(pilot, MAIN)
        assert app.main.turn_bar.position == expected.position(
            demo_store, MAIN, origin.at_turn_index
        )
        assert app.main.ancestry.cursor_node is app.main.ancestry.node_for(MAIN)


async def test_o_on_a_compaction_opens_the_summarised_turn(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app(select=COMPACTED_1)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, COMPACTED_1)
        origin = FsStore(demo_store).read_all(COMPACTED_1)[0].compacted_from  # type: ignore[union-attr]
        assert origin is not None
        await press(pilot, "o")
        await opened(pilot, origin.segment_id)
        assert app.main.turn_count == origin.at_turn_index


async def test_e_exports_the_current_state_as_markdown_in_the_current_directory(
    make_app: AppFactory, demo_store: Path, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "g", "2", "enter")
        store_before = expected.files(demo_store)
        await press(pilot, "e", "m")
        await wait_for(pilot, lambda: app.main.last_export is not None, "the export written")
        path = app.main.last_export
        assert path is not None and path.parent.resolve() == tmp_path.resolve()
        assert expected.files(demo_store) == store_before
        text = path.read_text()
        assert text.startswith(f"# Segment {MAIN} at turn 2 / 10")
        state = expected.state_at(demo_store, MAIN, 2)
        for item in state.history:
            if isinstance(item, MessageItem) and item.role == "user":
                assert item.text() in text
        assert "## System prompt" in text
        # a second export never overwrites the first
        first = path
        app.main.pane.last_export = None
        await press(pilot, "e", "m")
        await wait_for(pilot, lambda: app.main.last_export is not None, "the second export")
        assert app.main.last_export != first and first.read_text() == text


async def test_e_never_writes_into_the_store(
    make_app: AppFactory, demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(demo_store)
    other = tmp_path / "tmpdir"
    other.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(other))
    app = SegviewApp(demo_store, select=MAIN, now=0, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        before = expected.files(demo_store)
        await press(pilot, "e", "m")
        await wait_for(pilot, lambda: app.main.last_export is not None, "the export written")
        # in a private directory of its own in the temporary directory
        exported = app.main.last_export
        assert exported is not None and exported.parent.parent == other
        assert exported.parent.stat().st_mode & 0o777 == 0o700
        assert exported.stat().st_mode & 0o777 == 0o600
        assert expected.files(demo_store) == before


async def test_question_mark_shows_every_binding(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "?")
        assert isinstance(app.screen, HelpScreen)
        table = help_table()
        keys_column = list(table.columns[0].cells)
        help_column = [str(c) for c in table.columns[1].cells]
        for spec in KEYS:
            assert spec.display in keys_column
            assert spec.help in help_column
        for keys, text in EXTRA_HELP:
            assert keys in keys_column and text in help_column
        # every binding the app really has is documented
        bound = {k for b in app.main.BINDINGS for k in b.key.split(",")}  # type: ignore[union-attr]
        bound |= {k for b in app.main.history.BINDINGS for k in b.key.split(",")}  # type: ignore[union-attr]
        documented = {k for spec in KEYS for k in spec.keys.split(",")}
        assert bound <= documented
        await press(pilot, "escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_the_help_screen_shows_every_key_and_what_it_does_at_80_columns(
    make_app: AppFactory,
) -> None:
    """What the help screen draws in an 80x24 terminal (all of it, as it scrolls) holds every
    key of the key map with its description, and the legend of the tree's rows."""
    from textual.geometry import Region
    from textual.widgets import Static

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "?")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-table", Static)
        assert table.size.width < 80
        drawn_lines = table.render_lines(Region(0, 0, table.size.width, table.size.height))
        shown = squeeze("".join(strip.text for strip in drawn_lines))
        for spec in KEYS:
            assert squeeze(spec.display) in shown, spec.display
            assert squeeze(spec.help) in shown, spec.help
        for keys, text in EXTRA_HELP:
            assert squeeze(keys) in shown and squeeze(text) in shown, keys
        assert "10t·2y" in shown and "?t" in shown


async def test_q_quits(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "q")
        await wait_for(pilot, lambda: not app.is_running, "the app exited")
    assert app.return_code == 0


async def test_every_keyed_action_is_in_the_command_palette(make_app: AppFactory) -> None:
    from segview.app.commands import SegviewCommands

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        provider = SegviewCommands(app.screen)
        names = [hit.text async for hit in provider.discover()]
        for spec in KEYS:
            shown = f"{spec.title} ({spec.display})" in names
            assert shown == (spec.scope in MAIN_SCOPES), spec  # compare keys: on its screen
        # run one through the real palette
        await press(pilot, "ctrl+p")
        await pilot.press(*"Previous turn")
        await pilot.pause(0.3)
        await press(pilot, "enter")
        await wait_for(pilot, lambda: app.main.turn_count == 9, "the palette's command ran")


async def test_selecting_a_tree_node_opens_that_segment_at_its_last_turn(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        node = app.main.ancestry.node_for(FORK_MID)
        assert node is not None
        await press(pilot, "t")
        assert app.focused is app.main.ancestry
        app.main.ancestry.move_cursor(node)
        await press(pilot, "enter")
        await opened(pilot, FORK_MID)
        last = expected.turn_counts(demo_store, FORK_MID)[-1]
        assert app.main.turn_bar.position == f"turn {last} / {last}"


async def test_a_damaged_segment_opens_with_its_problems_listed(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app(select=TRUNCATED)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, TRUNCATED)
        problems = FsStore(demo_store).read_tolerant(TRUNCATED).problems
        assert problems
        panel = app.query_one("#problems")
        assert panel.display
        for p in problems:
            assert f"line {p.line}" in panel.plain  # type: ignore[attr-defined]
        assert f"{len(problems)} here" in app.query_one("#header").plain  # type: ignore[attr-defined]
        row = app.main.forest.row(TRUNCATED) if app.main.forest else None
        assert row is not None and row.problems == len(problems)
        # its good entries are all there
        good = expected.entries(demo_store, TRUNCATED)
        assert app.main.cursor.state is not None
        assert app.main.history.items == collect_state(good).history[: len(app.main.history.items)]


async def test_keys_do_not_act_under_a_dialog(make_app: AppFactory, demo_store: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        position = app.main.turn_bar.position
        await press(pilot, "f")
        assert isinstance(app.screen, ForkDialog)
        await press(pilot, "[", "f", "p", "g")
        assert app.main.turn_bar.position == position and not app.main.replaying
        assert sum(isinstance(s, ForkDialog) for s in app.screen_stack) == 1
        assert not any(isinstance(s, GoToTurnScreen) for s in app.screen_stack)
        await press(pilot, "escape")
        assert not isinstance(app.screen, ForkDialog)
        await press(pilot, "[")
        assert app.main.turn_bar.position != position


async def test_a_store_in_the_session_layout_groups_segments_by_session(
    tmp_path: Path,
) -> None:
    import shutil

    from .helpers import SAMPLE_LOGS

    session = "0193aaaa-0000-7000-8000-000000000001"
    store = tmp_path / "sessions"
    (store / session).mkdir(parents=True)
    for seg in (MAIN, FORK_MID):
        shutil.copy(SAMPLE_LOGS / f"{seg}.jsonl", store / session / f"{seg}.jsonl")
    app = SegviewApp(store, select=FORK_MID, now=0, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, FORK_MID)
        main_node = app.main.ancestry.node_for(MAIN)
        fork_node = app.main.ancestry.node_for(FORK_MID)
        assert main_node is not None and fork_node is not None
        assert fork_node.parent is main_node
        assert main_node.parent is not None and main_node.parent.data is None  # the session
        assert session[:13] in main_node.parent.label.plain
        await press(pilot, "o")
        await opened(pilot, MAIN)
        assert app.main.turn_count == 4
