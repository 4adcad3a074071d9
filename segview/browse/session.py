"""The store being browsed: its lineage (the ancestry forest), kept current, and forks.

One ``StoreSession`` per open store. Its methods do file I/O and are meant to run in worker
threads; a lock keeps the lineage consistent between them. What the app draws comes out as
immutable ``ForestSnapshot`` values.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from segview.lineage import Lineage, SegmentNode, StoreProblem
from segview.store.layout import StoreScan, resolve_id

from .forest import ForestSnapshot, TreeRow, decode, encode, forest_digest, snapshot

if TYPE_CHECKING:
    from segview.compare import Comparison
    from segview.index import StoreIndex
    from segview.store import LogEntry
    from segview.store.fs_store import FsStore, TolerantRead, UnknownEntry

__all__ = ["DETAILS_BATCH_SECONDS", "ForestUpdate", "StoreSession"]

DETAILS_BATCH_SECONDS = 0.25
# a snapshot (every row of the forest) costs time in proportion to the store, on this thread
# and again where it is shown: snapshots come at least this many times their own cost apart,
# so that showing progress costs a tenth of the reading whatever the size of the store
SNAPSHOT_SPACING = 10.0
BIG_FILE = 8 << 20  # details of a bigger file are read on a thread of their own
WAIT_SECONDS = 0.05  # how often a wait looks at ``cancelled``
KEEP_SECONDS = 10.0  # a store that keeps changing has its tree kept at most this often


@dataclass(frozen=True, slots=True)
class ForestUpdate:
    """A new snapshot of the forest, and the segments that appeared since the last one."""

    forest: ForestSnapshot
    added: tuple[str, ...] = ()


class StoreSession:
    """The lineage of one store and the latest snapshot of it."""

    def __init__(self, path: str | Path, *, use_index: bool = True) -> None:
        self.path = Path(path)
        self.use_index = use_index
        self.lineage: Lineage | None = None
        self.forest: ForestSnapshot | None = None
        self._lock = threading.RLock()
        self._index: StoreIndex | None = None
        self._index_opened = False
        self._kept: bytes | None = None  # what ``forest_digest`` says of the tree kept
        self.same_as_kept = False  # ``open`` found the store as the kept tree shows it
        self._kept_at = -KEEP_SECONDS

    # --- opening ----------------------------------------------------------------------------

    def open(self) -> ForestSnapshot:
        """Scan the store (first lines only; with the index, what it holds of every unchanged
        file, details included). Raises ``StoreError`` if it cannot be listed."""
        with self._lock:
            self.lineage = Lineage.open(self.path, index=self._open_index())
            complete = all(n.details_loaded for n in self.lineage.nodes.values())
            forest = self._snapshot(with_details=complete)
            self.same_as_kept = complete and self._keep(forest)
            return forest

    def last_forest(self) -> ForestSnapshot | None:
        """The tree of this store as it was last kept in the index (by this session or an
        earlier one), to show while ``open`` checks every file; None when there is none."""
        with self._lock:
            index = self._open_index()
            data = index.forest(self._key()) if index is not None else None
        forest = decode(data) if data is not None else None
        # (one that cannot be read is as none: the next complete tree replaces it)
        self._kept = forest_digest(data) if data is not None and forest is not None else None
        return forest

    def _open_index(self) -> StoreIndex | None:
        if not self._index_opened:
            from segview.index import StoreIndex

            self._index_opened = True
            self._index = StoreIndex.open(self.path) if self.use_index else None
        return self._index

    def _key(self) -> str:
        return os.path.abspath(self.path)

    def _keep(self, forest: ForestSnapshot, *, now: bool = True) -> bool:
        """Keep a complete snapshot in the index for the next start, when it differs from what
        is kept (a store that keeps changing: at most every ``KEEP_SECONDS`` unless ``now``);
        True when it is what was kept already."""
        index = self._index
        if index is None or (not now and time.monotonic() - self._kept_at < KEEP_SECONDS):
            return False
        data = encode(forest)
        digest = forest_digest(data)
        if digest == self._kept:
            return True
        if index.put_forest(self._key(), data):
            self._kept, self._kept_at = digest, time.monotonic()
        return False

    @property
    def complete(self) -> bool:
        """Whether every segment's details are known (the tree is complete)."""
        with self._lock:
            lineage = self.lineage
            return lineage is not None and all(n.details_loaded for n in lineage.nodes.values())

    def load_details(
        self,
        *,
        batch_seconds: float = DETAILS_BATCH_SECONDS,
        cancelled: Callable[[], bool] = lambda: False,
        later: Callable[[str], bool] = lambda _segment_id: False,
    ) -> Iterator[ForestSnapshot]:
        """Fill every node's details (title, turns, problems), yielding a snapshot about
        every ``batch_seconds`` (or ``SNAPSHOT_SPACING`` times what the last one took to
        make, if longer) and a complete one at the end (nothing when every detail was known
        already: the snapshot ``open`` returned is complete).

        Stops (yielding nothing more) once ``cancelled()``: between segments, and while a big
        one is read (that read goes on, on a daemon thread, to be dropped). A segment for
        which ``later(segment_id)`` holds comes last, and waits while it holds: one being
        loaded, whose details come from that load (``details_from``), not a second read.
        """
        lineage = self.lineage
        if lineage is None:
            return
        with self._lock:
            nodes = [n for _d, n in lineage.walk() if not n.details_loaded]
        if not nodes:  # every detail came from the index: ``open`` made the complete snapshot
            return
        held = [n for n in nodes if later(n.id)]
        last = time.monotonic()
        spacing = batch_seconds
        done: list[SegmentNode] = []
        for node in [*(n for n in nodes if n not in held), *held]:
            while later(node.id) and not node.details_loaded:
                if cancelled():
                    self._save(done)
                    return
                time.sleep(WAIT_SECONDS)
            if cancelled() or not self._load_node(lineage, node, cancelled):
                self._save(done)
                return
            done.append(node)
            if time.monotonic() - last > spacing:
                self._save(done)
                done = []
                made = time.monotonic()
                forest = self._snapshot(with_details=False)
                last = time.monotonic()
                spacing = max(batch_seconds, SNAPSHOT_SPACING * (last - made))
                yield forest
        self._save(done)
        forest = self._snapshot(with_details=True)
        with self._lock:
            self._keep(forest)
        yield forest

    def _save(self, nodes: list[SegmentNode]) -> None:
        """Keep what was read of ``nodes`` in the index (a short transaction)."""
        if nodes and self.lineage is not None:
            with self._lock:
                self.lineage.save_index(nodes)

    def _load_node(
        self, lineage: Lineage, node: SegmentNode, cancelled: Callable[[], bool]
    ) -> bool:
        """Load one node's details; False when cancelled before a big read ended."""
        if node.details_loaded or node.size < BIG_FILE:
            with self._lock:
                lineage.load_details(node)
            return True
        done = threading.Event()

        def read() -> None:
            try:
                with self._lock:
                    lineage.load_details(node)
            finally:
                done.set()

        threading.Thread(target=read, name="segview-details", daemon=True).start()
        while not done.wait(WAIT_SECONDS):
            if cancelled():
                return False
        return True

    def details_from(self, segment_id: str, read: TolerantRead) -> ForestSnapshot | None:
        """The forest once a segment's details are taken from a read of it made elsewhere
        (the timeline the app loaded): None when that segment is not in the store or its
        details were known already."""
        lineage = self.lineage
        if lineage is None:
            return None
        with self._lock:
            node = lineage.get(segment_id)
            if node is None:
                return None
            loaded = node.details_loaded
            lineage.load_details(node, read)
            if loaded:
                return None
            self._save([node])
            return self._snapshot(with_details=False)

    def _snapshot(self, *, with_details: bool) -> ForestSnapshot:
        assert self.lineage is not None
        with self._lock:
            self.forest = snapshot(self.lineage, with_details=with_details)
            return self.forest

    # --- following the store ----------------------------------------------------------------

    def refresh(self) -> ForestUpdate | None:
        """Look at the store again; a new snapshot when anything changed (else None)."""
        lineage = self.lineage
        if lineage is None:
            return None
        with self._lock:
            change = lineage.refresh()
            if not change.changed:
                return None
            loaded = []
            for seg in change.updated:  # added, grown or rewritten
                node = lineage.get(seg)
                if node is not None:
                    lineage.load_details(node)
                    loaded.append(node)
            self._save(loaded)
            forest = self._snapshot(with_details=True)
            self._keep(forest, now=False)
            return ForestUpdate(forest, tuple(change.added))

    # --- segments ---------------------------------------------------------------------------

    def scan(self) -> StoreScan | None:
        """The latest listing of the store (None before it is open)."""
        with self._lock:
            return self.lineage.scan if self.lineage is not None else None

    def row(self, segment_id: str) -> TreeRow | None:
        return self.forest.row(segment_id) if self.forest is not None else None

    def contains(self, segment_id: str) -> bool:
        return self.row(segment_id) is not None

    def short(self, segment_id: str) -> str:
        """The shortest unique prefix of an id in this store."""
        row = self.row(segment_id)
        return row.short if row is not None else segment_id[:8]

    def store_for(self, segment_id: str) -> FsStore | None:
        """The directory store holding ``segment_id`` (None when it is not in the store)."""
        with self._lock:
            lineage = self.lineage
            if lineage is None:
                return None
            try:
                return lineage.store_for(segment_id)
            except LookupError:
                return None

    def resolve(self, wanted: str | None) -> tuple[str | None, str | None]:
        """The segment to open first: ``wanted`` (an id or a unique prefix; by default the
        segment a segment-file path selected) when it names one, else the first row.
        Returns ``(segment_id, warning)``; the warning says why ``wanted`` was not opened
        (an ambiguous prefix lists the candidates)."""
        forest = self.forest
        if forest is None or not forest.rows:
            return None, None
        first = forest.rows[0].id
        if not wanted and self.lineage is not None:
            wanted = self.lineage.selected
        if not wanted:
            return first, None
        try:
            return resolve_id(wanted, [r.id for r in forest.rows], where=self.path), None
        except LookupError as exc:
            return first, str(exc)

    def fork(
        self, source: str, at_turn: int, entries: list[LogEntry | UnknownEntry] | None = None
    ) -> str:
        """Fork ``source`` after turn ``at_turn`` into a new segment beside it; its id.

        ``entries`` are the source's entries as read for browsing (a damaged source is forked
        from what could be read); None reads the source strictly.
        """
        from segview.store.ops import fork_at  # the models: when first used (``segview.app``)

        store = self.store_for(source)
        if store is None:
            raise LookupError(f"{source} is not in this store")
        # fork_at takes LogEntry only; an UnknownEntry (a newer runtime's kind) passes
        # through the replay untouched, as the reader kept it
        return fork_at(store, source, at_turn, entries=entries)  # type: ignore[arg-type]

    def problems(self) -> list[StoreProblem]:
        """Every problem of the store, as ``segview check`` lists them (every segment whose
        details are not known yet is read in full)."""
        with self._lock:
            return self.lineage.problems(with_details=True) if self.lineage is not None else []

    def compare(self, a: str, b: str) -> Comparison:
        """Compare the conversations of two segments (``segview.compare``); raises
        ``KeyError`` when one is not in the store."""
        from segview.compare import compare  # the models: when first used (``segview.app``)

        with self._lock:
            if self.lineage is None:
                raise KeyError(a)
            return compare(self.lineage, a, b)

    def after_fork(self, new_id: str) -> ForestUpdate | None:
        """The forest once a fork made by this session is on disk (details of it loaded)."""
        lineage = self.lineage
        if lineage is None:
            return None
        with self._lock:
            change = lineage.refresh()
            node = lineage.get(new_id)
            if node is not None:
                lineage.load_details(node)
            return ForestUpdate(self._snapshot(with_details=True), tuple(change.added))
