"""Expected values computed straight from the files with the store core (not the app)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from segview.store import FsStore, RestoredState, TurnEnd, collect_state


def entries(store: Path, segment_id: str) -> list[Any]:
    return list(FsStore(store).read_tolerant(segment_id).entries)


def turn_counts(store: Path, segment_id: str) -> list[int]:
    return [e.turn_count for e in entries(store, segment_id) if isinstance(e, TurnEnd)]


def state_at(store: Path, segment_id: str, turn_count: int) -> RestoredState:
    """``collect_state`` up to and including the first ``turn_end`` with that count."""
    es = entries(store, segment_id)
    for i, e in enumerate(es):
        if isinstance(e, TurnEnd) and e.turn_count == turn_count:
            return collect_state(es[: i + 1])
    raise KeyError(turn_count)


def position(store: Path, segment_id: str, turn_count: int) -> str:
    counts = turn_counts(store, segment_id)
    return f"turn {turn_count} / {counts[-1] if counts else 0}"


def files(store: Path) -> set[str]:
    """Every name in the store directory (hidden temporary files included)."""
    return {p.name for p in store.iterdir()}
