"""``FsStore``: a directory of ``{segment_id}.jsonl`` files (FORMAT.md sections 1, 2b, 8, 9.5).

Two readers, each following the rules of one version of the format (``FormatVersion``; the
default ``AUTO`` takes the store's ``layout_version`` hint, else the segment's first line):

* ``read_all`` is strict and agrees with the Rust crate of that version on every line: a bad
  line raises ``Corrupt`` with its 1-based physical line number. Reference version: invalid
  UTF-8 anywhere is an I/O error and an unterminated last line is read like any other.
  Current version: only the newline-terminated prefix is read (an unterminated last line is a
  write in progress, not an entry), and invalid UTF-8 is ``Corrupt`` at its line.
* ``read_tolerant`` is for browsing: it reads the union of every version, keeps every good
  entry, keeps entries of unknown kinds as ``UnknownEntry`` and unknown keys and nested kinds
  inside known entries, and reports each problem instead of failing; what a newer runtime
  wrote is a note (``Problem.kind == "newer_version"``), not damage. It can resume from a
  byte offset, so a growing file (a live agent) is read only for its new bytes.

Only regular files are read (symlinks are followed): a FIFO, a device or a socket named like
a segment is reported as "not a regular file" without being read, so nothing blocks and
nothing reads without end. The format sets no limit on a line; segview reads lines of up to
``MAX_LINE_BYTES`` (64 MiB) and reports a longer one as a problem, reading it in chunks that
are not kept. The tolerant reader keeps the first ``MAX_PROBLEMS`` problems of a file and
counts the rest exactly (``TolerantRead.problems_omitted``).

New segment files are always created exclusively and completely: written to a temporary
file beside the target, then linked into place (which fails if the target exists); see
``write_new_file`` for where hard links are unavailable, and ``TEMP_NAME_RE`` for the name
of the temporary file (a process killed while writing leaves it behind).
"""

from __future__ import annotations

import codecs
import contextlib
import ctypes
import errno
import fcntl
import functools
import os
import re
import secrets
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .errors import AlreadyExists, Corrupt, NotFound, StoreError, StoreIOError
from .version import FormatVersion

if TYPE_CHECKING:
    from .codec import (
        NEWER_VERSION,
        DecodeError,
        UnknownKindError,
        encode_entry,
        encode_model,
        line_version,
        one_line,
        parse_json_marked,
        validate_any,
        validate_entry,
    )
    from .model import LogEntry, SegmentStart, TraceEntry

_codec_loaded = False


def _load_codec() -> None:
    """Bind the codec and the models into this module on first use: listing a store and
    reading the index need neither (nor pydantic, which takes most of the start-up)."""
    global _codec_loaded, NEWER_VERSION, DecodeError, UnknownKindError, encode_entry
    global encode_model, line_version, one_line, parse_json_marked, validate_any
    global validate_entry, SegmentStart
    from . import codec, model

    # the classes are declared under TYPE_CHECKING (mypy sees them as imported types, which
    # cannot be assigned to): this binds the very same classes, only later
    NEWER_VERSION = codec.NEWER_VERSION
    DecodeError = codec.DecodeError  # type: ignore[misc]
    UnknownKindError = codec.UnknownKindError  # type: ignore[misc]
    encode_entry, encode_model, line_version = (
        codec.encode_entry,
        codec.encode_model,
        codec.line_version,
    )
    one_line, parse_json_marked = codec.one_line, codec.parse_json_marked
    validate_any, validate_entry = codec.validate_any, codec.validate_entry
    SegmentStart = model.SegmentStart  # type: ignore[misc]
    _codec_loaded = True


__all__ = [
    "MAX_LINE_BYTES",
    "MAX_PROBLEMS",
    "NEWER_VERSION_KIND",
    "SEGMENT_ID_RE",
    "TEMP_NAME_RE",
    "FsStore",
    "LongLine",
    "Problem",
    "SkippedFile",
    "TolerantRead",
    "UnknownEntry",
    "is_blank",
    "open_regular",
    "read_lines",
    "temporary_target",
    "write_new_file",
]

SEGMENT_ID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Rust's char::is_whitespace (Unicode White_Space). Python's str.isspace also counts
# U+001C..U+001F, which Rust does not.
RUST_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_ASCII_WS = b" \t\n\r\x0b\x0c"
_JSON_WS = b" \t\n\r"
BOM = b"\xef\xbb\xbf"
_PROGRESS_STEP = 1 << 20

MAX_LINE_BYTES = 64 << 20
"""The longest line segview reads, newline excluded (the format itself sets no limit). A
longer line is reported as a problem and skipped, read in chunks that are not kept."""
MAX_PROBLEMS = 1000
"""Problems the tolerant reader keeps per file; the rest are only counted, exactly."""
_CHUNK = 1 << 20


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and not n % (1 << 20) else f"{n:,} bytes"


def is_blank(line: bytes) -> bool:
    """True when the line is empty after trimming Unicode White_Space (Rust's ``str::trim``)."""
    if not line or line[:1] == b"{":
        return not line
    stripped = line.strip(_ASCII_WS)
    if not stripped:
        return True
    if stripped.isascii():
        return False  # an ASCII character that is not whitespace is left by any trim
    try:
        return not line.decode("utf-8").strip(RUST_WHITESPACE)
    except UnicodeDecodeError:
        return False


@dataclass(frozen=True, slots=True)
class LongLine:
    """A line longer than ``MAX_LINE_BYTES``: what was learnt while skipping it."""

    length: int  # bytes, newline excluded
    blank: bool  # only Unicode White_Space (Rust's ``str::trim`` leaves nothing)
    utf8: bool  # valid UTF-8

    def describe(self) -> str:
        limit = _size(MAX_LINE_BYTES)
        return f"line of {self.length:,} bytes, longer than the {limit} segview reads"


def _chunk_size() -> int:
    return min(_CHUNK, MAX_LINE_BYTES + 1)


def read_long_line(f: BinaryIO, head: bytes) -> bytes | tuple[LongLine, int, bool]:
    """The rest of a line whose first chunk ``head`` (a full ``readline`` chunk) holds no
    newline: the whole raw line when it is at most ``MAX_LINE_BYTES`` long, else the line
    skipped (``_skip_long_line``), so that no more than that limit is ever held at once."""
    parts = [head]
    total = len(head)
    size = _chunk_size()
    while True:
        more = f.readline(size)
        if not more:
            break
        parts.append(more)
        total += len(more)
        if more.endswith(b"\n"):
            if total - 1 > MAX_LINE_BYTES:
                return _skip_long_line(f, parts)
            break
        if total > MAX_LINE_BYTES:
            return _skip_long_line(f, parts)
    return b"".join(parts)


def _skip_long_line(f: BinaryIO, parts: list[bytes]) -> tuple[LongLine, int, bool]:
    """Go through the line that starts with the chunks ``parts`` (emptied on the way) and reads
    on to its end, keeping nothing. Returns what the line was, its raw length (newline
    included) and whether it ended with a newline (else the file ended first)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    length = raw_length = 0
    blank = utf8 = True
    terminated = False
    parts.reverse()
    size = _chunk_size()
    while True:
        chunk = parts.pop() if parts else f.readline(size)
        if not chunk:
            break
        raw_length += len(chunk)
        if chunk.endswith(b"\n"):
            terminated = True
            chunk = chunk[:-1]
        length += len(chunk)
        if utf8:
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = blank = False
            else:
                blank = blank and not text.strip(RUST_WHITESPACE)
        del chunk
        if terminated:
            break
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = blank = False
    return LongLine(length, blank, utf8), raw_length, terminated


def read_lines(
    f: BinaryIO, first_line: int = 1
) -> Iterator[tuple[int, int, int, bytes | LongLine, bool]]:
    """Yield ``(line_number, start, end, content, terminated)`` for each line of ``f``.

    ``start`` / ``end`` are byte offsets of the raw line (``end`` is past its newline).
    Lines end at ``\\n`` only; one trailing ``\\r`` is dropped. ``terminated`` is False
    only for a last line with no ``\\n``. A line longer than ``MAX_LINE_BYTES`` is read in
    chunks and given as a ``LongLine`` instead of its bytes.
    """
    lineno = first_line
    offset = f.tell()
    readline = f.readline
    size = _chunk_size()
    while raw := readline(size):
        content: bytes | LongLine
        if len(raw) == size and raw[-1:] != b"\n":
            got = read_long_line(f, raw)
            del raw
            if isinstance(got, tuple):
                content, length, terminated = got
                end = offset + length
                yield lineno, offset, end, content, terminated
                offset = end
                lineno += 1
                continue
            raw = got
        terminated = raw.endswith(b"\n")
        content = raw[:-1] if terminated else raw
        if content.endswith(b"\r"):
            content = content[:-1]
        end = offset + len(raw)
        yield lineno, offset, end, content, terminated
        offset = end
        lineno += 1


NEWER_VERSION_KIND = "newer_version"
"""``Problem.kind`` of a note: something no known version has, kept as read (not damage)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a file: ``line`` is 1-based, or None for the file as a whole.

    ``kind`` is ``NEWER_VERSION_KIND`` for a note about what a newer runtime version wrote
    (kept as read), None for damage and everything else.
    """

    line: int | None
    message: str
    kind: str | None = None

    @property
    def is_note(self) -> bool:
        return self.kind == NEWER_VERSION_KIND

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message}

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line is not None else self.message


@dataclass(frozen=True, slots=True)
class UnknownEntry:
    """An entry whose ``kind`` this version does not know, kept with its raw JSON."""

    kind: str
    ts: int | None
    raw: dict[str, Any]
    line_bytes: bytes

    def encode(self) -> bytes:
        return self.line_bytes


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A directory entry that looks like a segment file but is not listed, and why."""

    name: str
    reason: str


@dataclass(slots=True)
class TolerantRead:
    """What ``read_tolerant`` found: the good entries, their line numbers and offsets, problems.

    ``end_offset`` / ``next_line`` say where to resume when the file grows: just after the
    last terminated line (an unterminated tail that does not parse is read again later).

    ``problems`` holds the first ``MAX_PROBLEMS`` problems of the terminated lines, then the
    problems of an unterminated last line (always kept: a resumed read replaces them).
    ``problems_omitted`` counts the problems found beyond those, exactly, and
    ``bad_lines_omitted`` how many of them were lines that gave no entry (so that the lines of
    a file can still be counted: the lines of ``lines`` and of ``problems``, plus these).
    """

    entries: list[LogEntry | UnknownEntry] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    end_offset: int = 0
    next_line: int = 1
    pending_tail: bool = False
    tail_is_entry: bool = False
    format_version: FormatVersion = FormatVersion.AUTO
    problems_omitted: int = 0
    bad_lines_omitted: int = 0

    @property
    def damage(self) -> list[Problem]:
        """The problems kept that are not notes about a newer runtime version."""
        return [p for p in self.problems if not p.is_note]

    @property
    def damage_omitted(self) -> int:
        """The damage among the problems omitted: a note is about an entry that was kept, so
        every omitted problem that is not a note is a line that gave no entry."""
        return self.bad_lines_omitted

    def note(self, problem: Problem, *, bad_line: bool) -> None:
        """Keep ``problem`` if fewer than ``MAX_PROBLEMS`` are kept, else count it."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.problems_omitted += 1
            self.bad_lines_omitted += bad_line

    def extend(self, more: TolerantRead) -> None:
        """Add what a read resumed at ``end_offset`` found (re-read tails replace old ones)."""
        if self.tail_is_entry:
            del self.entries[-1], self.lines[-1], self.offsets[-1]
        # problems at or after the resume line were found in the re-read tail (including
        # the first line's byte-order mark when the first line was still unterminated)
        kept = [p for p in self.problems if p.line is None or p.line < self.next_line]
        tail = more.next_line if more.pending_tail else None
        added = [p for p in more.problems if p.line is None or tail is None or p.line < tail]
        overflow = len(kept) + len(added) - MAX_PROBLEMS
        if overflow > 0:  # the resumed read's last problems go past what one file keeps
            entry_lines = set(more.lines)
            dropped = added[len(added) - overflow :]
            del added[len(added) - overflow :]
            self.problems_omitted += overflow
            self.bad_lines_omitted += sum(p.line not in entry_lines for p in dropped)
        self.problems = kept + added + more.problems[len(added) + max(0, overflow) :]
        self.problems_omitted += more.problems_omitted
        self.bad_lines_omitted += more.bad_lines_omitted
        self.entries.extend(more.entries)
        self.lines.extend(more.lines)
        self.offsets.extend(more.offsets)
        self.end_offset = more.end_offset
        self.next_line = more.next_line
        self.pending_tail = more.pending_tail
        self.tail_is_entry = more.tail_is_entry
        if more.format_version is not FormatVersion.AUTO:
            self.format_version = more.format_version


_TAIL_MARK = "truncated last line"


def _decode_tolerant(content: bytes) -> tuple[LogEntry | UnknownEntry | None, str | None]:
    """Decode for browsing (every version's shapes): (entry, None), (entry, note) when it
    holds what a newer runtime wrote (an ``UnknownEntry`` for an unknown entry kind), or
    (None, error)."""
    if not _codec_loaded:
        _load_codec()
    try:
        obj, marked = parse_json_marked(content)
        entry, newer = validate_any(obj, check_duplicates=marked)
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
    if newer:
        return entry, one_line(f"{'; '.join(newer)}: {NEWER_VERSION}, kept as is")
    return entry, None


def _problem(lineno: int, entry: object, message: str) -> Problem:
    """The problem a decoded line reports: a note when the line was kept, else damage."""
    return Problem(lineno, message, NEWER_VERSION_KIND if entry is not None else None)


def _version_of_entry(entry: object) -> FormatVersion:
    """The version a segment's first entry implies (FORMAT.md section 9.6)."""
    if not _codec_loaded:
        _load_codec()
    if isinstance(entry, SegmentStart) and entry.session_id is not None:
        return FormatVersion.CURRENT
    return FormatVersion.REFERENCE


def _version_of_line(content: bytes) -> FormatVersion:
    """The version a segment's first line implies, parsing it only when it may say CURRENT."""
    if b"session_id" not in content:
        return FormatVersion.REFERENCE
    if not _codec_loaded:
        _load_codec()
    try:
        return line_version(parse_json_marked(content)[0])
    except DecodeError:
        return FormatVersion.REFERENCE


class FsStore:
    """A store directory. Ids are lower-case hyphenated UUID strings.

    ``version_hint`` is the format version the directory's layout implies (``reference``
    for a flat store, ``current`` for a session directory or a worker aggregate), set by
    the store scanner (``layout.scan_store``); None when unknown. ``layout_version`` is what
    the readers make of it (FORMAT.md section 9.6): a session directory or a worker aggregate
    decides the current rules; a flat store decides nothing, since each segment's first line
    still tells (a ``segment_start`` with ``session_id`` follows the current rules).
    """

    def __init__(
        self, root: str | os.PathLike[str], *, version_hint: str | FormatVersion | None = None
    ) -> None:
        self.root = Path(root)
        self.version_hint = version_hint
        self.layout_version = (
            FormatVersion.CURRENT if version_hint == FormatVersion.CURRENT else FormatVersion.AUTO
        )

    def __repr__(self) -> str:
        return f"FsStore({str(self.root)!r})"

    def resolve_version(
        self, segment_id: str, version: FormatVersion = FormatVersion.AUTO
    ) -> FormatVersion:
        """The version whose rules apply to a segment: ``version`` unless ``AUTO``, else the
        store's ``layout_version`` unless ``AUTO``, else what the segment's first line implies
        (a ``segment_start`` with ``session_id``: ``CURRENT``; anything else ``REFERENCE``)."""
        if version is not FormatVersion.AUTO:
            return version
        if self.layout_version is not FormatVersion.AUTO:
            return self.layout_version
        entry, _problem = self.read_first_entry(segment_id)
        return _version_of_entry(entry)

    # --- paths and listing ------------------------------------------------------------------

    def path_for(self, segment_id: str) -> Path:
        return self.root / f"{segment_id}.jsonl"

    def trace_path_for(self, segment_id: str) -> Path:
        return self.root / f"{segment_id}.trace.jsonl"

    def _scan(self) -> tuple[list[str], list[SkippedFile]]:
        from .layout import list_directory  # the one directory walk (it imports FsStore)

        ids, unlisted = list_directory(self.root)
        return ids, [SkippedFile(entry.path.name, entry.reason) for entry in unlisted]

    def list_segments(self) -> list[str]:
        """Segment ids of this directory's regular files, newest first (descending id order)."""
        return self._scan()[0]

    def list_skipped(self) -> list[SkippedFile]:
        """Entries that look like segment files but are not listed, with the reason."""
        return self._scan()[1]

    def exists(self, segment_id: str) -> bool:
        return self.path_for(segment_id).is_file()

    # --- reading ----------------------------------------------------------------------------

    def _open(self, segment_id: str) -> BinaryIO:
        # a plain string path: building a Path costs more than opening a small file
        name = f"{os.fspath(self.root)}{os.sep}{segment_id}.jsonl"
        try:
            return open_regular(name)
        except FileNotFoundError:
            raise NotFound(segment_id, self.path_for(segment_id)) from None
        except OSError as exc:
            raise StoreIOError(self.path_for(segment_id), exc.strerror or str(exc)) from None

    def read_all(
        self,
        segment_id: str,
        *,
        version: FormatVersion = FormatVersion.AUTO,
        committed_only: bool = False,
    ) -> list[LogEntry]:
        """Every entry, strictly, by the rules of ``version`` (see the module docstring): the
        first bad line raises ``Corrupt`` (as the Rust crate of that version does).

        ``committed_only`` reads only the newline-terminated prefix at the reference version
        too (the current version always does): an unterminated last line may be a write in
        progress, which an operation such as ``fork_at`` must not take for damage. A line
        longer than ``MAX_LINE_BYTES`` is not read: it is ``Corrupt`` at its line.
        """
        return self.read_strict(segment_id, version=version, committed_only=committed_only)[0]

    def read_strict(
        self,
        segment_id: str,
        *,
        version: FormatVersion = FormatVersion.AUTO,
        committed_only: bool = False,
    ) -> tuple[list[LogEntry], FormatVersion]:
        """``read_all``, and the version whose rules it applied (``AUTO`` resolved).

        The file is read line by line, so no line longer than ``MAX_LINE_BYTES`` is held. As
        with a check of the whole file, invalid UTF-8 anywhere in what is read wins over a bad
        line before it.
        """
        path = self.path_for(segment_id)
        if version is FormatVersion.AUTO:
            version = self.layout_version
        if not _codec_loaded:
            _load_codec()
        entries: list[LogEntry] = []
        corrupt: Corrupt | None = None
        with self._open(segment_id) as f:
            try:
                if version is FormatVersion.AUTO:
                    version = _version_of_line(_first_nonblank_line(f))
                    f.seek(0)
                current = version is FormatVersion.CURRENT
                for lineno, start, end, content, terminated in read_lines(f):
                    if not terminated and (current or committed_only):
                        break  # not committed: a write in progress
                    if isinstance(content, LongLine):
                        if not content.utf8:
                            raise _invalid_utf8(path, version, lineno, None)
                        if corrupt is None and not content.blank:
                            corrupt = Corrupt(path, lineno, f"{content.describe()} (not read)")
                        continue
                    if not content.isascii():
                        try:
                            content.decode("utf-8")
                        except UnicodeDecodeError:
                            # the raw line, newline included, gives the whole-file error
                            cr = end - start - len(content) - terminated
                            raw = content + b"\r" * cr + b"\n" * terminated
                            raise _invalid_utf8(path, version, lineno, (start, raw)) from None
                    if corrupt is not None or is_blank(content):
                        continue
                    try:
                        obj, marked = parse_json_marked(content)
                        entries.append(
                            validate_entry(obj, version=version, check_duplicates=marked)
                        )
                    except DecodeError as exc:
                        corrupt = Corrupt(path, lineno, str(exc))
            except OSError as exc:
                raise StoreIOError(path, exc.strerror or str(exc)) from None
        if corrupt is not None:
            raise corrupt
        return entries, version

    def read_entry_count(
        self, segment_id: str, *, version: FormatVersion = FormatVersion.AUTO
    ) -> int:
        """The number of non-blank lines (no parsing), as the Rust crate of ``version`` counts
        entries: at the current version only newline-terminated lines count, and invalid
        UTF-8 is ``Corrupt`` at its line instead of an I/O error."""
        path = self.path_for(segment_id)
        count = 0
        if version is FormatVersion.AUTO:
            version = self.layout_version
        with self._open(segment_id) as f:
            try:
                for lineno, _start, _end, content, terminated in read_lines(f):
                    if isinstance(content, LongLine):
                        if version is FormatVersion.AUTO and not content.blank:
                            version = FormatVersion.REFERENCE
                        if version is FormatVersion.CURRENT and not terminated:
                            break
                        if not content.utf8:
                            if version is not FormatVersion.CURRENT:
                                raise StoreIOError(path, "stream did not contain valid UTF-8")
                            raise Corrupt(path, lineno, "invalid UTF-8 in the line")
                        count += not content.blank
                        continue
                    if version is FormatVersion.AUTO and not is_blank(content):
                        version = _version_of_line(content)
                    if version is FormatVersion.CURRENT and not terminated:
                        break
                    if not content.isascii():
                        try:
                            content.decode("utf-8")
                        except UnicodeDecodeError as exc:
                            if version is not FormatVersion.CURRENT:
                                raise StoreIOError(
                                    path, "stream did not contain valid UTF-8"
                                ) from None
                            raise Corrupt(
                                path, lineno, f"invalid UTF-8 at byte {exc.start + 1} of the line"
                            ) from None
                    if not is_blank(content):
                        count += 1
            except OSError as exc:
                raise StoreIOError(path, exc.strerror or str(exc)) from None
        return count

    def read_first_entry(self, segment_id: str) -> tuple[LogEntry | None, Problem | None]:
        """The first non-blank line, decoded tolerantly: (entry, None) or (None, problem)."""
        with self._open(segment_id) as f:
            try:
                raw = f.readline(_chunk_size())
                if raw[:1] == b"{" and raw[-2:] == b"}\n":  # the usual first line
                    entry, message = _decode_tolerant(raw[:-1])
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
                            message = f"{_TAIL_MARK}: {message}"
                        return None, Problem(lineno, message)
                    if lineno == 1 and content.startswith(BOM):
                        content = content[len(BOM) :]
                    if is_blank(content):
                        continue
                    entry, message = _decode_tolerant(content)
                    if isinstance(entry, UnknownEntry) or entry is None:
                        if not terminated:
                            message = f"{_TAIL_MARK}: {message}"
                        return None, Problem(lineno, message or "not an entry")
                    return entry, None
            except OSError as exc:
                raise StoreIOError(self.path_for(segment_id), exc.strerror or str(exc)) from None
        return None, Problem(None, "empty file: no segment_start")

    def read_tolerant(
        self,
        segment_id: str,
        *,
        offset: int = 0,
        first_line: int = 1,
        progress: Callable[[int, int], None] | None = None,
        version: FormatVersion = FormatVersion.AUTO,
        stop: int | None = None,
    ) -> TolerantRead:
        """Read for browsing from ``offset`` (a line start), never failing on bad content.

        With ``stop`` only the lines that start before that offset are read (the resume point
        is then the first line not read).

        The rules of ``version`` (``AUTO``: see ``resolve_version``) decide only what an
        unterminated last line is: at the reference version an entry when it parses, else a
        truncated line (a problem); at the current version a write in progress, neither an
        entry nor a problem (``pending_tail`` says it is there). Either way it is read again
        when the file grows. ``result.format_version`` is the version applied.

        ``progress(bytes_read, total)`` is called about every MiB and once at the end.
        Raises only ``NotFound`` / ``StoreIOError`` when the file cannot be opened or read.
        Lines longer than ``MAX_LINE_BYTES`` are reported and skipped without being kept;
        past ``MAX_PROBLEMS`` problems are counted, not kept.
        """
        path = self.path_for(segment_id)
        if version is FormatVersion.AUTO:
            version = self.layout_version
        if version is FormatVersion.AUTO and offset > 0:
            version = self.resolve_version(segment_id)
        result = TolerantRead(end_offset=offset, next_line=first_line, format_version=version)
        entries, lines, offsets = result.entries, result.lines, result.offsets
        with self._open(segment_id) as f:
            try:
                total = os.fstat(f.fileno()).st_size if progress is not None else 0
                reported = offset
                f.seek(offset)
                lineno = first_line
                start = offset
                readline = f.readline
                size = _chunk_size()
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
                                self._long_tail(result, lineno, start, long)
                                break
                            if not long.blank:
                                skipped = Problem(lineno, f"{long.describe()} (line skipped)")
                                result.note(skipped, bad_line=True)
                            lineno += 1
                            start = end
                            continue
                        raw = got
                    end = start + len(raw)
                    if raw[:1] == b"{" and raw[-2:] == b"}\n":
                        # the usual line: terminated, no CR, not blank, no BOM; orjson
                        # rejects invalid UTF-8, so only a failed line needs the UTF-8 check
                        content = raw[:-1]
                        entry, message = _decode_tolerant(content)
                        if entry is None:
                            self._decode_into(result, lineno, start, content)
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
                                Problem(
                                    1, "UTF-8 byte-order mark at the start of the file (ignored)"
                                )
                            )
                            content = content[len(BOM) :]
                        if not terminated:
                            self._tail(result, lineno, start, content)
                            break
                        if not is_blank(content):
                            self._decode_into(result, lineno, start, content)
                    if progress is not None and end - reported >= _PROGRESS_STEP:
                        reported = end
                        progress(end, max(total, end))
                    lineno += 1
                    start = end
                else:
                    result.end_offset = start
                    result.next_line = lineno
                if result.format_version is FormatVersion.AUTO:
                    result.format_version = _version_of_entry(entries[0] if entries else None)
                if progress is not None:
                    done = f.tell()
                    progress(done, max(total, done))
            except OSError as exc:
                raise StoreIOError(path, exc.strerror or str(exc)) from None
        return result

    @staticmethod
    def _decode_into(result: TolerantRead, lineno: int, start: int, content: bytes) -> None:
        if len(result.problems) >= MAX_PROBLEMS and content.lstrip(_JSON_WS)[:1] != b"{":
            # not an object, so not an entry; past the problems kept only the count is needed
            result.problems_omitted += 1
            result.bad_lines_omitted += 1
            return
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as exc:
            result.note(
                Problem(
                    lineno, f"invalid UTF-8 at byte {exc.start + 1} of the line (line skipped)"
                ),
                bad_line=True,
            )
            return
        entry, message = _decode_tolerant(content)
        if entry is not None:
            result.entries.append(entry)
            result.lines.append(lineno)
            result.offsets.append(start)
        if message is not None:
            result.note(_problem(lineno, entry, message), bad_line=entry is None)

    @staticmethod
    def _tail(result: TolerantRead, lineno: int, start: int, content: bytes) -> None:
        """A last line with no newline (see ``read_tolerant``).

        Either way the resume point stays at its start, so it is read again when it grows.
        """
        result.end_offset = start
        result.next_line = lineno
        result.pending_tail = True
        if is_blank(content):
            return
        entry, message = _decode_tolerant(content)
        version = result.format_version
        if version is FormatVersion.AUTO:
            first = result.entries[0] if result.entries else entry
            version = result.format_version = _version_of_entry(first)
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
                f"{_TAIL_MARK} ({len(content)} bytes, no newline): a crash mid-append or a "
                f"write in progress; ignored ({message})",
            )
        )

    @staticmethod
    def _long_tail(result: TolerantRead, lineno: int, start: int, long: LongLine) -> None:
        """A last line with no newline, longer than segview reads: as ``_tail`` (a truncated
        line at the reference version, a write in progress at the current one), never read."""
        version = result.format_version
        if version is FormatVersion.AUTO:
            version = result.format_version = _version_of_entry(
                result.entries[0] if result.entries else None
            )
        if not long.blank and version is not FormatVersion.CURRENT:
            result.problems.append(
                Problem(
                    lineno,
                    f"{_TAIL_MARK} ({long.length:,} bytes, no newline): a crash mid-append or "
                    f"a write in progress; ignored (longer than the {_size(MAX_LINE_BYTES)} "
                    "segview reads)",
                )
            )
        result.end_offset = start
        result.next_line = lineno
        result.pending_tail = True

    def read_raw_lines(self, segment_id: str, offsets: Iterable[int]) -> list[bytes]:
        """The raw bytes of the lines starting at ``offsets`` (for an entry inspector)."""
        out: list[bytes] = []
        with self._open(segment_id) as f:
            for off in offsets:
                f.seek(off)
                line = f.readline(_chunk_size())
                if len(line) == _chunk_size() and line[-1:] != b"\n":
                    got = read_long_line(f, line)
                    line = b"" if isinstance(got, tuple) else got
                out.append(line.rstrip(b"\n").rstrip(b"\r"))
        return out

    def file_size(self, segment_id: str) -> int:
        try:
            return self.path_for(segment_id).stat().st_size
        except FileNotFoundError:
            raise NotFound(segment_id, self.path_for(segment_id)) from None

    # --- writing ----------------------------------------------------------------------------

    def append(self, segment_id: str, entry: LogEntry) -> None:
        """Append one entry as one line, in one write (creates the file if missing)."""
        path = self.path_for(segment_id)
        if not _codec_loaded:
            _load_codec()
        data = encode_entry(entry) + b"\n"
        try:
            with open(path, "ab") as f:
                f.write(data)
        except OSError as exc:
            raise StoreIOError(path, exc.strerror or str(exc)) from None

    def create_segment(
        self, segment_id: str, entries: list[LogEntry], *, mode: int | None = None
    ) -> Path:
        """Write a whole new segment file at once, atomically and exclusively.

        Unlike the Rust crate (which replaces an existing file), an existing file is never
        overwritten: ``AlreadyExists`` is raised and nothing is written. ``mode`` gives the
        new file's permission bits (see ``write_new_file``).
        """
        if not SEGMENT_ID_RE.fullmatch(segment_id):
            raise ValueError(f"not a lower-case hyphenated UUID: {segment_id!r}")
        if not _codec_loaded:
            _load_codec()
        data = b"".join(encode_entry(e) + b"\n" for e in entries)
        return write_new_file(self.path_for(segment_id), data, mode=mode)

    def file_mode(self, segment_id: str) -> int | None:
        """The permission bits of the segment's file (None when it cannot be read)."""
        try:
            return stat.S_IMODE(os.stat(self.path_for(segment_id)).st_mode)
        except OSError:
            return None

    def append_trace(self, segment_id: str, trace: TraceEntry) -> None:
        path = self.trace_path_for(segment_id)
        try:
            if not _codec_loaded:
                _load_codec()
            with open(path, "ab") as f:
                f.write(encode_model(trace) + b"\n")
        except OSError as exc:
            raise StoreIOError(path, exc.strerror or str(exc)) from None

    def read_trace(self, segment_id: str) -> list[Any]:
        """The trace's events as raw JSON (missing trace: empty list).

        Lines that are not JSON, and lines longer than ``MAX_LINE_BYTES``, are left out; a
        trace that is not a regular file raises ``StoreIOError``.
        """
        import orjson

        path = self.trace_path_for(segment_id)
        try:
            f = open_regular(path)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StoreIOError(path, exc.strerror or str(exc)) from None
        out = []
        with f:
            try:
                for _lineno, _start, _end, content, _term in read_lines(f):
                    if isinstance(content, bytes) and content.strip():
                        with contextlib.suppress(orjson.JSONDecodeError):
                            out.append(orjson.loads(content))
            except OSError as exc:
                raise StoreIOError(path, exc.strerror or str(exc)) from None
        return out


def _first_nonblank_line(f: BinaryIO) -> bytes:
    """The first line of ``f`` that is not blank (b"" when there is none, or when it is
    longer than ``MAX_LINE_BYTES``)."""
    for _lineno, _start, _end, content, _term in read_lines(f):
        if isinstance(content, LongLine):
            if not content.blank:
                return b""
        elif not is_blank(content):
            return content
    return b""


def _invalid_utf8(
    path: Path, version: FormatVersion, lineno: int, line: tuple[int, bytes] | None
) -> StoreError:
    """The error of the strict reader for invalid UTF-8 in line ``lineno`` (``line``: its
    offset in the file and its raw bytes, None for a line too long to hold): an I/O error at
    the reference version, ``Corrupt`` at its line at the current version."""
    if version is not FormatVersion.CURRENT:
        return StoreIOError(path, "stream did not contain valid UTF-8")
    if line is None:
        return Corrupt(path, lineno, "invalid UTF-8 in the line")
    start, raw = line
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Corrupt(path, lineno, f"invalid UTF-8 at byte {start + exc.start}: {exc.reason}")
    return Corrupt(path, lineno, "invalid UTF-8")


_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(path: str | os.PathLike[str], mode: int) -> OSError:
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
    if kind == "a directory":
        return IsADirectoryError(errno.EISDIR, "is a directory, not a segment file", path)
    return OSError(errno.EINVAL, f"not a regular file ({kind}): not read", path)


def _regular_fd(path: str | os.PathLike[str], _flags: int = 0) -> int:
    """A read-only descriptor of ``path``, only if it is a regular file (``open``'s opener)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(path, mode)
        # clear O_NONBLOCK: of the flags F_SETFL sets, it is the only one given to os.open
        fcntl.fcntl(fd, fcntl.F_SETFL, 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """``path`` opened for reading, only if it is a regular file (symlinks are followed).

    The file is opened with ``O_NONBLOCK`` (a FIFO would block ``open`` until a writer comes)
    and its type checked with ``fstat`` before anything is read, so a FIFO, a device
    (``/dev/zero`` never ends) or a socket raises ``OSError`` ("not a regular file (a FIFO)")
    at once; ``O_NONBLOCK`` is then cleared.
    """
    try:
        return open(path, "rb", opener=_regular_fd)
    except OSError as exc:
        if exc.errno != errno.ENXIO:
            raise
        try:  # a socket (or a device with nothing behind it)
            mode = os.stat(path).st_mode
        except OSError:
            raise exc from None
        raise _not_regular(path, mode) from None


# --- creating files ---------------------------------------------------------------------------

TEMP_NAME_RE = re.compile(r"\.(?P<target>.+)\.(?P<token>[0-9a-f]{16})\.tmp")
"""The name of the temporary file ``write_new_file`` writes a new segment to before it gets
its name: ``.{target name}.{16 hex digits}.tmp`` beside the target, for instance
``.0192f3a1-…-5e1d.jsonl.9f86d081884c7d65.tmp``. It starts with a dot and does not end in
``.jsonl``, so it is never listed as a segment. A process killed while writing (SIGKILL, a
power cut) leaves it behind; any other failure removes it. See ``temporary_target``."""


def temporary_target(name: str) -> str | None:
    """The target file name when ``name`` is a temporary file of ``write_new_file``."""
    match = TEMP_NAME_RE.fullmatch(name)
    return match.group("target") if match else None


# errno values of link() on a filesystem without hard links (FAT, some network and FUSE
# filesystems, some container mounts)
_NO_HARD_LINKS = frozenset(
    {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK}
)
_NO_RENAMEAT2 = frozenset({errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP})
_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


def write_new_file(path: Path, data: bytes, *, mode: int | None = None) -> Path:
    """Create ``path`` holding ``data`` completely or not at all, never replacing a file.

    The data goes to a temporary file beside ``path`` (named as ``TEMP_NAME_RE`` says, mode
    0600 while it is written), is flushed to disk, gets its permission bits, then is
    published under ``path`` in one step that fails if ``path`` exists:

    1. ``link`` (a hard link), then the temporary name is removed;
    2. where hard links are unavailable: ``renameat2(RENAME_NOREPLACE)`` (Linux);
    3. where that is unavailable too: ``path`` is first claimed with an empty file created
       with ``O_EXCL``, then the complete temporary file is renamed over it (``os.replace``).
       Other readers can see that empty file for the time of one rename, never a partial one.

    The temporary file is removed on every failure (``KeyboardInterrupt`` included). ``mode``
    gives the permission bits (default 0666), masked by the process umask as ``open`` masks
    them.
    """
    directory = path.parent
    if path.exists():
        raise AlreadyExists(path)
    bits = (0o666 if mode is None else mode) & 0o777 & ~_UMASK
    tmp: str | None = None
    try:
        try:
            fd, tmp = _create_temporary(directory, path.name)
        except OSError as exc:
            raise StoreIOError(
                path, f"cannot create a file in {directory}: {exc.strerror or exc}"
            ) from None
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
                os.fchmod(f.fileno(), bits)
        except OSError as exc:
            raise StoreIOError(path, f"write failed: {exc.strerror or exc}") from None
        try:
            _publish(tmp, path)
        except FileExistsError:
            raise AlreadyExists(path) from None
        except OSError as exc:
            raise StoreIOError(path, exc.strerror or str(exc)) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)  # after a link: the temporary name; after a rename: gone
    return path


def _create_temporary(directory: Path, name: str) -> tuple[int, str]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
    for _attempt in range(100):
        tmp = os.path.join(directory, f".{name}.{secrets.token_hex(8)}.tmp")
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(directory))


def _publish(tmp: str, path: Path) -> None:
    """Give the complete file ``tmp`` the name ``path``, failing if ``path`` exists."""
    try:
        os.link(tmp, path)
        return
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
    if _rename_noreplace(tmp, path):
        return
    # claim the name with an empty file (O_EXCL), then replace that file in one rename
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        func = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):  # a C library without renameat2 (glibc < 2.28, musl)
        return None
    func.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    func.restype = ctypes.c_int
    return func


def _rename_noreplace(src: str, dst: Path) -> bool:
    """Rename ``src`` to ``dst`` unless ``dst`` exists (``FileExistsError``); False when the
    system or the filesystem cannot rename without replacing."""
    func = _renameat2()
    if func is None:
        return False
    if func(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
        return True
    err = ctypes.get_errno()
    if err in _NO_RENAMEAT2:
        return False
    raise OSError(err, os.strerror(err), str(dst))


def _read_umask() -> int:
    # os.umask can only be read by setting it; do that once, at import, before any thread runs
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()
