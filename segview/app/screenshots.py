"""Regenerate ``screenshots/*.svg`` from a fresh copy of the demo store.

``python -m segview.app.screenshots [OUTDIR]`` drives the real app (Textual's ``run_test``)
at 140x45 through a few scenes and saves each screen as SVG. The same scenes feed the
snapshot tests, so the pictures in the README are the screens the tests check.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from textual.pilot import Pilot

from segview.samples import DEMO_SEGMENTS, write_demo_store

from .app import SegviewApp

SIZE = (140, 45)
DEMO_NOW = 1_729_000_000_000  # 2024-10-15 13:46:40 UTC, a few days after the demo's sessions
STORE_NAME = "sample_logs"


async def wait_until(
    pilot: Pilot[None], condition: Callable[[], bool], what: str, timeout: float = 20.0
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the app never reached: {what}")
        await pilot.pause(0.02)


async def settle(pilot: Pilot[None]) -> None:
    """Wait until the open segment is shown, the tree complete and every worker done."""
    app = pilot.app
    assert isinstance(app, SegviewApp)
    await wait_until(
        pilot,
        lambda: app.main.segment_id is not None and app.main.loaded_segment == app.main.segment_id,
        "segment loaded",
    )
    await wait_until(
        pilot,
        lambda: (
            app.main.forest is not None and all(r.turns is not None for r in app.main.forest.rows)
        ),
        "tree details",
    )
    await app.workers.wait_for_complete()
    await wait_until(pilot, lambda: app.main.history.settled, "history laid out and scrolled")
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
            raise TimeoutError("the screen never stopped changing")
        previous = current


@dataclass(frozen=True, slots=True)
class Scene:
    """One screen: which segment to open and what to do before the picture."""

    name: str
    segment: str
    keys: tuple[str, ...] = ()
    after: Callable[[Pilot[None]], Awaitable[None]] | None = None

    async def run(self, pilot: Pilot[None]) -> None:
        await settle(pilot)
        if self.keys:
            await pilot.press(*self.keys)
            await pilot.pause()
        if self.after is not None:
            await self.after(pilot)
        await settle(pilot)
        await steady_screen(pilot)


async def _raw_lines_loaded(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, SegviewApp)
    await wait_until(pilot, lambda: bool(app.main.inspector.lines), "raw lines")


async def _steady_cursor(pilot: Pilot[None]) -> None:
    from textual.widgets import Input

    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()


SCENES: tuple[Scene, ...] = (
    Scene("main-view", DEMO_SEGMENTS["main"], ("g", "3", "enter")),
    Scene("fork-dialog", DEMO_SEGMENTS["main"], ("g", "2", "enter", "f")),
    Scene("compacted-segment", DEMO_SEGMENTS["compacted_1"]),
    Scene("search", DEMO_SEGMENTS["main"], ("slash", *"ValueError"), _steady_cursor),
    Scene("raw-inspector", DEMO_SEGMENTS["main"], ("g", "3", "enter", "r"), _raw_lines_loaded),
    Scene("help", DEMO_SEGMENTS["main"], ("question_mark",)),
)


def scene_app(scene: Scene, store: str | Path = STORE_NAME) -> SegviewApp:
    """The app a scene starts from (no store watcher: the pictures must not depend on time)."""
    return SegviewApp(store, select=scene.segment, now=DEMO_NOW, watch=False)


async def save_scenes(outdir: Path, scenes: Sequence[Scene] = SCENES) -> list[Path]:
    """Run every scene on a fresh demo copy and save ``outdir/<name>.svg``."""
    outdir = outdir.resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    here = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="segview-shots-") as tmp:
        write_demo_store(Path(tmp) / STORE_NAME)
        os.chdir(tmp)  # the header shows the store as "sample_logs", as in the README
        try:
            for scene in scenes:
                app = scene_app(scene)
                async with app.run_test(size=SIZE) as pilot:
                    await scene.run(pilot)
                    name = app.save_screenshot(f"{scene.name}.svg", str(outdir))
                    saved.append(Path(name))
        finally:
            os.chdir(here)
    return saved


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m segview.app.screenshots",
        description="Regenerate the app's screenshots (SVG) from a fresh copy of the demo store.",
    )
    parser.add_argument("outdir", nargs="?", default="screenshots", help="default: screenshots")
    ns = parser.parse_args(argv)
    for path in asyncio.run(save_scenes(Path(ns.outdir))):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
