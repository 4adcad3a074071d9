"""A segment's usage from the raw bytes of its file, without decoding it into models
(``scan_usage``), and ``UsageReader``, which keeps it per file while the file is unchanged.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

import orjson

from .tokens import TURN_STARTER_KINDS, SegmentUsage, Tokens, TurnSpan, sum_tokens

if TYPE_CHECKING:
    from segview.store import FsStore

__all__ = [
    "UsageReader",
    "scan_usage",
]


# How every line the runtime writes begins: the kind comes first
_KIND_AT = b'{"kind":"'


_LINE_KIND = re.compile(rb'^\{"kind":"([a-z_]*)"')


_STARTER_KINDS = frozenset(kind.encode() for kind in TURN_STARTER_KINDS)


_COUNTERS = ("input_total_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens")


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _usage_of(record: Any) -> Tokens | None:
    """The counters of a parsed ``llm_usage`` line (None when they are not whole numbers)."""
    if not isinstance(record, dict):
        return None
    total, read, write, out = (record.get(k) for k in _COUNTERS)
    if not (_is_count(total) and _is_count(read) and _is_count(write) and _is_count(out)):
        return None
    return Tokens(1, total, read, write, out)


def _line_at(data: bytes, start: int) -> bytes:
    end = data.find(b"\n", start)
    return data[start:] if end < 0 else data[start:end]


def _kind_at(data: bytes, start: int) -> bytes:
    """The kind of the line at ``start`` (a line written the runtime's way)."""
    begin = start + len(_KIND_AT)
    return data[begin : data.find(b'"', begin)]


def _find_lines(data: bytes, kind: bytes) -> list[int]:
    """Where the lines of ``kind`` start (lines written the runtime's way)."""
    head = _KIND_AT + kind + b'"'
    needle = b"\n" + head
    out = [0] if data.startswith(head) else []
    pos = data.find(needle)
    while pos >= 0:
        out.append(pos + 1)
        pos = data.find(needle, pos + 1)
    return out


def _sweep(events: list[tuple[int, int, Any]], count: Any) -> SegmentUsage:
    """Spans from ``(position, what, value)`` events in order: ``what`` 0 is a line that
    starts a turn, 1 a request (value: its tokens), 2 a ``turn_end`` (value: its count).
    ``count(position)`` is the entry index at a position; ``count(None)`` the entries in all."""
    spans: list[TurnSpan] = []
    first = 0
    pending: tuple[int, int, int] | None = None
    acc = Tokens()
    for position, what, value in events:
        if what == 1:
            acc = acc + value
            continue
        index = count(position)
        if what == 2:
            if pending is not None:
                spans.append(TurnSpan(pending[0], pending[1], pending[2], index, acc))
                acc, first = Tokens(), index
            pending = (value, first, index)
        elif pending is not None:
            spans.append(TurnSpan(pending[0], pending[1], pending[2], index, acc))
            acc, first, pending = Tokens(), index, None
    if pending is not None:
        spans.append(TurnSpan(pending[0], pending[1], pending[2], count(None), acc))
        acc = Tokens()
    total = sum_tokens(s.tokens for s in spans) + acc
    return SegmentUsage(tuple(spans), acc, total)


def _scan_canonical(data: bytes) -> SegmentUsage:
    """``scan_usage`` of a file whose every line is written the runtime's way: the usage and
    ``turn_end`` lines are found by searching the bytes, and only the few lines after each
    ``turn_end`` (up to the one that starts the next turn) are looked at one by one."""
    events: list[tuple[int, int, Any]] = []
    for start in _find_lines(data, b"llm_usage"):
        try:
            tokens = _usage_of(orjson.loads(_line_at(data, start)))
        except orjson.JSONDecodeError:
            continue
        if tokens is not None:
            events.append((start, 1, tokens))
    for start in _find_lines(data, b"turn_end"):
        try:
            record = orjson.loads(_line_at(data, start))
        except orjson.JSONDecodeError:
            continue
        if not isinstance(record, dict) or not _is_count(record.get("turn_count")):
            continue
        events.append((start, 2, record["turn_count"]))
        nxt = data.find(b"\n", start) + 1
        while 0 < nxt < len(data):  # the lines that close the turn: usage, the outcome, ...
            kind = _kind_at(data, nxt)
            if kind in _STARTER_KINDS:
                events.append((nxt, 0, None))
                break
            if kind == b"turn_end":
                break
            nxt = data.find(b"\n", nxt) + 1
    events.sort(key=lambda e: e[0])
    seen = [0, 0]  # (offset, lines before it), advanced as the sweep goes

    def count(position: int | None) -> int:
        if position is None:
            return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        seen[1] += data.count(b"\n", seen[0], position)
        seen[0] = position
        return seen[1]

    return _sweep(events, count)


def scan_usage(data: bytes) -> SegmentUsage:
    """``segment_usage`` of a file's bytes without decoding every entry: only ``llm_usage``
    and ``turn_end`` lines are parsed (and lines not written the runtime's way); the kind of
    any other line is read from its beginning. A line that is not valid JSON, or a usage line
    whose counters are not whole numbers, is left out (the exact reader's finer checks, such
    as duplicate keys, are not repeated). Span indices count the lines read."""
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    if data.startswith(_KIND_AT) + data.count(b"\n" + _KIND_AT) == lines:
        return _scan_canonical(data)  # every line the runtime's way: the common case
    events: list[tuple[int, int, Any]] = []
    index = 0
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        m = _LINE_KIND.match(line)
        kind = m.group(1) if m else None
        if kind is None or kind == b"llm_usage" or kind == b"turn_end":
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(record, dict) or not isinstance(record.get("kind"), str):
                continue
            kind = record["kind"].encode()
            if kind == b"llm_usage":
                tokens = _usage_of(record)
                if tokens is None:
                    continue
                events.append((index, 1, tokens))
            elif kind == b"turn_end":
                if not _is_count(record.get("turn_count")):
                    continue
                events.append((index, 2, record["turn_count"]))
        if kind in _STARTER_KINDS:
            events.append((index, 0, None))
        index += 1
    total = index
    return _sweep(events, lambda position: total if position is None else position)


class UsageReader:
    """Reads the usage of segment files (``scan_usage``), keeping each until its file
    changes (size, mtime).

    Not thread-safe by itself: one reader per worker, or a lock around it.
    """

    def __init__(self) -> None:
        self._cache: dict[Path, tuple[tuple[int, float], SegmentUsage]] = {}

    def read(self, store: FsStore, segment_id: str) -> SegmentUsage:
        """The usage of a segment; a file that cannot be read has none."""
        path = store.path_for(segment_id)
        try:
            st = path.stat()
        except OSError:
            self._cache.pop(path, None)
            return SegmentUsage()
        key = (st.st_size, st.st_mtime)
        cached = self._cache.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        try:
            usage = scan_usage(path.read_bytes())
        except OSError:
            usage = SegmentUsage()
        self._cache[path] = (key, usage)
        return usage
