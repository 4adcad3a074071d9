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

New segment files are always created exclusively and completely: written to a temporary
file beside the target, then linked into place (which fails if the target exists).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson

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
from .errors import AlreadyExists, Corrupt, NotFound, StoreIOError
from .model import FormatVersion, LogEntry, SegmentStart, TraceEntry

__all__ = [
    "NEWER_VERSION_KIND",
    "SEGMENT_ID_RE",
    "FsStore",
    "Problem",
    "SkippedFile",
    "TolerantRead",
    "UnknownEntry",
    "is_blank",
    "read_lines",
]

SEGMENT_ID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Rust's char::is_whitespace (Unicode White_Space). Python's str.isspace also counts
# U+001C..U+001F, which Rust does not.
RUST_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_ASCII_WS = b" \t\n\r\x0b\x0c"
BOM = b"\xef\xbb\xbf"
_PROGRESS_STEP = 1 << 20


def is_blank(line: bytes) -> bool:
    """True when the line is empty after trimming Unicode White_Space (Rust's ``str::trim``)."""
    if not line or line[:1] == b"{":
        return not line
    if not line.strip(_ASCII_WS):
        return True
    try:
        return not line.decode("utf-8").strip(RUST_WHITESPACE)
    except UnicodeDecodeError:
        return False


def read_lines(f: BinaryIO, first_line: int = 1) -> Iterator[tuple[int, int, int, bytes, bool]]:
    """Yield ``(line_number, start, end, content, terminated)`` for each line of ``f``.

    ``start`` / ``end`` are byte offsets of the raw line (``end`` is past its newline).
    Lines end at ``\\n`` only; one trailing ``\\r`` is dropped. ``terminated`` is False
    only for a last line with no ``\\n``.
    """
    lineno = first_line
    offset = f.tell()
    for raw in f:
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

    @property
    def damage(self) -> list[Problem]:
        """The problems that are not notes about a newer runtime version."""
        return [p for p in self.problems if not p.is_note]

    def extend(self, more: TolerantRead) -> None:
        """Add what a read resumed at ``end_offset`` found (re-read tails replace old ones)."""
        if self.tail_is_entry:
            del self.entries[-1], self.lines[-1], self.offsets[-1]
        self.entries.extend(more.entries)
        self.lines.extend(more.lines)
        self.offsets.extend(more.offsets)
        # problems at or after the resume line were found in the re-read tail (including
        # the first line's byte-order mark when the first line was still unterminated)
        kept = [p for p in self.problems if p.line is None or p.line < self.next_line]
        self.problems = kept + more.problems
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
    if isinstance(entry, SegmentStart) and entry.session_id is not None:
        return FormatVersion.CURRENT
    return FormatVersion.REFERENCE


def _version_of_line(content: bytes) -> FormatVersion:
    """The version a segment's first line implies, parsing it only when it may say CURRENT."""
    if b"session_id" not in content:
        return FormatVersion.REFERENCE
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
        try:
            # a plain string path: building a Path costs more than opening a small file
            return open(f"{os.fspath(self.root)}{os.sep}{segment_id}.jsonl", "rb")
        except FileNotFoundError:
            raise NotFound(segment_id, self.path_for(segment_id)) from None
        except IsADirectoryError:
            raise StoreIOError(
                self.path_for(segment_id), "is a directory, not a segment file"
            ) from None
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
        progress, which an operation such as ``fork_at`` must not take for damage.
        """
        return self.read_strict(segment_id, version=version, committed_only=committed_only)[0]

    def read_strict(
        self,
        segment_id: str,
        *,
        version: FormatVersion = FormatVersion.AUTO,
        committed_only: bool = False,
    ) -> tuple[list[LogEntry], FormatVersion]:
        """``read_all``, and the version whose rules it applied (``AUTO`` resolved)."""
        path = self.path_for(segment_id)
        with self._open(segment_id) as f:
            try:
                data = f.read()
            except OSError as exc:
                raise StoreIOError(path, exc.strerror or str(exc)) from None
        if version is FormatVersion.AUTO:
            version = self.layout_version
        if version is FormatVersion.AUTO:
            version = _version_of_line(_first_nonblank_line(data))
        current = version is FormatVersion.CURRENT
        if current or committed_only:
            data = data[: data.rfind(b"\n") + 1]
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if not current:
                raise StoreIOError(path, "stream did not contain valid UTF-8") from None
            line = data.count(b"\n", 0, exc.start) + 1
            raise Corrupt(path, line, f"invalid UTF-8 at byte {exc.start}: {exc.reason}") from None
        lines = data.split(b"\n")
        if lines[-1] == b"":
            lines.pop()
        entries: list[LogEntry] = []
        for lineno, content in enumerate(lines, start=1):
            if content.endswith(b"\r"):
                content = content[:-1]
            if is_blank(content):
                continue
            try:
                obj, marked = parse_json_marked(content)
                entries.append(validate_entry(obj, version=version, check_duplicates=marked))
            except DecodeError as exc:
                raise Corrupt(path, lineno, str(exc)) from None
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
            raw = f.readline()
            if raw[:1] == b"{" and raw[-2:] == b"}\n":  # the usual first line (see read_tolerant)
                entry, message = _decode_tolerant(raw[:-1])
                if isinstance(entry, UnknownEntry) or entry is None:
                    return None, Problem(1, message or "not an entry")
                return entry, None
            f.seek(0)
            for lineno, _start, _end, content, terminated in read_lines(f):
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
        return None, Problem(None, "empty file: no segment_start")

    def read_tolerant(
        self,
        segment_id: str,
        *,
        offset: int = 0,
        first_line: int = 1,
        progress: Callable[[int, int], None] | None = None,
        version: FormatVersion = FormatVersion.AUTO,
    ) -> TolerantRead:
        """Read for browsing from ``offset`` (a line start), never failing on bad content.

        The rules of ``version`` (``AUTO``: see ``resolve_version``) decide only what an
        unterminated last line is: at the reference version an entry when it parses, else a
        truncated line (a problem); at the current version a write in progress, neither an
        entry nor a problem (``pending_tail`` says it is there). Either way it is read again
        when the file grows. ``result.format_version`` is the version applied.

        ``progress(bytes_read, total)`` is called about every MiB and once at the end.
        Raises only ``NotFound`` / ``StoreIOError`` when the file cannot be opened or read.
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
                # read_lines inlined: this loop runs once per entry of every log shown
                for raw in f:
                    end = start + len(raw)
                    if progress is not None and end - reported >= _PROGRESS_STEP:
                        reported = end
                        progress(end, max(total, end))
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
                                result.problems.append(_problem(lineno, entry, message))
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
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as exc:
            result.problems.append(
                Problem(lineno, f"invalid UTF-8 at byte {exc.start + 1} of the line (line skipped)")
            )
            return
        entry, message = _decode_tolerant(content)
        if entry is not None:
            result.entries.append(entry)
            result.lines.append(lineno)
            result.offsets.append(start)
        if message is not None:
            result.problems.append(_problem(lineno, entry, message))

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

    def read_raw_lines(self, segment_id: str, offsets: Iterable[int]) -> list[bytes]:
        """The raw bytes of the lines starting at ``offsets`` (for an entry inspector)."""
        out: list[bytes] = []
        with self._open(segment_id) as f:
            for off in offsets:
                f.seek(off)
                line = f.readline()
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
        data = encode_entry(entry) + b"\n"
        try:
            with open(path, "ab") as f:
                f.write(data)
        except OSError as exc:
            raise StoreIOError(path, exc.strerror or str(exc)) from None

    def create_segment(self, segment_id: str, entries: list[LogEntry]) -> Path:
        """Write a whole new segment file at once, atomically and exclusively.

        Unlike the Rust crate (which replaces an existing file), an existing file is never
        overwritten: ``AlreadyExists`` is raised and nothing is written.
        """
        if not SEGMENT_ID_RE.fullmatch(segment_id):
            raise ValueError(f"not a lower-case hyphenated UUID: {segment_id!r}")
        data = b"".join(encode_entry(e) + b"\n" for e in entries)
        return write_new_file(self.path_for(segment_id), data)

    def append_trace(self, segment_id: str, trace: TraceEntry) -> None:
        path = self.trace_path_for(segment_id)
        try:
            with open(path, "ab") as f:
                f.write(encode_model(trace) + b"\n")
        except OSError as exc:
            raise StoreIOError(path, exc.strerror or str(exc)) from None

    def read_trace(self, segment_id: str) -> list[Any]:
        """The trace's events as raw JSON (missing trace: empty list)."""
        path = self.trace_path_for(segment_id)
        if not path.exists():
            return []
        out = []
        with open(path, "rb") as f:
            for line in f:
                if line.strip():
                    with contextlib.suppress(orjson.JSONDecodeError):
                        out.append(orjson.loads(line))
        return out


def _first_nonblank_line(data: bytes) -> bytes:
    """The first line of ``data`` that is not blank (b"" when there is none)."""
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        line = data[start:end].removesuffix(b"\r")
        if not is_blank(line):
            return line
        start = end + 1
    return b""


def write_new_file(path: Path, data: bytes) -> Path:
    """Create ``path`` holding ``data`` completely or not at all, never replacing a file.

    The data goes to a hidden temporary file in the same directory (its name does not end in
    ``.jsonl``, so it is never listed), is flushed to disk, then hard-linked to ``path``: the
    link fails if ``path`` exists. Where hard links are unsupported, ``O_EXCL`` creation is
    used, and a failed write removes the partial file.
    """
    directory = path.parent
    if path.exists():
        raise AlreadyExists(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise StoreIOError(
            path, f"cannot create a file in {directory}: {exc.strerror or exc}"
        ) from None
    tmp = Path(tmp_name)
    try:
        try:
            os.fchmod(fd, 0o666 & ~_UMASK)  # as a plain open() would create it
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise StoreIOError(path, f"write failed: {exc.strerror or exc}") from None
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise AlreadyExists(path) from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise StoreIOError(path, exc.strerror or str(exc)) from None
            _write_exclusive(path, data)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return path


def _read_umask() -> int:
    # os.umask can only be read by setting it; do that once, at import, before any thread runs
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _write_exclusive(path: Path, data: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        raise AlreadyExists(path) from None
    except OSError as exc:
        raise StoreIOError(path, exc.strerror or str(exc)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        with contextlib.suppress(OSError):
            path.unlink()
        raise StoreIOError(path, f"write failed: {exc.strerror or exc}") from None
