"""The strict reader: every entry of a file, as the Rust crate of one format version reads it.

A bad line raises ``Corrupt`` with its 1-based physical line number. Reference version:
invalid UTF-8 anywhere is an I/O error and an unterminated last line is read like any other.
Current version: only the newline-terminated prefix is read (an unterminated last line is a
write in progress, not an entry), and invalid UTF-8 is ``Corrupt`` at its line.
``FsStore.read_strict`` / ``read_all`` / ``read_entry_count`` open the file and call it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from .errors import Corrupt, StoreError, StoreIOError
from .lines import LongLine, first_nonblank_line, is_blank, read_lines
from .tolerant import version_of_line
from .version import FormatVersion

if TYPE_CHECKING:
    from .model import LogEntry

__all__ = ["read_entry_count", "read_strict"]


def read_strict(
    f: BinaryIO, path: Path, *, version: FormatVersion, committed_only: bool = False
) -> tuple[list[LogEntry], FormatVersion]:
    """Every entry of ``f`` (the file at ``path``) by the rules of ``version`` (``AUTO``:
    what its first line implies), and the version applied; the first bad line raises
    ``Corrupt``.

    ``committed_only`` reads only the newline-terminated prefix at the reference version too
    (the current version always does). The file is read line by line, so no line longer
    than ``MAX_LINE_BYTES`` is held: such a line is ``Corrupt`` at its line. As with a check
    of the whole file, invalid UTF-8 anywhere in what is read wins over a bad line before it.
    """
    from .codec import DecodeError, parse_json_marked, validate_entry

    entries: list[LogEntry] = []
    corrupt: Corrupt | None = None
    if version is FormatVersion.AUTO:
        version = version_of_line(first_nonblank_line(f))
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
            entries.append(validate_entry(obj, version=version, check_duplicates=marked))
        except DecodeError as exc:
            corrupt = Corrupt(path, lineno, str(exc))
    if corrupt is not None:
        raise corrupt
    return entries, version


def read_entry_count(f: BinaryIO, path: Path, *, version: FormatVersion) -> int:
    """The number of non-blank lines of ``f`` (no parsing), as the Rust crate of ``version``
    counts entries: at the current version only newline-terminated lines count, and invalid
    UTF-8 is ``Corrupt`` at its line instead of an I/O error."""
    count = 0
    for lineno, _start, _end, content, terminated in read_lines(f):
        if isinstance(content, LongLine):
            if version is FormatVersion.AUTO and not content.blank:
                version = FormatVersion.REFERENCE
            if version is FormatVersion.CURRENT and not terminated:
                break
            if not content.utf8:
                raise _invalid_utf8(path, version, lineno, None)
            count += not content.blank
            continue
        if version is FormatVersion.AUTO and not is_blank(content):
            version = version_of_line(content)
        if version is FormatVersion.CURRENT and not terminated:
            break
        if not content.isascii():
            try:
                content.decode("utf-8")
            except UnicodeDecodeError as exc:
                if version is not FormatVersion.CURRENT:
                    raise StoreIOError(path, "stream did not contain valid UTF-8") from None
                raise Corrupt(
                    path, lineno, f"invalid UTF-8 at byte {exc.start + 1} of the line"
                ) from None
        if not is_blank(content):
            count += 1
    return count


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
