"""The ancestry forest of a store (FORMAT.md sections 1, 7 and 9).

Each segment's ``segment_start`` names its parent through ``forked_from`` or
``compacted_from``. The forest is built from the first line of each file only; everything
that needs the whole log (title, turns, entries, problems) is filled lazily by
``Lineage.load_details`` and cached by file size and modification time.

Bad structure is kept visible, never fatal: a parent that is not in the store makes the
node a root flagged ``parent_missing``; a fork cycle is flagged and broken at one edge; a
file whose first line is not a ``segment_start`` becomes a flagged root; what the store
scanner did not list is kept in ``unlisted``. Only an unreadable store root raises
(``StoreError``).

The files come from the store scanner (``segview.store.layout``), so every layout is read:
flat stores, session directories, runtime data directories and worker aggregates; segments
with a session id are grouped by session.

Segments are not only appended to: the runtime rewrites one in place on a rewind. ``refresh``
tells a file that grew from one rewritten (replaced, shrunk, changed at the same size, or
changed before the point already read, by a fingerprint of the bytes read), and reads a
rewritten one again from the start.

The package: ``forest`` (``Lineage``: the scan, its refresh, the links, the queries),
``nodes`` (``SegmentNode`` and titles), ``details`` (reading a segment's details),
``problems`` (``StoreProblem``, what ``segview check`` reports) and ``indexed`` (what the
index keeps of a node).
"""

from .forest import Lineage
from .indexed import IndexedFile, indexed_file
from .nodes import TITLE_WIDTH, LineageChange, OriginKind, SegmentNode, title_of
from .problems import StoreProblem, classify_problem, problem_order

__all__ = [
    "TITLE_WIDTH",
    "Lineage",
    "LineageChange",
    "OriginKind",
    "IndexedFile",
    "SegmentNode",
    "StoreProblem",
    "classify_problem",
    "indexed_file",
    "problem_order",
    "title_of",
]
