"""Byte compatibility with the Rust crate, proven on the golden stores it wrote.

The expected files were produced by the real Rust types through serde_json; nothing here is
computed by this package's own code except the side under test.
"""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from segview.store import FsStore, TurnEnd, collect_state, decode_entry, encode_entry, fork_at
from segview.store.ops import find_fork_cut
from tests.conftest import GOLDEN_CASES, GOLDEN_EXPECTED, GOLDEN_STORES, golden_segment_files
from tests.jsontext import minify

ALL_LINES = [
    pytest.param(path, i, line, id=f"{path.parent.name}/{path.stem[:13]}:{i}")
    for path in golden_segment_files()
    for i, line in enumerate(path.read_bytes().split(b"\n")[:-1], start=1)
]


@pytest.mark.parametrize(("path", "lineno", "line"), ALL_LINES)
def test_every_golden_line_reencodes_byte_for_byte(path: Path, lineno: int, line: bytes) -> None:
    assert encode_entry(decode_entry(line)) == line


@pytest.mark.parametrize("case", GOLDEN_CASES)
def test_list_segments_and_entry_counts(case: str) -> None:
    expected = json.loads((GOLDEN_EXPECTED / case / "list.json").read_text())
    store = FsStore(GOLDEN_STORES / case)
    assert store.list_segments() == expected["order"]
    for segment_id, count in expected["entry_counts"].items():
        assert store.read_entry_count(segment_id) == count


def _state_text(at_turn: object, state_wire: dict[str, object]) -> str:
    return orjson.dumps({"at_turn": at_turn, **state_wire}).decode()


STATE_FILES = sorted(
    p for p in GOLDEN_EXPECTED.glob("*/*.json") if p.stem not in ("list", "fork_at")
)


@pytest.mark.parametrize("expected_path", STATE_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_replayed_states_match_rust_text(expected_path: Path) -> None:
    """Every state after every turn_end, and the full log, as the exact serde text."""
    expected = json.loads(expected_path.read_text())["states"]
    raw_states = _split_states(expected_path.read_text())
    entries = FsStore(GOLDEN_STORES / expected_path.parent.name).read_all(expected_path.stem)
    prefixes = [i + 1 for i, e in enumerate(entries) if isinstance(e, TurnEnd)]
    assert [s["at_turn"] for s in expected[:-1]] == [
        entries[n - 1].turn_count
        for n in prefixes  # type: ignore[union-attr]
    ]
    for state_json, raw, n in zip(expected, raw_states, [*prefixes, len(entries)], strict=True):
        got = _state_text(state_json["at_turn"], collect_state(entries[:n]).to_wire())
        assert got == raw


def _split_states(text: str) -> list[str]:
    """The minified text of each element of the top-level ``states`` array."""
    body = minify(text)
    prefix = '{"states":['
    assert body.startswith(prefix) and body.endswith("]}")
    inner = body[len(prefix) : -2]
    parts, depth, start, in_str, esc = [], 0, 0, False, False
    for i, ch in enumerate(inner):
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    return parts


FORK_CASES = [
    pytest.param(case, f, id=f"{case}/{f['source'][:13]}@{f['at_turn_index']}")
    for case in GOLDEN_CASES
    for f in json.loads((GOLDEN_EXPECTED / case / "fork_at.json").read_text())["forks"]
]


@pytest.mark.parametrize(("case", "fork"), FORK_CASES)
def test_fork_at_writes_the_rust_segment_start(golden_copy, case: str, fork: dict) -> None:
    root = golden_copy(case)
    store = FsStore(root)
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    source = store.read_all(fork["source"])
    cut = find_fork_cut(source, fork["at_turn_index"])
    assert (cut.entries_kept, cut.turn_end_found) == (fork["entries_kept"], fork["turn_end_found"])

    new_id = "01900000-0000-7000-8000-00000000f0f0"
    got = fork_at(store, fork["source"], fork["at_turn_index"], ts=1700000000000, segment_id=new_id)
    assert got == new_id
    assert (root / f"{new_id}.jsonl").read_bytes() == fork["segment_start_line"].encode() + b"\n"
    after = {p.name: p.read_bytes() for p in root.iterdir() if p.name != f"{new_id}.jsonl"}
    assert after == before  # the source store is untouched
