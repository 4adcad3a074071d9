"""``Lineage``: the ancestry forest of one store, built from the first line of each file.

It owns the scan and its refresh (telling grown files from rewritten ones), the links
between nodes (missing parents, cycles broken at their oldest member, sessions) and the
queries; a node's details, problems and index record are in ``details``, ``problems`` and
``indexed``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from segview.gcpause import gc_paused
from segview.store.layout import (
    SegmentFile,
    StoreScan,
    Unlisted,
    prefix_fingerprint,
    resolve_id,
    scan_store,
)

from .details import apply_read, load_details, read_first
from .indexed import index_row, restore
from .nodes import DetailsCursor, LineageChange, SegmentNode
from .problems import StoreProblem, node_problems, problem_order

if TYPE_CHECKING:
    from segview.index import IndexRow, StoreIndex
    from segview.store.fs_store import FsStore, TolerantRead

__all__ = ["Lineage"]


class Lineage:
    """The ancestry forest of one store (any layout the store scanner recognises).

    ``track_rewrites`` (the default) keeps a fingerprint of what was read of each file, so a
    later ``refresh`` tells a file that grew from one rewritten in place and resumes reading
    only the former; a one-shot reader that never refreshes can turn it off.
    """

    def __init__(
        self, root: Path, *, track_rewrites: bool = True, index: StoreIndex | None = None
    ) -> None:
        self.root = root
        self.track_rewrites = track_rewrites
        self.index = index
        self._abs_roots: dict[str, str] = {}
        self.layout: Literal["flat", "sessions"] = "flat"
        self.nodes: dict[str, SegmentNode] = {}
        self.roots: list[SegmentNode] = []
        self.unlisted: list[Unlisted] = []
        self.sessions: dict[str, list[SegmentNode]] = {}
        self.scan: StoreScan | None = None

    @classmethod
    def open(
        cls,
        root: str | Path,
        *,
        track_rewrites: bool = True,
        index: StoreIndex | None = None,
        scan: StoreScan | None = None,
    ) -> Lineage:
        """Scan ``root`` (a store in any layout, or a segment file: its directory is the
        store); raises ``StoreError`` only if it cannot be opened. With an ``index``
        (``segview.index``), what it holds of unchanged files is used instead of reading
        them, and ``save_index`` keeps what was read. ``scan``: the scan of ``root`` already
        made (``scan_store``), used instead of scanning again."""
        lineage = cls(Path(root), track_rewrites=track_rewrites, index=index)
        lineage.refresh(scan)
        return lineage

    @property
    def skipped(self) -> list[tuple[Path, str]]:
        """What the scanner did not list, as (path, reason)."""
        return [(entry.path, entry.reason) for entry in self.unlisted]

    @property
    def scan_root(self) -> Path:
        """The directory scanned (the store's directory for a segment-file path)."""
        return self.scan.root if self.scan is not None else self.root

    @property
    def selected(self) -> str | None:
        """The segment a segment-file path selected (None for a directory)."""
        return self.scan.selected if self.scan is not None else None

    def refresh(self, scan: StoreScan | None = None) -> LineageChange:
        """Re-scan the store: read the first line of new files, note grown, rewritten and
        removed ones.

        Unchanged files are not read. A grown file keeps its first line (it only had entries
        appended) unless that line was unreadable before (a file still being written); a
        rewritten file (see ``LineageChange``) is read again from its first line. ``scan``:
        a scan of the store just made, used instead of scanning again.
        """
        with gc_paused():
            return self._refresh(scan_store(self.root) if scan is None else scan)

    def _refresh(self, scan: StoreScan) -> LineageChange:
        watching = self.scan is not None and self.track_rewrites
        change = LineageChange()
        relink = False
        for segment_id in list(self.nodes):
            if scan.get(segment_id) is None:
                del self.nodes[segment_id]
                change.removed.append(segment_id)
                relink = True
        nodes = self.nodes
        rows: dict[str, IndexRow] | None = None
        for found in scan.segments:
            segment_id, file_stat = found.id, found.stat
            node = nodes.get(segment_id)
            if node is None:
                node = SegmentNode.of_file(found)
                if self.index is not None and rows is None:
                    rows = self.index.rows_under(self._abs_root(scan.root))
                row = rows.get(self.index_key(node)) if rows else None
                if row is None or not restore(node, row, self.index):
                    read_first(node)
                nodes[segment_id] = node
                change.added.append(segment_id)
                relink = True
                continue
            if node._stat == file_stat and node.store.root == found.store.root:
                if watching and node._fingerprint is None:
                    node.take_fingerprint()
                continue
            how = self._how_changed(node, found)
            node.size, node.mtime, node._stat = found.stat.size, found.stat.mtime, found.stat
            node.store, node.session_id, node.layout = found.store, found.session_id, found.layout
            node.details_loaded = False
            if how == "grown" and node.first_line_problem is None:
                change.grown.append(segment_id)
                continue
            if how != "grown":
                node._cursor = node._fingerprint = None
            before = (node.parent_id, node.created_ts)
            read_first(node)
            relink = relink or (node.parent_id, node.created_ts) != before
            (change.rewritten if how == "rewritten" else change.grown).append(segment_id)
        self.scan = scan
        self.unlisted = scan.unlisted
        self.layout = "sessions" if any(f.session_id for f in scan.segments) else "flat"
        if relink:
            self._link()
        for ids in (change.added, change.grown, change.removed, change.rewritten):
            ids.sort(reverse=True)
        return change

    @staticmethod
    def _how_changed(
        node: SegmentNode, found: SegmentFile
    ) -> Literal["grown", "rewritten", "unknown"]:
        """Whether a changed file only grew (what was read is intact) or was rewritten.

        Rewritten: replaced by another file (a rename, or moved), shorter than what was read,
        changed at the same size (appends always add bytes), or different before the point
        already read. Unknown: no fingerprint was kept (it is read again, from the start).
        """
        old, new = node._stat, found.stat
        if old is None or node.store.root != found.store.root or not new.same_file(old):
            return "rewritten"
        if new.size <= old.size:  # appends add bytes: a shorter or same-size file was rewritten
            return "rewritten"
        fingerprint = node._fingerprint
        if fingerprint is None:
            return "unknown"
        end, digest = fingerprint
        if new.size < end or prefix_fingerprint(found.path, end) != digest:
            return "rewritten"
        return "grown"

    # --- the index --------------------------------------------------------------------------

    def _abs_root(self, root: Path) -> str:
        name = os.fspath(root)
        found = self._abs_roots.get(name)
        if found is None:
            found = self._abs_roots[name] = os.path.abspath(name)
        return found

    def index_key(self, node: SegmentNode) -> str:
        """The file's absolute path: its key in the index."""
        return f"{self._abs_root(node.store.root)}{os.sep}{node.id}.jsonl"

    def save_index(self, nodes: Iterable[SegmentNode] | None = None) -> int:
        """Keep in the index what was read of ``nodes`` (default: every node) since they were
        indexed, for files unchanged since they were read; returns how many were written."""
        index = self.index
        if index is None:
            return 0
        rows = []
        written = []
        for node in self.nodes.values() if nodes is None else nodes:
            found = index_row(node, self.index_key(node)) if node._unindexed else None
            if found is not None:
                rows.append(found)
                written.append(node)
        if rows and index.put(rows):
            for node in written:
                node._unindexed = False
        return len(rows)

    # --- linking ----------------------------------------------------------------------------

    def _link(self) -> None:
        nodes = self.nodes
        for node in nodes.values():
            node.children = []
            node.parent = None
            node.parent_missing = node.in_cycle = node.cycle_broken_here = False
        for node in nodes.values():
            if node.parent_id is None:
                continue
            parent = nodes.get(node.parent_id)
            if parent is None:
                node.parent_missing = True
            else:
                node.parent = parent
        # Cycles: follow parent links; a link back into the current path closes a cycle,
        # which is broken at its oldest member (a segment cannot descend from a newer one).
        state: dict[str, int] = {}
        for start in sorted(nodes.values(), key=lambda n: n.id):
            path: list[SegmentNode] = []
            cur: SegmentNode | None = start
            while cur is not None and cur.id not in state:
                state[cur.id] = 1
                path.append(cur)
                cur = cur.parent
            if cur is not None and state[cur.id] == 1:
                cycle = path[path.index(cur) :]
                for member in cycle:
                    member.in_cycle = True
                breaker = min(cycle, key=lambda n: (n.sort_ts(), n.id))
                breaker.parent = None
                breaker.cycle_broken_here = True
            for member in path:
                state[member.id] = 2
        roots: list[SegmentNode] = []
        for node in nodes.values():
            if node.parent is None:
                roots.append(node)
            else:
                node.parent.children.append(node)
        for node in nodes.values():
            if len(node.children) > 1:
                node.children.sort(key=lambda n: (n.sort_ts(), n.id))
        roots.sort(key=lambda n: (n.sort_ts(), n.id), reverse=True)
        self.roots = roots
        sessions: dict[str, list[SegmentNode]] = {}
        for root in roots:
            if root.session_id is not None:
                sessions.setdefault(root.session_id, []).append(root)
        self.sessions = sessions

    # --- queries ----------------------------------------------------------------------------

    def walk(self) -> Iterator[tuple[int, SegmentNode]]:
        """Every node depth-first (roots newest first, children by creation): (depth, node)."""
        stack: list[tuple[int, SegmentNode]] = [(0, r) for r in reversed(self.roots)]
        while stack:
            depth, node = stack.pop()
            yield depth, node
            stack.extend((depth + 1, c) for c in reversed(node.children))

    def get(self, segment_id: str) -> SegmentNode | None:
        return self.nodes.get(segment_id)

    def resolve(self, prefix: str) -> SegmentNode:
        """The node of a full id or a unique prefix (``ID.jsonl`` and upper case accepted);
        raises ``LookupError`` (``NoSuchSegment`` or ``AmbiguousSegment``) otherwise."""
        return self.nodes[resolve_id(prefix, self.nodes, where=self.root, unlisted=self.unlisted)]

    def store_for(self, segment_id: str) -> FsStore:
        node = self.nodes.get(segment_id)
        if node is None:
            raise KeyError(segment_id)
        return node.store

    # --- details ----------------------------------------------------------------------------

    def load_details(self, node: SegmentNode, read: TolerantRead | None = None) -> SegmentNode:
        """Fill title, turns, entries, last activity and problems (cached by size and mtime).

        A file that only grew since the last read is read from where that read stopped.
        ``read``, a tolerant read of the file from its start made elsewhere (the timeline of
        the open segment), is used instead of reading the file again.
        """
        return load_details(node, read, index=self.index, track_rewrites=self.track_rewrites)

    def index_read(self, found: SegmentFile, read: TolerantRead) -> None:
        """Keep in the index what a whole read of one file (``read``, from its first byte)
        found, as ``load_details`` would have (for a command that read the file anyway)."""
        if self.index is None:
            return
        node = SegmentNode.of_file(found)
        read_first(node)
        apply_read(node, DetailsCursor(), read, track_rewrites=self.track_rewrites)
        self.save_index([node])

    # --- problems ---------------------------------------------------------------------------

    def problems(self, *, with_details: bool = True) -> list[StoreProblem]:
        """Every problem of the store, each once: what ``segview check`` reports.

        With ``with_details`` every segment is read in full (the tolerant reader's problems);
        without, only what the forest itself shows (first lines, links, what was not listed).
        """
        out = [StoreProblem.of_unlisted(entry) for entry in self.unlisted]
        for node in self.nodes.values():
            out.extend(self.node_problems(node, with_details=with_details))
        out.sort(key=problem_order)
        return out

    def node_problems(self, node: SegmentNode, *, with_details: bool = True) -> list[StoreProblem]:
        """The problems of one segment, in line order (links and first line included)."""
        if with_details:
            self.load_details(node)
        return node_problems(node, self.nodes, with_details=with_details)
