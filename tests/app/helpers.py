"""Constants and helpers for driving the app in Pilot tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from segview.app import SegviewApp
from segview.samples import DEMO_SEGMENTS

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_LOGS = ROOT / "sample_logs"
NOW = 1_729_000_000_000  # 2024-10-15 13:46:40 UTC: a fixed "now" for the tree's ages
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
    """Wait until ``segment_id`` is shown and the store's details are loaded."""
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


def screen_text(app: SegviewApp) -> str:
    """What the screen shows, row by row (from Textual's own screenshot)."""
    from .svg_screen import screen_cells

    screen = screen_cells(app.export_screenshot())
    rows = sorted({y for y, _col in screen.text})
    return "\n".join(screen.row_text(y) for y in rows)
