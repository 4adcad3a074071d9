"""The app as a user meets it, headless: ``python benchmarks/app_probe.py STORE`` starts the
app in this process (Textual's test driver, 160 x 50) and prints JSON figures, each in seconds
from the start of the process:

* ``first_paint``: the first frame with the tree's rows;
* ``rows_filled``: every row drawn with its details (turns, title); with the index warm, at
  first paint (the tree kept from the last time the store was shown);
* ``checked``: the store looked at again (every file), and the tree shown is what it found;
* ``segment_shown``: the chosen segment (the largest) shown at its last turn;
* ``key_latency_max``, ``key_latency_p50``, ``key_latency_p95``: how long a key (down or up
  in the tree, every 50 ms while anything loads, sent as a terminal sends it) took until the
  screen showed the tree's cursor moved (Pilot's own ``press`` waits until the whole process
  is idle, which a loading worker never is: it would time the loading, not the key);
* ``idle_cpu``: the share of one core the process used over 5 s once everything was loaded,
  with the watcher following the store (change notification where the platform has it);
* ``quit``: from ``q`` to the end of the process (measured by ``probe`` from outside), which
  ends as the ``segview`` command does (``segview.cli.end_process``).

``probe(store, cache, warm=...)`` runs it in a subprocess (and once before, for a warm index).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from screen_updates import Screen

T0 = time.perf_counter()  # the start of the figures (moved past the probe's own search)
STARTED = T0  # the start of the process, as ``probe`` times it from outside
LIMIT = float(os.environ.get("SEGVIEW_PROBE_LIMIT", "600"))  # seconds before giving up


class FirstRows:
    """When the first frame with the tree's rows was drawn: checked as each frame is drawn
    (a loop that waits for the app to settle first would count whatever else it did)."""

    def __init__(self, app: Any, screen: Screen) -> None:
        self.at: float | None = None

        def drawn(at: float) -> None:
            if self.at is None and app.is_running and app.main.ancestry.last_line >= 0:
                self.at = at

        screen.watchers.append(drawn)


class CursorMoves:
    """When the tree's cursor moved: a watcher runs as the cursor line is set, so the time is
    exact (a loop polling for the move notices it a few milliseconds late, and would then
    wait for the screen update after the one that showed it)."""

    def __init__(self, tree: Any) -> None:
        self.times: list[float] = []
        tree.watch(tree, "cursor_line", self._moved, init=False)

    def _moved(self) -> None:
        self.times.append(time.perf_counter())


async def key_latency(app: Any, updates: Screen, moves: CursorMoves, key: str) -> float | None:
    """From sending ``key`` to the first screen update (wider than a scroll bar) from the
    moment the tree's cursor moved (None if it did not move within 60 s)."""
    from textual import events

    seen = len(moves.times)
    sent = time.perf_counter()
    event = events.Key(key, None)
    event.set_sender(app)
    app._driver.send_message(event)
    while len(moves.times) == seen:
        if time.perf_counter() - sent > 60:
            return None
        await asyncio.sleep(0.001)
    moved = moves.times[seen]

    def shown() -> float | None:
        return next((t for t, wide in updates.updates[-20:] if t >= moved and wide), None)

    while (at := shown()) is None:
        if time.perf_counter() - moved > 60:
            return None
        await asyncio.sleep(0.001)
    return at - sent


async def measure(store: Path) -> dict[str, float]:
    from segview.app import SegviewApp

    global T0
    searching = time.perf_counter()
    largest = max(store.rglob("*.jsonl"), key=lambda p: p.stat().st_size).name[:-6]
    T0 += time.perf_counter() - searching  # the probe's own search (a stat of every file)
    app = SegviewApp(store, select=largest, now=0, watch=True)
    app.ends_process = True  # as the segview command starts it (see ``main``)
    figures: dict[str, float] = {}
    latencies: list[float] = []
    from screen_updates import Screen  # the screen-update hook (imported after T0)

    # watching from before the app starts: its first frame may have the rows already
    updates = Screen(app)
    first_rows = FirstRows(app, updates)
    async with app.run_test(size=(160, 50)) as pilot:
        main = app.main
        moves: CursorMoves | None = None
        key = "down"

        def complete(forest: Any) -> bool:
            return forest is not None and all(r.turns is not None for r in forest.rows)

        while time.perf_counter() - T0 < LIMIT:
            if "first_paint" not in figures and first_rows.at is not None:
                figures["first_paint"] = first_rows.at - T0
                main.ancestry.focus()
                moves = CursorMoves(main.ancestry)
            if "rows_filled" not in figures and complete(main.ancestry.forest):
                figures["rows_filled"] = time.perf_counter() - T0
            if "checked" not in figures and complete(main.forest):
                figures["checked"] = time.perf_counter() - T0
            if "segment_shown" not in figures and main.loaded_segment == largest:
                figures["segment_shown"] = time.perf_counter() - T0
            if len(figures) == 4:
                break
            if "first_paint" in figures:
                tree = main.ancestry
                if not tree.has_focus:
                    tree.focus()
                    await asyncio.sleep(0.05)
                if tree.cursor_line >= tree.last_line:
                    key = "up"
                elif tree.cursor_line <= 0:
                    key = "down"
                assert moves is not None
                taken = await key_latency(app, updates, moves, key)
                if taken is not None:
                    latencies.append(taken)
            await asyncio.sleep(0.05)
        latencies.sort()
        figures["key_latency_max"] = max(latencies, default=0.0)
        if latencies:
            figures["key_latency_p50"] = latencies[len(latencies) // 2]
            figures["key_latency_p95"] = latencies[
                min(len(latencies) - 1, len(latencies) * 95 // 100)
            ]
        figures["keys"] = len(latencies)
        await asyncio.sleep(1.0)
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.sleep(5.0)
        figures["idle_cpu"] = (time.process_time() - cpu) / (time.perf_counter() - wall)
        figures["_quit_at"] = time.perf_counter() - STARTED
        await pilot.press("q")
    return {k: round(v, 3) for k, v in figures.items()}


def probe(store: Path, cache: Path, *, warm: bool) -> dict[str, float]:
    """Figures of a fresh process (``warm``: after a first run has written the index)."""
    env = dict(os.environ, SEGVIEW_CACHE_DIR=str(cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not warm:
        import shutil

        shutil.rmtree(cache, ignore_errors=True)
    else:
        subprocess.run([sys.executable, __file__, str(store)], env=env, capture_output=True)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, str(store)], env=env, capture_output=True, text=True
    )
    total = time.perf_counter() - start
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    figures["quit"] = round(total - figures.pop("_quit_at"), 3)
    return figures


def main() -> None:
    store = Path(sys.argv[1])
    figures = asyncio.run(measure(store))
    print(json.dumps(figures), flush=True)
    from segview.cli import end_process

    end_process(0)  # as the segview command ends: ``quit`` is timed up to here


if __name__ == "__main__":
    main()
