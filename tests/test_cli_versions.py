"""show / cat / fork / check on every version of the format, through the real entry point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from segview.cli import main
from segview.store import FsStore, TurnEnd, encode_entry

HEAD = Path(__file__).parent / "golden_head"
SESSION = "0198c1a0-0000-7000-8000-0000000000b1"
BASIC = HEAD / "stores" / "head_basic" / SESSION
COMPAT = HEAD / "stores" / "head_compat" / "0198c4a0-0000-7000-8000-0000000000d1"
COMPAT_ID = "0198c4a0-0001-7001-8000-000000000001"
RESERIALIZED = (
    HEAD
    / "expected"
    / "head_compat"
    / "0198c4a0-0000-7000-8000-0000000000d1"
    / f"{COMPAT_ID}.reserialized.jsonl"
)
MAIN = "0198c1a0-0001-7001-8000-000000000001"
PROBE = "0198c1a0-0005-7005-8000-000000000005"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def copy(src: Path, tmp_path: Path) -> Path:
    dest = tmp_path / src.name
    shutil.copytree(src, dest)
    return dest


def test_show_json_has_the_current_versions_state(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", str(BASIC), MAIN, "--json")
    assert (code, err) == (0, "")
    state = json.loads(out)
    assert state["format_version"] == "current" and state["session_id"] == SESSION
    assert "pod_scope" not in state
    expected = json.loads((HEAD / "expected" / "head_basic" / SESSION / f"{MAIN}.json").read_text())
    full = expected["states"][-1]
    for key in ("entries_count", "turn_count", "last_run_interrupted", "extensions", "history"):
        assert state[key] == full[key], key
    # at turn 3 (no terminal record after its turn_end yet): interrupted, by the current rule
    _code, out, _err = run(capsys, "show", str(BASIC), MAIN, "--json", "--turn", "3")
    assert json.loads(out)["last_run_interrupted"] is True


def test_show_with_the_reference_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(
        capsys, "show", str(BASIC), PROBE, "--json", "--format-version", "reference"
    )
    assert code == 0
    state = json.loads(out)
    assert state["format_version"] == "reference"
    assert "session_id" not in state and state["pod_scope"] is None
    assert state["last_run_interrupted"] is False  # invoke changes nothing at the reference
    _code, out, _err = run(capsys, "show", str(BASIC), PROBE, "--json")
    assert json.loads(out)["last_run_interrupted"] is True


def test_show_transcript_shows_attachments_and_the_session(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _err = run(capsys, "show", str(BASIC), MAIN, "--turn", "1")
    assert code == 0
    assert f"session: {SESSION}" in out
    assert "[image attachment: image/png, 15 bytes]" in out
    assert "[image attachment: image/jpeg, 11 bytes]" in out
    assert "[Flow: coder/implement]" in out


def test_show_rejects_an_unknown_format_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "show", str(BASIC), MAIN, "--format-version", "v2")
    assert code == 2 and "invalid choice" in err


def test_cat_reproduces_current_version_files(capsys: pytest.CaptureFixture[str]) -> None:
    for path in sorted(BASIC.glob("*.jsonl")):
        if ".trace." in path.name:
            continue
        code = main(["cat", str(BASIC), path.stem])
        out, err = capsys.readouterr()
        assert (code, err) == (0, "")
        assert out.encode() == path.read_bytes()


def test_cat_keeps_what_the_runtime_would_drop_and_notes_it(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    code = main(["cat", str(COMPAT), COMPAT_ID])
    out, err = capsysbinary.readouterr()
    assert code == 0  # notes are no damage
    notes = err.decode().splitlines()
    assert [line.split(": ")[1] for line in notes] == ["note", "note"]
    assert b'{"kind":"future_kind","x":1}' in out and b'"extra":"ignored"' in out
    # what the current runtime writes back for each line
    code = main(["cat", str(COMPAT), COMPAT_ID, "--runtime"])
    out, _err = capsysbinary.readouterr()
    assert code == 0 and out == RESERIALIZED.read_bytes()


def test_cat_of_a_file_being_written_prints_the_committed_prefix(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    root = copy(BASIC, tmp_path)
    path = root / f"{PROBE}.jsonl"
    committed = path.read_bytes()
    with path.open("ab") as f:
        f.write(encode_entry(TurnEnd(ts=9, turn_count=9))[:17])
    code = main(["cat", str(root), PROBE])
    out, err = capsysbinary.readouterr()
    assert (code, out, err) == (0, committed, b"")


def test_fork_of_a_current_segment_stays_in_its_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy(BASIC, tmp_path)
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    path = root / f"{MAIN}.jsonl"
    with path.open("ab") as f:  # a writer is appending right now
        f.write(b'{"kind":"turn_end","ts":1787000008000,"tu')
    code, out, err = run(capsys, "fork", str(root), MAIN, "--at-turn", "4", "--json")
    assert (code, err) == (0, "")
    new_id = json.loads(out)["segment_id"]
    (start,) = FsStore(root).read_all(new_id)
    assert start.session_id == SESSION  # type: ignore[union-attr]
    line = (root / f"{new_id}.jsonl").read_bytes()
    assert line.startswith(b'{"kind":"segment_start","ts":')
    assert f',"session_id":"{SESSION}","system_prompt":'.encode() in line
    assert all(
        (root / name).read_bytes() == data for name, data in before.items() if name != path.name
    )


def test_fork_with_the_reference_rules_refuses_current_shapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy(BASIC, tmp_path)
    code, out, err = run(
        capsys, "fork", str(root), MAIN, "--at-turn", "1", "--format-version", "reference"
    )
    assert code == 1 and out == ""
    # line 3 holds a `flow` segment, which reads as unknown there; line 6 is a
    # skill_activation item, which the reference version does not have
    assert f"{MAIN}.jsonl:6: corrupt entry: system_item: item: unknown variant" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in root.iterdir()) == sorted(p.name for p in BASIC.iterdir())


def test_check_passes_a_store_with_only_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy(COMPAT, tmp_path)
    code, out, err = run(capsys, "check", str(root))
    assert code == 0
    assert [line.split(":")[1] for line in out.splitlines()] == ["3", "16"]
    assert "no damage; 2 notes about what a newer runtime version wrote in 1 file" in err
    code, out, _err = run(capsys, "check", str(root), "--json")
    assert code == 0 and {r["kind"] for r in json.loads(out)} == {"newer_version"}
    # damage still fails the check, the notes counted apart
    with (root / f"{COMPAT_ID}.jsonl").open("ab") as f:
        f.write(b"not json\n")
    code, _out, err = run(capsys, "check", str(root))
    assert code == 1
    assert "3 problems in 1 file (2 notes about what a newer runtime version wrote" in err


def test_check_of_the_current_golden_store_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", str(BASIC))
    assert (code, out) == (0, "") and "no problems" in err
