"""The damage matrix against the lineage (the forest), the timeline (one segment's turns)
and ``segview check``: nothing raises, every problem is reported once with its file and line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from segview.cli import main
from segview.lineage import Lineage
from segview.store import FsStore, LogEntry, TurnEnd, collect_state, encode_entry
from segview.timeline import Timeline
from tests.reliability.damage import (
    BASE_TS,
    CASE_NAMES,
    SEGMENT_CASES,
    Built,
    build,
    build_all,
)
from tests.reliability.test_damage_store import assert_keeps_good_entries, is_one_clean_line

Capture = pytest.CaptureFixture[str]


def in_forest(b: Built) -> list[str]:
    """The case's segments the forest shows: the listed ones."""
    if not b.listed:
        return []
    return sorted((f.removesuffix(".jsonl") for f in b.files), reverse=True)


def found(problems: list) -> list[tuple[str, int | None]]:  # type: ignore[type-arg]
    return [(p.path.name, p.line) for p in problems]


@pytest.mark.parametrize("case", CASE_NAMES)
def test_lineage(case: str, tmp_path: Path) -> None:
    b = build(case, tmp_path / "store")
    lineage = Lineage.open(b.root)
    walked = [node.id for _depth, node in lineage.walk()]
    assert sorted(walked, reverse=True) == in_forest(b)  # every segment exactly once
    problems = lineage.problems()
    assert sorted(found(problems), key=str) == sorted(b.planted, key=str)
    for p in problems:
        assert is_one_clean_line(p.message) and p.path.parent == b.root
    for node in lineage.nodes.values():
        reported = any(p.segment_id == node.id for p in problems)
        # both members of a cycle are flagged; the cycle is one problem, at one of them
        assert node.flagged == (reported or node.in_cycle)
    if case == "missing_parent":
        (node,) = lineage.nodes.values()
        assert node.parent_missing and lineage.roots == [node]
    if case == "fork_cycle":
        assert all(n.in_cycle for n in lineage.nodes.values())
        assert len(lineage.roots) == 1 and lineage.roots[0].id == b.segment_id
    if case in ("non_uuid_names", "directory_named_jsonl", "dangling_symlink"):
        assert {p.name for p, _reason in lineage.skipped} == set(b.files)
    # a second look changes nothing, and reads no file that did not change
    assert not lineage.refresh().changed
    assert sorted(found(lineage.problems()), key=str) == sorted(b.planted, key=str)


def check_states(timeline: Timeline, entries: list[LogEntry]) -> None:
    for n in range(len(entries) + 1):
        assert timeline.state_at_entry(n) == collect_state(entries[:n])
    for i, turn in enumerate(timeline.turns):
        assert timeline.state_after_turn(i) == collect_state(entries[: turn.end_entry + 1])


@pytest.mark.parametrize("case", SEGMENT_CASES)
def test_timeline(case: str, tmp_path: Path) -> None:
    b = build(case, tmp_path / "store")
    assert b.segment_id is not None
    store = FsStore(b.root)
    timeline = Timeline.load(store, b.segment_id)
    if not b.readable:
        assert timeline.entries == [] and timeline.turns == []
        assert [p.line for p in timeline.problems] == [None]
        assert str(b.path) in timeline.problems[0].message
        assert timeline.refresh() == 0
        return
    assert_keeps_good_entries(timeline.entries, b)
    assert [p.line for p in timeline.problems] == b.line_problems
    ends = [e for e in b.good if isinstance(e, TurnEnd)]
    assert [t.turn_count for t in timeline.turns] == [e.turn_count for e in ends]
    entries: list[LogEntry] = list(timeline.entries)  # type: ignore[arg-type]
    check_states(timeline, entries)
    if ends:
        first = ends[0].turn_count
        assert timeline.turn_by_count(first) is timeline.turns[0]
        assert timeline.state_at(first) == timeline.state_after_turn(0)
    with pytest.raises(KeyError):
        timeline.state_at(999)
    # the agent appends a turn: a refresh reads only that, and equals a fresh load
    with open(b.path, "ab") as f:
        f.write(encode_entry(TurnEnd(ts=BASE_TS + 999, turn_count=99)) + b"\n")
    timeline.refresh()
    fresh = Timeline.load(store, b.segment_id)
    assert timeline.entries == fresh.entries and timeline.problems == fresh.problems
    assert [t.turn_count for t in timeline.turns] == [t.turn_count for t in fresh.turns]
    check_states(timeline, list(fresh.entries))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def damaged_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Built]]:
    root = tmp_path_factory.mktemp("all-cases") / "store"
    return root, build_all(root)


def planted_in(built: dict[str, Built]) -> set[tuple[str, int | None]]:
    out: set[tuple[str, int | None]] = set()
    for b in built.values():
        assert not out & b.planted
        out |= b.planted
    return out


def test_check_lists_every_planted_problem_exactly_once(
    damaged_store: tuple[Path, dict[str, Built]], capsys: Capture
) -> None:
    root, built = damaged_store
    planted = planted_in(built)
    code = main(["check", str(root), "--json"])
    out, _err = capsys.readouterr()
    assert code == 1
    reported = [(Path(p["path"]).name, p["line"]) for p in json.loads(out)]
    assert len(reported) == len(set(reported))  # once each
    assert set(reported) == planted
    code = main(["check", str(root)])
    out, err = capsys.readouterr()
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == len(planted)
    for name, line in planted:
        where = f"{root / name}:{line}: " if line is not None else f"{root / name}: "
        assert sum(text.startswith(where) for text in lines) == 1, where
    assert all(is_one_clean_line(text) for text in lines)
    assert err.count("\n") == 1 and err.startswith("segview: ") and "problems in" in err


def test_tree_of_the_damaged_store(
    damaged_store: tuple[Path, dict[str, Built]], capsys: Capture
) -> None:
    root, built = damaged_store
    code = main(["tree", str(root), "--json"])
    out, err = capsys.readouterr()
    assert code in (0, 1) and "Traceback" not in err
    ids: list[str] = []

    def collect(nodes: list[dict]) -> None:  # type: ignore[type-arg]
        for n in nodes:
            ids.append(n["id"])
            collect(n.get("children", []))

    data = json.loads(out)
    collect(data if isinstance(data, list) else data["roots"])
    assert sorted(ids) == sorted(i for b in built.values() for i in in_forest(b))


def test_check_and_tree_in_a_real_process(damaged_store: tuple[Path, dict[str, Built]]) -> None:
    root, built = damaged_store
    for command, status in (("check", 1), ("tree", None)):
        proc = subprocess.run(
            [sys.executable, "-m", "segview", command, str(root)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert "Traceback" not in proc.stderr
        assert all(line.startswith("segview: ") for line in proc.stderr.splitlines())
        if status is not None:
            assert proc.returncode == status
            assert len(proc.stdout.splitlines()) == len(planted_in(built))
