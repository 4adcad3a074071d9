"""``FsStore``: a directory of ``{segment_id}.jsonl`` files (FORMAT.md sections 1, 2b, 8, 9.5).

Two readers, each following the rules of one version of the format (``FormatVersion``; the
default ``AUTO`` takes the store's ``layout_version`` hint, else the segment's first line):

* ``read_all`` is strict and agrees with the Rust crate of that version on every line: a bad
  line raises ``Corrupt`` with its 1-based physical line number (``strict``).
* ``read_tolerant`` is for browsing: it keeps every good entry and reports each problem
  instead of failing, and can resume from a byte offset (``tolerant``; what it returns is in
  ``reads``).

Only regular files are read, lines of any length (``lines``). New segment files are always
created exclusively and completely (``publish``). This module owns the paths of a store's
files, opening them, appending, and the trace files; the names of those modules are
importable from here too.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .errors import NotFound, StoreIOError
from .lines import MAX_LINE_BYTES, LongLine, chunk_size, is_blank, open_regular, read_lines
from .lines import read_long_line as read_long_line
from .publish import TEMP_NAME_RE, temporary_target, write_new_file
from .reads import (
    MAX_PROBLEMS,
    NEWER_VERSION_KIND,
    Problem,
    SkippedFile,
    TolerantRead,
    UnknownEntry,
)
from .strict import read_entry_count as _read_entry_count
from .strict import read_strict as _read_strict
from .tolerant import read_first_entry as _read_first_entry
from .tolerant import read_tolerant as _read_tolerant
from .tolerant import version_of_entry
from .version import FormatVersion

if TYPE_CHECKING:
    from .model import LogEntry, TraceEntry

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
        return version_of_entry(entry)

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

    @contextlib.contextmanager
    def _reading(self, segment_id: str) -> Iterator[BinaryIO]:
        """The segment's file, open; an error while reading it is ``StoreIOError``."""
        with self._open(segment_id) as f:
            try:
                yield f
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
        """``read_all``, and the version whose rules it applied (``AUTO`` resolved); see
        ``strict.read_strict``."""
        if version is FormatVersion.AUTO:
            version = self.layout_version
        with self._reading(segment_id) as f:
            return _read_strict(
                f, self.path_for(segment_id), version=version, committed_only=committed_only
            )

    def read_entry_count(
        self, segment_id: str, *, version: FormatVersion = FormatVersion.AUTO
    ) -> int:
        """The number of non-blank lines (no parsing), as the Rust crate of ``version`` counts
        entries: at the current version only newline-terminated lines count, and invalid
        UTF-8 is ``Corrupt`` at its line instead of an I/O error."""
        if version is FormatVersion.AUTO:
            version = self.layout_version
        with self._reading(segment_id) as f:
            return _read_entry_count(f, self.path_for(segment_id), version=version)

    def read_first_entry(self, segment_id: str) -> tuple[LogEntry | None, Problem | None]:
        """The first non-blank line, decoded tolerantly: (entry, None) or (None, problem)."""
        with self._reading(segment_id) as f:
            return _read_first_entry(f)

    def read_tolerant(
        self,
        segment_id: str,
        *,
        offset: int = 0,
        first_line: int = 1,
        progress: Callable[[int, int], None] | None = None,
        version: FormatVersion = FormatVersion.AUTO,
        stop: int | None = None,
        share: bool = False,
    ) -> TolerantRead:
        """Read for browsing from ``offset`` (a line start), never failing on bad content; see
        ``tolerant.read_tolerant`` (``share``: for entries kept long).

        The rules of ``version`` (``AUTO``: see ``resolve_version``) decide only what an
        unterminated last line is. Raises only ``NotFound`` / ``StoreIOError`` when the file
        cannot be opened or read.
        """
        if version is FormatVersion.AUTO:
            version = self.layout_version
        if version is FormatVersion.AUTO and offset > 0:
            version = self.resolve_version(segment_id)
        with self._reading(segment_id) as f:
            return _read_tolerant(
                f,
                offset=offset,
                first_line=first_line,
                progress=progress,
                version=version,
                stop=stop,
                share=share,
            )

    def read_raw_lines(self, segment_id: str, offsets: Iterable[int]) -> list[bytes]:
        """The raw bytes of the lines starting at ``offsets`` (for an entry inspector)."""
        out: list[bytes] = []
        with self._open(segment_id) as f:
            for off in offsets:
                f.seek(off)
                line = f.readline(chunk_size())
                if len(line) == chunk_size() and line[-1:] != b"\n":
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
        from .codec import encode_entry

        path = self.path_for(segment_id)
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
        from .codec import encode_entry

        data = b"".join(encode_entry(e) + b"\n" for e in entries)
        return write_new_file(self.path_for(segment_id), data, mode=mode)

    def file_mode(self, segment_id: str) -> int | None:
        """The permission bits of the segment's file (None when it cannot be read)."""
        try:
            return stat.S_IMODE(os.stat(self.path_for(segment_id)).st_mode)
        except OSError:
            return None

    def append_trace(self, segment_id: str, trace: TraceEntry) -> None:
        from .codec import encode_model

        path = self.trace_path_for(segment_id)
        try:
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
