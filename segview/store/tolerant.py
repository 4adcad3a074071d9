"""The tolerant reader: every good entry of a file, each problem reported, nothing fatal.

It reads the union of every format version, keeps entries of unknown kinds as
``UnknownEntry`` and unknown keys and nested kinds inside known entries, and reports each
problem instead of failing; what a newer runtime wrote is a note
(``Problem.kind == "newer_version"``), not damage. It can resume from a byte offset, so a
growing file (a live agent) is read only for its new bytes. ``FsStore.read_tolerant`` and
``FsStore.read_first_entry`` open the file and call it.

The codec and the models (pydantic) are loaded when the first line is decoded: listing a
store and reading the index need neither.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, BinaryIO

from .lines import BOM, LongLine, chunk_size, is_blank, limit_text, read_lines, read_long_line
from .reads import MAX_PROBLEMS, NEWER_VERSION_KIND, Problem, TolerantRead, UnknownEntry
from .version import FormatVersion

if TYPE_CHECKING:
    from orjson import JSONDecodeError, loads

    from .codec import (
        NEWER_VERSION,
        DecodeError,
        UnknownKindError,
        check_parsed,
        decode_usual,
        line_version,
        one_line,
        parse_json_marked,
        parse_json_text,
        validate_any,
    )
    from .model import LogEntry, SegmentStart

__all__ = [
    "TAIL_MARK",
    "decode_tolerant",
    "decode_tolerant_text",
    "read_first_entry",
    "read_tolerant",
    "version_of_entry",
    "version_of_line",
]

_codec_loaded = False


def _load_codec() -> None:
    """Bind the codec and the models into this module on first use: listing a store and
    reading the index need neither (nor pydantic, which takes most of the start-up)."""
    global _codec_loaded, NEWER_VERSION, DecodeError, UnknownKindError, line_version
    global one_line, parse_json_marked, parse_json_text, validate_any, SegmentStart, decode_usual
    global check_parsed, loads, JSONDecodeError
    import orjson

    from . import codec, model

    # the classes are declared under TYPE_CHECKING (mypy sees them as imported types, which
    # cannot be assigned to): this binds the very same classes, only later
    NEWER_VERSION = codec.NEWER_VERSION
    DecodeError = codec.DecodeError  # type: ignore[misc]
    UnknownKindError = codec.UnknownKindError  # type: ignore[misc]
    line_version, one_line = codec.line_version, codec.one_line
    parse_json_marked, validate_any = codec.parse_json_marked, codec.validate_any
    parse_json_text, decode_usual = codec.parse_json_text, codec.decode_usual
    check_parsed, loads = codec.check_parsed, orjson.loads
    JSONDecodeError = orjson.JSONDecodeError  # type: ignore[misc]
    SegmentStart = model.SegmentStart  # type: ignore[misc]
    _codec_loaded = True


_JSON_WS = b" \t\n\r"
_PROGRESS_STEP = 1 << 20


TAIL_MARK = "truncated last line"


TEXT_PARSE_MAX_COMMAS = 4096
"""A line of a MiB or more with at most this many commas (a few values: one long string, as
a big tool result) is parsed from its text (``decode_tolerant_text``), with at most two
copies of it held at once: orjson holds three (the line, its own copy, what it parses
into). A line of many small values is parsed by orjson still, faster there (a 5.1 MB line
of small objects: 0.34 s, against 0.50 s)."""


def _utf8(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def decode_tolerant_text(text: str, share: bool = False) -> tuple[LogEntry | None, str | None]:
    """``decode_tolerant`` of a line decoded from UTF-8 (its newline may be kept), parsed
    from its text (``parse_json_text``): (None, None) when it is no entry of a known kind,
    to be decoded from its bytes for the same problem or ``UnknownEntry`` as any line."""
    if not _codec_loaded:
        _load_codec()
    try:
        entry, newer = validate_any(parse_json_text(text), check_duplicates=True, share=share)
    except DecodeError:
        return None, None
    return entry, _newer_note(newer) if newer else None


def _newer_note(newer: tuple[str, ...]) -> str:
    return one_line(f"{'; '.join(newer)}: {NEWER_VERSION}, kept as is")


def decode_tolerant(
    content: bytes, share: bool = False
) -> tuple[LogEntry | UnknownEntry | None, str | None]:
    """Decode for browsing (every version's shapes): (entry, None), (entry, note) when it
    holds what a newer runtime wrote (an ``UnknownEntry`` for an unknown entry kind), or
    (None, error). ``share``: its models share their sets of given fields (``validate_any``)."""
    if not _codec_loaded:
        _load_codec()
    try:
        obj = loads(content)
    except JSONDecodeError:
        parsed = False  # the message is parse_json_marked's
    else:
        parsed = True
        usual = decode_usual(content, obj, share)
        if usual is not None:
            return usual, None
    try:
        obj, marked = check_parsed(content, obj) if parsed else parse_json_marked(content)
        entry, newer = validate_any(obj, check_duplicates=marked, share=share)
    except UnknownKindError as exc:
        ts = obj.get("ts")
        unknown = UnknownEntry(
            kind=exc.kind,
            ts=ts if isinstance(ts, int) and not isinstance(ts, bool) else None,
            raw=obj,
            line_bytes=content,
        )
        return unknown, one_line(f"unknown entry kind `{exc.kind}`: {NEWER_VERSION}, kept as is")
    except DecodeError as exc:
        return None, str(exc)
    return entry, _newer_note(newer) if newer else None


def _problem(lineno: int, entry: object, message: str) -> Problem:
    """The problem a decoded line reports: a note when the line was kept, else damage."""
    return Problem(lineno, message, NEWER_VERSION_KIND if entry is not None else None)


def version_of_entry(entry: object) -> FormatVersion:
    """The version a segment's first entry implies (FORMAT.md section 9.6)."""
    if not _codec_loaded:
        _load_codec()
    if isinstance(entry, SegmentStart) and entry.session_id is not None:
        return FormatVersion.CURRENT
    return FormatVersion.REFERENCE


def version_of_line(content: bytes) -> FormatVersion:
    """The version a segment's first line implies, parsing it only when it may say CURRENT."""
    if b"session_id" not in content:
        return FormatVersion.REFERENCE
    if not _codec_loaded:
        _load_codec()
    try:
        return line_version(parse_json_marked(content)[0])
    except DecodeError:
        return FormatVersion.REFERENCE


def read_first_entry(f: BinaryIO) -> tuple[LogEntry | None, Problem | None]:
    """The first non-blank line of ``f``, decoded tolerantly: (entry, None) or (None, problem)."""
    raw = f.readline(chunk_size())
    if raw[:1] == b"{" and raw[-2:] == b"}\n":  # the usual first line
        entry, message = decode_tolerant(raw[:-1])
        if isinstance(entry, UnknownEntry) or entry is None:
            return None, Problem(1, message or "not an entry")
        return entry, None
    f.seek(0)
    for lineno, _start, _end, content, terminated in read_lines(f):
        if isinstance(content, LongLine):
            if content.blank:
                continue
            message = f"{content.describe()} (not read)"
            if not terminated:
                message = f"{TAIL_MARK}: {message}"
            return None, Problem(lineno, message)
        if lineno == 1 and content.startswith(BOM):
            content = content[len(BOM) :]
        if is_blank(content):
            continue
        entry, message = decode_tolerant(content)
        if isinstance(entry, UnknownEntry) or entry is None:
            if not terminated:
                message = f"{TAIL_MARK}: {message}"
            return None, Problem(lineno, message or "not an entry")
        return entry, None
    return None, Problem(None, "empty file: no segment_start")


def read_tolerant(
    f: BinaryIO,
    *,
    offset: int = 0,
    first_line: int = 1,
    progress: Callable[[int, int], None] | None = None,
    version: FormatVersion,
    stop: int | None = None,
    share: bool = False,
) -> TolerantRead:
    """Read for browsing from ``offset`` (a line start), never failing on bad content.

    With ``stop`` only the lines that start before that offset are read (the resume point
    is then the first line not read).

    The rules of ``version`` (``AUTO``: what the first entry implies) decide only what an
    unterminated last line is: at the reference version an entry when it parses, else a
    truncated line (a problem); at the current version a write in progress, neither an
    entry nor a problem (``pending_tail`` says it is there). Either way it is read again
    when the file grows. ``result.format_version`` is the version applied.

    ``progress(bytes_read, total)`` is called about every MiB and once at the end.
    Lines longer than ``MAX_LINE_BYTES`` are reported and skipped without being kept;
    past ``MAX_PROBLEMS`` problems are counted, not kept. ``share``: the entries' models share
    their sets of given fields (for entries kept long: ``validate_any``).
    """
    result = TolerantRead(end_offset=offset, next_line=first_line, format_version=version)
    entries, lines, offsets = result.entries, result.lines, result.offsets
    total = os.fstat(f.fileno()).st_size if progress is not None else 0
    reported = offset
    f.seek(offset)
    lineno = first_line
    start = offset
    readline = f.readline
    size = chunk_size()
    # read_lines inlined: this loop runs once per entry of every log shown
    while raw := readline(size):
        if stop is not None and start >= stop:
            result.end_offset, result.next_line = start, lineno
            break
        if len(raw) == size and raw[-1:] != b"\n":  # a line of a MiB or more
            got = read_long_line(f, raw)
            del raw
            if isinstance(got, tuple):
                long, length, terminated = got
                end = start + length
                if not terminated:
                    _long_tail(result, lineno, start, long)
                    break
                if not long.blank:
                    skipped = Problem(lineno, f"{long.describe()} (line skipped)")
                    result.note(skipped, bad_line=True)
                lineno += 1
                start = end
                continue
            raw = got
            del got  # one name for the line: see `del raw` below
        end = start + len(raw)
        if raw[:1] == b"{" and raw[-2:] == b"}\n":
            # the usual line: terminated, no CR, not blank, no BOM; orjson
            # rejects invalid UTF-8, so only a failed line needs the UTF-8 check
            entry: LogEntry | UnknownEntry | None = None
            if len(raw) > size and raw.count(b",") <= TEXT_PARSE_MAX_COMMAS:
                text = _utf8(raw)
                if text is not None:
                    del raw  # one copy of a long line while it is parsed, not two
                    entry, message = decode_tolerant_text(text, share)
                    if entry is None:  # damaged, or of an unknown kind: as any line
                        raw = text.encode()
                    del text
            if entry is None:
                content = raw[:-1]
                if len(content) >= size:
                    del raw  # a long line: one copy of it while it is decoded, not two
                entry, message = decode_tolerant(content, share)
            if entry is None:
                _decode_into(result, lineno, start, content, share)
            else:
                entries.append(entry)
                lines.append(lineno)
                offsets.append(start)
                if message is not None:
                    result.note(_problem(lineno, entry, message), bad_line=False)
        else:
            terminated = raw.endswith(b"\n")
            content = raw[:-1] if terminated else raw
            if content.endswith(b"\r"):
                content = content[:-1]
            if lineno == 1 and start == 0 and content.startswith(BOM):
                result.problems.append(
                    Problem(1, "UTF-8 byte-order mark at the start of the file (ignored)")
                )
                content = content[len(BOM) :]
            if not terminated:
                _tail(result, lineno, start, content, share)
                break
            if not is_blank(content):
                _decode_into(result, lineno, start, content, share)
        if progress is not None and end - reported >= _PROGRESS_STEP:
            reported = end
            progress(end, max(total, end))
        lineno += 1
        start = end
    else:
        result.end_offset = start
        result.next_line = lineno
    if result.format_version is FormatVersion.AUTO:
        result.format_version = version_of_entry(entries[0] if entries else None)
    if progress is not None:
        done = f.tell()
        progress(done, max(total, done))
    return result


def _decode_into(
    result: TolerantRead, lineno: int, start: int, content: bytes, share: bool
) -> None:
    if len(result.problems) >= MAX_PROBLEMS and content.lstrip(_JSON_WS)[:1] != b"{":
        # not an object, so not an entry; past the problems kept only the count is needed
        result.problems_omitted += 1
        result.bad_lines_omitted += 1
        return
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        result.note(
            Problem(lineno, f"invalid UTF-8 at byte {exc.start + 1} of the line (line skipped)"),
            bad_line=True,
        )
        return
    entry, message = decode_tolerant(content, share)
    if entry is not None:
        result.entries.append(entry)
        result.lines.append(lineno)
        result.offsets.append(start)
    if message is not None:
        result.note(_problem(lineno, entry, message), bad_line=entry is None)


def _tail(result: TolerantRead, lineno: int, start: int, content: bytes, share: bool) -> None:
    """A last line with no newline (see ``read_tolerant``).

    Either way the resume point stays at its start, so it is read again when it grows.
    """
    result.end_offset = start
    result.next_line = lineno
    result.pending_tail = True
    if is_blank(content):
        return
    entry, message = decode_tolerant(content, share)
    version = result.format_version
    if version is FormatVersion.AUTO:
        first = result.entries[0] if result.entries else entry
        version = result.format_version = version_of_entry(first)
    if version is FormatVersion.CURRENT:
        return  # not committed yet: the runtime drops it before its next append
    if entry is not None:
        result.entries.append(entry)
        result.lines.append(lineno)
        result.offsets.append(start)
        result.tail_is_entry = True
        if message is not None:
            result.problems.append(_problem(lineno, entry, message))
        return
    result.problems.append(
        Problem(
            lineno,
            f"{TAIL_MARK} ({len(content)} bytes, no newline): a crash mid-append or a "
            f"write in progress; ignored ({message})",
        )
    )


def _long_tail(result: TolerantRead, lineno: int, start: int, long: LongLine) -> None:
    """A last line with no newline, longer than segview reads: as ``_tail`` (a truncated
    line at the reference version, a write in progress at the current one), never read."""
    version = result.format_version
    if version is FormatVersion.AUTO:
        version = result.format_version = version_of_entry(
            result.entries[0] if result.entries else None
        )
    if not long.blank and version is not FormatVersion.CURRENT:
        result.problems.append(
            Problem(
                lineno,
                f"{TAIL_MARK} ({long.length:,} bytes, no newline): a crash mid-append or "
                f"a write in progress; ignored (longer than the {limit_text()} "
                "segview reads)",
            )
        )
    result.end_offset = start
    result.next_line = lineno
    result.pending_tail = True
