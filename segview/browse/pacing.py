"""Replay pacing: how long to wait before revealing each entry (no Textual here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SPEEDS: tuple[int, ...] = (1, 2, 5, 10, 50)
MAX_DELAY = 2.0  # seconds: long idle gaps are cut to this


def entry_ts(entry: Any) -> int | None:
    ts = getattr(entry, "ts", None)
    return ts if isinstance(ts, int) else None


def replay_delay(entries: Sequence[Any], index: int, speed: int) -> float:
    """Seconds to wait before revealing ``entries[index]`` at ``speed``x.

    The gap between its ``ts`` and the previous entry's, divided by the speed, at most
    ``MAX_DELAY``; 0 when either timestamp is missing or time went backwards.
    """
    if index <= 0 or index >= len(entries):
        return 0.0
    a, b = entry_ts(entries[index - 1]), entry_ts(entries[index])
    if a is None or b is None or b <= a:
        return 0.0
    return min((b - a) / 1000 / speed, MAX_DELAY)


def faster(speed: int) -> int:
    for s in SPEEDS:
        if s > speed:
            return s
    return SPEEDS[-1]


def slower(speed: int) -> int:
    for s in reversed(SPEEDS):
        if s < speed:
            return s
    return SPEEDS[0]
