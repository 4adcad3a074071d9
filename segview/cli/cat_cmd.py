"""``segview cat``: a segment's entries decoded and encoded again (byte for byte what the
runtime wrote), copying the file's bytes when the index has seen that they are the output.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from segview.store.fs_store import UnknownEntry
from segview.text import safe_json

if TYPE_CHECKING:
    from segview.lineage import IndexedFile, Lineage
    from segview.store.layout import SegmentFile

from .arguments import format_version
from .common import open_scan, resolve_segment
from .reading import index_record, read_for_display, unchanged


def cmd_cat(ns: argparse.Namespace) -> int:
    from segview.store import encode_entry

    found = resolve_segment(open_scan(ns.store), ns.segment)
    lineage, known = index_record(ns, found) if not ns.runtime else (None, None)
    out = sys.stdout.buffer
    if known is not None and (same := _indexed_cat(lineage, found, known)) is not None:
        # the index says the output is the file's first `same` bytes: copy them
        read_for_display(found.store, found.id, known=known, stop=0)
        _copy(found, same, out)
        return 1 if any(not p.is_note for p in known.problems) else 0
    read = read_for_display(found.store, found.id, format_version(ns))
    runtime = read.format_version if ns.runtime else None
    check = _SameBytes(found) if lineage is not None and ns.format_version == "auto" else None
    for entry in read.entries:
        line = (
            entry.encode()
            if isinstance(entry, UnknownEntry)
            else encode_entry(entry, runtime=runtime)
        )
        out.write(safe_json(line) + b"\n")
        if check is not None:
            check.feed(safe_json(line) + b"\n")
    out.flush()
    if check is not None and lineage is not None:
        lineage.index_read(found, read)
        check.keep(lineage)
    return 1 if read.damage else 0


class _SameBytes:
    """Whether what ``cat`` writes is the file's first bytes, compared as it is written."""

    def __init__(self, found: SegmentFile) -> None:
        self.found = found
        self.length = 0
        self.same = True
        try:
            self.file: Any = open(found.store.path_for(found.id), "rb")  # noqa: SIM115
        except OSError:
            self.same, self.file = False, None

    def feed(self, data: bytes) -> None:
        if self.same:
            self.same = self.file.read(len(data)) == data
            self.length += len(data)

    def keep(self, lineage: Lineage) -> None:
        """Keep in the index that the output is the file's first bytes (if it is)."""
        if self.file is not None:
            self.file.close()
        st = self.found.stat
        identity = (st.dev, st.ino, st.size, st.mtime_ns, st.ctime_ns)
        key = f"{os.path.abspath(self.found.store.root)}{os.sep}{self.found.id}.jsonl"
        if self.same and lineage.index is not None and unchanged(key, identity):
            lineage.index.put_extra([(key, identity, b"%d" % self.length)], "cat")


def _indexed_cat(lineage: Lineage | None, found: SegmentFile, known: IndexedFile) -> int | None:
    """How many first bytes of the file ``cat`` writes, when the index knows it writes them
    as they are."""
    if lineage is None or lineage.index is None:
        return None
    value = lineage.index.extra(known.key, "cat", known.identity)
    if value is None or not value.isdigit() or int(value) > found.stat.size:
        return None
    return int(value)


def _copy(found: SegmentFile, length: int, out: Any) -> None:
    with open(found.store.path_for(found.id), "rb") as f:
        while length > 0:
            chunk = f.read(min(length, 1 << 20))
            if not chunk:
                break
            out.write(chunk)
            length -= len(chunk)
    out.flush()
