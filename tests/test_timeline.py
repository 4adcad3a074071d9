"""Timeline: turns of a segment and states that equal collect_state over the entry prefix."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from segview.store import FsStore, collect_state
from segview.timeline import Timeline
from tests.conftest import golden_segment_files


def wire(state: object) -> bytes:
    return orjson.dumps(state.to_wire())  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", golden_segment_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_prefix_of_every_golden_segment(path: Path) -> None:
    store = FsStore(path.parent)
    timeline = Timeline.load(store, path.stem)
    entries = store.read_all(path.stem)
    assert timeline.entries == entries
    assert timeline.problems == []
    for n in range(len(entries) + 1):
        assert wire(timeline.state_at_entry(n)) == wire(collect_state(entries[:n]))
    for turn in timeline.turns:
        assert wire(timeline.state_at(turn.turn_count)) == wire(
            collect_state(entries[: turn.end_entry + 1])
        )
    assert wire(timeline.state_at(None)) == wire(collect_state(entries))
