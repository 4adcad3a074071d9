"""Search: every item that holds the query is found once, at the turn whose state first shows
it, in one segment or the whole store; the CLI prints it safely and exits like grep."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest

from segview.cli import main
from segview.describe import item_text
from segview.notes import set_label
from segview.search import Query, QueryError, search_store
from segview.store import FsStore, SegmentStart, TurnEnd, collect_state
from segview.store.layout import scan_store
from tests.app.helpers import FORK_MID, MAIN, SAMPLE_LOGS
from tests.hostile import SENTINEL, write_hostile_store


def expected_items(store: Path, segment_id: str, needle: str) -> set[tuple[int | None, int]]:
    """(turn, item index) of every item that holds ``needle`` (case-insensitive), from the
    store core's replay: an item belongs to the first turn stop whose state holds it."""
    entries = FsStore(store).read_tolerant(segment_id).entries
    found: set[tuple[int | None, int]] = set()
    seen = 0
    ends = [i for i, e in enumerate(entries) if isinstance(e, TurnEnd)]
    first = entries[0]
    seeded = len(first.history) if isinstance(first, SegmentStart) else 0
    is_fork = isinstance(first, SegmentStart) and first.forked_from is not None
    if not is_fork:
        for k in range(seeded):
            if needle.casefold() in item_text(first.history[k]).casefold():  # type: ignore[union-attr]
                found.add((0, k))
    seen = seeded
    for n in [*ends, len(entries) - 1]:
        state = collect_state(entries[: n + 1])
        turn = entries[n].turn_count if isinstance(entries[n], TurnEnd) else None
        for k in range(seen, len(state.history)):
            if needle.casefold() in item_text(state.history[k]).casefold():
                found.add((turn, k))
        seen = max(seen, len(state.history))
    return found


@pytest.mark.parametrize("needle", ["ValueError", "timedelta", "fullmatch", "the"])
def test_every_matching_item_is_found_once_at_its_turn(needle: str) -> None:
    scan = scan_store(SAMPLE_LOGS)
    found = {f.segment.id: f for f in search_store(scan, Query(needle))}
    for segment in scan.segments:
        want = expected_items(SAMPLE_LOGS, segment.id, needle)
        hits = found[segment.id].hits if segment.id in found else []
        got = [(h.turn, h.item) for h in hits if h.where not in ("system prompt", "label")]
        assert sorted(got, key=str) == sorted(want, key=str), segment.id
        for hit in hits:
            assert needle.casefold() in hit.snippet.casefold() or len(needle) > 60


def test_a_forks_inherited_history_is_found_in_its_parent_only_unless_asked() -> None:
    scan = scan_store(SAMPLE_LOGS)
    fork = scan.resolve(FORK_MID)
    plain = {f.segment.id: f.hits for f in search_store(scan, Query("parse_duration"))}
    assert all(h.turn != 0 for h in plain.get(fork.id, []))
    with_seed = {
        f.segment.id: f.hits for f in search_store(scan, Query("parse_duration"), inherited=True)
    }
    seeds = [h for h in with_seed[fork.id] if h.turn == 0]
    assert seeds and all(h.where.endswith("(seed)") for h in seeds)


def test_case_regex_and_bad_patterns() -> None:
    scan = scan_store(SAMPLE_LOGS)
    lower = list(search_store(scan, Query("valueerror")))
    exact = list(search_store(scan, Query("valueerror", case_sensitive=True)))
    assert lower and not exact
    regex = list(search_store(scan, Query(r"ValueError\(f\"could", regex=True)))
    assert regex and all("ValueError(f" in h.snippet for f in regex for h in f.hits)
    with pytest.raises(QueryError):
        list(search_store(scan, Query("(", regex=True)))


def test_labels_and_notes_are_searched(tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(SAMPLE_LOGS, store)
    before = {p.name: p.read_bytes() for p in store.glob("*.jsonl")}
    set_label(store, MAIN, "the zebra branch")
    found = list(search_store(scan_store(store), Query("zebra")))
    assert [(f.segment.id, [h.where for h in f.hits]) for f in found] == [(MAIN, ["label"])]
    assert {p.name: p.read_bytes() for p in store.glob("*.jsonl")} == before


def test_the_cli_prints_one_line_per_item_and_exits_like_grep(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["search", str(SAMPLE_LOGS), "timedelta"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines and all("timedelta" in line.casefold() for line in lines)
    assert err.strip().endswith(
        f"{len(lines)} items in {len({line.split()[0] for line in lines})} segments"
    )
    assert main(["search", str(SAMPLE_LOGS), "timedelta", "--json"]) == 0
    data = orjson.loads(capsys.readouterr().out)
    assert sum(len(s["hits"]) for s in data) == len(lines)
    assert main(["search", str(SAMPLE_LOGS), "no such text anywhere"]) == 1
    assert main(["search", str(SAMPLE_LOGS), "(", "--regex"]) == 2
    assert "not a valid regular expression" in capsys.readouterr().err
    assert main(["search", str(SAMPLE_LOGS), "timedelta", "--segment", FORK_MID[:7]]) == 0
    out, _ = capsys.readouterr()
    assert {line.split()[0] for line in out.splitlines()} == {FORK_MID[:7]}


def test_hostile_text_is_found_and_printed_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = write_hostile_store(tmp_path / "store", big_bytes=20_000)
    assert main(["search", str(corpus.root), SENTINEL]) == 0
    out, err = capsys.readouterr()
    assert out.count("\n") > 20
    assert not any(c in out + err for c in "\x1b\x07\x9b\u202e\u2066")
    assert "\\x1b" in out and "\\u202e" in out
