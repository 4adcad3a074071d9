"""``segview export --cast``: an asciicast v2 file of the app's replay, checked line by line,
played through a terminal emulator (pyte) and read back by asciinema itself."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyte

from segview.cli import main
from segview.samples import DEMO_SEGMENTS
from segview.share.cast import END_HOLD, record_cast

FORK_OF_FORK = DEMO_SEGMENTS["fork_of_fork"]
NOW = 1_729_000_000_000


def read_cast(path: Path) -> tuple[dict[str, Any], list[list[Any]]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    events = [json.loads(line) for line in lines[1:]]
    return header, events


def screens(header: dict[str, Any], events: list[list[Any]]) -> list[str]:
    """What a terminal shows after each event."""
    screen = pyte.Screen(header["width"], header["height"])
    stream = pyte.Stream(screen)
    out = []
    for _t, _kind, data in events:
        stream.feed(data)
        out.append("\n".join(screen.display))
    return out


def test_the_cast_is_asciicast_v2_and_replays_the_segment(demo_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "replay.cast"
    assert demo_store == Path.cwd() / "sample_logs"
    assert main(["export", "sample_logs", "01926cb6", "--cast", str(out), "--speed", "10"]) == 0
    header, events = read_cast(out)
    assert set(header) >= {"version", "width", "height", "timestamp", "title"}
    assert header["version"] == 2 and (header["width"], header["height"]) == (100, 30)
    assert isinstance(header["timestamp"], int) and header["timestamp"] == 1728400724
    assert "01926cb" in header["title"] and "Too risky" in header["title"]
    assert len(events) > 10
    times = [e[0] for e in events]
    assert all(isinstance(t, (int, float)) for t in times)
    assert times[0] == 0 and times == sorted(times)
    assert all(kind == "o" and isinstance(data, str) for _t, kind, data in events)
    shown = screens(header, events)
    first, last = shown[0], shown[-1]
    # the first frame: the tree of this lineage and the turn bar at turn 0
    assert "turn 0 / 2" in first and "01926b8" in first and "fork @1" in first
    assert " segview   01926cb6-1232-7884-9f14-cc52b9b80066" in first
    # then the replay's own turn bar, and at the end the last turn
    assert any("▶ 10×" in s for s in shown[1:-2])
    assert "turn 2 / 2" in last and "▶ 10×" not in last  # stopped (▶ alone marks the open segment)
    assert "Added to the README" in last
    # only the segment's lineage is in the recording, not the rest of the store
    assert "0192675" not in first and "01924c5" not in first
    # every frame fits the screen: rows addressed inside it, nothing scrolls
    rows = [int(r) for _t, _k, d in events for r in re.findall(r"\x1b\[(\d+);1H", d)]
    assert rows and max(rows) <= 30


def test_asciinema_reads_the_file(demo_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "replay.cast"
    assert main(["export", str(demo_store), "01927084", "--cast", str(out), "--speed", "50"]) == 0
    _header, events = read_cast(out)
    proc = subprocess.run(
        [sys.executable, "-m", "asciinema", "cat", str(out)],
        capture_output=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode() == "".join(data for _t, _k, data in events)


def test_the_speed_divides_the_logs_pauses(demo_store: Path) -> None:
    slow = record_cast(demo_store, "01926cb6", speed=1, now=NOW)
    fast = record_cast(demo_store, "01926cb6", speed=10, now=NOW)
    slow_end = slow.events[-2][0] - END_HOLD / 2
    fast_end = fast.events[-2][0] - END_HOLD / 2
    assert fast_end < slow_end
    # each pause is at most 2 s at 1x, as the app plays it
    gaps = [b[0] - a[0] for a, b in zip(slow.events, slow.events[1:], strict=False)]
    assert max(gaps) <= 2.0 + 1e-6
    # the same segment at another size
    small = record_cast(demo_store, "01926cb6", size=(80, 24), speed=50, now=NOW)
    assert (small.width, small.height) == (80, 24)
    events = [[t, "o", data] for t, data in small.events]
    assert "turn 2 / 2" in screens(small.header(), events)[-1]
