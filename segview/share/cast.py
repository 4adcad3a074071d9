"""An asciicast v2 recording of the app's replay of a segment, rendered headless.

``record_cast`` opens the app (Textual's ``run_test``: no terminal) at the chosen size on a
temporary store holding copies of the segment and its ancestors (so the tree shows this
conversation's lineage, never the titles of the rest of the store), stands at turn 0 and
steps the app's own replay player entry by entry. After each step it takes the screen as the
terminal would receive it from the app's compositor (ANSI text) and stamps it with the
replay's pacing: the log's own pauses divided by the speed, each at most 2 s, as ``p`` plays
them in the app. The first event draws the whole screen; each later one redraws only the
rows that changed (every row is drawn at an absolute position, so any player shows exactly
the app's screen). The last frame is the segment at its last turn.

The file is asciicast v2: a header line ``{"version": 2, "width", "height", "timestamp",
"title", "env"}``, then one ``[time, "o", data]`` line per frame, times in seconds from the
start, never decreasing. ``asciinema play`` and the asciinema web player play it.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from textual.pilot import Pilot

from segview.browse.shown import Position
from segview.lineage import Lineage, title_of
from segview.store import StoreIOError
from segview.text import one_line

from .lineage_replay import lineage_path

__all__ = [
    "DEFAULT_SIZE",
    "END_HOLD",
    "MAX_SIZE",
    "MIN_SIZE",
    "Cast",
    "parse_size",
    "record_cast",
]

DEFAULT_SIZE = (100, 30)
MIN_SIZE = (60, 15)
MAX_SIZE = (400, 200)
END_HOLD = 1.5  # seconds the last turn stays on screen before the recording ends
SETTLE_TIMEOUT = 30.0  # seconds to wait for the app to lay out a frame (not a speed limit)

_START = "\x1b[?25l\x1b[2J"  # hide the cursor, clear the screen


def parse_size(text: str) -> tuple[int, int]:
    """``100x30`` → ``(100, 30)``; raises ``ValueError`` with a clear message otherwise."""
    parts = text.lower().replace("×", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"size must be COLUMNSxROWS (e.g. 100x30), not {text!r}")
    width, height = (int(p) for p in parts)
    if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
        raise ValueError(
            f"size {width}x{height} is outside {MIN_SIZE[0]}x{MIN_SIZE[1]}.."
            f"{MAX_SIZE[0]}x{MAX_SIZE[1]}"
        )
    return width, height


@dataclass
class Cast:
    """A recording: its header and its ``(seconds, data)`` output events."""

    width: int
    height: int
    timestamp: int
    title: str
    events: list[tuple[float, str]] = field(default_factory=list)

    def header(self) -> dict[str, Any]:
        return {
            "version": 2,
            "width": self.width,
            "height": self.height,
            "timestamp": self.timestamp,
            "title": self.title,
            "env": {"TERM": "xterm-256color", "SHELL": "/bin/sh"},
        }

    def to_text(self) -> str:
        lines = [orjson.dumps(self.header()).decode()]
        for t, data in self.events:
            lines.append(orjson.dumps([round(t, 6), "o", data]).decode())
        return "\n".join(lines) + "\n"


class _Screen:
    """Renders the app's screen as terminal output, row by row, and what changed since."""

    def __init__(self, width: int, height: int) -> None:
        self.console = Console(
            width=width,
            height=height,
            file=io.StringIO(),
            force_terminal=True,
            color_system="truecolor",
            legacy_windows=False,
            safe_box=False,
        )
        self.rows: list[str] = []

    def frame(self, app: Any) -> str:
        """The output that brings the terminal from the last frame to this screen ("" when
        nothing changed)."""
        # the compositor's full update: what Textual's own driver writes to a terminal
        update = app.screen._compositor.render_update(
            full=True, screen_stack=app._background_screens
        )
        rows = ["".join(strip.render(self.console) for strip in line) for line in update.strips]
        first = not self.rows
        out = [_START] if first else []
        for y, row in enumerate(rows):
            if first or y >= len(self.rows) or self.rows[y] != row:
                out.append(f"\x1b[{y + 1};1H{row}\x1b[0m")
        self.rows = rows
        return "".join(out)


def _copy_lineage(store: Path, segment_id: str, dest: Path) -> str:
    """Copy the segment and its ancestors into ``dest``; returns its full id."""
    lineage = Lineage.open(store)
    node = lineage.resolve(segment_id)
    for n in lineage_path(lineage, node.id):
        try:
            shutil.copyfile(n.path, dest / n.path.name)
        except OSError as exc:
            raise StoreIOError(n.path, f"cannot read: {exc.strerror or exc}") from None
    return node.id


async def _settled(pilot: Pilot[None], done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + SETTLE_TIMEOUT
    await pilot.pause()
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the app never reached: {what}")
        await pilot.pause(0.01)


async def _record(
    store: Path,
    segment_id: str,
    label: str,
    size: tuple[int, int],
    speed: int,
    now: int | None,
) -> Cast:
    from segview.app import SegviewApp

    app = SegviewApp(store, select=segment_id, now=now, watch=False, read_only=True)
    app.store_label = label
    async with app.run_test(size=size) as pilot:
        main = app.main

        def opened() -> bool:
            forest = main.forest
            return (
                main.loaded_segment == segment_id
                and forest is not None
                and all(r.turns is not None for r in forest.rows)
                and main.history.settled
            )

        await _settled(pilot, opened, f"segment {segment_id} open")
        await app.workers.wait_for_complete()
        cursor = main.cursor
        assert cursor is not None
        timeline = cursor.timeline
        first_ts = timeline.start.ts if timeline.start is not None else None
        title = title_of(timeline.entries) or "(no user input)"
        pane = main.pane
        main.history.focus()
        pane.show_stop(0, scroll="turn")
        await _settled(pilot, lambda: main.history.settled, "turn 0 shown")
        screen = _Screen(*size)
        cast = Cast(
            width=size[0],
            height=size[1],
            timestamp=first_ts // 1000 if first_ts is not None else int(time.time()),
            title=one_line(f"segview · {main.session.short(segment_id)} · {title}", 120),
        )
        cast.events.append((0.0, screen.frame(app)))
        player = pane.player
        player.speed = speed
        player.time_scale = 1.0
        player.start(cursor)
        t = 0.0
        while not player.finished(cursor):
            t += player.delay(cursor)
            frame = player.step(cursor)
            if frame is None:
                break
            position = Position(frame.state, frame.revealed, frame.current_from, frame.sources)
            pane._show(position, "end")  # what the app's own replay step shows
            await _settled(pilot, lambda: main.history.settled, "a replay frame laid out")
            data = screen.frame(app)
            if data:
                cast.events.append((t, data))
        pane.show_stop(len(cursor.stops) - 1, scroll="none")
        await _settled(pilot, lambda: main.history.settled, "the last turn shown")
        t += END_HOLD / 2
        cast.events.append((t, screen.frame(app)))
        cast.events.append((t + END_HOLD / 2, ""))  # keep the last screen up a moment
    return cast


def record_cast(
    store: str | Path,
    segment_id: str,
    *,
    size: tuple[int, int] = DEFAULT_SIZE,
    speed: int = 1,
    label: str | None = None,
    now: int | None = None,
) -> Cast:
    """Record the app's replay of ``segment_id`` (a full id or a unique prefix) in the store
    at ``store``, at ``size`` (columns, rows) and ``speed``; ``label`` is the store as the
    header shows it, ``now`` fixes the clock of the tree's ages. Raises ``StoreError`` (an
    unreadable store) or ``LookupError`` (no such segment)."""
    root = Path(store)
    with tempfile.TemporaryDirectory(prefix="segview-cast-") as tmp:
        copy = Path(tmp) / (root.name or "store")
        copy.mkdir()
        full_id = _copy_lineage(root, segment_id, copy)
        return asyncio.run(_record(copy, full_id, label or str(store), size, speed, now))
