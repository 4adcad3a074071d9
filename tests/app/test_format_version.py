"""Replay as format version (the command palette), as ``--format-version`` on the command line:
the open segment is read again by the chosen version's rules, every segment opened after it
too, and the info panel (i) says which version is in use and whether it was chosen."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from segview.app import SegviewApp
from segview.app.commands import SegviewCommands

from .helpers import MAIN, TRUNCATED, opened, press, screen_text, wait_for

AppFactory = Callable[..., SegviewApp]


def header(app: SegviewApp) -> str:
    return screen_text(app).splitlines()[0]


def format_row(app: SegviewApp) -> str:
    return next(line for line in screen_text(app).splitlines() if "format  " in line)


async def palette_names(app: SegviewApp) -> list[str]:
    return [hit.text async for hit in SegviewCommands(app.screen).discover() if hit.text]


async def choose_in_palette(pilot: Pilot[None], app: SegviewApp, version: str) -> None:
    """Open the command palette, type, and run the command it offers first."""
    await press(pilot, "ctrl+p")
    await pilot.press(*f"format version {version}")
    name = f"Replay as format version: {version}"
    await wait_for(pilot, lambda: name in screen_text(app), "the command offered")
    await press(pilot, "enter")


async def test_replay_as_format_version_from_the_command_palette(make_app: AppFactory) -> None:
    """The demo's truncated segment ends in an unterminated line: a truncated line (a problem)
    by the reference rules it is read by, a write in progress by the current ones."""
    app = make_app(select=TRUNCATED)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, TRUNCATED)
        await press(pilot, "i")
        assert "problems 1 here" in header(app)
        assert "format  reference version (inferred;" in format_row(app)
        names = await palette_names(app)
        for version in ("auto (in use)", "reference", "current"):
            assert f"Replay as format version: {version}" in names

        await choose_in_palette(pilot, app, "current")
        await wait_for(pilot, lambda: "current version (chosen" in format_row(app), "reread")
        await opened(pilot, TRUNCATED)
        assert "problems 0 here" in header(app)
        assert "Replay as format version: current (in use)" in await palette_names(app)

        # every segment opened from now on follows the choice
        app.main.open_segment(MAIN)
        await opened(pilot, MAIN)
        assert "current version (chosen;" in format_row(app)

        await choose_in_palette(pilot, app, "auto")
        await wait_for(pilot, lambda: "reference version (inferred" in format_row(app), "auto")
        app.main.open_segment(TRUNCATED)
        await opened(pilot, TRUNCATED)
        assert "problems 1 here" in header(app)
