"""The chosen theme is remembered in ``state.json`` (``$SEGVIEW_STATE_DIR``, else
``$XDG_STATE_HOME/segview``, else ``~/.local/state/segview``): chosen in the palette, it is
the theme of the next start; a file that cannot be used is ignored with a one-line warning."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot

from segview.app import SegviewApp
from segview.app.state import STATE_ENV, SavedState, load_state, save_state, state_path

from .helpers import MAIN, SIZE, opened, press, wait_for

AppFactory = Callable[..., SegviewApp]


def messages(app: SegviewApp) -> list[str]:
    return [n.message for n in app._notifications]


async def choose_theme(pilot: Pilot[None], name: str) -> None:
    """The palette's "Theme" command, then ``name`` in the list of themes."""
    app = pilot.app
    await press(pilot, "ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
    await pilot.press(*"Theme")
    await pilot.pause(0.3)
    await press(pilot, "enter")  # the command opens a palette of themes
    await pilot.press(*name)
    await pilot.pause(0.3)
    await press(pilot, "enter")
    await wait_for(pilot, lambda: app.theme == name, f"the theme {name}")


async def test_a_theme_chosen_in_the_palette_is_the_theme_of_the_next_start(
    make_app: AppFactory,
) -> None:
    path = state_path()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        assert app.theme == "segview-dark"
        await choose_theme(pilot, "segview-light")
        await wait_for(pilot, path.exists, "the state written")
        await app.workers.wait_for_complete()
    assert json.loads(path.read_text()) == {"theme": "segview-light"}
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]  # no temporary file left

    again = make_app()
    async with again.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        assert again.theme == "segview-light" and not again.current_theme.dark
        assert messages(again) == []


async def test_nothing_is_written_until_a_theme_is_chosen(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await app.workers.wait_for_complete()
    assert not state_path().exists()


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b'{"theme": "segview-li', "not a JSON state file"),
        (b'["segview-light"]', "not a JSON object"),
        (b'{"theme": 7}', "`theme` is not a name"),
        (b'{"theme": "no-such-theme"}', "no theme 'no-such-theme'"),
        (b"\xff\xfe", "not a JSON state file"),
    ],
)
async def test_a_state_file_that_cannot_be_used_is_ignored_with_a_warning(
    make_app: AppFactory, content: bytes, why: str
) -> None:
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        assert app.theme == "segview-dark"
        [warning] = messages(app)
        assert warning.startswith(f"{path}: {why}") and warning.endswith("ignored")
        assert "\n" not in warning
    assert path.read_bytes() == content  # left as it was until a theme is chosen


async def test_a_read_only_app_does_not_save_the_theme(make_app: AppFactory) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        app.theme = "segview-light"
        await pilot.pause()
        await app.workers.wait_for_complete()
    assert not state_path().exists()


def test_where_the_state_file_is() -> None:
    home = Path.home()
    assert state_path({}) == home / ".local" / "state" / "segview" / "state.json"
    assert state_path({"XDG_STATE_HOME": "/x"}) == Path("/x/segview/state.json")
    both = {"XDG_STATE_HOME": "/x", STATE_ENV: "/y"}
    assert state_path(both) == Path("/y/state.json")
    assert Path(os.environ[STATE_ENV]) / "state.json" == state_path()  # the tests' own


def test_saving_keeps_what_it_does_not_know(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "state.json"
    path.parent.mkdir()
    path.write_text('{"theme": "nord", "later": [1, 2]}')
    saved, warning = load_state(path)
    assert warning is None and saved.theme == "nord"
    save_state(SavedState("segview-light", saved.raw), path)
    assert json.loads(path.read_text()) == {"theme": "segview-light", "later": [1, 2]}
    assert load_state(tmp_path / "missing.json") == (SavedState(), None)


def test_a_state_file_that_cannot_be_written_raises_and_leaves_nothing(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    with pytest.raises(OSError):
        save_state(SavedState("nord"), blocked / "state.json")  # its directory is a file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
