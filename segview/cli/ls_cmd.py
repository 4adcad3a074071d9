"""``segview ls``: one row per segment (entries, turns, creation time, origin, problems,
title or label), from the index for unchanged files.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

import orjson

from segview.store.errors import StoreError
from segview.store.fs_store import FsStore, Problem
from segview.text import format_ts, one_line

if TYPE_CHECKING:
    from segview.index import StoreIndex
    from segview.store import SegmentStart
    from segview.store.layout import SegmentFile, StoreScan

from .common import dumps_json, open_index, open_scan, resolve_segment
from .kept import Recording, kept_or_made
from .reading import unchanged


@dataclass(slots=True)
class SegmentSummary:
    """What ``ls`` shows of one segment."""

    id: str
    entries: int | None  # entries read (what show replays and the app counts)
    turns: int
    created_ts: int | None
    start: SegmentStart | None
    title: str | None
    problems: list[Problem]
    session_id: str | None = None
    path: str | None = None
    problems_omitted: int = 0  # found beyond the MAX_PROBLEMS kept
    lines: int | None = None  # non-blank lines, as the runtime's read_entry_count counts

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.problems_omitted

    def to_wire(self) -> dict[str, Any]:
        from segview.store.codec import to_wire

        start = self.start
        return {
            "id": self.id,
            "entries": self.entries,
            "lines": self.lines,
            "turns": self.turns,
            "created_ts": self.created_ts,
            "forked_from": to_wire(start.forked_from) if start and start.forked_from else None,
            "compacted_from": (
                to_wire(start.compacted_from) if start and start.compacted_from else None
            ),
            "title": self.title,
            "problems": [p.to_json() for p in self.problems],
            "problems_omitted": self.problems_omitted,
            "session_id": self.session_id,
            "path": self.path,
        }


def summarize(store: FsStore, segment_id: str, session_id: str | None = None) -> SegmentSummary:
    from segview.lineage import title_of
    from segview.store import SegmentStart, TurnEnd

    problems: list[Problem] = []
    path = str(store.path_for(segment_id))
    try:
        read = store.read_tolerant(segment_id)
    except StoreError as exc:
        return SegmentSummary(
            segment_id, None, 0, None, None, None, [Problem(None, exc.reason)], session_id, path
        )
    try:
        lines: int | None = store.read_entry_count(segment_id)
    except StoreError as exc:
        lines = None
        problems.append(Problem(None, exc.reason))
    problems.extend(read.problems)
    first = read.entries[0] if read.entries else None
    start = first if isinstance(first, SegmentStart) else None
    if start is None:
        problems.append(
            Problem(read.lines[0] if read.lines else None, "first entry is not a segment_start")
        )
    return SegmentSummary(
        id=segment_id,
        entries=len(read.entries),
        lines=lines,
        turns=sum(1 for e in read.entries if isinstance(e, TurnEnd)),
        created_ts=start.ts if start else None,
        start=start,
        title=title_of(read.entries, read.format_version),
        problems=problems,
        session_id=session_id,
        path=path,
        problems_omitted=read.problems_omitted,
    )


def origin_label(start: SegmentStart | None) -> str:
    if start is None:
        return ""
    if start.forked_from:
        o = start.forked_from
        return f"fork of {one_line(o.segment_id[:13])}@{o.at_turn_index}"
    if start.compacted_from:
        o = start.compacted_from
        return f"compaction of {one_line(o.segment_id[:13])}@{o.at_turn_index}"
    return ""


def cmd_ls(ns: argparse.Namespace) -> int:
    scan = open_scan(ns.store)
    files = scan.segments if scan.selected is None else [resolve_segment(scan, None)]
    index = open_index(ns.store, ns)

    def make(out: Recording) -> int:
        _print_ls(ns, scan, files, index, out)
        return 0

    return kept_or_made(
        index, scan, ns.store, "ls --json" if ns.json else "ls", make, prices=ns.json
    )


def _print_ls(
    ns: argparse.Namespace,
    scan: StoreScan,
    files: list[SegmentFile],
    index: StoreIndex | None,
    out: Recording,
) -> None:
    from segview.notes import read_store_notes

    from .annotations import Annotations, annotate
    from .lineage_cmds import open_lineage

    rows = ls_rows(scan, files, index, out.stderr)
    if ns.json:  # tokens need the forest (what each fork inherits)
        lineage = open_lineage(ns.store, index=index, scan=scan)
        extra = annotate(lineage, usage=True, progress_to=out.stderr)
    else:  # labels only: the sidecars of the directories listed
        dirs = dict.fromkeys([scan.root, *(f.store.root for f in files)])
        extra = Annotations(read_store_notes(dirs))
    if ns.json:
        out.write_bytes(dumps_json([{**row, **extra.json(row["id"])} for row in rows]))
        out.write_bytes(b"\n")  # (not joined: a copy of a large output)
        sys.stdout.flush()
        return
    if not rows:
        out.write_text(f"no segments in {one_line(str(scan.given))}\n")
        return
    lines = [f"{'SEGMENT':36}  {'CREATED (UTC)':19}  {'TURNS':>5}  {'ENTRIES':>7}  TITLE"]
    for row in rows:
        flags = []
        if origin := wire_origin_label(row):
            flags.append(f"[{origin}]")
        if n := len(row["problems"]) + row["problems_omitted"]:
            flags.append(f"[{n:,} problem{'s' * (n != 1)}]")
        label = extra.label(row["id"])
        title = one_line(row["title"]) if row["title"] else "(no user input)"
        title = f"✎ {one_line(label)}" if label else title
        entries = "?" if row["entries"] is None else str(row["entries"])
        created = format_ts(row["created_ts"], zone=False)
        line = f"{one_line(row['id']):36}  {created:19}  {row['turns']:>5}  {entries:>7}  "
        lines.append(line + " ".join([*flags, title]))
    out.write_text("\n".join(lines) + "\n")
    sys.stdout.flush()


def wire_origin_label(row: dict[str, Any]) -> str:
    """``origin_label`` of a row of ``ls --json``."""
    if row["forked_from"] is not None:
        origin = row["forked_from"]
        return f"fork of {one_line(origin['segment_id'][:13])}@{origin['at_turn_index']}"
    if row["compacted_from"] is not None:
        origin = row["compacted_from"]
        return f"compaction of {one_line(origin['segment_id'][:13])}@{origin['at_turn_index']}"
    return ""


def ls_rows(
    scan: StoreScan,
    files: list[SegmentFile],
    index: StoreIndex | None,
    progress_to: TextIO | None = None,
) -> list[Any]:
    """What ``ls --json`` lists of each file (``SegmentSummary.to_wire``): from the index
    for files it has them for, as they are now; the others are read (with their progress
    on ``progress_to``, default stderr), and kept in it."""
    from .progress import Progress

    known = index.extras_under(os.path.abspath(scan.root), "ls") if index is not None else {}
    rows: list[Any] = []
    fresh: list[tuple[str, tuple[int, int, int, int, int], bytes]] = []
    total = sum(f.stat.size for f in files)
    with Progress("reading", len(files), total, progress_to) as progress:
        for done, f in enumerate(files, 1):
            progress.update(done)
            key = f"{os.path.abspath(f.store.root)}{os.sep}{f.id}.jsonl"
            identity = (f.stat.dev, f.stat.ino, f.stat.size, f.stat.mtime_ns, f.stat.ctime_ns)
            found = known.get(key)
            row = None
            if found is not None and found[0] == identity:
                try:
                    row = orjson.loads(found[1])
                except orjson.JSONDecodeError:
                    row = None
                if not isinstance(row, dict) or row.get("id") != f.id:
                    row = None
            if row is None:
                row = summarize(f.store, f.id, f.session_id).to_wire()
                if index is not None and unchanged(key, identity):
                    with contextlib.suppress(TypeError):  # a number too large for JSON: not kept
                        fresh.append((key, identity, orjson.dumps({**row, "path": None})))
            row["session_id"], row["path"] = f.session_id, str(f.store.path_for(f.id))
            rows.append(row)
    if index is not None and fresh:
        index.put_extra(fresh, "ls")
    return rows
