"""``segview ls / show / cat / fork``: the store core's commands.

Text from a log reaches the terminal only through ``segview.text``: ``safe`` for the
transcript's multi-line text, ``one_line`` for table cells, headings, names and file names,
``safe_json`` for JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from segview.lineage import title_of
from segview.notes import read_store_notes
from segview.store.errors import StoreError
from segview.store.fs_store import MAX_PROBLEMS, FsStore, Problem, TolerantRead, UnknownEntry
from segview.store.version import FormatVersion
from segview.text import format_ts, one_line, plural, pretty_json, safe, safe_json

if TYPE_CHECKING:
    from segview.index import StoreIndex
    from segview.lineage import IndexedFile, Lineage
    from segview.store import LogEntry, SegmentStart
    from segview.store.layout import SegmentFile, StoreScan
    from segview.store.replay import RestoredState

from .annotations import Annotations, annotate
from .common import (
    EXIT_USAGE,
    CliError,
    add_index_flag,
    open_index,
    open_scan,
    print_json,
    resolve_segment,
)
from .lineage_cmds import open_lineage

COMMANDS = ("ls", "show", "cat", "fork")

STORE_HELP = (
    "a store directory (flat, session directories, a runtime data directory, a session "
    "directory or a worker aggregate), or a segment file"
)
SEGMENT_HELP = "a segment id or a unique prefix of one (optional when STORE is a segment file)"


def register(sub: Any) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser(
        "ls",
        help="list the segments of a store, newest first",
        description=(
            "List every segment of STORE, newest first (the runtime's own order: sessions\n"
            "newest first, each session's segments newest first). STORE is a store in any\n"
            "layout, or a segment file (then only that segment is listed)."
        ),
        epilog="example:\n  segview ls sample_logs\n  segview ls sample_logs --json | jq '.[0]'",
        formatter_class=fmt,
    )
    p.add_argument("store", metavar="STORE", help=STORE_HELP)
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    add_index_flag(p)
    p.set_defaults(func=cmd_ls)

    p = sub.add_parser(
        "show",
        help="print the replayed conversation of a segment (at a turn)",
        description=(
            "Replay SEGMENT and print the conversation state: after the turn_end whose\n"
            "turn_count is N with --turn N, else after the whole log."
        ),
        epilog="example:\n  segview show sample_logs 01926b80 --turn 2\n  segview show sample_logs 01926b80 --json",
        formatter_class=fmt,
    )
    p.add_argument("store", metavar="STORE", help=STORE_HELP)
    p.add_argument("segment", metavar="SEGMENT", nargs="?", help=SEGMENT_HELP)
    p.add_argument("--turn", type=_non_negative, metavar="N", help="the state after turn N")
    p.add_argument("--json", action="store_true", help="print the state as JSON")
    _add_format_version(p)
    add_index_flag(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "cat",
        help="print a segment's entries, decoded and re-encoded",
        description=(
            "Print SEGMENT's entries one per line, each decoded and re-encoded by the codec.\n"
            "For a file written by the agent runtime this reproduces the file byte for byte\n"
            "(but DEL, C1 and bidirectional controls in strings, written as \\u escapes);\n"
            "what a newer runtime version wrote (unknown kinds and keys) is kept as read.\n"
            "Damaged lines are reported on stderr (exit status 1); notes about what a newer\n"
            "runtime version wrote too (exit status 0). A current-version segment's last\n"
            "line without a newline is a write in progress and is not printed."
        ),
        epilog="example:\n  segview cat sample_logs 01926b80 | diff - sample_logs/01926b80-*.jsonl",
        formatter_class=fmt,
    )
    p.add_argument("store", metavar="STORE", help=STORE_HELP)
    p.add_argument("segment", metavar="SEGMENT", nargs="?", help=SEGMENT_HELP)
    add_index_flag(p)
    p.add_argument(
        "--runtime",
        action="store_true",
        help="print each entry as the runtime of the segment's version writes it back "
        "(what it does not know is dropped)",
    )
    _add_format_version(p)
    p.set_defaults(func=cmd_cat)

    p = sub.add_parser(
        "fork",
        help="branch a segment after a turn into a new segment",
        description=(
            "Create a new segment that starts from SEGMENT's state after turn N\n"
            "(forked_from records the source and N). The source is never modified;\n"
            "--at-turn 0 branches before the first turn."
        ),
        epilog="example:\n  segview fork sample_logs 01926b80 --at-turn 2",
        formatter_class=fmt,
    )
    p.add_argument("store", metavar="STORE", help=STORE_HELP)
    p.add_argument("segment", metavar="SEGMENT", nargs="?", help=SEGMENT_HELP)
    p.add_argument("--at-turn", type=_non_negative, metavar="N", required=True, help="the turn")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    _add_format_version(p)
    p.set_defaults(func=cmd_fork)


def _add_format_version(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format-version",
        choices=[v.value for v in FormatVersion],
        default=FormatVersion.AUTO.value,
        help="the format version whose rules apply (default: auto, inferred from the "
        "segment: a segment_start with session_id means current, else reference)",
    )


def _format_version(ns: argparse.Namespace) -> FormatVersion:
    return FormatVersion(ns.format_version)


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


# --- summaries ------------------------------------------------------------------------------


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
    from segview.store import SegmentStart, TurnEnd

    problems: list[Problem] = []
    path = str(store.path_for(segment_id))
    try:
        read = store.read_tolerant(segment_id)
    except StoreError as exc:
        return SegmentSummary(
            segment_id, None, 0, None, None, None, [Problem(None, str(exc))], session_id, path
        )
    try:
        lines: int | None = store.read_entry_count(segment_id)
    except StoreError as exc:
        lines = None
        problems.append(Problem(None, str(exc)))
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


# --- commands -------------------------------------------------------------------------------


def cmd_ls(ns: argparse.Namespace) -> int:
    scan = open_scan(ns.store)
    files = scan.segments if scan.selected is None else [resolve_segment(scan, None)]
    index = open_index(ns.store, ns)
    rows = ls_rows(scan, files, index)
    if ns.json:  # tokens need the forest (what each fork inherits)
        extra = annotate(open_lineage(ns.store, ns), usage=True)
    else:  # labels only: the sidecars of the directories listed
        dirs = dict.fromkeys([scan.root, *(f.store.root for f in files)])
        extra = Annotations(read_store_notes(dirs))
    if ns.json:
        print_json([{**row, **extra.json(row["id"])} for row in rows])
        return 0
    if not rows:
        print(f"no segments in {one_line(str(scan.given))}")
        return 0
    out = [f"{'SEGMENT':36}  {'CREATED (UTC)':19}  {'TURNS':>5}  {'ENTRIES':>7}  TITLE"]
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
        out.append(line + " ".join([*flags, title]))
    sys.stdout.write("\n".join(out) + "\n")
    sys.stdout.flush()
    return 0


def wire_origin_label(row: dict[str, Any]) -> str:
    """``origin_label`` of a row of ``ls --json``."""
    if row["forked_from"] is not None:
        origin = row["forked_from"]
        return f"fork of {one_line(origin['segment_id'][:13])}@{origin['at_turn_index']}"
    if row["compacted_from"] is not None:
        origin = row["compacted_from"]
        return f"compaction of {one_line(origin['segment_id'][:13])}@{origin['at_turn_index']}"
    return ""


def ls_rows(scan: StoreScan, files: list[SegmentFile], index: StoreIndex | None) -> list[Any]:
    """What ``ls --json`` lists of each file (``SegmentSummary.to_wire``): from the index
    for files it has them for, as they are now; the others are read, and kept in it."""
    import orjson

    known = index.extras_under(os.path.abspath(scan.root), "ls") if index is not None else {}
    rows: list[Any] = []
    fresh: list[tuple[str, tuple[int, int, int, int, int], bytes]] = []
    for f in files:
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
            if index is not None and _unchanged(key, identity):
                with contextlib.suppress(TypeError):  # a number too large for JSON: not kept
                    fresh.append((key, identity, orjson.dumps({**row, "path": None})))
        row["session_id"], row["path"] = f.session_id, str(f.store.path_for(f.id))
        rows.append(row)
    if index is not None and fresh:
        index.put_extra(fresh, "ls")
    return rows


def _unchanged(path: str, identity: tuple[int, int, int, int, int]) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns) == identity


def _read_for_display(
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


def _indexed(ns: argparse.Namespace, found: SegmentFile) -> tuple[Lineage | None, Any]:
    """The index (as a one-file forest that can keep what is read) and its record of the
    file as it is now; the record only when the version is inferred (``auto``)."""
    from segview.lineage import Lineage, indexed_file

    index = open_index(ns.store, ns)
    if index is None:
        return None, None
    lineage = Lineage(found.store.root, track_rewrites=False, index=index)
    if _format_version(ns) is not FormatVersion.AUTO:
        return lineage, None
    return lineage, indexed_file(index, found)


def state_at_turn(
    entries: list[LogEntry | UnknownEntry],
    turn: int | None,
    segment_id: str,
    version: FormatVersion = FormatVersion.AUTO,
) -> RestoredState:
    from segview.store import TurnEnd, collect_state, find_fork_cut

    if turn is None:
        return collect_state(entries, version)
    if turn == 0:  # the start: the leading segment_start, as fork --at-turn 0 cuts
        return collect_state(entries[: find_fork_cut(entries, 0).entries_kept], version)
    ends = [i for i, e in enumerate(entries) if isinstance(e, TurnEnd) and e.turn_count == turn]
    if not ends:
        turns = [e.turn_count for e in entries if isinstance(e, TurnEnd)]
        have = (
            f"its turns are 0 (the start), {_ranges(turns)}"
            if turns
            else ("it has only turn 0 (the start): no turn has ended")
        )
        raise CliError(f"segment {segment_id} has no turn {turn}: {have}", EXIT_USAGE)
    return collect_state(entries[: ends[0] + 1], version)


def _ranges(values: list[int]) -> str:
    if not values:
        return ""
    if values == list(range(values[0], values[0] + len(values))):
        return f"{values[0]}..{values[-1]}" if len(values) > 1 else str(values[0])
    shown = ", ".join(map(str, values[:10]))
    return shown + (", …" if len(values) > 10 else "")


def cmd_show(ns: argparse.Namespace) -> int:
    found = resolve_segment(open_scan(ns.store), ns.segment)
    segment_id = found.id
    lineage, known = _indexed(ns, found)
    # with the index: only the lines up to the turn's turn_end are read
    stop = known.turn_end_offset(ns.turn) if known is not None and ns.turn else None
    if stop is None:
        known = None
    read = _read_for_display(
        found.store,
        segment_id,
        _format_version(ns),
        known=known,
        stop=None if stop is None else stop + 1,
    )
    if lineage is not None and known is None and _format_version(ns) is FormatVersion.AUTO:
        lineage.index_read(found, read)
    state = state_at_turn(read.entries, ns.turn, segment_id, read.format_version)
    if ns.json:
        print_json(
            {
                "segment_id": segment_id,
                "at_turn": ns.turn,
                "format_version": state.version.value,
                **state.to_wire(),
            }
        )
        return 0
    del read  # the state holds what the transcript needs
    write = sys.stdout.write
    for line in transcript_lines(segment_id, ns.turn, state):
        write(line)
        write("\n")
    return 0


def render_transcript(segment_id: str, turn: int | None, state: RestoredState) -> str:
    """A readable plain-text transcript of a state; every text from the log is made safe
    (``segview.text``): headings and names on one line, contents with their line breaks."""
    return "\n".join(transcript_lines(segment_id, turn, state)) + "\n"


def transcript_lines(segment_id: str, turn: int | None, state: RestoredState) -> Iterator[str]:
    """The lines of ``render_transcript``, one item at a time (``show`` writes them as they
    come: a transcript as large as the log is never held whole)."""
    from segview.store.codec import describe_config

    at = f"after turn {turn}" if turn is not None else "whole log"
    yield (
        f"segment {one_line(segment_id)} ({at}: turn count {state.turn_count}, "
        f"{plural(state.entries_count, 'entry', 'entries')})"
    )
    if state.session_id is not None:
        yield f"session: {one_line(state.session_id)}"
    shown = " ".join(f"{k}={one_line(v)}" for k, v in describe_config(state.config))
    yield f"config: {shown or '(defaults)'}"
    if state.system_prompt:
        yield "system prompt:"
        yield textwrap.indent(safe(state.system_prompt), "  ")
    yield ""
    for item in state.history:
        yield from _render_item(item)
    if state.last_run_interrupted:
        yield "(the last run was interrupted)"


def _render_item(item: Any) -> list[str]:
    from segview.store import (
        MessageItem,
        ReasoningItem,
        ToolCallItem,
        ToolResultItem,
        UnknownVariant,
    )

    if isinstance(item, MessageItem):
        head = f"── {one_line(item.role)} "
        return [head + "─" * max(0, 60 - len(head)), safe(item.text()), ""]
    if isinstance(item, ToolCallItem):
        head = f"── tool call {one_line(item.name)} [{one_line(item.call_id)}]"
        return [head, safe(pretty_json(item.arguments)), ""]
    if isinstance(item, ToolResultItem):
        flag = " (error)" if item.is_error else ""
        lines = [f"── tool result [{one_line(item.call_id)}]{flag}: {one_line(item.summary)}"]
        if item.content:
            lines.append(safe(item.content))
        for attachment in item.attachments:
            if isinstance(attachment, UnknownVariant):
                lines.append(f"[attachment of unknown kind `{one_line(attachment.kind)}`]")
            else:
                mime, size = one_line(attachment.mime_type), attachment.size
                lines.append(f"[{one_line(attachment.kind)} attachment: {mime}, {size} bytes]")
        return [*lines, ""]
    if isinstance(item, ReasoningItem):
        lines = ["── reasoning"]
        if item.summary:
            lines.append("summary: " + " / ".join(one_line(s) for s in item.summary))
        if item.text:
            lines.append(safe(item.text))
        return [*lines, ""]
    if isinstance(item, UnknownVariant):
        raw = safe(_json_text(item.raw))
        return [f"── history item of unknown kind `{one_line(item.kind)}`", raw, ""]
    return [one_line(repr(item)), ""]


def _json_text(value: Any) -> str:
    """``value`` as compact JSON (the standard library's for what orjson cannot write: an
    integer beyond 64 bits)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False)


def cmd_cat(ns: argparse.Namespace) -> int:
    from segview.store import encode_entry

    found = resolve_segment(open_scan(ns.store), ns.segment)
    lineage, known = _indexed(ns, found) if not ns.runtime else (None, None)
    out = sys.stdout.buffer
    if known is not None and (same := _indexed_cat(lineage, found, known)) is not None:
        # the index says the output is the file's first `same` bytes: copy them
        _read_for_display(found.store, found.id, known=known, stop=0)
        _copy(found, same, out)
        return 1 if any(not p.is_note for p in known.problems) else 0
    read = _read_for_display(found.store, found.id, _format_version(ns))
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
        if self.same and lineage.index is not None and _unchanged(key, identity):
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


def cmd_fork(ns: argparse.Namespace) -> int:
    from segview.store import TurnEnd, fork_at

    found = resolve_segment(open_scan(ns.store), ns.segment)
    store, segment_id = found.store, found.id  # the fork goes beside its source
    # strict, as the Rust crate's fork_at; a last line still being written is left out
    entries, version = store.read_strict(
        segment_id, version=_format_version(ns), committed_only=True
    )
    if ns.at_turn != 0 and not any(
        isinstance(e, TurnEnd) and e.turn_count == ns.at_turn for e in entries
    ):
        turns = [e.turn_count for e in entries if isinstance(e, TurnEnd)]
        have = f"its turns are {_ranges(turns)}" if turns else "it has no completed turn"
        raise CliError(f"segment {segment_id} has no turn {ns.at_turn}: {have}", EXIT_USAGE)
    new_id = fork_at(store, segment_id, ns.at_turn, entries=entries, version=version)
    if ns.json:
        print_json(
            {
                "segment_id": new_id,
                "forked_from": {"segment_id": segment_id, "at_turn_index": ns.at_turn},
            }
        )
    else:
        print(new_id)
    return 0
