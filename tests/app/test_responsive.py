"""The app keeps up with the keyboard and lets go at once: keys typed while a dialog opens
reach the dialog, and q ends the app at once whatever is loading (every worker stops)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from segview.app import SegviewApp
from segview.app.screens.goto_turn import GoToTurnScreen

from . import expected
from .helpers import LONG, MAIN, SIZE, opened, wait_for

AppFactory = Callable[..., SegviewApp]


def burst(pilot: Pilot[None], *keys: str) -> None:
    """Keys as a terminal delivers a fast typist's (or a paste's) in one read: all queued at
    once, none waiting for the app to handle the one before."""
    app = pilot.app
    assert app._driver is not None
    for key in keys:
        char = {"enter": "\r", "escape": "\x1b"}.get(key, key if len(key) == 1 else None)
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_digits_typed_right_after_g_reach_the_dialog(
    make_app: AppFactory, demo_store: Path
) -> None:
    app = make_app(select=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, LONG)
        burst(pilot, "g", "1", "2", "enter")
        await wait_for(pilot, lambda: app.main.turn_count == 12, "turn 12")
        assert not isinstance(app.screen, GoToTurnScreen)
        assert app.main.history.items == expected.state_at(demo_store, LONG, 12).history
        # then a burst that leaves the dialog open with what was typed in it
        burst(pilot, "g", "7")
        await wait_for(pilot, lambda: isinstance(app.screen, GoToTurnScreen), "the dialog")
        await wait_for(
            pilot,
            lambda: [i.value for i in app.screen.query(Input)] == ["7"],
            "7 in the dialog",
        )
        burst(pilot, "escape", "right_square_bracket")  # escape closes it; ] steps again
        await wait_for(pilot, lambda: app.main.turn_count == 13, "turn 13")


async def test_a_burst_of_steps_lands_where_it_should(make_app: AppFactory) -> None:
    app = make_app(select=MAIN)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        burst(pilot, "home", *["right_square_bracket"] * 4, "left_square_bracket")
        await wait_for(pilot, lambda: app.main.turn_count == 3, "turn 3")
        burst(pilot, "g", "6", "enter", "left_square_bracket", "slash", *"Value", "enter", "n")
        await wait_for(
            pilot,
            lambda: app.screen is app.main and app.main.pane.search_query == "Value",
            "searched",
        )
        assert app.main.turn_count == 5
        history = app.main.history
        hl = history.highlight
        assert hl.query == "Value" and len(hl.matches) > 1
        first = next(
            (k for k, i in enumerate(hl.matches) if i >= history.current_from),
            len(hl.matches) - 1,
        )
        await wait_for(
            pilot, lambda: history.highlight.current == (first + 1) % len(hl.matches), "n"
        )
