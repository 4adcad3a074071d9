"""Lineage: the ancestry forest of a store, built from the first line of each file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from segview.lineage import Lineage, SegmentNode
from segview.store import (
    FsStore,
    MessageItem,
    RequestConfig,
    RestoredState,
    SegmentOrigin,
    SegmentStart,
    StoreError,
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
from tests.conftest import GOLDEN_STORES


def sid(n: int) -> str:
    """A lower-case v7-shaped id whose order follows ``n``."""
    return f"0190c000-{n:04x}-7000-8000-{n:012x}"


def first_line(path: Path) -> dict[str, Any]:
    return json.loads(path.read_bytes().split(b"\n", 1)[0])


def with_turns(store: FsStore, segment_id: str, turns: int, *, ts: int, text: str = "hi") -> None:
    """Append ``turns`` complete turns (user input, assistant reply, turn_end)."""
    for i in range(1, turns + 1):
        save_user_input(store, segment_id, [TextSegment(content=f"{text} {i}")], ts=ts + 3 * i)
        reply = MessageItem(role="assistant", content=[TextPart(text=f"reply {i}")])
        save_delta(store, segment_id, [reply], ts=ts + 3 * i + 1)
        save_turn_end(store, segment_id, i, ts=ts + 3 * i + 2)


def ids_of(nodes: list[SegmentNode]) -> list[str]:
    return [n.id for n in nodes]


# --- golden stores ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(p.name for p in GOLDEN_STORES.iterdir()))
def test_golden_store_forest(case: str) -> None:
    root = GOLDEN_STORES / case
    lineage = Lineage.open(root)
    files = sorted(root.glob("*.jsonl"))
    assert sorted(lineage.nodes) == sorted(p.stem for p in files)
    assert lineage.layout == "flat" and lineage.sessions == {} and lineage.skipped == []
    created = {p.stem: first_line(p)["ts"] for p in files}
    for node in lineage.nodes.values():
        assert node.parent is None and node.origin is None and node.children == []
        assert node.created_ts == created[node.id]
        assert node.size == (root / f"{node.id}.jsonl").stat().st_size
        assert not node.details_loaded and node.title is None and node.turns is None
    # roots newest first: by segment_start ts, then id
    assert ids_of(lineage.roots) == sorted(created, key=lambda i: (created[i], i), reverse=True)
    assert lineage.problems() == []


@pytest.mark.parametrize("case", sorted(p.name for p in GOLDEN_STORES.iterdir()))
def test_golden_details(case: str) -> None:
    root = GOLDEN_STORES / case
    lineage = Lineage.open(root)
    listing = json.loads((root.parent.parent / "expected" / case / "list.json").read_text())
    for node in lineage.nodes.values():
        lineage.load_details(node)
        raw = [json.loads(line) for line in node.path.read_text().splitlines() if line.strip()]
        assert node.details_loaded
        assert node.entries == listing["entry_counts"][node.id]
        assert node.turns == sum(e["kind"] == "turn_end" for e in raw)
        assert node.last_ts == raw[-1]["ts"]
        assert node.problems == [] and not node.flagged
    # the first user input as the model saw it (flattened), cut to 80 characters
    flattened = (
        "Please look at @src/main.rs using #rust-style, then /review\nfn main() {\n    todo!()"
    )
    title = flattened[:80]
    if case == "basic":
        assert lineage.nodes["0190b000-0001-7000-8000-000000000001"].title == title
        assert lineage.nodes["0190b000-0001-7000-8000-000000000003"].title is None


# --- stores built with the write operations --------------------------------------------------


@pytest.fixture
def family(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """root (3 turns) -> fork@2 -> fork@1 of the fork; root -> compaction@3; a second root."""
    store = FsStore(tmp_path)
    ids = {"root": sid(1), "fork": sid(2), "forkfork": sid(3), "compact": sid(4), "other": sid(5)}
    create_segment(store, RestoredState(), ts=1000, segment_id=ids["root"])
    with_turns(store, ids["root"], 3, ts=1000, text="root")
    fork_at(store, ids["root"], 2, ts=2000, segment_id=ids["fork"])
    with_turns(store, ids["fork"], 1, ts=2000, text="fork")
    fork_at(store, ids["fork"], 1, ts=3000, segment_id=ids["forkfork"])
    summary = RestoredState(
        history=[MessageItem(role="system", content=[TextPart(text="summary")])]
    )
    create_compacted_segment(store, summary, ids["root"], 3, ts=4000, segment_id=ids["compact"])
    create_segment(store, RestoredState(), ts=5000, segment_id=ids["other"])
    return tmp_path, ids


def test_forks_compactions_and_forks_of_forks(family: tuple[Path, dict[str, str]]) -> None:
    root_dir, ids = family
    lineage = Lineage.open(root_dir)
    n = lineage.nodes
    assert ids_of(lineage.roots) == [ids["other"], ids["root"]]
    assert ids_of(n[ids["root"]].children) == [ids["fork"], ids["compact"]]
    assert ids_of(n[ids["fork"]].children) == [ids["forkfork"]]
    fork, forkfork, compact = n[ids["fork"]], n[ids["forkfork"]], n[ids["compact"]]
    assert (fork.origin, fork.parent_id, fork.at_turn_index) == ("fork", ids["root"], 2)
    assert (forkfork.origin, forkfork.parent_id, forkfork.at_turn_index) == (
        "fork",
        ids["fork"],
        1,
    )
    assert (compact.origin, compact.parent_id, compact.at_turn_index) == (
        "compaction",
        ids["root"],
        3,
    )
    assert forkfork.parent is fork and fork.parent is n[ids["root"]]
    assert forkfork.depth() == 2 and n[ids["root"]].depth() == 0
    assert [(d, i) for d, i in ((d, node.id) for d, node in lineage.walk())] == [
        (0, ids["other"]),
        (0, ids["root"]),
        (1, ids["fork"]),
        (2, ids["forkfork"]),
        (1, ids["compact"]),
    ]
    assert lineage.problems() == []
    lineage.load_details(fork)
    assert fork.turns == 1 and fork.title == "fork 1" and fork.entries == 4
    assert lineage.store_for(ids["fork"]).root == root_dir


def test_children_are_ordered_by_creation_roots_newest_first(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    parent = create_segment(store, RestoredState(), ts=100, segment_id=sid(50))
    save_turn_end(store, parent, 1, ts=101)
    # ids in one order, creation times in another
    fork_at(store, parent, 1, ts=400, segment_id=sid(1))
    fork_at(store, parent, 1, ts=200, segment_id=sid(3))
    fork_at(store, parent, 1, ts=300, segment_id=sid(2))
    fork_at(store, parent, 1, ts=300, segment_id=sid(4))  # same ts: id breaks the tie
    create_segment(store, RestoredState(), ts=50, segment_id=sid(99))
    create_segment(store, RestoredState(), ts=900, segment_id=sid(7))
    lineage = Lineage.open(tmp_path)
    assert ids_of(lineage.nodes[parent].children) == [sid(3), sid(2), sid(4), sid(1)]
    assert ids_of(lineage.roots) == [sid(7), parent, sid(99)]


def test_resolve_by_prefix(family: tuple[Path, dict[str, str]]) -> None:
    root_dir, ids = family
    lineage = Lineage.open(root_dir)
    assert lineage.resolve(ids["fork"]).id == ids["fork"]
    assert lineage.resolve(ids["fork"].upper() + ".jsonl").id == ids["fork"]
    assert lineage.resolve("0190c000-0003").id == ids["forkfork"]
    with pytest.raises(LookupError, match=r"ambiguous.*5 candidates"):
        lineage.resolve("0190c000")
    with pytest.raises(LookupError, match="no segment matches"):
        lineage.resolve("ffff")
    assert lineage.get("nope") is None


# --- damaged stores --------------------------------------------------------------------------


def test_missing_parent_becomes_a_flagged_root(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    gone = sid(9)
    child = create_compacted_segment(store, RestoredState(), gone, 4, ts=10, segment_id=sid(1))
    grandchild = fork_at(store, child, 0, ts=20, segment_id=sid(2))
    lineage = Lineage.open(tmp_path)
    node = lineage.nodes[child]
    assert ids_of(lineage.roots) == [child]
    assert node.parent_missing and node.parent is None and node.parent_id == gone
    assert node.flagged and ids_of(node.children) == [grandchild]
    assert not lineage.nodes[grandchild].flagged
    problems = lineage.problems()
    assert [(p.kind, p.segment_id, p.path, p.line) for p in problems] == [
        ("missing_parent", child, store.path_for(child), 1)
    ]
    assert gone in problems[0].message


def test_cycle_is_reported_once_and_broken_at_one_edge(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    a, b, c = sid(1), sid(2), sid(3)
    # a says it is a compaction of b, b is a fork of a: a cycle; c hangs off b
    create_compacted_segment(store, RestoredState(), b, 1, ts=100, segment_id=a)
    save_turn_end(store, a, 1, ts=101)
    fork_at(store, a, 1, ts=200, segment_id=b)
    save_turn_end(store, b, 1, ts=201)
    fork_at(store, b, 1, ts=300, segment_id=c)
    lineage = Lineage.open(tmp_path)
    n = lineage.nodes
    walked = [node.id for _d, node in lineage.walk()]
    assert sorted(walked) == [a, b, c]  # every node once, no endless loop
    assert n[a].in_cycle and n[b].in_cycle and not n[c].in_cycle
    # broken at the oldest member: a (ts 100) loses its link to b
    assert ids_of(lineage.roots) == [a] and n[a].parent is None and n[a].parent_id == b
    assert n[b].parent is n[a] and n[c].parent is n[b]
    cycles = [p for p in lineage.problems() if p.kind == "cycle"]
    assert len(cycles) == 1 and cycles[0].segment_id == a and cycles[0].line == 1
    assert a in cycles[0].message and b in cycles[0].message


def test_self_cycle(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    a = sid(1)
    create_compacted_segment(store, RestoredState(), a, 0, ts=100, segment_id=a)
    lineage = Lineage.open(tmp_path)
    assert ids_of(lineage.roots) == [a] and lineage.nodes[a].in_cycle
    assert [p.kind for p in lineage.problems()] == ["cycle"]


def test_bad_first_lines_and_bad_names(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    good = create_segment(store, RestoredState(), ts=100, segment_id=sid(1))
    not_start = sid(2)
    store.append(not_start, TurnEnd(ts=5, turn_count=1))  # creates the file
    garbage = sid(3)
    store.path_for(garbage).write_bytes(b"\n{not json\n" + store.path_for(good).read_bytes())
    empty = sid(4)
    store.path_for(empty).write_bytes(b"")
    upper = sid(5).upper()
    (tmp_path / f"{upper}.jsonl").write_bytes(store.path_for(good).read_bytes())
    (tmp_path / "notes.jsonl").write_text("hello\n")
    (tmp_path / f"{sid(6)}.jsonl").mkdir()
    (tmp_path / f"{good}.trace.jsonl").write_text("{}\n")  # ignored silently
    (tmp_path / "README.txt").write_text("ignored\n")

    lineage = Lineage.open(tmp_path)
    assert set(lineage.nodes) == {good, not_start, garbage, empty}
    assert {n.id for n in lineage.roots} == set(lineage.nodes)
    skipped = {p.name: reason for p, reason in lineage.skipped}
    assert set(skipped) == {f"{upper}.jsonl", "notes.jsonl", f"{sid(6)}.jsonl"}
    assert "lower-case" in skipped[f"{upper}.jsonl"]
    assert "directory" in skipped[f"{sid(6)}.jsonl"]
    n = lineage.nodes
    assert n[not_start].first_line_problem is not None
    assert n[not_start].first_line_problem.line == 1
    assert "turn_end" in n[not_start].first_line_problem.message
    assert n[not_start].created_ts == 5
    assert n[garbage].first_line_problem is not None
    assert n[garbage].first_line_problem.line == 2  # blank line 1 counts
    assert n[empty].first_line_problem is not None and n[empty].first_line_problem.line is None
    assert n[good].first_line_problem is None and not n[good].flagged

    by_file = {}
    for p in lineage.problems():
        by_file.setdefault(p.path.name, []).append((p.line, p.kind))
    assert by_file == {
        f"{upper}.jsonl": [(None, "skipped")],
        "notes.jsonl": [(None, "skipped")],
        f"{sid(6)}.jsonl": [(None, "skipped")],
        f"{not_start}.jsonl": [(1, "bad_first_line")],
        f"{garbage}.jsonl": [(2, "bad_first_line")],  # reported once, not again as corrupt
        f"{empty}.jsonl": [(None, "empty")],
    }


def test_problems_inside_files_with_line_numbers(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    seg = create_segment(store, RestoredState(), ts=100, segment_id=sid(1))
    with_turns(store, seg, 2, ts=100)
    with store.path_for(seg).open("ab") as f:
        f.write(b'{"kind":"teleport","ts":9}\n')  # line 8: unknown kind, kept
        f.write(b'{"kind":"turn_end","ts":"x","turn_count":3}\n')  # line 9: corrupt
        f.write(b'{"kind":"turn_e')  # line 10: truncated tail
    lineage = Lineage.open(tmp_path)
    node = lineage.load_details(lineage.nodes[seg])
    assert node.turns == 2 and node.entries == 10
    assert [(p.line, p.kind) for p in lineage.problems()] == [
        (8, "newer_version"),
        (9, "corrupt"),
        (10, "truncated"),
    ]
    assert lineage.problems(with_details=False) == []


def test_unreadable_root_raises_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        Lineage.open(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError):
        Lineage.open(tmp_path / "file")


def test_deep_chain_walks_without_recursion(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    prev = create_segment(store, RestoredState(), ts=1, segment_id=sid(1))
    for i in range(2, 1202):
        prev = create_compacted_segment(store, RestoredState(), prev, 0, ts=i, segment_id=sid(i))
    lineage = Lineage.open(tmp_path)
    depths = [d for d, _n in lineage.walk()]
    assert depths == list(range(1201))
    assert lineage.nodes[prev].depth() == 1200


# --- refresh ---------------------------------------------------------------------------------


class Counter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        original = getattr(FsStore, name)

        def counted(store: FsStore, *args: Any, **kwargs: Any) -> Any:
            self.calls.append((args, kwargs))
            return original(store, *args, **kwargs)

        monkeypatch.setattr(FsStore, name, counted)


def test_refresh_reads_only_new_and_changed_files(
    family: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root_dir, ids = family
    store = FsStore(root_dir)
    lineage = Lineage.open(root_dir)
    nodes_before = dict(lineage.nodes)
    firsts = Counter(monkeypatch, "read_first_entry")

    assert not lineage.refresh().changed
    assert firsts.calls == []

    with_turns(store, ids["other"], 2, ts=6000)  # grown
    new = fork_at(store, ids["compact"], 0, ts=7000, segment_id=sid(20))  # added
    change = lineage.refresh()
    assert (change.added, change.grown, change.removed) == ([new], [ids["other"]], [])
    assert [c[0][0] for c in firsts.calls] == [new]  # only the new file's first line
    for segment_id, node in nodes_before.items():
        assert lineage.nodes[segment_id] is node  # the same nodes: no rebuild
    assert lineage.nodes[new].parent is lineage.nodes[ids["compact"]]
    assert ids_of(lineage.nodes[ids["compact"]].children) == [new]
    assert lineage.nodes[ids["other"]].size == store.path_for(ids["other"]).stat().st_size

    os.unlink(store.path_for(ids["fork"]))  # removed: its child loses its parent
    change = lineage.refresh()
    assert change.removed == [ids["fork"]]
    assert lineage.nodes[ids["forkfork"]].parent_missing
    assert ids["forkfork"] in ids_of(lineage.roots)


def test_refresh_rereads_a_first_line_that_was_being_written(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    parent = create_segment(store, RestoredState(), ts=1, segment_id=sid(1))
    save_turn_end(store, parent, 1, ts=2)
    child = sid(2)
    line = SegmentStart(
        ts=3,
        config=RequestConfig(stop_sequences=[]),
        history=[],
        forked_from=SegmentOrigin(segment_id=parent, at_turn_index=1),
    )
    from segview.store import encode_entry

    data = encode_entry(line) + b"\n"
    store.path_for(child).write_bytes(data[:20])
    lineage = Lineage.open(tmp_path)
    assert lineage.nodes[child].first_line_problem is not None
    assert lineage.nodes[child] in lineage.roots
    with store.path_for(child).open("ab") as f:
        f.write(data[20:])
    change = lineage.refresh()
    assert change.grown == [child]
    node = lineage.nodes[child]
    assert node.first_line_problem is None and node.parent is lineage.nodes[parent]
    assert ids_of(lineage.roots) == [parent]


def test_details_are_cached_and_resumed(
    family: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root_dir, ids = family
    store = FsStore(root_dir)
    lineage = Lineage.open(root_dir)
    reads = Counter(monkeypatch, "read_tolerant")
    node = lineage.load_details(lineage.nodes[ids["root"]])
    assert (node.turns, node.entries, node.title) == (3, 10, "root 1")
    size = node.size
    lineage.load_details(node)
    assert len(reads.calls) == 1  # cached
    with_turns(store, ids["root"], 1, ts=9000, text="late")
    assert lineage.refresh().grown == [ids["root"]]
    assert not node.details_loaded
    lineage.load_details(node)
    assert reads.calls[-1][1]["offset"] == size  # only the new bytes
    assert (node.turns, node.entries, node.title) == (4, 13, "root 1")
    assert node.last_ts == 9000 + 3 + 2


# --- the later layout (one directory per session) --------------------------------------------


def start_line(ts: int, session: str, origin: SegmentOrigin | None = None) -> SegmentStart:
    return SegmentStart(
        ts=ts,
        session_id=session,
        config=RequestConfig(stop_sequences=[]),
        history=[],
        forked_from=origin,
    )


def test_session_layout_groups_by_session(tmp_path: Path) -> None:
    s1, s2 = "0190d000-0000-7000-8000-000000000001", "0190d000-0000-7000-8000-000000000002"
    one, two = FsStore(tmp_path / s1), FsStore(tmp_path / s2)
    (tmp_path / s1).mkdir()
    (tmp_path / s2).mkdir()
    one.create_segment(sid(1), [start_line(10, s1)])
    save_turn_end(one, sid(1), 1, ts=11)
    one.create_segment(
        sid(2), [start_line(20, s1, SegmentOrigin(segment_id=sid(1), at_turn_index=1))]
    )
    two.create_segment(sid(3), [start_line(30, s2)])
    two.create_segment(sid(4), [start_line(40, s1)])  # names another session
    (tmp_path / s2 / "junk.jsonl").write_text("x\n")

    lineage = Lineage.open(tmp_path)
    assert lineage.layout == "sessions"
    assert set(lineage.nodes) == {sid(1), sid(2), sid(3), sid(4)}
    assert {k: ids_of(v) for k, v in lineage.sessions.items()} == {
        s1: [sid(1)],
        s2: [sid(4), sid(3)],
    }
    n = lineage.nodes
    assert n[sid(2)].parent is n[sid(1)] and n[sid(2)].session_id == s1
    assert n[sid(1)].store.root == tmp_path / s1 and lineage.store_for(sid(3)).root == tmp_path / s2
    assert [p.name for p, _r in lineage.skipped] == ["junk.jsonl"]
    kinds = sorted((p.kind, p.segment_id) for p in lineage.problems())
    assert kinds == [("session_mismatch", sid(4)), ("skipped", None)]
    lineage.load_details(n[sid(1)])
    assert n[sid(1)].turns == 1


# --- every layout, through the store scanner --------------------------------------------------


def test_a_runtime_data_directory(tmp_path: Path) -> None:
    from tests.layouts import build_data_dir

    built = build_data_dir(tmp_path)
    lineage = Lineage.open(built.path)
    assert lineage.layout == "sessions" and lineage.unlisted == [] and lineage.skipped == []
    assert list(lineage.nodes) == built.order  # the scanner's order
    for segment_id, node in lineage.nodes.items():
        assert node.session_id == built.sessions[segment_id]
        assert node.path == built.files[segment_id]
        assert node.layout in ("session", "worker")
    grouped = {s: sorted(ids_of(v)) for s, v in lineage.sessions.items()}
    for session_id, roots in grouped.items():
        assert all(built.sessions[r] == session_id for r in roots)
    assert set(grouped) == set(built.sessions.values())
    assert lineage.resolve(built.order[-1]).path == built.files[built.order[-1]]


def test_a_segment_file_opens_its_directory_with_it_selected(
    family: tuple[Path, dict[str, str]],
) -> None:
    root_dir, ids = family
    lineage = Lineage.open(root_dir / f"{ids['fork']}.jsonl")
    assert lineage.selected == ids["fork"] and len(lineage.nodes) == 5


def test_temporary_files_and_unlisted_names_are_store_problems(tmp_path: Path) -> None:
    import tempfile

    store = FsStore(tmp_path)
    create_segment(store, RestoredState(), ts=1, segment_id=sid(1))
    fd, name = tempfile.mkstemp(prefix=f".{sid(2)}.jsonl.", suffix=".tmp", dir=tmp_path)
    os.close(fd)
    os.mkfifo(tmp_path / f"{sid(3)}.jsonl")
    problems = Lineage.open(tmp_path).problems()
    assert [(p.path.name, p.kind) for p in problems] == [
        (Path(name).name, "temp_file"),
        (f"{sid(3)}.jsonl", "skipped"),
    ]
    assert problems[0].message == "a temporary file left by an interrupted fork; safe to delete"
    assert problems[1].message.startswith("skipped: a FIFO")


# --- segments rewritten in place ---------------------------------------------------------------


def rewind(path: Path, keep_turns: int, *, keep_inode: bool = True) -> None:
    """Keep the file's lines up to the ``turn_end`` of turn ``keep_turns`` (Store::truncate)."""
    from tests.layouts import rewrite

    lines = path.read_bytes().splitlines(keepends=True)
    ends = [i for i, line in enumerate(lines) if b'"kind":"turn_end"' in line]
    rewrite(path, b"".join(lines[: ends[keep_turns - 1] + 1]), keep_inode=keep_inode)


def details(node: SegmentNode) -> tuple[object, ...]:
    return (node.title, node.turns, node.entries, node.last_ts, node.problems, node.parent_id)


def same_as_fresh(lineage: Lineage) -> None:
    fresh = Lineage.open(lineage.root)
    assert list(fresh.nodes) == list(lineage.nodes)
    for segment_id, node in lineage.nodes.items():
        lineage.load_details(node)
        assert details(node) == details(fresh.load_details(fresh.nodes[segment_id]))
    assert lineage.problems() == fresh.problems()


@pytest.mark.parametrize("keep_inode", [True, False], ids=["overwrite", "rename"])
def test_refresh_reads_a_rewound_segment_again(
    family: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch, keep_inode: bool
) -> None:
    root_dir, ids = family
    store = FsStore(root_dir)
    lineage = Lineage.open(root_dir)
    for node in lineage.nodes.values():
        lineage.load_details(node)
    node = lineage.nodes[ids["root"]]
    assert (node.turns, node.title) == (3, "root 1")
    size = node.size
    reads = Counter(monkeypatch, "read_tolerant")
    rewind(store.path_for(ids["root"]), 1, keep_inode=keep_inode)
    for i in range(2, 6):  # the rewound segment goes on differently, and ends up bigger
        save_user_input(store, ids["root"], [TextSegment(content=f"again {i}")], ts=8000 + i)
        save_turn_end(store, ids["root"], i, ts=8100 + i)
    assert store.path_for(ids["root"]).stat().st_size > size
    change = lineage.refresh()
    assert (change.rewritten, change.grown, change.added) == ([ids["root"]], [], [])
    assert change.updated == [ids["root"]]
    lineage.load_details(node)
    assert reads.calls[-1][1]["offset"] == 0  # from the start, not from the old end
    assert (node.turns, node.entries, node.problems) == (5, 12, [])
    same_as_fresh(lineage)


def test_refresh_reads_a_same_size_rewrite_again(family: tuple[Path, dict[str, str]]) -> None:
    root_dir, ids = family
    path = FsStore(root_dir).path_for(ids["root"])
    lineage = Lineage.open(root_dir)
    node = lineage.load_details(lineage.nodes[ids["root"]])
    assert node.title == "root 1"
    st = path.stat()
    from tests.layouts import rewrite

    rewrite(path, path.read_bytes().replace(b'"root 1"', b'"ROOT 1"'))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    assert lineage.refresh().rewritten == [ids["root"]]
    assert lineage.load_details(node).title == "ROOT 1"
    same_as_fresh(lineage)


def test_a_rewrite_that_changes_the_parent_relinks(family: tuple[Path, dict[str, str]]) -> None:
    root_dir, ids = family
    store = FsStore(root_dir)
    lineage = Lineage.open(root_dir)
    assert lineage.nodes[ids["forkfork"]].parent is lineage.nodes[ids["fork"]]
    other = store.path_for(ids["other"]).read_bytes()
    from tests.layouts import rewrite

    rewrite(store.path_for(ids["forkfork"]), other + other, keep_inode=False)
    change = lineage.refresh()
    assert change.rewritten == [ids["forkfork"]]
    assert lineage.nodes[ids["forkfork"]].parent is None
    assert ids["forkfork"] in ids_of(lineage.roots)
    same_as_fresh(lineage)


def test_without_tracking_a_changed_file_is_read_from_the_start(
    family: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root_dir, ids = family
    store = FsStore(root_dir)
    lineage = Lineage.open(root_dir, track_rewrites=False)
    node = lineage.load_details(lineage.nodes[ids["root"]])
    reads = Counter(monkeypatch, "read_tolerant")
    with_turns(store, ids["root"], 1, ts=9000, text="late")
    assert lineage.refresh().grown == [ids["root"]]
    lineage.load_details(node)
    assert reads.calls[-1][1]["offset"] == 0  # nothing kept to tell an append from a rewind
    assert node.turns == 4
    same_as_fresh(lineage)
