"""Labels and notes in the sidecar: append-only, safe with two writers, ignored by scanners."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
from pathlib import Path

import orjson
import pytest

from segview.lineage import Lineage
from segview.notes import (
    SIDECAR_DIR,
    NotesBook,
    NotesError,
    add_note,
    notes_path,
    read_notes,
    read_store_notes,
    set_label,
)
from segview.store import FsStore

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_LOGS = ROOT / "sample_logs"
MAIN = "01926b80-f80e-7fda-abe5-925c8c52fefc"
FORK_MID = "01926c67-1da6-7491-a960-761f5a544665"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    dest = tmp_path / "sample_logs"
    shutil.copytree(SAMPLE_LOGS, dest)
    return dest


def digests(store: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in store.glob("*.jsonl")}


def test_label_and_notes_round_trip(demo: Path) -> None:
    before = digests(demo)
    set_label(demo, FORK_MID, "  timedelta:\n rejected  ")
    first = add_note(demo, FORK_MID, "the tests pass here", turn=1, ts=5)
    add_note(demo, FORK_MID, "look at this call", turn=1, item=52)
    add_note(demo, FORK_MID, "worth keeping?")
    notes = read_notes(demo, FORK_MID)
    assert notes.label == "timedelta: rejected"  # folded onto one line
    assert [n.target for n in notes.notes] == ["turn 1", "turn 1, item 52", "segment"]
    assert notes.notes[0] == first and first.ts == 5
    assert [n.text for n in notes.on_turn(1)] == ["the tests pass here"]
    assert [n.text for n in notes.on_item(52)] == ["look at this call"]
    assert [n.text for n in notes.segment_notes] == ["worth keeping?"]
    assert notes.problems == []
    # the sidecar is where the format says, and the logs are untouched
    path = notes_path(demo, FORK_MID)
    assert path == demo / ".segview" / f"{FORK_MID}.notes.jsonl"
    assert len(path.read_bytes().splitlines()) == 4
    assert digests(demo) == before


def test_the_last_label_wins_and_an_empty_one_removes_it(demo: Path) -> None:
    set_label(demo, MAIN, "one")
    set_label(demo, MAIN, "two")
    assert read_notes(demo, MAIN).label == "two"
    set_label(demo, MAIN, "")
    notes = read_notes(demo, MAIN)
    assert notes.label is None and not notes


def test_bad_notes_are_refused_and_nothing_is_written(demo: Path) -> None:
    for kwargs in ({"text": "  "}, {"text": "x", "turn": -1}, {"text": "x", "item": 0}):
        with pytest.raises(NotesError):
            add_note(demo, MAIN, **kwargs)  # type: ignore[arg-type]
    assert not (demo / SIDECAR_DIR).exists()
    with pytest.raises(NotesError, match="does not exist"):
        set_label(demo / "missing", MAIN, "x")


def test_a_torn_last_line_is_ignored_and_the_next_write_starts_a_fresh_line(demo: Path) -> None:
    add_note(demo, MAIN, "kept")
    path = notes_path(demo, MAIN)
    with open(path, "ab") as f:
        f.write(b'{"kind":"note","id":"torn","ts":1,"te')  # a writer that crashed mid-line
    notes = read_notes(demo, MAIN)
    assert [n.text for n in notes.notes] == ["kept"] and notes.problems == []
    add_note(demo, MAIN, "after the crash")
    notes = read_notes(demo, MAIN)
    assert [n.text for n in notes.notes] == ["kept", "after the crash"]
    assert [p.line for p in notes.problems] == [2]  # the torn line, now complete, is reported


def test_lines_that_are_not_records_are_reported_and_skipped(demo: Path) -> None:
    path = notes_path(demo, MAIN)
    path.parent.mkdir()
    records = [
        b"not json",
        orjson.dumps({"kind": "label", "ts": 1, "text": "ok"}),
        orjson.dumps({"kind": "note", "ts": 1, "text": "no id"}),
        orjson.dumps({"kind": "note", "id": "a", "ts": 1, "text": "t", "turn": -2}),
        orjson.dumps({"kind": "what", "ts": 1, "text": "t"}),
        orjson.dumps([1, 2]),
        b"",
        orjson.dumps({"kind": "note", "id": "b", "ts": 2, "text": "fine", "item": 3}),
    ]
    path.write_bytes(b"\n".join(records) + b"\n")
    notes = read_notes(demo, MAIN)
    assert notes.label == "ok" and [n.id for n in notes.notes] == ["b"]
    assert [p.line for p in notes.problems] == [1, 3, 4, 5, 6]
    assert all(str(path) in str(p) for p in notes.problems)


def _writer(store: str, segment: str, who: int, count: int) -> None:
    for i in range(count):
        add_note(Path(store), segment, f"writer {who} note {i} " + "x" * (200 * who))


def test_two_processes_appending_at_once_lose_nothing(demo: Path) -> None:
    count = 150
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(demo), MAIN, w, count)) for w in (1, 2, 3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    notes = read_notes(demo, MAIN)
    assert notes.problems == []
    texts = {n.text.split(" x")[0] for n in notes.notes}
    assert texts == {f"writer {w} note {i}" for w in (1, 2, 3) for i in range(count)}


def test_the_scanners_ignore_the_sidecar_quietly(demo: Path) -> None:
    before = Lineage.open(demo)
    ids = FsStore(demo).list_segments()
    set_label(demo, MAIN, "main")
    add_note(demo, FORK_MID, "note")
    (demo / SIDECAR_DIR / "stray.jsonl").write_text("{}\n")  # even a .jsonl inside it
    after = Lineage.open(demo)
    assert sorted(after.nodes) == sorted(before.nodes)
    assert after.skipped == before.skipped
    assert after.problems(with_details=False) == before.problems(with_details=False)
    assert FsStore(demo).list_segments() == ids


def test_store_notes_and_the_notes_book(demo: Path) -> None:
    assert read_store_notes([demo]) == {}
    book = NotesBook()
    assert not book.refresh([demo]) and book.labels() == {}
    set_label(demo, MAIN, "main line")
    assert book.refresh([demo]) and book.labels() == {MAIN: "main line"}
    assert not book.refresh([demo])  # nothing changed: nothing read
    add_note(demo, FORK_MID, "x")
    assert book.refresh([demo]) and book.get(FORK_MID).notes[0].text == "x"
    os.unlink(notes_path(demo, FORK_MID))
    assert book.refresh([demo]) and not book.get(FORK_MID)
    assert set(read_store_notes([demo])) == {MAIN}
