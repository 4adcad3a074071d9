"""Reading a segment for the commands that print it (``show``, ``cat``): tolerantly, with
each problem reported on stderr, and with what the index holds of the file.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from segview.store.fs_store import MAX_PROBLEMS, FsStore, TolerantRead
from segview.store.version import FormatVersion
from segview.text import one_line

if TYPE_CHECKING:
    from segview.lineage import IndexedFile, Lineage
    from segview.store.layout import SegmentFile

from .arguments import format_version
from .common import open_index


def unchanged(path: str, identity: tuple[int, int, int, int, int]) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns) == identity


def read_for_display(
    store: FsStore,
    segment_id: str,
    version: FormatVersion = FormatVersion.AUTO,
    *,
    known: IndexedFile | None = None,
    stop: int | None = None,
) -> TolerantRead:
    """Read tolerantly; report each problem on stderr as ``file:line: message`` (notes about
    what a newer runtime version wrote as ``note:``, the rest as ``warning:``), file names
    and messages on one line (``one_line``).

    With ``known`` (the index's record of the file as it is) the problems are its record of
    the whole file, and only the lines before ``stop`` are read."""
    if known is not None:
        read = store.read_tolerant(segment_id, version=known.version, stop=stop)
        problems, omitted, damage = known.problems, known.problems_omitted, known.damage_omitted
    else:
        read = store.read_tolerant(segment_id, version=version)
        problems, omitted, damage = read.problems, read.problems_omitted, read.damage_omitted
    path = one_line(str(store.path_for(segment_id)))
    for p in problems:
        where = f"{path}:{p.line}" if p.line is not None else path
        label = "note" if p.is_note else "warning"
        print(f"segview: {label}: {where}: {one_line(p.message)}", file=sys.stderr)
    if n := damage:
        print(
            f"segview: warning: {path}: … and {n:,} more problem{'s' * (n != 1)} (the first "
            f"{MAX_PROBLEMS:,} of a file are listed)",
            file=sys.stderr,
        )
    if n := omitted - damage:
        print(
            f"segview: note: {path}: … and {n:,} more note{'s' * (n != 1)} about what a newer "
            "runtime version wrote",
            file=sys.stderr,
        )
    return read


def index_record(ns: argparse.Namespace, found: SegmentFile) -> tuple[Lineage | None, Any]:
    """The index (as a one-file forest that can keep what is read) and its record of the
    file as it is now; the record only when the version is inferred (``auto``)."""
    from segview.lineage import Lineage, indexed_file

    index = open_index(ns.store, ns)
    if index is None:
        return None, None
    lineage = Lineage(found.store.root, track_rewrites=False, index=index)
    if format_version(ns) is not FormatVersion.AUTO:
        return lineage, None
    return lineage, indexed_file(index, found)
