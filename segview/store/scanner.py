"""The store scanner's walk: one pass over a path in any layout (flat, session directories,
a runtime data directory, worker aggregates), listing the segment files in the runtime's
order and reporting what looks like a log but cannot be read. ``layout.scan_store`` and
``layout.list_directory`` run it.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from .fs_store import SEGMENT_ID_RE, FsStore
from .ids import normalize_uuid
from .scan_results import (
    _SUFFIX,
    _VERSION_OF,
    NOT_AN_ID,
    NOT_LOWER_CASE,
    TEMP_FILE,
    FileStat,
    LayoutKind,
    NotAStore,
    SegmentFile,
    StoreScan,
    Unlisted,
    UnlistedKind,
)

_TRACE_SUFFIX = ".trace.jsonl"


_LOOSE_UUID_RE = re.compile(
    r"(?i)(?:urn:uuid:)?\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?"
)


# FsStore.create_segment's temporary file, ".{id}.jsonl.{16 hex digits}.tmp" (TEMP_NAME_RE)
_OWN_TEMP_RE = re.compile(
    r"\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.jsonl\.[A-Za-z0-9_]+\.tmp"
)


_SESSION_JSON_LIMIT = 1 << 20


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
