"""Where the segment logs are: one scanner for every layout the runtime has written.

FORMAT.md sections 1 and 9.2. Given a path, ``scan_store`` recognises

* a **flat store** (the reference layout): ``{root}/{segment_id}.jsonl``;
* a **directory of session directories**: ``{root}/{session_id}/{segment_id}.jsonl``
  (a directory that is both flat and session-structured is read as both);
* a **runtime data directory**: its ``sessions/`` (as above) and every worker aggregate under
  ``runtime/workers/``, both at once;
* a **single session directory** (its name is the session id);
* a **worker aggregate** ``runtime/workers/{worker_id}/``, its ``session/`` or its
  ``session/segments/`` (the session id comes from ``session/session.json``);
* a **segment file** ``{segment_id}.jsonl``: its directory is scanned as above, and that
  segment is selected.

It returns every segment file with the ``FsStore`` of its directory, its session id and a
hint of the format version the layout implies (flat: the reference version; a session
directory or a worker aggregate: the current one), in the runtime's listing order: sessions
newest first (``list_sessions``), the segments of each directory newest first
(``list_segments``), then the flat segments.

What is not a log is ignored quietly (``metadata.json``, ``session.json``, ``worker.json``,
``runs/``, ``pods/``, trace files, the runtime's temporary files ``.{name}.jsonl.tmp-…``).
What looks like a log but cannot be read is reported (``Unlisted``): names the runtime
cannot read back (upper-case or non-hyphenated UUIDs), directories named ``*.jsonl``,
non-regular files (FIFO, socket, device: decided from ``stat``, never opened), symbolic
links to nothing or in a loop, directories that cannot be listed, an unreadable
``session.json``, and segview's own temporary files left by an interrupted fork.

The module also holds the fingerprint that readers keep to notice a segment rewritten in
place (``prefix_fingerprint``). What a scan returns, and the resolver of segment ids
(``resolve_id``), are in ``scan_results``; the walk itself is in ``scanner``. Their names are
importable from here.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .fs_store import SEGMENT_ID_RE
from .scan_results import (
    _SUFFIX,
    AmbiguousSegment,
    FileStat,
    LayoutKind,
    NoSuchSegment,
    NotAStore,
    SegmentFile,
    StoreScan,
    Unlisted,
    UnlistedKind,
    resolve_id,
)
from .scanner import _LOOSE_UUID_RE, _TRACE_SUFFIX, _file_type, _Scanner, _why
from .version import FormatVersion

__all__ = [
    "path_inside",
    "FINGERPRINT_SPAN",
    "AmbiguousSegment",
    "FileStat",
    "FormatVersion",
    "UnlistedKind",
    "LayoutKind",
    "NoSuchSegment",
    "NotAStore",
    "Unlisted",
    "SegmentFile",
    "StoreScan",
    "list_directory",
    "locate",
    "prefix_fingerprint",
    "resolve_id",
    "scan_store",
]


FINGERPRINT_SPAN = 4096


def prefix_fingerprint(path: str | os.PathLike[str], end: int) -> bytes | None:
    """A digest of what identifies the bytes ``[0, end)`` of a file: its first
    ``FINGERPRINT_SPAN`` bytes (the start of the ``segment_start``) and the
    ``FINGERPRINT_SPAN`` bytes before ``end`` (the last lines read).

    A reader that resumes at ``end`` keeps it and compares it before reading on: a file
    rewritten in place (a rewind) changes the bytes before the resume point even when its
    size, or its size and modification time, say it only grew. None when the file cannot be
    read, is not a regular file (never blocks on a FIFO), or is now shorter than ``end``.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        head_len = min(end, FINGERPRINT_SPAN)
        tail_start = max(head_len, end - FINGERPRINT_SPAN)
        head = os.pread(fd, head_len, 0)
        tail = os.pread(fd, end - tail_start, tail_start) if end > tail_start else b""
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(head) != head_len or len(tail) != end - tail_start:
        return None
    from hashlib import blake2b  # (hashlib loads OpenSSL: only when a file is fingerprinted)

    digest = blake2b(digest_size=16)
    digest.update(end.to_bytes(8, "little"))
    digest.update(head)
    digest.update(tail)
    return digest.digest()


def locate(path: str | os.PathLike[str]) -> tuple[Path, str | None]:
    """The directory to scan for ``path`` and the segment it selects (a segment file).

    Raises ``NotAStore`` with a one-line message for a path that is missing, not a directory
    or a segment file, or whose name is not a segment id.
    """
    given = Path(path)
    try:
        st = os.stat(given)
    except FileNotFoundError:
        if given.name.endswith(_SUFFIX):
            raise NotAStore(given, f"segment file not found: {given}") from None
        raise NotAStore(given, f"store not found: {given}") from None
    except OSError as exc:
        raise NotAStore(given, f"cannot read store {given}: {_why(exc)}") from None
    if stat.S_ISDIR(st.st_mode):
        return given, None
    name = given.name
    if not name.endswith(_SUFFIX):
        raise NotAStore(given, f"not a store directory or a .jsonl segment file: {given}")
    if not stat.S_ISREG(st.st_mode):
        raise NotAStore(given, f"not a segment file ({_file_type(st.st_mode)}): {given}")
    stem = name[: -len(_SUFFIX)]
    if name.endswith(_TRACE_SUFFIX):
        raise NotAStore(given, f"a trace file, not a segment file: {given}")
    if not SEGMENT_ID_RE.fullmatch(stem):
        why = "not a lower-case hyphenated UUID" if _LOOSE_UUID_RE.fullmatch(stem) else "not a UUID"
        raise NotAStore(given, f"not a segment file (its name is {why}): {given}")
    return given.parent, stem


def scan_store(path: str | os.PathLike[str]) -> StoreScan:
    """Every segment under ``path`` (a store in any layout, or a segment file).

    Raises ``NotAStore`` only when ``path`` itself cannot be opened; everything below it
    that cannot be read is reported in ``unlisted``.
    """
    given = Path(path)
    root, selected = locate(given)
    scanner = _Scanner()
    kind = scanner.scan_root(root, given)
    scan = StoreScan(
        given=given, root=root, kind=kind, unlisted=scanner.unlisted, selected=selected
    )
    scanner.collect(scan)
    return scan


def path_inside(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> bool:
    """``path`` is ``root`` or lies under it, links resolved (an export must not land in a
    store, whatever way the path names it)."""
    try:
        Path(path).resolve().relative_to(Path(root).resolve())
    except ValueError:
        return False
    return True


def list_directory(directory: str | os.PathLike[str]) -> tuple[list[str], list[Unlisted]]:
    """The segment ids of one directory, newest first, and the entries it did not list.

    The listing of ``FsStore.list_segments``: the directory's own files only (no session
    directories), by the same rules as ``scan_store``.
    """
    scanner = _Scanner()
    root = os.fspath(directory)
    entries = scanner.entries(root, top=True, shown=Path(directory))
    scanner.files(root, entries, None, "flat")
    ids = sorted((f.id for group in scanner.groups for f in group.files), reverse=True)
    scanner.unlisted.sort(key=lambda u: str(u.path))
    return ids, scanner.unlisted
