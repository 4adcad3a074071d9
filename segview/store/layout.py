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

The module also holds the one resolver of segment ids (``resolve_id``: a full id or a
unique prefix) and the file identity that readers keep to notice a segment rewritten in
place (``FileStat``, ``prefix_fingerprint``).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Literal, NamedTuple

from .errors import StoreIOError
from .fs_store import SEGMENT_ID_RE, FsStore
from .version import FormatVersion

__all__ = [
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

LayoutKind = Literal["flat", "session", "worker"]
UnlistedKind = Literal["skipped", "temp_file", "unreadable", "session_file"]

_SUFFIX = ".jsonl"
_TRACE_SUFFIX = ".trace.jsonl"
_LOOSE_UUID_RE = re.compile(
    r"(?i)(?:urn:uuid:)?\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?"
)
# FsStore.create_segment's temporary file, ".{id}.jsonl.{16 hex digits}.tmp" (TEMP_NAME_RE)
_OWN_TEMP_RE = re.compile(
    r"\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.jsonl\.[A-Za-z0-9_]+\.tmp"
)
_SESSION_JSON_LIMIT = 1 << 20
_VERSION_OF: dict[LayoutKind, FormatVersion] = {
    "flat": FormatVersion.REFERENCE,
    "session": FormatVersion.CURRENT,
    "worker": FormatVersion.CURRENT,
}

NOT_LOWER_CASE = "not a lower-case hyphenated UUID (the Rust store cannot read it)"
NOT_AN_ID = "file name is not a segment id (UUID)"
TEMP_FILE = "a temporary file left by an interrupted fork; safe to delete"


# --- results ------------------------------------------------------------------------------


class FileStat(NamedTuple):
    """What ``stat`` says of a file, as far as it tells whether the file changed.

    Size and modification time alone can be equal after a rewrite (a same-size rewrite with
    the time set back); the inode tells a file replaced by a rename, the change time a
    rewrite in place whose modification time was restored. (A tuple: one is made for every
    file of every scan.)
    """

    dev: int
    ino: int
    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> FileStat:
        return cls(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    @property
    def mtime(self) -> float:
        return self.mtime_ns / 1e9

    def same_file(self, other: FileStat) -> bool:
        """The same inode (not replaced by another file)."""
        return self.ino == other.ino and self.dev == other.dev


class SegmentFile(NamedTuple):
    """One listed segment: its id, the store of its directory, its session, its layout."""

    id: str
    store: FsStore
    session_id: str | None
    layout: LayoutKind
    stat: FileStat

    @property
    def path(self) -> Path:
        return self.store.path_for(self.id)

    @property
    def version(self) -> FormatVersion:
        """The format version the layout implies (FORMAT.md 9.6)."""
        return _VERSION_OF[self.layout]


@dataclass(frozen=True, slots=True)
class Unlisted:
    """A directory entry that looks like a log but is not listed, and why.

    ``kind``: ``skipped`` (a name, a file type or a link that cannot be read as a segment),
    ``temp_file`` (segview's own temporary file left by an interrupted fork),
    ``unreadable`` (a directory that cannot be listed), ``session_file`` (a worker's
    ``session.json`` that cannot be read: its segments are listed without a session id).
    """

    path: Path
    reason: str
    kind: UnlistedKind = "skipped"


class NotAStore(StoreIOError):
    """The path given is not something the scanner can open (missing, unreadable, ...);
    the message is one line that names the path."""

    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        self.message = message
        Exception.__init__(self, message)


class NoSuchSegment(LookupError):
    """No listed segment matches an id or prefix."""


class AmbiguousSegment(LookupError):
    """A prefix matches several segments; ``candidates`` lists them, newest first."""

    def __init__(self, message: str, candidates: list[str]) -> None:
        super().__init__(message)
        self.candidates = candidates


@dataclass
class StoreScan:
    """What ``scan_store`` found: the segments in listing order, and what it did not list."""

    given: Path
    root: Path
    kind: str
    segments: list[SegmentFile] = field(default_factory=list)
    unlisted: list[Unlisted] = field(default_factory=list)
    selected: str | None = None
    _by_id: dict[str, SegmentFile] = field(default_factory=dict, repr=False)

    def get(self, segment_id: str) -> SegmentFile | None:
        return self._by_id.get(segment_id)

    def ids(self) -> list[str]:
        return [s.id for s in self.segments]

    @property
    def sessions(self) -> list[str]:
        """The session ids of the listed segments, in listing order (newest first)."""
        seen: dict[str, None] = {}
        for s in self.segments:
            if s.session_id is not None:
                seen.setdefault(s.session_id)
        return list(seen)

    def resolve(self, prefix: str) -> SegmentFile:
        """The segment of a full id or a unique prefix (see ``resolve_id``)."""
        return self._by_id[
            resolve_id(prefix, self._by_id, where=self.given, unlisted=self.unlisted)
        ]


# --- the resolver -------------------------------------------------------------------------


def resolve_id(
    prefix: str,
    ids: Iterable[str],
    *,
    where: str | os.PathLike[str],
    unlisted: Iterable[Unlisted] = (),
) -> str:
    """The one id among ``ids`` that ``prefix`` names: the full id or a unique prefix of it.

    ``ID.jsonl``, a path ending in it, upper case and surrounding spaces are accepted. No
    match raises ``NoSuchSegment`` (naming a skipped file of that name, if there is one);
    several raise ``AmbiguousSegment`` listing the candidates.
    """
    wanted = os.path.basename(prefix.strip()).removesuffix(_SUFFIX).lower()
    pool: Collection[str] = ids if isinstance(ids, dict | set | frozenset) else set(ids)
    if wanted in pool:
        return wanted
    matches = sorted((i for i in pool if i.startswith(wanted)), reverse=True) if wanted else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        shown = ", ".join(matches[:8]) + (
            f" (+{len(matches) - 8} more)" if len(matches) > 8 else ""
        )
        raise AmbiguousSegment(
            f"ambiguous segment prefix {prefix!r}: {len(matches)} candidates: {shown}", matches
        )
    message = f"no segment matches {prefix!r} in {os.fspath(where)}"
    if wanted:
        for entry in unlisted:
            if entry.path.name.lower().startswith(wanted):
                message += f" (not listed: {entry.path}: {entry.reason})"
                break
    raise NoSuchSegment(message)


# --- file identity ------------------------------------------------------------------------

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


# --- locating and scanning ----------------------------------------------------------------


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


@dataclass(slots=True)
class _Group:
    """The segment files of one directory."""

    session_id: str | None
    files: list[SegmentFile]


class _Scanner:
    def __init__(self) -> None:
        self.groups: list[_Group] = []
        self.unlisted: list[Unlisted] = []

    def report(self, path: str, reason: str, kind: UnlistedKind = "skipped") -> None:
        self.unlisted.append(Unlisted(Path(path), reason, kind))

    # --- the path given -------------------------------------------------------------------

    def scan_root(self, root: Path, given: Path) -> str:
        """Scan ``root`` as whatever it is; returns what it was recognised as."""
        top = os.fspath(root)
        entries = self.entries(top, top=True, shown=given)
        marks = [e for e in entries if e.name in _MARK_NAMES]
        has_session_json = any(e.name == "session.json" for e in marks)
        dirs = {e.name for e in marks if _is_dir(e)}
        name = os.path.basename(os.path.abspath(top))
        parent = os.path.dirname(os.path.abspath(top))
        if "segments" in dirs and (has_session_json or name == "session"):
            self.worker_session(top)
            kind = "worker session directory"
        elif name == "segments" and (
            os.path.basename(parent) == "session"
            or os.path.lexists(os.path.join(parent, "session.json"))
        ):
            session_id = self.session_json(os.path.join(parent, "session.json"))
            self.files(top, entries, session_id, "worker")
            kind = "worker segments directory"
        elif "session" in dirs and os.path.isdir(os.path.join(top, "session", "segments")):
            self.worker_session(os.path.join(top, "session"))
            kind = "worker aggregate"
        elif SEGMENT_ID_RE.fullmatch(name):
            self.files(top, entries, name, "session")
            kind = "session directory"
        else:
            self.sessions_root(top, entries)
            data_dir = False
            if "sessions" in dirs:
                data_dir = True
                sessions = os.path.join(top, "sessions")
                self.sessions_root(sessions, self.entries(sessions))
            if "runtime" in dirs:
                data_dir = True
                workers = os.path.join(top, "runtime", "workers")
                if os.path.isdir(workers):
                    self.workers_dir(workers)
            if "workers" in dirs:  # a runtime directory (or name-keyed worker metadata)
                self.workers_dir(os.path.join(top, "workers"))
            kind = "runtime data directory" if data_dir else "store directory"
        if given != root:
            kind = f"segment file in a {kind}"
        return kind

    # --- the layouts ----------------------------------------------------------------------

    def sessions_root(self, directory: str, entries: list[os.DirEntry[str]]) -> None:
        """Flat segment files, and a session directory per UUID-named sub-directory."""
        others: list[os.DirEntry[str]] = []
        self.files(directory, entries, None, "flat", others)
        for entry in others:
            name = entry.name
            if SEGMENT_ID_RE.fullmatch(name):
                if _is_dir(entry):
                    self.session_or_worker(entry.path, name)
                elif entry.is_symlink():
                    self.broken_link(entry)
            elif _LOOSE_UUID_RE.fullmatch(name) and _is_dir(entry):
                self.report(
                    entry.path,
                    "session directory name is not a lower-case hyphenated UUID "
                    "(the runtime cannot read its segments)",
                )

    def session_or_worker(self, directory: str, name: str) -> None:
        """A UUID-named directory: a session directory, or a worker aggregate (whose
        directory is named by the worker id) when it holds ``session/segments``."""
        entries = self.entries(directory)
        for entry in entries:
            if entry.name == "session" and _is_dir(entry):
                session = os.path.join(directory, "session")
                if os.path.isdir(os.path.join(session, "segments")):
                    self.worker_session(session)
                    return
        self.files(directory, entries, name, "session")

    def workers_dir(self, directory: str) -> None:
        """``runtime/workers``: one worker aggregate per sub-directory with a session."""
        for entry in self.entries(directory):
            if not _is_dir(entry):
                continue
            session = os.path.join(entry.path, "session")
            if os.path.isdir(os.path.join(session, "segments")):
                self.worker_session(session)

    def worker_session(self, session: str) -> None:
        """A worker's ``session/``: ``session.json`` names the session of ``segments/``."""
        session_id = self.session_json(os.path.join(session, "session.json"))
        segments = os.path.join(session, "segments")
        self.files(segments, self.entries(segments), session_id, "worker")

    def session_json(self, path: str) -> str | None:
        """The session id a worker's ``session.json`` holds (None, reported, if it cannot)."""
        import orjson

        listed = "its segments are listed without a session id"
        try:
            st = os.stat(path)
        except FileNotFoundError:
            self.report(path, f"missing: {listed}", "session_file")
            return None
        except OSError as exc:
            self.report(path, f"cannot read: {_why(exc)}; {listed}", "session_file")
            return None
        if not stat.S_ISREG(st.st_mode) or st.st_size > _SESSION_JSON_LIMIT:
            what = _file_type(st.st_mode) if not stat.S_ISREG(st.st_mode) else "too large"
            self.report(path, f"not a session file ({what}); {listed}", "session_file")
            return None
        try:
            with open(path, "rb") as f:
                data = orjson.loads(f.read(_SESSION_JSON_LIMIT))
        except OSError as exc:
            self.report(path, f"cannot read: {_why(exc)}; {listed}", "session_file")
            return None
        except orjson.JSONDecodeError as exc:
            self.report(path, f"not valid JSON ({exc}); {listed}", "session_file")
            return None
        value = data.get("session_id") if isinstance(data, dict) else None
        from .model import normalize_uuid  # only for worker aggregates: pydantic comes with it

        try:
            session_id = normalize_uuid(value) if isinstance(value, str) else None
        except ValueError:
            session_id = None
        if session_id is None:
            self.report(path, f"no valid session_id; {listed}", "session_file")
            return None
        version = data.get("schema_version")
        if version != 1:
            self.report(
                path,
                f"schema_version {version!r} (the runtime reads version 1); its session_id is used",
                "session_file",
            )
        return session_id

    # --- one directory's entries ----------------------------------------------------------

    def entries(
        self, directory: str, *, top: bool = False, shown: Path | None = None
    ) -> list[os.DirEntry[str]]:
        """The entries of ``directory``; one that cannot be listed is reported (empty), or,
        for the path given (``top``), raises ``NotAStore``."""
        try:
            with os.scandir(directory) as it:
                return list(it)
        except OSError as exc:
            if top:
                label = shown if shown is not None else Path(directory)
                if isinstance(exc, FileNotFoundError):
                    raise NotAStore(label, f"store not found: {label}") from None
                if isinstance(exc, NotADirectoryError):
                    raise NotAStore(label, f"not a store directory: {label}") from None
                raise NotAStore(label, f"cannot read store {label}: {_why(exc)}") from None
            self.report(directory, f"cannot list the directory: {_why(exc)}", "unreadable")
            return []

    def files(
        self,
        directory: str,
        entries: list[os.DirEntry[str]],
        session_id: str | None,
        layout: LayoutKind,
        others: list[os.DirEntry[str]] | None = None,
    ) -> None:
        """The segment files among ``entries`` (one directory), and why the rest are not listed;
        entries whose name does not end in ``.jsonl`` (but temporary files) go to ``others``."""
        found: list[SegmentFile] = []
        store = FsStore(directory, version_hint=_VERSION_OF[layout])
        for entry in entries:
            name = entry.name
            if not name.endswith(_SUFFIX):
                if name[:1] == "." and name.endswith(".tmp") and _OWN_TEMP_RE.fullmatch(name):
                    self.report(entry.path, TEMP_FILE, "temp_file")
                elif others is not None:
                    others.append(entry)
                continue
            if name.endswith(_TRACE_SUFFIX):
                continue
            stem = name[: -len(_SUFFIX)]
            if not SEGMENT_ID_RE.fullmatch(stem):
                if _is_dir(entry):
                    self.report(entry.path, "a directory, not a segment file")
                else:
                    loose = _LOOSE_UUID_RE.fullmatch(stem)
                    self.report(entry.path, NOT_LOWER_CASE if loose else NOT_AN_ID)
                continue
            try:
                st = entry.stat()
            except OSError as exc:
                self.broken_link(entry, exc)
                continue
            mode = st.st_mode
            if stat.S_ISREG(mode):
                # tuple.__new__ directly: this runs once for every file of every scan
                file_stat = _new_tuple(
                    FileStat, (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
                )
                found.append(_new_tuple(SegmentFile, (stem, store, session_id, layout, file_stat)))
            elif stat.S_ISDIR(mode):
                self.report(entry.path, "a directory, not a segment file")
            else:
                self.report(entry.path, f"{_file_type(mode)}, not a regular file (never opened)")
        if found:
            self.groups.append(_Group(session_id, found))

    def broken_link(self, entry: os.DirEntry[str], exc: OSError | None = None) -> None:
        """An entry whose ``stat`` fails: a link to nothing, a link loop, no permission."""
        if exc is None:
            try:
                entry.stat()
                return
            except OSError as err:
                exc = err
        if exc.errno == errno.ELOOP:
            reason = "a symbolic link loop"
        elif isinstance(exc, FileNotFoundError) and entry.is_symlink():
            try:
                target = os.readlink(entry.path)
            except OSError:
                target = "?"
            reason = f"a symbolic link to nothing ({target})"
        else:
            reason = f"cannot stat: {_why(exc)}"
        self.report(entry.path, reason)

    # --- the result -----------------------------------------------------------------------

    def collect(self, scan: StoreScan) -> None:
        """Sessions newest first (flat directories last), each directory's ids newest first;
        a duplicate id is listed once (where it comes first) and reported elsewhere."""
        groups = sorted(self.groups, key=lambda g: g.session_id or "", reverse=True)
        by_id = scan._by_id
        append = scan.segments.append
        for group in groups:
            group.files.sort(key=itemgetter(0), reverse=True)
            for item in group.files:
                other = by_id.get(item.id)
                if other is not None:
                    self.unlisted.append(
                        Unlisted(item.path, f"duplicate segment id (also {other.path})")
                    )
                    continue
                by_id[item.id] = item
                append(item)
        self.unlisted.sort(key=lambda u: str(u.path))


_new_tuple = tuple.__new__

# the names that tell a layout apart (directories, and a worker's session file)
_MARK_NAMES = frozenset({"segments", "session", "sessions", "runtime", "workers", "session.json"})


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _file_type(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "an unknown file type"


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)
