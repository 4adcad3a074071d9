"""The damage matrix through the command line: one clear line per problem (file and line),
the right exit status, never a traceback, and nothing written where nothing should be."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from segview.cli import main
from segview.store import FsStore, SegmentStart, TurnEnd, collect_state
from tests.reliability.damage import SEGMENT_CASES, Built, build, build_all

Capture = pytest.CaptureFixture[str]
CaptureBytes = pytest.CaptureFixture[bytes]


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every directory entry's bytes (None for directories and dangling links)."""
    out: dict[str, bytes | None] = {}
    for name in os.listdir(root):
        p = root / name
        out[name] = p.read_bytes() if p.is_file() else None
    return out


def good_lines(b: Built) -> list[bytes]:
    """The file's lines the tolerant reader keeps, byte for byte (BOM removed)."""
    raw = b.path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    keep = []
    for number, line in enumerate(lines, start=1):
        line = line.removesuffix(b"\r")
        # a BOM and an unknown kind are reported, and the line is kept
        if number in b.line_problems and b.case not in ("utf8_bom", "unknown_kind"):
            continue
        if line.strip(b" \t"):
            keep.append(line)
    return keep


NOTE_CASES = {"unknown_kind"}  # what a newer runtime version wrote: a note, not damage


def assert_warnings(err: str, b: Built) -> None:
    lines = err.splitlines()
    assert "Traceback" not in err
    assert len(lines) == len(b.line_problems)
    label = "note" if b.case in NOTE_CASES else "warning"
    for line, number in zip(lines, b.line_problems, strict=True):
        assert line.startswith(f"segview: {label}: {b.path}:{number}: ")


def assert_one_error_line(err: str, *needles: str) -> None:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("segview: "), err
    for needle in needles:
        assert needle in lines[0]


def sid_of(b: Built) -> str:
    assert b.segment_id is not None
    return b.segment_id


@pytest.mark.parametrize("case", SEGMENT_CASES)
def test_cat(case: str, tmp_path: Path, capsysbinary: CaptureBytes) -> None:
    b = build(case, tmp_path / "store")
    before = snapshot(b.root)
    code = main(["cat", str(b.root), sid_of(b)])
    out, err = capsysbinary.readouterr()
    assert snapshot(b.root) == before
    if not b.listed:
        assert code == 1 and out == b""
        assert_one_error_line(err.decode(), "no segment matches")
    elif not b.readable:
        assert code == 1 and out == b""
        assert_one_error_line(err.decode(), str(b.path))
    else:
        assert code == (1 if b.line_problems and b.case not in NOTE_CASES else 0)
        assert out == b"".join(line + b"\n" for line in good_lines(b))
        assert_warnings(err.decode(), b)


@pytest.mark.parametrize("case", SEGMENT_CASES)
def test_show(case: str, tmp_path: Path, capsys: Capture) -> None:
    b = build(case, tmp_path / "store")
    before = snapshot(b.root)
    code = main(["show", str(b.root), sid_of(b), "--json"])
    out, err = capsys.readouterr()
    assert snapshot(b.root) == before
    if not b.listed:
        assert code == 1 and out == ""
        assert_one_error_line(err, "no segment matches")
        return
    if not b.readable:
        assert code == 1 and out == ""
        assert_one_error_line(err, str(b.path))
        return
    assert code == 0
    assert_warnings(err, b)
    state = json.loads(out)
    assert state["entries_count"] == len(b.good)
    turn_ends = [e for e in b.good if isinstance(e, TurnEnd)]
    assert state["turn_count"] == (turn_ends[-1].turn_count if turn_ends else 0)
    # the plain transcript of a damaged segment prints too
    code = main(["show", str(b.root), sid_of(b)])
    out, err = capsys.readouterr()
    assert code == 0 and out.startswith(f"segment {b.segment_id} (whole log")
    assert_warnings(err, b)


@pytest.mark.parametrize("case", SEGMENT_CASES)
def test_fork(case: str, tmp_path: Path, capsys: Capture) -> None:
    """``fork`` reads the source strictly, as the runtime does: a damaged source is refused
    with one line naming the file (and line), and nothing is written. A last line without
    its newline is a write in progress: left out, never a reason to refuse."""
    b = build(case, tmp_path / "store")
    before = snapshot(b.root)
    code = main(["fork", str(b.root), sid_of(b), "--at-turn", "1", "--json"])
    out, err = capsys.readouterr()
    after = snapshot(b.root)
    if not b.listed:
        assert code == 1 and after == before
        assert_one_error_line(err, "no segment matches")
        return
    data = before.get(f"{b.segment_id}.jsonl") or b""
    tail_line = data.count(b"\n") + 1 if data and not data.endswith(b"\n") else None
    if b.strict.outcome == "corrupt" and b.strict.line != tail_line:
        assert code == 1 and out == "" and after == before
        assert_one_error_line(err, f"{b.path}:{b.strict.line}: corrupt entry: ")
        return
    if b.strict.outcome in ("io", "not_found"):
        assert code == 1 and out == "" and after == before
        assert_one_error_line(err, str(b.path))
        return
    entries = b.strict_entries
    cut = next(
        (i + 1 for i, e in enumerate(entries) if isinstance(e, TurnEnd) and e.turn_count == 1),
        None,
    )
    if cut is None:
        assert code == 2 and out == "" and after == before
        assert_one_error_line(err, "has no turn 1")
        return
    assert code == 0 and err == ""
    new_id = json.loads(out)["segment_id"]
    assert set(after) == {*before, f"{new_id}.jsonl"}
    assert all(after[name] == data for name, data in before.items())
    (start,) = FsStore(b.root).read_all(new_id)
    assert isinstance(start, SegmentStart) and start.forked_from is not None
    assert (start.forked_from.segment_id, start.forked_from.at_turn_index) == (b.segment_id, 1)
    want = collect_state(entries[:cut])
    assert (start.system_prompt, start.config, start.history) == (
        want.system_prompt,
        want.config,
        want.history,
    )


def test_ls_lists_every_segment_and_flags_the_damaged(tmp_path: Path, capsys: Capture) -> None:
    built = build_all(tmp_path / "store", skip=("huge_line",))
    root = tmp_path / "store"
    before = snapshot(root)
    code = main(["ls", str(root), "--json"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    rows = {r["id"]: r for r in json.loads(out)}
    listed = {f.removesuffix(".jsonl") for b in built.values() if b.listed for f in b.files}
    assert set(rows) == listed
    for b in built.values():
        if not b.listed or b.segment_id is None:
            continue
        lines = [p["line"] for p in rows[b.segment_id]["problems"]]
        assert set(b.line_problems) <= set(lines), b.case
        for p in rows[b.segment_id]["problems"]:
            assert p["message"] and "\n" not in p["message"]
        if not b.readable or not b.good or b.case == "first_line_not_start":
            assert rows[b.segment_id]["problems"], b.case  # no segment_start / unreadable
    code = main(["ls", str(root)])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    table = out.splitlines()
    assert len(table) == 1 + len(listed)
    for b in built.values():
        if b.listed and b.segment_id is not None and (b.line_problems or not b.readable):
            (row,) = [r for r in table if r.startswith(b.segment_id)]
            assert "problem" in row, b.case
    assert snapshot(root) == before


SUBPROCESS_RUNS = [
    ("truncated_last_line", "cat", 1),
    ("invalid_utf8", "fork", 1),
    ("dangling_symlink", "show", 1),
    ("zero_filled_tail", "show", 0),
    ("unknown_kind", "fork", 1),
]


@pytest.mark.parametrize(("case", "command", "status"), SUBPROCESS_RUNS)
def test_real_process_has_no_traceback(
    case: str, command: str, status: int, tmp_path: Path
) -> None:
    b = build(case, tmp_path / "store")
    args = [command, str(b.root), sid_of(b)] + (["--at-turn", "1"] if command == "fork" else [])
    proc = subprocess.run(
        [sys.executable, "-m", "segview", *args], capture_output=True, text=True, check=False
    )
    assert proc.returncode == status
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines and all(line.startswith("segview: ") and str(b.path) in line for line in lines)
    assert len(lines) == max(1, len(b.line_problems))
