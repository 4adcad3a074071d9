"""``segview tree`` and ``segview check`` through the real entry point."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from segview.cli import main, progress
from segview.store import (
    FsStore,
    MessageItem,
    RequestConfig,
    RestoredState,
    SegmentOrigin,
    SegmentStart,
    TextPart,
    TextSegment,
    TurnEnd,
    create_compacted_segment,
    create_segment,
    fork_at,
    save_delta,
    save_turn_end,
    save_user_input,
)
from tests.conftest import GOLDEN_EXPECTED, GOLDEN_STORES

BASIC = GOLDEN_STORES / "basic"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def sid(n: int) -> str:
    return f"0190c000-{n:04x}-7000-8000-{n:012x}"


def turns(store: FsStore, segment_id: str, count: int, *, ts: int, text: str) -> None:
    for i in range(1, count + 1):
        save_user_input(store, segment_id, [TextSegment(content=f"{text} {i}")], ts=ts + 3 * i)
        reply = MessageItem(role="assistant", content=[TextPart(text="ok")])
        save_delta(store, segment_id, [reply], ts=ts + 3 * i + 1)
        save_turn_end(store, segment_id, i, ts=ts + 3 * i + 2)


def build_family(root: Path) -> dict[str, str]:
    """root (3 turns) -> fork@2 -> fork@1; root -> compaction@3; a newer unrelated root."""
    store = FsStore(root)
    ids = {"root": sid(1), "fork": sid(2), "forkfork": sid(3), "compact": sid(4), "other": sid(5)}
    create_segment(store, RestoredState(), ts=1000, segment_id=ids["root"])
    turns(store, ids["root"], 3, ts=1000, text="first question")
    fork_at(store, ids["root"], 2, ts=2000, segment_id=ids["fork"])
    turns(store, ids["fork"], 1, ts=2000, text="branch question")
    fork_at(store, ids["fork"], 1, ts=3000, segment_id=ids["forkfork"])
    create_compacted_segment(
        store, RestoredState(), ids["root"], 3, ts=4000, segment_id=ids["compact"]
    )
    create_segment(store, RestoredState(), ts=5000, segment_id=ids["other"])
    turns(store, ids["other"], 2, ts=5000, text="unrelated")
    return ids


# --- tree ------------------------------------------------------------------------------------


def test_tree_golden_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "tree", str(BASIC))
    assert code == 0 and err == ""
    lines = out.splitlines()
    order = sorted(
        (p.stem for p in BASIC.glob("*.jsonl")),
        key=lambda i: (json.loads((BASIC / f"{i}.jsonl").read_bytes().split(b"\n")[0])["ts"], i),
        reverse=True,
    )
    assert len(lines) == len(order)
    for line, segment_id in zip(lines, order, strict=True):
        prefix = line.split("  ")[0]
        assert segment_id.startswith(prefix) and len(prefix) >= 8
        text = (BASIC / f"{segment_id}.jsonl").read_text()
        count = text.count('"kind":"turn_end"')
        assert f"  {count} turn{'s' * (count != 1)}  " in line
    seg1 = next(line for line in lines if line.startswith("0190b000-0001-7000-8000-000000000001"))
    # the title (the flattened first input, cut to 80 characters) folded onto one line
    assert seg1.endswith(
        "  Please look at @src/main.rs using #rust-style, then /review fn main() { todo"
    )
    # every prefix is unique in the store
    prefixes = [line.split("  ")[0] for line in lines]
    assert all(sum(o.startswith(p) for o in order) == 1 for p in prefixes)


def test_tree_golden_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "tree", str(BASIC), "--json")
    assert code == 0
    roots = json.loads(out)
    listing = json.loads((GOLDEN_EXPECTED / "basic" / "list.json").read_text())
    assert sorted(r["id"] for r in roots) == sorted(listing["order"])
    for root in roots:
        lines = (BASIC / f"{root['id']}.jsonl").read_text().splitlines()
        assert root["origin"] is None and root["parent_id"] is None
        assert root["at_turn_index"] is None and root["parent_missing"] is False
        assert root["children"] == [] and root["problems"] == []
        assert root["entries"] == listing["entry_counts"][root["id"]]
        assert root["turns"] == sum('"kind":"turn_end"' in line for line in lines)
        assert root["created_ts"] == json.loads(lines[0])["ts"]
        assert root["last_ts"] == json.loads(lines[-1])["ts"]
    assert [r["created_ts"] for r in roots] == sorted(
        (r["created_ts"] for r in roots), reverse=True
    )


def test_tree_of_forks_and_compactions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = build_family(tmp_path)
    code, out, _err = run(capsys, "tree", str(tmp_path))
    assert code == 0
    p = {k: v[:13] for k, v in ids.items()}  # ids share their first 9 characters
    assert out.splitlines() == [
        f"{p['other']}  2 turns  unrelated 1",
        f"{p['root']}  3 turns  first question 1",
        f"├─ {p['fork']}  fork @2  1 turn  branch question 1",
        f"│  └─ {p['forkfork']}  fork @1  0 turns  branch question 1",  # from its seed
        f"└─ {p['compact']}  compaction @3  0 turns  (no user input)",
    ]

    code, out, _err = run(capsys, "tree", str(tmp_path), "--json")
    assert code == 0
    roots = json.loads(out)
    assert [r["id"] for r in roots] == [ids["other"], ids["root"]]
    root = roots[1]
    assert [c["id"] for c in root["children"]] == [ids["fork"], ids["compact"]]
    fork, compact = root["children"]
    assert (fork["origin"], fork["parent_id"], fork["at_turn_index"]) == ("fork", ids["root"], 2)
    assert (compact["origin"], compact["at_turn_index"]) == ("compaction", 3)
    (forkfork,) = fork["children"]
    assert (forkfork["id"], forkfork["parent_id"], forkfork["at_turn_index"]) == (
        ids["forkfork"],
        ids["fork"],
        1,
    )
    assert forkfork["children"] == [] and forkfork["parent_missing"] is False
    assert fork["title"] == "branch question 1" and fork["turns"] == 1 and fork["entries"] == 4


def test_a_fork_without_input_of_its_own_is_titled_from_its_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fork written by ``fork_at`` has no user input until someone continues it: ``tree``
    and ``ls`` (text and JSON, index cold and warm) title it with the last user input before
    the fork point; once it has input of its own, that is its title."""
    store = FsStore(tmp_path)
    root, fork = sid(1), sid(2)
    create_segment(store, RestoredState(), ts=1000, segment_id=root)
    turns(store, root, 3, ts=1000, text="question")
    fork_at(store, root, 2, ts=2000, segment_id=fork)
    for _warm in (False, True):
        code, out, _err = run(capsys, "tree", str(tmp_path))
        assert code == 0
        assert out.splitlines()[1] == f"└─ {fork[:13]}  fork @2  0 turns  question 2"
        code, out, _err = run(capsys, "ls", str(tmp_path), "--json")
        assert {r["id"]: r["title"] for r in json.loads(out)}[fork] == "question 2"
        code, out, _err = run(capsys, "ls", str(tmp_path))
        assert "question 2" in next(line for line in out.splitlines() if fork[:13] in line)
    turns(store, fork, 1, ts=3000, text="its own")
    code, out, _err = run(capsys, "tree", str(tmp_path))
    assert out.splitlines()[1] == f"└─ {fork[:13]}  fork @2  1 turn  its own 1"


def test_tree_flags_damage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = FsStore(tmp_path)
    gone = sid(99)
    orphan = create_compacted_segment(store, RestoredState(), gone, 2, ts=10, segment_id=sid(1))
    store.append(sid(2), TurnEnd(ts=20, turn_count=1))
    (tmp_path / "notes.jsonl").write_text("x\n")
    code, out, err = run(capsys, "tree", str(tmp_path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(sid(2)[:13]) and "[unreadable start: line 1: " in lines[0]
    assert lines[1].startswith(orphan[:13]) and f"[parent missing: {gone}]" in lines[1]
    assert "1 file skipped" in err
    code, out, _err = run(capsys, "tree", str(tmp_path), "--json")
    by_id = {r["id"]: r for r in json.loads(out)}
    assert by_id[orphan]["parent_missing"] is True and by_id[orphan]["parent_id"] == gone
    assert by_id[sid(2)]["first_line_problem"]["line"] == 1


def test_tree_json_of_a_very_deep_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = FsStore(tmp_path)
    prev = create_segment(store, RestoredState(), ts=1, segment_id=sid(1))
    for i in range(2, 302):  # deeper than orjson's nesting limit
        prev = create_compacted_segment(store, RestoredState(), prev, 0, ts=i, segment_id=sid(i))
    code, out, _err = run(capsys, "tree", str(tmp_path), "--json")
    assert code == 0
    node: dict[str, Any] = json.loads(out)[0]
    depth = 0
    while node["children"]:
        (node,) = node["children"]
        depth += 1
    assert depth == 300 and node["id"] == prev


def test_tree_of_an_empty_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "tree", str(tmp_path)) == (0, f"no segments in {tmp_path}\n", "")
    assert run(capsys, "tree", str(tmp_path), "--json") == (0, "[]\n", "")


# --- check -----------------------------------------------------------------------------------


def test_check_golden_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    for case in sorted(GOLDEN_STORES.iterdir()):
        code, out, err = run(capsys, "check", str(case))
        assert (code, out) == (0, "")
        assert "no problems" in err
        assert run(capsys, "check", str(case), "--json")[:2] == (0, "[]\n")


def test_check_built_store_is_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_family(tmp_path)
    assert run(capsys, "check", str(tmp_path))[:2] == (0, "")


def damaged_store(root: Path) -> dict[str, Any]:
    """A store with one of each problem; returns the expected (file name, line) pairs."""
    store = FsStore(root)
    ids = build_family(root)
    with store.path_for(ids["root"]).open("ab") as f:
        f.write(b'{"kind":"turn_end","ts":"late","turn_count":4}\n')  # line 11: corrupt
        f.write(b'{"kind":"rewind","ts":7}\n')  # line 12: unknown kind
        f.write(b'{"kind":"turn_e')  # line 13: truncated
    orphan = create_compacted_segment(store, RestoredState(), sid(77), 1, ts=10, segment_id=sid(8))
    a, b = sid(10), sid(11)
    create_compacted_segment(store, RestoredState(), b, 0, ts=100, segment_id=a)
    fork_at(store, a, 0, ts=200, segment_id=b)
    store.path_for(sid(12)).write_bytes(b"\xef\xbb\xbfnot json\n")
    store.path_for(sid(13)).write_bytes(b"")
    (root / f"{sid(14).upper()}.jsonl").write_text("{}\n")
    (root / "backup.jsonl").write_text("{}\n")
    expected = {
        (f"{ids['root']}.jsonl", 11, "corrupt"),
        (f"{ids['root']}.jsonl", 12, "newer_version"),
        (f"{ids['root']}.jsonl", 13, "truncated"),
        (f"{orphan}.jsonl", 1, "missing_parent"),
        (f"{a}.jsonl", 1, "cycle"),
        (f"{sid(12)}.jsonl", 1, "bad_first_line"),
        (f"{sid(13)}.jsonl", None, "empty"),
        (f"{sid(14).upper()}.jsonl", None, "skipped"),
        ("backup.jsonl", None, "skipped"),
    }
    return {"expected": expected}


def test_check_reports_every_problem_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = damaged_store(tmp_path)["expected"]
    code, out, err = run(capsys, "check", str(tmp_path))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == len(expected)
    seen = set()
    for line in lines:  # FILE:LINE: MESSAGE, or FILE: MESSAGE for the file as a whole
        m = re.fullmatch(r"(.+\.jsonl)(?::(\d+))?: (\S.*)", line)
        assert m is not None, line
        assert Path(m[1]).parent == tmp_path
        seen.add((Path(m[1]).name, int(m[2]) if m[2] else None))
    assert seen == {(name, line) for name, line, _kind in expected}
    files = len({name for name, _line, _kind in expected})
    assert f"{len(expected)} problems in {files} files" in err

    code, out, _err = run(capsys, "check", str(tmp_path), "--json")
    assert code == 1
    rows = json.loads(out)
    assert {(Path(r["path"]).name, r["line"], r["kind"]) for r in rows} == expected
    for row in rows:
        assert set(row) == {"path", "line", "message", "kind", "segment_id"}
        if row["kind"] != "skipped":
            assert Path(row["path"]).stem == row["segment_id"]


def test_check_names_an_unreadable_file_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that cannot be opened (no read permission) is one line: its path once, then
    the reason; the JSON message is the reason alone (the path has a key of its own)."""
    import errno

    from segview.store import fs_store

    ids = build_family(tmp_path)
    locked = FsStore(tmp_path).path_for(ids["fork"])
    real = fs_store.open_regular

    def open_regular(path: str | Path) -> object:  # what a file without read permission does
        if Path(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(fs_store, "open_regular", open_regular)
    code, out, _err = run(capsys, "check", str(tmp_path), "--no-index")
    assert code == 1
    assert out.splitlines() == [f"{locked}: Permission denied"]
    code, out, _err = run(capsys, "check", str(tmp_path), "--no-index", "--json")
    (row,) = json.loads(out)
    assert (row["path"], row["message"], row["kind"]) == (str(locked), "Permission denied", "io")


def test_check_message_names_the_cause(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    damaged_store(tmp_path)
    _code, out, _err = run(capsys, "check", str(tmp_path))
    text = out
    assert f"parent missing: compaction of {sid(77)}" in text
    assert "ancestry cycle" in text and "unknown entry kind `rewind`" in text
    assert "truncated last line" in text and "first line is not a segment_start" in text
    assert "not a lower-case hyphenated UUID" in text


def test_check_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", str(tmp_path / "missing"))
    assert (code, out) == (2, "") and "store not found" in err and "Traceback" not in err
    (tmp_path / "file").write_text("x")
    assert run(capsys, "check", str(tmp_path / "file"))[0] == 2
    assert run(capsys, "check")[0] == 2
    assert run(capsys, "tree", str(tmp_path / "missing"))[0] == 2
    assert run(capsys, "check", str(tmp_path), "--bogus")[0] == 2


@pytest.mark.parametrize(
    ("argv", "verb"),
    [
        (["check"], "checking"),
        (["tree"], "reading"),
        (["ls"], "reading"),
        (["tree", "--json"], "counting the tokens of"),
        (["ls", "--json"], "counting the tokens of"),
    ],
)
def test_progress_only_on_a_terminal(
    argv: list[str],
    verb: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A command reading a large store says how far it is on stderr, on a terminal only, and
    clears the line at the end; what it keeps of its output (``segview.cli.kept``) does not
    hold that line."""
    build_family(tmp_path)
    command = [argv[0], str(tmp_path), *argv[1:]]
    monkeypatch.setattr(progress, "MIN_SEGMENTS", 1)
    monkeypatch.setattr(progress, "DELAY", 0.0)
    code, out, err = run(capsys, *command)
    assert "segments…" not in err
    terminal = True
    monkeypatch.setattr(progress, "is_tty", lambda stream: terminal)
    shown = run(capsys, *command, "--no-index")
    assert shown[:2] == (code, out)
    assert f"{verb} 5/5 segments…" in shown[2] and shown[2].count("\r\x1b[K") >= 1
    assert re.sub(r"\r(\x1b\[K|[^\r\n]*segments…)", "", shown[2]) == err  # nothing else
    # made again on a terminal (a file changed), then printed again elsewhere
    segment = next(tmp_path.glob("*.jsonl"))
    st = segment.stat()
    os.utime(segment, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert f"{verb} 5/5 segments…" in run(capsys, *command)[2]
    terminal = False
    assert run(capsys, *command) == (code, out, err)


def test_tree_of_the_session_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sessions = ["0190d000-0000-7000-8000-000000000001", "0190d000-0000-7000-8000-000000000002"]
    for n, session in enumerate(sessions, 1):
        (tmp_path / session).mkdir()
        store = FsStore(tmp_path / session)
        start = SegmentStart(
            ts=n * 100, session_id=session, config=RequestConfig(stop_sequences=[]), history=[]
        )
        store.create_segment(sid(n), [start])
        save_turn_end(store, sid(n), 1, ts=n * 100 + 1)
    fork = SegmentStart(
        ts=150,
        session_id=sessions[0],
        config=RequestConfig(stop_sequences=[]),
        history=[],
        forked_from=SegmentOrigin(segment_id=sid(1), at_turn_index=1),
    )
    FsStore(tmp_path / sessions[0]).create_segment(sid(3), [fork])
    code, out, _err = run(capsys, "tree", str(tmp_path))
    assert code == 0
    assert out.splitlines() == [
        f"session {sessions[1]}",
        f"  {sid(2)[:13]}  1 turn  (no user input)",
        f"session {sessions[0]}",
        f"  {sid(1)[:13]}  1 turn  (no user input)",
        f"  └─ {sid(3)[:13]}  fork @1  0 turns  (no user input)",
    ]
    code, out, _err = run(capsys, "tree", str(tmp_path), "--json")
    roots = json.loads(out)
    assert [(r["id"], r["session_id"]) for r in roots] == [
        (sid(2), sessions[1]),
        (sid(1), sessions[0]),
    ]
    assert roots[1]["children"][0]["session_id"] == sessions[0]
    assert run(capsys, "check", str(tmp_path))[:2] == (0, "")
