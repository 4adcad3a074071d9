"""The app on the runtime's layouts: a data directory shows its sessions and its worker
aggregates together; a segment file of a worker opens that segment; forks go beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from segview.app import SegviewApp
from segview.app import app as app_module
from segview.app.screens.fork_dialog import ForkDialog
from segview.cli.app_cmd import resolve_target
from segview.store import FsStore, SegmentStart
from tests.layouts import WORKER_ID, session_json, sid, write_segment

from .helpers import SIZE, opened, press, wait_for

S1, S2, S3 = sid(901), sid(902), sid(903)


@pytest.fixture
def data_dir(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    data = tmp_path / "data"
    files = {
        sid(1): write_segment(data / "sessions" / S1, sid(1), S1, ts=1000, turns=2, text="one"),
        sid(2): write_segment(data / "sessions" / S2, sid(2), S2, ts=2000, turns=3, text="two"),
    }
    segments = data / "runtime" / "workers" / WORKER_ID / "session" / "segments"
    files[sid(3)] = write_segment(segments, sid(3), S3, ts=3000, turns=4, text="three")
    (segments.parent / "session.json").write_bytes(session_json(S3))
    (segments.parent.parent / "metadata.json").write_text("{}\n")
    return data, files


async def test_a_data_directory_shows_sessions_and_workers(
    data_dir: tuple[Path, dict[str, Path]],
) -> None:
    data, files = data_dir
    target = resolve_target(str(data), False)
    app = SegviewApp(target.store, select=target.select, now=0, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, sid(3))  # the newest root opens first
        assert app.main.forest is not None and app.main.forest.layout == "sessions"
        assert {r.id: r.session_id for r in app.main.forest.rows} == {
            sid(1): S1,
            sid(2): S2,
            sid(3): S3,
        }
        assert app.main.forest.problems == 0 and app.main.forest.skipped == 0
        for segment_id in files:
            assert app.main.ancestry.node_for(segment_id) is not None
        assert app.main.turn_bar.position == "turn 4 / 4"


async def test_a_worker_segment_file_opens_it_and_forks_beside_it(
    data_dir: tuple[Path, dict[str, Path]],
) -> None:
    _data, files = data_dir
    target = resolve_target(str(files[sid(3)]), False)
    assert (target.store, target.select) == (files[sid(3)].parent, sid(3))
    app = SegviewApp(target.store, select=target.select, now=0, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, sid(3))
        await press(pilot, "g", "2", "enter")
        assert app.main.turn_count == 2
        await press(pilot, "f")
        assert isinstance(app.screen, ForkDialog)
        await press(pilot, "enter")
        await wait_for(pilot, lambda: app.main.segment_id not in (None, sid(3)), "the fork opened")
        new_id = app.main.segment_id
        assert new_id is not None
        segments = files[sid(3)].parent
        (start,) = FsStore(segments).read_all(new_id)
        assert isinstance(start, SegmentStart) and start.forked_from is not None
        assert start.forked_from.segment_id == sid(3)
        assert sorted(p.name for p in segments.iterdir()) == sorted(
            [f"{sid(3)}.jsonl", f"{new_id}.jsonl"]
        )


class RecordingApp(SegviewApp):
    """The app, keeping the text of every notification it shows."""

    CSS_PATH = str(Path(app_module.__file__).parent / "segview.tcss")
    notes: list[str]

    def notify(self, message: str, **kwargs: Any) -> None:  # type: ignore[override]
        self.notes = [*getattr(self, "notes", []), str(message)]
        super().notify(message, **kwargs)


async def test_an_ambiguous_selection_names_the_candidates(
    data_dir: tuple[Path, dict[str, Path]],
) -> None:
    data, _files = data_dir
    app = RecordingApp(data, select="0190e000", now=0, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, sid(3))  # the first row, as with no selection
        expected = f"ambiguous segment prefix '0190e000': 3 candidates: {sid(3)}, {sid(2)}"
        assert any(note.startswith(expected) for note in app.notes)


async def test_a_fifo_named_like_a_segment_does_not_block_the_app(tmp_path: Path) -> None:
    import os

    write_segment(tmp_path / S1, sid(1), S1, ts=1000, turns=2, text="fine")
    os.mkfifo(tmp_path / S1 / f"{sid(2)}.jsonl")  # a reader opening it would wait forever
    os.symlink(tmp_path / S1 / f"{sid(2)}.jsonl", tmp_path / S1 / f"{sid(3)}.jsonl")
    app = SegviewApp(tmp_path, select=sid(2), now=0, watch=True, poll_interval=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, sid(1))
        forest = app.main.forest
        assert forest is not None and [r.id for r in forest.rows] == [sid(1)]
        assert forest.skipped == 2 and forest.problems == 2
        app.main.check_store()  # the watcher's refresh does not open it either
        assert app.main.turn_bar.position == "turn 2 / 2"
