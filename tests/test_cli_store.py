"""The ls / show / cat / fork contract, through the real entry point."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from segview.cli import main
from segview.store import FsStore, SegmentStart, collect_state
from segview.store.codec import to_wire
from tests.conftest import GOLDEN_EXPECTED, GOLDEN_STORES

BASIC = GOLDEN_STORES / "basic"
SEG = "0190b000-0001-7000-8000-000000000001"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_ls_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ls", str(BASIC), "--json")
    assert code == 0
    rows = json.loads(out)
    listing = json.loads((GOLDEN_EXPECTED / "basic" / "list.json").read_text())
    assert [r["id"] for r in rows] == listing["order"]
    for row in rows:
        assert row["entries"] == listing["entry_counts"][row["id"]]
        lines = (BASIC / f"{row['id']}.jsonl").read_text().splitlines()
        assert row["turns"] == sum('"kind":"turn_end"' in line for line in lines)
        assert row["created_ts"] == json.loads(lines[0])["ts"]
        assert row["forked_from"] is None and row["compacted_from"] is None
        assert row["problems"] == []
    by_id = {r["id"]: r for r in rows}
    # the flattened input (FORMAT.md section 4) cut to 80 characters
    assert (
        by_id[SEG]["title"]
        == (
            "Please look at @src/main.rs using #rust-style, then /review\nfn main() {\n    todo!()"
        )[:80]
    )
    assert by_id["0190b000-0001-7000-8000-000000000003"]["title"] is None


def test_ls_reports_forks_and_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "fork", str(_copy(tmp_path)), SEG, "--at-turn", "2", "--json")
    assert code == 0
    forked = json.loads(out)
    assert forked["forked_from"] == {"segment_id": SEG, "at_turn_index": 2}
    (tmp_path / "basic" / "0190b000-0001-7000-8000-000000000002.jsonl").open("ab").write(
        b'{"kind":"tu'
    )
    code, out, _ = run(capsys, "ls", str(tmp_path / "basic"), "--json")
    rows = {r["id"]: r for r in json.loads(out)}
    assert rows[forked["segment_id"]]["forked_from"] == {"segment_id": SEG, "at_turn_index": 2}
    damaged = rows["0190b000-0001-7000-8000-000000000002"]
    assert [p["line"] for p in damaged["problems"]] == [15]
    code, out, _ = run(capsys, "ls", str(tmp_path / "basic"))
    assert code == 0 and "[1 problem]" in out and f"fork of {SEG[:13]}@2" in out


def _copy(tmp_path: Path) -> Path:
    import shutil

    shutil.copytree(BASIC, tmp_path / "basic")
    return tmp_path / "basic"


@pytest.mark.parametrize("turn", [None, 1, 2, 3, 4])
def test_show_json_matches_the_golden_states(
    capsys: pytest.CaptureFixture[str], turn: int | None
) -> None:
    args = ["show", str(BASIC), SEG, "--json"] + ([] if turn is None else ["--turn", str(turn)])
    code, out, _ = run(capsys, *args)
    assert code == 0
    got = json.loads(out)
    states = json.loads((GOLDEN_EXPECTED / "basic" / f"{SEG}.json").read_text())["states"]
    want = next(s for s in states if s["at_turn"] == ("full" if turn is None else turn))
    assert got["segment_id"] == SEG and got["at_turn"] == turn
    for key, value in want.items():
        if key != "at_turn":
            assert got[key] == value, key


def test_show_text_transcript(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", str(BASIC), SEG, "--turn", "1")
    assert code == 0
    assert "── tool call Bash [call_002]" in out
    assert '"command": "cargo build"' in out
    assert "── tool result [call_002] (error): exit status 101" in out
    assert "The build fails because `x` is undefined." in out
    assert "Noted; I will look at the failures." not in out  # that is turn 2


def test_show_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "show", str(BASIC), SEG, "--turn", "9")
    assert code == 2 and err.strip() == (
        f"segview: segment {SEG} has no turn 9: its turns are 0 (the start), 1..4"
    )
    code, _, err = run(capsys, "show", str(BASIC), "0190b000")
    assert code == 1 and "ambiguous segment prefix '0190b000': 3 candidates" in err
    code, _, err = run(capsys, "show", str(BASIC), "ffff")
    assert code == 1 and "no segment matches 'ffff'" in err
    code, _, err = run(capsys, "ls", "/nonexistent/store")
    assert code == 2 and err.strip() == "segview: store not found: /nonexistent/store"


def test_turn_0_is_the_start_as_fork_at_turn_0_cuts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One numbering: ``--turn 0`` is the state before any turn (the leading segment_start),
    the state a fork at turn 0 starts from."""
    store = tmp_path / "store"
    shutil.copytree(BASIC, store)
    code, out, _ = run(capsys, "show", str(store), SEG, "--turn", "0", "--json")
    assert code == 0
    at_start = orjson.loads(out)
    entries = FsStore(store).read_all(SEG)
    assert isinstance(entries[0], SegmentStart)
    assert at_start["entries_count"] == 1 and at_start["turn_count"] == 0
    assert at_start["history"] == [to_wire(i) for i in entries[0].history]
    code, out, _ = run(capsys, "fork", str(store), SEG, "--at-turn", "0", "--json")
    new_id = orjson.loads(out)["segment_id"]
    code, out, _ = run(capsys, "show", str(store), new_id, "--json")
    assert orjson.loads(out)["history"] == at_start["history"]


@pytest.mark.parametrize("path", sorted(GOLDEN_STORES.glob("*/*.jsonl")), ids=lambda p: p.stem[:13])
def test_cat_reproduces_serde_files(capsys: pytest.CaptureFixture[str], path: Path) -> None:
    code = main(["cat", str(path.parent), path.stem])
    out = capsys.readouterr().out
    assert code == 0 and out == path.read_text()


def test_fork_then_show_equals_source_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_dir = _copy(tmp_path)
    before = {p.name: p.read_bytes() for p in store_dir.iterdir()}
    code, out, _ = run(capsys, "fork", str(store_dir), SEG, "--at-turn", "3")
    new_id = out.strip()
    assert code == 0
    assert sorted(p.name for p in store_dir.iterdir()) == sorted([*before, f"{new_id}.jsonl"])
    assert all((store_dir / n).read_bytes() == b for n, b in before.items())
    store = FsStore(store_dir)
    entries = store.read_all(SEG)
    cut = next(i for i, e in enumerate(entries) if getattr(e, "turn_count", None) == 3) + 1
    assert collect_state(store.read_all(new_id)).history == collect_state(entries[:cut]).history
    code, _, err = run(capsys, "fork", str(store_dir), SEG, "--at-turn", "7")
    assert code == 2 and "has no turn 7" in err


def test_python_dash_m_and_no_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "segview", "show", str(tmp_path / "missing"), "x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr == f"segview: store not found: {tmp_path / 'missing'}\n"
    proc = subprocess.run(
        [sys.executable, "-m", "segview", "ls", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and "example:" in proc.stdout
