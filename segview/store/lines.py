"""Reading the lines of a segment file: only regular files, lines of any length.

``open_regular`` opens a file for reading only if it is a regular file (symlinks are
followed): a FIFO, a device or a socket named like a segment is refused before anything is
read, so nothing blocks and nothing reads without end. ``read_lines`` yields each line with
its byte offsets; the format sets no limit on a line, and a line longer than
``MAX_LINE_BYTES`` (64 MiB) is read in chunks that are not kept and given as a ``LongLine``.
``is_blank`` trims as Rust's ``str::trim`` does.
"""

from __future__ import annotations

import codecs
import errno
import fcntl
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

__all__ = [
    "BOM",
    "MAX_LINE_BYTES",
    "RUST_WHITESPACE",
    "LongLine",
    "chunk_size",
    "first_nonblank_line",
    "is_blank",
    "limit_text",
    "open_regular",
    "read_long_line",
    "read_lines",
]

# Rust's char::is_whitespace (Unicode White_Space). Python's str.isspace also counts
# U+001C..U+001F, which Rust does not.
RUST_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_ASCII_WS = b" \t\n\r\x0b\x0c"
BOM = b"\xef\xbb\xbf"

MAX_LINE_BYTES = 64 << 20
"""The longest line segview reads, newline excluded (the format itself sets no limit). A
longer line is reported as a problem and skipped, read in chunks that are not kept."""
_CHUNK = 1 << 20


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and not n % (1 << 20) else f"{n:,} bytes"


def limit_text() -> str:
    """``MAX_LINE_BYTES`` as messages say it ("64 MiB")."""
    return _size(MAX_LINE_BYTES)


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
        limit = limit_text()
        return f"line of {self.length:,} bytes, longer than the {limit} segview reads"


def chunk_size() -> int:
    return min(_CHUNK, MAX_LINE_BYTES + 1)


def read_long_line(f: BinaryIO, head: bytes) -> bytes | tuple[LongLine, int, bool]:
    """The rest of a line whose first chunk ``head`` (a full ``readline`` chunk) holds no
    newline: the whole raw line when it is at most ``MAX_LINE_BYTES`` long, else the line
    skipped (``_skip_long_line``), so that no more than that limit is ever held at once."""
    parts = [head]
    total = len(head)
    size = chunk_size()
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
    size = chunk_size()
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
    size = chunk_size()
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


def first_nonblank_line(f: BinaryIO) -> bytes:
    """The first line of ``f`` that is not blank (b"" when there is none, or when it is
    longer than ``MAX_LINE_BYTES``)."""
    for _lineno, _start, _end, content, _term in read_lines(f):
        if isinstance(content, LongLine):
            if not content.blank:
                return b""
        elif not is_blank(content):
            return content
    return b""


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
