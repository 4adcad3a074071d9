"""Compatibility with the current runtime version, proven on the golden stores it wrote.

``tests/golden_head`` was produced by running the upstream Rust code of the current version
(``b12e0785``): its writers wrote ``head_basic``, ``head_compat`` was written by hand, and
every expected file is the upstream code's own output (see its README). Nothing here is
computed by this package except the side under test.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import orjson
import pytest

from segview.store import (
    Corrupt,
    FormatVersion,
    FsStore,
    SystemItemEntry,
    SystemWorkflow,
    TurnEnd,
    UnknownSegment,
    UserInput,
    collect_state,
    decode_entry,
    encode_entry,
    fork_at,
)
from segview.store.ops import find_fork_cut
from tests.store.test_golden import _split_states

HEAD = Path(__file__).parent.parent / "golden_head"
HEAD_STORES = HEAD / "stores"
HEAD_EXPECTED = HEAD / "expected"
HEAD_CASES = sorted(p.name for p in HEAD_STORES.iterdir())
CURRENT = FormatVersion.CURRENT
REFERENCE = FormatVersion.REFERENCE
SESSION_DIRS = [
    pytest.param(case, session.name, id=f"{case}/{session.name[-3:]}")
    for case in HEAD_CASES
    for session in sorted((HEAD_STORES / case).iterdir())
]


def segment_files(case: str) -> list[Path]:
    return sorted(p for p in (HEAD_STORES / case).glob("*/*.jsonl") if ".trace." not in p.name)


def lines_of(path: Path) -> list[bytes]:
    data = path.read_bytes()
    assert data.endswith(b"\n")
    return data.split(b"\n")[:-1]


BASIC_LINES = [
    pytest.param(line, id=f"{path.stem[:18]}:{i}")
    for path in segment_files("head_basic")
    for i, line in enumerate(lines_of(path), start=1)
]


def test_the_data_is_all_here() -> None:
    assert HEAD_CASES == ["head_basic", "head_compat"]
    assert len(BASIC_LINES) == 146


# --- listing and counting --------------------------------------------------------------------


@pytest.mark.parametrize(("case", "session"), SESSION_DIRS)
@pytest.mark.parametrize("hint", [None, CURRENT])
def test_list_segments_and_entry_counts(
    case: str, session: str, hint: FormatVersion | None
) -> None:
    expected = json.loads((HEAD_EXPECTED / case / session / "list.json").read_text())
    assert expected["session_id"] == session
    store = FsStore(HEAD_STORES / case / session, version_hint=hint)
    assert store.list_segments() == expected["order"]
    errors = expected.get("entry_count_errors", {})
    for segment_id, count in expected["entry_counts"].items():
        if count is None:
            assert segment_id in errors
            with pytest.raises(Corrupt):
                store.read_entry_count(segment_id)
        else:
            assert store.read_entry_count(segment_id) == count
            assert len(store.read_all(segment_id)) == count


# --- lines -----------------------------------------------------------------------------------


@pytest.mark.parametrize("line", BASIC_LINES)
def test_every_head_basic_line_reencodes_byte_for_byte(line: bytes) -> None:
    entry = decode_entry(line, version=CURRENT)
    assert encode_entry(entry) == line
    assert encode_entry(entry, runtime=CURRENT) == line
    assert decode_entry(line, allow_later=True) == entry


COMPAT = HEAD_STORES / "head_compat" / "0198c4a0-0000-7000-8000-0000000000d1"
COMPAT_EXPECTED = HEAD_EXPECTED / "head_compat" / "0198c4a0-0000-7000-8000-0000000000d1"
COMPAT_ID = "0198c4a0-0001-7001-8000-000000000001"


def test_head_compat_reencodes_as_the_runtime_writes_it_back() -> None:
    written = lines_of(COMPAT / f"{COMPAT_ID}.jsonl")
    expected = lines_of(COMPAT_EXPECTED / f"{COMPAT_ID}.reserialized.jsonl")
    assert len(written) == len(expected) == 19
    for line, serde_line in zip(written, expected, strict=True):
        entry = decode_entry(line, version=CURRENT)
        assert encode_entry(entry, runtime=CURRENT) == serde_line
        # what serde writes is read back as the same line
        assert encode_entry(decode_entry(serde_line, version=CURRENT), runtime=CURRENT) == (
            serde_line
        )


def test_head_compat_default_encoding_keeps_what_the_runtime_drops() -> None:
    entries = FsStore(COMPAT).read_all(COMPAT_ID)
    lines = [encode_entry(e) for e in entries]
    # an unknown segment keeps its kind and fields; the renamed ones keep theirs
    user_input = entries[2]
    assert isinstance(user_input, UserInput)
    assert isinstance(user_input.segments[4], UnknownSegment)
    assert lines[2] == (
        b'{"kind":"user_input","ts":1716150000002,"segments":[{"kind":"text","content":"Run "},'
        b'{"kind":"workflow_invoke","slug":"release"},{"kind":"text","content":" with "},'
        b'{"kind":"knowledge_ref","slug":"checklist"},{"kind":"future_kind","x":1}]}'
    )
    # the workflow body the current version ignores is still there
    workflow = entries[4]
    assert isinstance(workflow, SystemItemEntry) and isinstance(workflow.item, SystemWorkflow)
    assert lines[4].endswith(b'"slug":"release","body":"Release workflow body"}}')
    # an unknown key after the known fields; `kind` written first
    assert lines[14] == b'{"kind":"turn_end","ts":1716150000014,"turn_count":1}'
    assert lines[15] == (
        b'{"kind":"run_completed","ts":1716150000015,"interrupted":false,"result":"finished",'
        b'"extra":"ignored"}'
    )
    # the default encoding is a fixed point: decoding it gives the same entries
    for entry, line in zip(entries, lines, strict=True):
        assert decode_entry(line, version=CURRENT) == entry
        assert encode_entry(decode_entry(line, version=CURRENT)) == line


def test_head_compat_is_read_whole_with_notes_only_where_a_newer_version_wrote() -> None:
    read = FsStore(COMPAT).read_tolerant(COMPAT_ID)
    assert read.format_version is CURRENT
    assert len(read.entries) == 19
    assert [(p.line, p.kind) for p in read.problems] == [
        (3, "newer_version"),
        (16, "newer_version"),
    ]
    assert "unknown user-input segment kind `future_kind`" in read.problems[0].message
    assert "unknown field `extra`" in read.problems[1].message
    assert read.damage == []


# --- replay ----------------------------------------------------------------------------------

STATE_FILES = sorted(
    p
    for p in HEAD_EXPECTED.glob("*/*/*.json")
    if p.name != "list.json" and not p.name.endswith(".reserialized.jsonl")
)


@pytest.mark.parametrize(
    "expected_path", STATE_FILES, ids=lambda p: f"{p.parts[-3]}/{p.parts[-2][-3:]}/{p.stem[-4:]}"
)
@pytest.mark.parametrize("version", [FormatVersion.AUTO, CURRENT])
def test_replayed_states_match_rust_text(expected_path: Path, version: FormatVersion) -> None:
    """Every state after every turn_end, and the full log, as the exact serde text."""
    case, session = expected_path.parts[-3], expected_path.parts[-2]
    expected = json.loads(expected_path.read_text())["states"]
    raw_states = _split_states(expected_path.read_text())
    store = FsStore(HEAD_STORES / case / session)
    entries = store.read_all(expected_path.stem, version=version)
    prefixes = [i + 1 for i, e in enumerate(entries) if isinstance(e, TurnEnd)]
    assert [s["at_turn"] for s in expected[:-1]] == [
        entries[n - 1].turn_count  # type: ignore[union-attr]
        for n in prefixes
    ]
    for state_json, raw, n in zip(expected, raw_states, [*prefixes, len(entries)], strict=True):
        state = collect_state(entries[:n], version)
        assert state.format_version is CURRENT
        got = orjson.dumps({"at_turn": state_json["at_turn"], **state.to_wire(runtime=True)})
        assert got.decode() == raw


def test_the_interrupted_flag_follows_each_versions_rule() -> None:
    """``…0005`` puts each ``turn_end`` after a terminal record (README: replay facts)."""
    store = FsStore(HEAD_STORES / "head_basic" / "0198c1a0-0000-7000-8000-0000000000b1")
    entries = store.read_all("0198c1a0-0005-7005-8000-000000000005")
    cuts = [i + 1 for i, e in enumerate(entries) if isinstance(e, TurnEnd)] + [len(entries)]

    def flags(version: FormatVersion) -> str:
        return "".join(
            "T" if collect_state(entries[:n], version).last_run_interrupted else "F" for n in cuts
        )

    assert flags(CURRENT) == "FFTTFFTT" + "T"
    # before the current rule (8c8fb014, and the reference version) invoke changed nothing
    assert flags(REFERENCE) == "FFFTFFTF" + "F"


# --- fork_at ---------------------------------------------------------------------------------

FORK_CASES = [
    pytest.param(case, f, id=f"{case}/{f['source'][-4:]}@{f['at_turn_index']}")
    for case in HEAD_CASES
    for f in json.loads((HEAD_EXPECTED / case / "fork_at.json").read_text())["forks"]
]


@pytest.mark.parametrize(("case", "fork"), FORK_CASES)
def test_fork_at_writes_the_rust_segment_start(tmp_path: Path, case: str, fork: dict) -> None:
    root = tmp_path / fork["session_id"]
    shutil.copytree(HEAD_STORES / case / fork["session_id"], root)
    store = FsStore(root)
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    source = store.read_all(fork["source"])
    cut = find_fork_cut(source, fork["at_turn_index"], CURRENT)
    assert (cut.entries_kept, cut.turn_end_found) == (fork["entries_kept"], fork["turn_end_found"])

    new_id = "0198ffff-0000-7000-8000-00000000f0f0"
    got = fork_at(store, fork["source"], fork["at_turn_index"], ts=1700000000000, segment_id=new_id)
    assert got == new_id
    assert (root / f"{new_id}.jsonl").read_bytes() == fork["segment_start_line"].encode() + b"\n"
    after = {p.name: p.read_bytes() for p in root.iterdir() if p.name != f"{new_id}.jsonl"}
    assert after == before  # the source is untouched
    # the fork is a current-version segment of the same session, read back as such
    (start,) = store.read_all(new_id, version=CURRENT)
    assert collect_state([start]).session_id == fork["session_id"]
