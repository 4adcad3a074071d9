"""Lineage: the ancestry forest of a store, built from the first line of each file."""

from __future__ import annotations

from pathlib import Path

from segview.lineage import Lineage
from segview.store import FsStore, RestoredState, create_segment, fork_at, save_turn_end
from tests.conftest import GOLDEN_STORES


def test_golden_stores_are_flat_forests_of_roots() -> None:
    for case in sorted(GOLDEN_STORES.iterdir()):
        lineage = Lineage.open(case)
        ids = FsStore(case).list_segments()
        assert set(lineage.nodes) == set(ids)
        assert lineage.layout == "flat"
        assert all(n.parent is None and n.origin is None for n in lineage.roots)
        assert lineage.problems() == []


def test_fork_links_child_to_parent(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    root = create_segment(store, RestoredState(), ts=1000)
    save_turn_end(store, root, 1, ts=1001)
    child = fork_at(store, root, 1, ts=2000)
    lineage = Lineage.open(tmp_path)
    node = lineage.nodes[child]
    assert node.origin == "fork" and node.parent_id == root and node.at_turn_index == 1
    assert node.parent is lineage.nodes[root]
    assert [(d, n.id) for d, n in lineage.walk()] == [(0, root), (1, child)]
