"""Search conversations: every history item as the model saw it, in one segment or a whole store.

What is searched is what the app shows: user input (as flattened), assistant text and refusals,
reasoning (text and summary), tool calls (name, id, arguments) and results (summary, content),
system messages, the system prompt, the history a segment was seeded with, and the labels and
notes kept beside the store. A hit names the segment, the turn whose state first shows the item
(``turn`` is the ``turn_count`` of the ``turn_end`` that closes it; 0 for the seed history and
the system prompt; None for a turn still in progress), the item's index in that state's
history, and a one-line snippet around the first match.

A store is searched file by file. Before a file is parsed, its raw bytes are tested for the
query as serde_json writes it (literal queries only): most files of a big store are skipped
without decoding a line. Nothing here imports Textual.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from segview.notes import read_notes
from segview.store import FormatVersion, StoreError
from segview.text import one_line

if TYPE_CHECKING:
    from segview.store import LogEntry, UnknownEntry
    from segview.store.layout import SegmentFile, StoreScan

__all__ = [
    "SNIPPET_WIDTH",
    "Hit",
    "Query",
    "QueryError",
    "SegmentHits",
    "search_entries",
    "search_segment",
    "search_store",
]

SNIPPET_WIDTH = 100
_BEFORE = 30  # characters of context before the match in a snippet


class QueryError(ValueError):
    """A query that cannot be searched for (an invalid regular expression)."""


@dataclass(frozen=True, slots=True)
class Query:
    """What to look for: literal text (default) or a regular expression; case-insensitive
    unless ``case_sensitive``."""

    text: str
    regex: bool = False
    case_sensitive: bool = False

    def pattern(self) -> re.Pattern[str]:
        flags = 0 if self.case_sensitive else re.IGNORECASE
        try:
            return re.compile(self.text if self.regex else re.escape(self.text), flags)
        except re.error as exc:
            raise QueryError(f"not a valid regular expression: {exc}") from None

    def prefilter(self) -> Callable[[bytes], bool] | None:
        """A test on a file's raw bytes that every file holding a match passes (None when no
        such cheap test exists: regular expressions, case-insensitive non-ASCII text)."""
        if self.regex or not self.text:
            return None
        encoded = orjson.dumps(self.text)[1:-1]  # as serde_json escapes it inside a string
        if self.case_sensitive:
            return lambda data: encoded in data
        if not self.text.isascii():
            return None
        folded = re.compile(re.escape(encoded), re.IGNORECASE)
        return lambda data: folded.search(data) is not None


@dataclass(frozen=True, slots=True)
class Hit:
    """One item (or text) that matches."""

    segment_id: str
    turn: int | None  # the turn whose state first shows it; None: the turn in progress
    item: int | None  # its index in that state's history (None: not a history item)
    where: str  # "user", "assistant", "reasoning", "tool call", "tool result", "system", ...
    snippet: str  # one line around the first match
    matches: int  # how many times the query occurs in it

    def to_json(self) -> dict[str, Any]:
        return {
            "segment_id": self.segment_id,
            "turn": self.turn,
            "item": self.item,
            "where": self.where,
            "snippet": self.snippet,
            "matches": self.matches,
        }


@dataclass(frozen=True, slots=True)
class SegmentHits:
    """The hits of one segment, and a problem if it could not be read."""

    segment: SegmentFile
    hits: list[Hit]
    problem: str | None = None


def _where(item: Any) -> str:
    kind = getattr(item, "kind", "")
    if kind == "message":
        return str(getattr(item, "role", "message"))
    return {"tool_call": "tool call", "tool_result": "tool result"}.get(kind, str(kind))


def _snippet(text: str, match: re.Match[str]) -> str:
    start = max(0, match.start() - _BEFORE)
    piece = text[start : match.end() + SNIPPET_WIDTH]
    shown = one_line(piece, SNIPPET_WIDTH)
    return ("…" + shown) if start > 0 else shown


def _hit(
    pattern: re.Pattern[str],
    segment_id: str,
    text: str,
    where: str,
    item: int | None,
) -> tuple[str, int | None, str, str, int] | None:
    first = pattern.search(text)
    if first is None:
        return None
    count = sum(1 for _ in pattern.finditer(text))
    return segment_id, item, where, _snippet(text, first), count


def search_entries(
    segment_id: str,
    entries: Sequence[LogEntry | UnknownEntry],
    query: Query,
    *,
    version: FormatVersion = FormatVersion.AUTO,
    inherited: bool = True,
) -> list[Hit]:
    """Every item the replay of ``entries`` adds that matches ``query``, in log order.

    The history a ``segment_start`` seeds is searched too (``where`` says ``(seed)``), except
    a fork's when ``inherited`` is false: a fork's seed is its parent's history, found there.
    """
    from segview.describe import item_text  # the models: when first used (``segview.app``)
    from segview.store import RestoredState, SegmentStart, TurnEnd, apply_entry

    pattern = query.pattern()
    state = RestoredState(format_version=version)
    pending: list[tuple[str, int | None, str, str, int]] = []  # hits of the turn being read
    hits: list[Hit] = []

    def close(turn: int | None) -> None:
        hits.extend(Hit(seg, turn, item, where, snip, n) for seg, item, where, snip, n in pending)
        pending.clear()

    for entry in entries:
        before = len(state.history)
        apply_entry(state, entry)
        if isinstance(entry, SegmentStart):
            if entry.system_prompt and (
                h := _hit(pattern, segment_id, entry.system_prompt, "system prompt", None)
            ):
                pending.append(h)
            if inherited or entry.forked_from is None:
                for k, item in enumerate(state.history):
                    where = f"{_where(item)} (seed)"
                    if h := _hit(pattern, segment_id, item_text(item), where, k):
                        pending.append(h)
            close(0)
            continue
        for k in range(before, len(state.history)):
            item = state.history[k]
            if h := _hit(pattern, segment_id, item_text(item), _where(item), k):
                pending.append(h)
        if isinstance(entry, TurnEnd):
            close(entry.turn_count)
    close(None)
    return hits


def _note_hits(segment: SegmentFile, pattern: re.Pattern[str]) -> list[Hit]:
    notes = read_notes(segment.store.root, segment.id)
    out: list[Hit] = []
    if notes.label and (first := pattern.search(notes.label)):
        count = len(pattern.findall(notes.label))
        out.append(Hit(segment.id, None, None, "label", _snippet(notes.label, first), count))
    for note in notes.notes:
        if first := pattern.search(note.text):
            item = note.item - 1 if note.item is not None else None
            count = len(pattern.findall(note.text))
            out.append(Hit(segment.id, note.turn, item, "note", _snippet(note.text, first), count))
    return out


def search_segment(segment: SegmentFile, query: Query, *, inherited: bool = False) -> SegmentHits:
    """The hits of one segment file (its labels and notes included); a fork's seed history is
    searched only when ``inherited`` (it is its parent's history)."""
    pattern = query.pattern()
    try:
        read = segment.store.read_tolerant(segment.id)
    except StoreError as exc:
        return SegmentHits(segment, [], str(exc))
    hits = search_entries(
        segment.id, read.entries, query, version=read.format_version, inherited=inherited
    )
    return SegmentHits(segment, _note_hits(segment, pattern) + hits)


def _could_match(segment: SegmentFile, test: Callable[[bytes], bool]) -> bool:
    try:
        with open(segment.path, "rb") as f:
            return test(f.read())
    except OSError:
        return True  # let the reader report what is wrong with it


def search_store(
    scan: StoreScan,
    query: Query,
    *,
    segments: Iterable[SegmentFile] | None = None,
    inherited: bool = False,
    cancelled: Callable[[], bool] = lambda: False,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[SegmentHits]:
    """The segments of ``scan`` (in listing order) that hold a hit, with their hits.

    ``progress(done, total)`` is called after each segment; ``cancelled()`` stops the search.
    """
    query.pattern()  # an invalid query fails before any file is read
    test = query.prefilter()
    chosen = list(scan.segments if segments is None else segments)
    pattern = query.pattern()
    for done, segment in enumerate(chosen, start=1):
        if cancelled():
            return
        if test is None or _could_match(segment, test):
            found = search_segment(segment, query, inherited=inherited)
        else:  # the log cannot hold it; labels and notes still can
            notes = _note_hits(segment, pattern)
            found = SegmentHits(segment, notes)
        if progress is not None:
            progress(done, len(chosen))
        if found.hits or found.problem:
            yield found
