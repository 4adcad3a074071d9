"""``segview label / note / notes`` and labels in ``tree`` / ``ls``, through the entry point."""

from __future__ import annotations

import errno
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from segview.cli import main
from segview.notes import SIDECAR_DIR, read_notes
from tests.reliability.test_readonly import can_create_in, fail_writes_under, snapshot
from tests.test_compare import FORK_MID, MAIN, SAMPLE_LOGS
from tests.test_notes import digests

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    dest = tmp_path / "sample_logs"
    shutil.copytree(SAMPLE_LOGS, dest)
    return dest


def run(capsys: Capture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_label_shows_in_tree_and_ls_instead_of_the_title(demo: Path, capsys: Capture) -> None:
    before = digests(demo)
    code, out, err = run(capsys, "label", str(demo), "01926c6", "timedelta", "branch")
    assert code == 0 and out == f"{FORK_MID}: label 'timedelta branch'\n" and err == ""
    _, tree, _ = run(capsys, "tree", str(demo))
    (line,) = [x for x in tree.splitlines() if "01926c67" in x]
    assert line.endswith("fork @4  2 turns  ✎ timedelta branch")
    assert "Let's skip ISO" not in line
    _, ls, _ = run(capsys, "ls", str(demo))
    assert any(x.startswith(FORK_MID) and x.endswith("✎ timedelta branch") for x in ls.splitlines())
    _, data, _ = run(capsys, "tree", str(demo), "--json")
    stack, labels = json.loads(data), {}
    while stack:
        node = stack.pop()
        labels[node["id"]] = node["label"]
        stack.extend(node["children"])
    assert labels[FORK_MID] == "timedelta branch" and labels[MAIN] is None
    code, out, _ = run(capsys, "label", str(demo), "01926c6", "")
    assert code == 0 and out == f"{FORK_MID}: label removed\n"
    _, tree, _ = run(capsys, "tree", str(demo))
    assert "✎" not in tree
    assert digests(demo) == before


def test_notes_on_turns_and_items_are_listed(demo: Path, capsys: Capture) -> None:
    code, out, _ = run(capsys, "note", str(demo), "01926b8", "--turn", "5", "the", "ISO", "turn")
    assert code == 0 and out.startswith(f"{MAIN}: note ") and out.endswith(" on turn 5\n")
    assert run(capsys, "note", str(demo), "01926b8", "--item", "97", "last reply")[0] == 0
    assert run(capsys, "note", str(demo), "01926c6", "whole segment")[0] == 0
    assert run(capsys, "label", str(demo), "01926c6", "timedelta")[0] == 0
    code, out, _ = run(capsys, "notes", str(demo))
    assert code == 0
    lines = out.splitlines()
    i = lines.index("01926b8")
    assert lines[i + 1].startswith("  turn 5: the ISO turn  (")
    assert lines[i + 2].startswith("  item 97: last reply  (")
    j = lines.index("01926c6  ✎ timedelta")
    assert lines[j + 1].startswith("  segment: whole segment")
    _, out, _ = run(capsys, "notes", str(demo), "--json")
    data = {d["segment_id"]: d for d in json.loads(out)}
    assert data[MAIN]["notes"][0]["turn"] == 5 and data[MAIN]["notes"][1]["item"] == 97
    assert data[FORK_MID]["label"] == "timedelta" and data[FORK_MID]["in_store"] is True
    assert read_notes(demo, MAIN).notes[0].text == "the ISO turn"


def test_a_note_on_a_turn_or_item_that_does_not_exist_is_refused(
    demo: Path, capsys: Capture
) -> None:
    code, out, err = run(capsys, "note", str(demo), "01926b8", "--turn", "11", "x")
    assert code == 2 and out == ""
    assert err == f"segview: segment {MAIN} has no turn 11: its turns are 0..10\n"
    code, _, err = run(capsys, "note", str(demo), "01926b8", "--turn", "4", "--item", "48", "x")
    assert code == 2 and "has no item 48: it has 47 items after turn 4" in err
    code, _, err = run(capsys, "note", str(demo), "01926b8", "--item", "0", "x")
    assert code == 2 and "has no item 0" in err
    code, _, err = run(capsys, "note", str(demo), "01926b8", "--turn", "-1", "x")
    assert code == 2
    assert not (demo / SIDECAR_DIR).exists()


def test_no_notes(demo: Path, capsys: Capture) -> None:
    code, out, _ = run(capsys, "notes", str(demo))
    assert code == 0 and out == f"no labels or notes in {demo}\n"


@pytest.fixture
def read_only_demo(demo: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for p in demo.iterdir():
        p.chmod(0o444)
    demo.chmod(0o555)
    if can_create_in(demo):  # chmod does not bind this user (root): simulate
        fail_writes_under(monkeypatch, demo, errno.EROFS)
    yield demo
    monkeypatch.undo()
    demo.chmod(0o755)


def test_a_read_only_store_says_so_and_writes_nothing(
    read_only_demo: Path, capsys: Capture
) -> None:
    before = snapshot(read_only_demo)
    for args in (
        ["label", str(read_only_demo), "01926c6", "x"],
        ["note", str(read_only_demo), "01926b8", "--turn", "2", "x"],
    ):
        code, out, err = run(capsys, *args)
        assert code == 1 and out == ""
        (line,) = err.splitlines()
        assert line.startswith(f"segview: cannot write {read_only_demo}/.segview/")
        assert line.endswith("(the store is read-only); nothing was written")
    assert snapshot(read_only_demo) == before
    code, out, _ = run(capsys, "notes", str(read_only_demo))
    assert code == 0 and "no labels or notes" in out
