"""The look comes from the theme: segview's own themes are registered, ``segview-dark`` is the
default, and what the app draws in Rich text (the tree's marks, the header, the turn bar, the
raw lines, the comparison, the dialogs' errors) takes the colours of whichever theme is chosen,
at once. Checked on what the screen shows (Textual's own screenshot)."""

from __future__ import annotations

import re
from collections.abc import Callable

from pygments.styles import get_style_by_name
from pygments.token import Token
from textual.color import Color

from segview.app import SegviewApp
from segview.app.screens.compare import CompareScreen
from segview.app.screens.goto_turn import GoToTurnScreen
from segview.app.themes import DEFAULT_THEME, THEMES

from .helpers import FORK_MID, MAIN, SIZE, opened, press, wait_for
from .svg_screen import screen_cells

AppFactory = Callable[..., SegviewApp]
THEMES_TRIED = ("segview-light", "nord", "textual-light", "segview-dark")
_FILL = re.compile(r"fill: (#[0-9a-fA-F]{6})")


def colours(app: SegviewApp, needle: str) -> tuple[str | None, str | None]:
    """The text colour and the background of the first character of ``needle`` on screen."""
    screen = screen_cells(app.export_screenshot())
    for y in sorted({y for y, _col in screen.text}):
        col = screen.row_text(y).find(needle)
        if col >= 0:
            fill = _FILL.search(screen.text[(y, col)][1])
            # a cell's background is drawn from the top of its row, its text from the baseline
            top = max(row for row, _col in screen.background if row <= y)
            background = screen.background.get((top, col))
            return (fill.group(1).lower() if fill else None), background and background.lower()
    raise AssertionError(f"{needle!r} is not on the screen")


def variable(app: SegviewApp, name: str) -> str:
    """A theme variable of the current theme, as the screenshot writes colours."""
    return Color.parse(app.get_css_variables()[name]).hex.lower()


async def test_segview_dark_is_the_default_and_both_themes_are_registered(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        assert DEFAULT_THEME == "segview-dark"
        assert app.theme == "segview-dark" and app.current_theme.dark
        assert {t.name for t in THEMES} == {"segview-dark", "segview-light"}
        assert {"segview-dark", "segview-light"} <= set(app.available_themes)
        assert not app.get_theme("segview-light").dark  # type: ignore[union-attr]


async def test_the_main_view_takes_the_colours_of_each_theme(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "g", "1", "enter")  # a turn with a failed tool call
        await opened(pilot, MAIN)
        for theme in THEMES_TRIED:
            app.theme = theme
            await pilot.pause()
            error, primary = variable(app, "text-error"), variable(app, "text-primary")
            expected = {
                "1 in store": error,  # the header: problems in the store
                "✗ 1 failed": error,  # the turn bar
                "fork @4": primary,  # the tree's marks
                "compaction @10": variable(app, "text-secondary"),
                "✖ 1": error,
            }
            await wait_for(
                pilot,
                lambda expected=expected: {k: colours(app, k)[0] for k in expected} == expected,
                f"the header, the turn bar and the tree in {theme}'s colours",
            )


async def test_raw_lines_and_dialog_errors_follow_the_theme(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "r")
        await wait_for(pilot, lambda: bool(app.main.inspector.lines), "raw lines")
        for theme in ("segview-light", "segview-dark"):
            app.theme = theme
            await pilot.pause()
            await wait_for(
                pilot,
                lambda: colours(app, '"kind"')[0] == variable(app, "text-primary"),
                f"the raw lines' JSON keys in {theme}'s primary colour",
            )
        await press(pilot, "g")
        await wait_for(pilot, lambda: isinstance(app.screen, GoToTurnScreen), "go to turn")
        await press(pilot, "9", "9", "enter")
        for theme in ("segview-light", "segview-dark"):
            app.theme = theme
            await pilot.pause()
            await wait_for(
                pilot,
                lambda: colours(app, "no turn 99")[0] == variable(app, "text-error"),
                f"the dialog's error in {theme}'s error colour",
            )


async def test_the_comparison_follows_the_theme(make_app: AppFactory) -> None:
    app = make_app(select=FORK_MID)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, FORK_MID)
        await press(pilot, "c")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, CompareScreen) and app.screen.loaded,
            "the comparison built",
        )
        for theme in ("segview-light", "nord", "segview-dark"):
            app.theme = theme
            await pilot.pause()
            await wait_for(
                pilot,
                lambda: colours(app, "◆ diverges here")[1] == variable(app, "warning"),
                f"the divergence's badge on {theme}'s warning colour",
            )


async def test_markdown_in_replies_takes_the_colours_of_the_theme(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)  # at its last turn: a reply in Markdown, with inline code
        for theme in ("segview-light", "textual-light", "segview-dark"):
            app.theme = theme
            await pilot.pause()
            await wait_for(
                pilot,
                lambda: (
                    colours(app, "ValueError")
                    == (
                        variable(app, "text-accent"),
                        variable(app, "background"),  # no background of Rich's own
                    )
                ),
                f"inline code in {theme}'s accent colour",
            )


async def test_json_arguments_are_highlighted_for_the_themes_darkness(
    make_app: AppFactory,
) -> None:
    def key_colour(style: str) -> str:
        return "#" + str(get_style_by_name(style).style_for_token(Token.Name.Tag)["color"])

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "g", "1", "enter")  # a tool call with JSON arguments
        await opened(pilot, MAIN)
        for theme, style in (
            ("segview-light", "friendly"),
            ("nord", "monokai"),
            ("textual-light", "friendly"),
            ("segview-dark", "monokai"),
        ):
            app.theme = theme
            await pilot.pause()
            await wait_for(
                pilot,
                lambda style=style: colours(app, '"paths"')[0] == key_colour(style),
                f"JSON keys in {style}'s colour under {theme}",
            )
