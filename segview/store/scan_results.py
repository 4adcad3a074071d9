"""What the store scanner finds: each segment file (``SegmentFile``, with the identity
``FileStat`` that readers keep to notice a rewrite), what it does not list and why
(``Unlisted``), the whole scan (``StoreScan``), and the errors of paths and ids
(``NotAStore``, ``NoSuchSegment``, ``AmbiguousSegment``), and the one resolver of segment ids
(``resolve_id``: a full id or a unique prefix).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from .errors import StoreIOError
from .version import FormatVersion

if TYPE_CHECKING:
    from .fs_store import FsStore

__all__ = [
    "AmbiguousSegment",
    "FileStat",
    "UnlistedKind",
    "LayoutKind",
    "NoSuchSegment",
    "NotAStore",
    "Unlisted",
    "SegmentFile",
    "StoreScan",
    "resolve_id",
]


LayoutKind = Literal["flat", "session", "worker"]


UnlistedKind = Literal["skipped", "temp_file", "unreadable", "session_file"]


_SUFFIX = ".jsonl"


_VERSION_OF: dict[LayoutKind, FormatVersion] = {
    "flat": FormatVersion.REFERENCE,
    "session": FormatVersion.CURRENT,
    "worker": FormatVersion.CURRENT,
}


NOT_LOWER_CASE = "not a lower-case hyphenated UUID (the Rust store cannot read it)"


NOT_AN_ID = "file name is not a segment id (UUID)"


TEMP_FILE = "a temporary file left by an interrupted fork; safe to delete"


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
