"""The app's screen updates, timed as they are drawn (``Screen``): what the app benchmarks
time a key or a first frame to. Light on purpose: ``app_probe.py`` installs it before the
app starts, and anything it imported would count in the app's first paint."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

QUIET = 0.15  # seconds without a screen update that end a measurement


@dataclass(frozen=True)
class Timing:
    """From a key to the first screen update drawing more than a scroll bar (``drawn``),
    and to the last update it caused (``settled``: Textual repaints a scroll bar a frame or
    two later)."""

    drawn: float
    settled: float


class Screen:
    """Times of the app's screen updates (``App._display`` is called once per update)."""

    def __init__(self, app: Any) -> None:
        self.updates: list[tuple[float, bool]] = []  # (time, wider than a scroll bar)
        self.watchers: list[Callable[[float], None]] = []  # called with each update's time
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is not None:
                spans = getattr(renderable, "spans", None)
                wide = not spans or any(x2 - x1 > 2 for _y, x1, x2 in spans)
                at = time.perf_counter()
                self.updates.append((at, wide))
                for watcher in self.watchers:
                    watcher(at)

        app._display = display

    async def quiet(self, since: float, timeout: float = 120.0) -> Timing:
        """Wait until no update for ``QUIET`` seconds; the updates since ``since``."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            after = [(t, wide) for t, wide in self.updates if t > since]
            if after and now - after[-1][0] >= QUIET:
                first = next((t for t, wide in after if wide), after[-1][0])
                return Timing(first - since, after[-1][0] - since)
            if not after and now - since >= 2.0:
                return Timing(0.0, 0.0)  # nothing to draw
        raise TimeoutError("the screen never settled")
