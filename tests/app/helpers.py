"""Constants and helpers for driving the app, and the scenes of the screenshots.

The Pilot tests, the snapshot tests and the screenshot script (``tools/screenshots.py``)
share this module: the pictures in the README are the screens the snapshot tests check.
It imports nothing from outside the repository but segview and Textual.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from segview.app import SegviewApp
from segview.samples import DEMO_SEGMENTS

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_LOGS = ROOT / "sample_logs"
NOW = 1_729_000_000_000  # 2024-10-15 13:46:40 UTC, a few days after the demo's sessions
SIZE = (140, 45)

MAIN = DEMO_SEGMENTS["main"]
FORK_MID = DEMO_SEGMENTS["fork_mid"]
FORK_OF_FORK = DEMO_SEGMENTS["fork_of_fork"]
FORK_TURN0 = DEMO_SEGMENTS["fork_turn0"]
COMPACTED_1 = DEMO_SEGMENTS["compacted_1"]
COMPACTED_2 = DEMO_SEGMENTS["compacted_2"]
LONG = DEMO_SEGMENTS["long"]
TRUNCATED = DEMO_SEGMENTS["truncated"]
INPUT_SEGMENTS = DEMO_SEGMENTS["input_segments"]
SYSTEM_ITEMS = DEMO_SEGMENTS["system_items"]
LEGACY = DEMO_SEGMENTS["legacy"]


async def wait_for(
    pilot: Pilot[None], condition: Callable[[], bool], what: str, timeout: float = 15.0
) -> None:
    """Let the app run until ``condition()`` holds (a generous limit, not a speed test)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"the app never reached: {what}")
        await pilot.pause(0.02)


async def opened(pilot: Pilot[None], segment_id: str) -> SegviewApp:
    """Wait until ``segment_id`` is shown, the tree complete and every worker done."""
    app = pilot.app
    assert isinstance(app, SegviewApp)
    await wait_for(
        pilot,
        lambda: app.main.loaded_segment == segment_id and app.main.segment_id == segment_id,
        f"segment {segment_id} open",
    )
    await wait_for(
        pilot,
        lambda: (
            app.main.forest is not None and all(r.turns is not None for r in app.main.forest.rows)
        ),
        "tree details loaded",
    )
    await app.workers.wait_for_complete()
    await wait_for(pilot, lambda: app.main.history.settled, "history laid out and scrolled")
    await pilot.pause()
    return app


async def press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await pilot.pause()


async def steady_screen(pilot: Pilot[None], timeout: float = 20.0) -> None:
    """Wait until two renders of the screen, a moment apart, are identical.

    Layout can take more than one pass (a scrollbar that appears, then goes once text has
    wrapped to its final width); on a busy machine a fixed pause may catch a pass midway.
    """
    deadline = time.monotonic() + timeout
    previous = pilot.app.export_screenshot()
    while True:
        await pilot.pause(0.05)
        current = pilot.app.export_screenshot()
        if current == previous:
            return
        if time.monotonic() > deadline:
            raise AssertionError("the screen never stopped changing")
        previous = current


def squeeze(text: str) -> str:
    """``text`` without whitespace (drawn text is wrapped at the view's width)."""
    return "".join(text.split())


def drawn(app: SegviewApp, index: int) -> str:
    """The text the history draws item ``index`` with (its unit's lines), whitespace removed."""
    return squeeze("".join(app.main.history.item_lines(index)))


def screen_text(app: SegviewApp) -> str:
    """What the screen shows, row by row (from Textual's own screenshot)."""
    from .svg_screen import screen_cells

    screen = screen_cells(app.export_screenshot())
    rows = sorted({y for y, _col in screen.text})
    return "\n".join(screen.row_text(y) for y in rows)


# --- the scenes of the screenshots and the snapshot tests --------------------------------------


@dataclass(frozen=True, slots=True)
class Scene:
    """One screen: which segment to open, in which theme, and what to do before the picture."""

    name: str
    segment: str
    keys: tuple[str, ...] = ()
    after: Callable[[Pilot[None]], Awaitable[None]] | None = None
    theme: str | None = None  # None: the app's default (segview-dark)
    size: tuple[int, int] = SIZE  # the terminal's columns and rows

    async def run(self, pilot: Pilot[None]) -> None:
        if self.theme is not None:
            pilot.app.theme = self.theme
        await opened(pilot, self.segment)
        if self.keys:
            await press(pilot, *self.keys)
        if self.after is not None:
            await self.after(pilot)
        await opened(pilot, self.segment)
        await steady_screen(pilot)


async def _raw_lines_loaded(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, SegviewApp)
    await wait_for(pilot, lambda: bool(app.main.inspector.lines), "raw lines")


async def _steady_cursor(pilot: Pilot[None]) -> None:
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()


async def _comparison_built(pilot: Pilot[None]) -> None:
    from segview.app.screens.compare import CompareScreen

    app = pilot.app
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, CompareScreen) and app.screen.loaded,
        "the comparison built",
    )


SCENES: tuple[Scene, ...] = (
    Scene("main-view", MAIN, ("g", "3", "enter")),
    # the main view at a turn with a failed tool call (JSON arguments, tool output, an error,
    # the turn bar, the tree) in segview's themes and in built-in ones, light and dark
    *(
        Scene(f"theme-{theme}", MAIN, ("g", "1", "enter"), theme=theme)
        for theme in ("segview-dark", "segview-light", "textual-light", "nord")
    ),
    Scene("fork-dialog", MAIN, ("g", "2", "enter", "f")),
    Scene("compacted-segment", COMPACTED_1),
    Scene("search", MAIN, ("slash", *"ValueError"), _steady_cursor),
    Scene("raw-inspector", MAIN, ("g", "3", "enter", "r"), _raw_lines_loaded),
    Scene("help", MAIN, ("question_mark",)),
    Scene("compare", FORK_MID, ("c",), _comparison_built),
    # the main view in a small, a middling and a large terminal (below 100 columns the tree
    # starts hidden), and a dialog at 80 columns
    Scene("main-view-80x24", MAIN, ("g", "3", "enter"), size=(80, 24)),
    Scene("main-view-120x40", MAIN, ("g", "3", "enter"), size=(120, 40)),
    Scene("main-view-200x60", MAIN, ("g", "3", "enter"), size=(200, 60)),
    Scene("fork-dialog-80x24", MAIN, ("g", "2", "enter", "f"), size=(80, 24)),
)


def scene_app(scene: Scene, store: str | Path = "sample_logs") -> SegviewApp:
    """The app a scene starts from: the store as ``./sample_logs`` (as the header shows it in
    the README), a fixed "now", and no store watcher (the pictures must not depend on time)."""
    return SegviewApp(store, select=scene.segment, now=NOW, watch=False)
