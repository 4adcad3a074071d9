"""A persistent index of segment files, so that opening a store again costs a ``stat`` per file.

For every segment file segview has read, the index keeps what reading it found — its origin
and creation time (the first line), its title, turns, entries, last activity and problems,
the byte offset of every ``turn_end``, and on demand its token totals and what ``ls`` and
``cat`` print of it — under the file's identity as ``stat`` gives it (device, inode, size,
modification and change time) and a fingerprint of the bytes read
(``layout.prefix_fingerprint``: the first and the last 4 KiB before the point reached).

Per store, it also keeps the app's tree as last shown (``forest``): the app draws it at once
while it checks every file, then shows what the check found. And it keeps what a command
printed (``output``: ``segview tree``), under a digest of everything that output was made
from (every file's identity as the scan found it, ...): the same command on an unchanged
store prints it again without building anything.

A record is used only when the file is still that file:

* the same identity: the record is the file's, as is;
* the same inode, larger, and the same bytes up to the point read (the fingerprint): the
  file only had lines appended; reading resumes at that point;
* anything else (replaced, shortened, rewritten in place): the record is ignored and the file
  read again from the start.

The index is a cache: what it holds never changes what a command prints, only how fast. It
is one SQLite database in the user's cache directory (``$SEGVIEW_CACHE_DIR``, else
``$XDG_CACHE_HOME/segview``, else ``~/.cache/segview``), never inside a store. Several
segview processes may use it at once (write-ahead log, short transactions, a busy timeout;
a write that cannot get the lock in time is dropped, not waited for). A database that cannot
be read, or that another version of segview wrote, is deleted and built again. ``--no-index``
(or ``SEGVIEW_NO_INDEX=1``) turns it off.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from hashlib import blake2b

__all__ = [
    "CACHE_ENV",
    "INDEX_NAME",
    "NO_INDEX_ENV",
    "SCHEMA",
    "IndexRow",
    "StoreIndex",
    "cache_dir",
    "index_disabled",
    "new_digest",
    "version_tag",
]

CACHE_ENV = "SEGVIEW_CACHE_DIR"
NO_INDEX_ENV = "SEGVIEW_NO_INDEX"
INDEX_NAME = "index.sqlite3"
SCHEMA = 6
"""The layout of the database and the meaning of its records; a database of another schema,
or written by another version of segview, is built again."""
BUSY_TIMEOUT_MS = 1500
_EXTRAS = ("usage", "ls", "cat")


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the index lives: ``$SEGVIEW_CACHE_DIR``, ``$XDG_CACHE_HOME/segview`` or
    ``~/.cache/segview``."""
    env = os.environ if environ is None else environ
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV]).expanduser()
    base = env.get("XDG_CACHE_HOME")
    root = Path(base).expanduser() if base else Path.home() / ".cache"
    return root / "segview"


def index_disabled(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return env.get(NO_INDEX_ENV, "") not in ("", "0")


def version_tag() -> str:
    """The schema and the version of segview: what the database was written by."""
    from segview import __version__

    return f"{SCHEMA}:{__version__}"


class IndexRow(NamedTuple):
    """One file's record: its identity when read, the fingerprint of the bytes read
    (``fp_end``: how many), what its first line says, its details, and where the read
    stopped (``cursor``: JSON, read only to resume). Problems are JSON (None when there are
    none); numbers beyond SQLite's 64 bits are kept as text (``number``)."""

    path: str
    dev: int
    ino: int
    size: int
    mtime_ns: int
    ctime_ns: int
    fp_end: int | None
    fp: bytes | None
    origin: str | None
    parent_id: str | None
    at_turn: int | str | None
    created_ts: int | str | None
    start_session: str | None
    first_kind: str | None
    first_problem: bytes | None
    title: str | None
    turns: int
    entries: int
    last_ts: int | str | None
    problems: bytes | None
    problems_omitted: int  # found beyond the problems kept (``fs_store.MAX_PROBLEMS``)
    damage_omitted: int  # how many of those are damage
    cursor: bytes | None  # None when not read (``rows_under``)

    @property
    def identity(self) -> tuple[int, int, int, int, int]:
        return (self.dev, self.ino, self.size, self.mtime_ns, self.ctime_ns)


def number(value: int | None) -> int | str | None:
    """An integer as SQLite can keep it (text beyond 64 bits)."""
    if value is None or -(2**63) <= value < 2**63:
        return value
    return str(value)


def from_number(value: object) -> int | None:
    """``number`` undone; raises ``ValueError`` for anything else."""
    if value is None or type(value) is int:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ValueError("not a number")


_COLUMNS = ", ".join(IndexRow._fields)
_LISTED = _COLUMNS.replace("cursor", "NULL")
_CREATE = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    dev INTEGER NOT NULL, ino INTEGER NOT NULL, size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,
    fp_end INTEGER, fp BLOB,
    origin TEXT, parent_id TEXT, at_turn, created_ts, start_session TEXT, first_kind TEXT,
    first_problem BLOB, title TEXT, turns INTEGER NOT NULL, entries INTEGER NOT NULL, last_ts,
    problems BLOB, problems_omitted INTEGER NOT NULL, damage_omitted INTEGER NOT NULL,
    cursor BLOB NOT NULL,
    turn_ends BLOB
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS extra (
    path TEXT NOT NULL, name TEXT NOT NULL,
    dev INTEGER NOT NULL, ino INTEGER NOT NULL, size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (path, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS forests (root TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outputs (
    root TEXT NOT NULL, name TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,
    PRIMARY KEY (root, name)
) WITHOUT ROWID;
"""


@dataclass
class StoreIndex:
    """The open index database (one per process and store; not shared between threads
    unless the caller holds a lock around it)."""

    path: Path
    connection: sqlite3.Connection | None

    # --- opening ------------------------------------------------------------------------------

    @classmethod
    def open(
        cls, store_root: str | os.PathLike[str] | None = None, *, directory: Path | None = None
    ) -> StoreIndex | None:
        """The index in ``directory`` (default: ``cache_dir()``), created if needed; None
        when it is turned off, would lie inside ``store_root``, or cannot be opened."""
        if index_disabled():
            return None
        where = directory if directory is not None else cache_dir()
        try:
            where = Path(os.path.abspath(where))
            if store_root is not None and _inside(where, Path(os.path.abspath(store_root))):
                return None
            where.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError:
            return None
        index = cls(where / INDEX_NAME, None)
        try:  # private: it holds titles and problems of the logs
            os.close(os.open(index.path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600))
        except OSError:
            return None
        for _attempt in range(2):
            try:
                index.connection = index._connect()
                return index
            except sqlite3.OperationalError:
                # busy, locked, an I/O error: not damage, and another process may be using
                # the files, so they are left alone; this process goes without the index
                return None
            except sqlite3.DatabaseError:  # corrupt, not a database, another schema
                index._discard()
            except (OSError, sqlite3.Error):
                return None
        return None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                raise sqlite3.DatabaseError("no write-ahead log")
            db.execute("PRAGMA synchronous = NORMAL")
            tag = version_tag()
            found = self._meta(db)
            if found != tag:
                db.execute("BEGIN IMMEDIATE")
                try:
                    if self._meta(db) != tag:  # another process may have just rebuilt it
                        db.execute("DROP TABLE IF EXISTS files")
                        db.execute("DROP TABLE IF EXISTS extra")
                        db.execute("DROP TABLE IF EXISTS forests")
                        db.execute("DROP TABLE IF EXISTS outputs")
                        db.execute("DROP TABLE IF EXISTS meta")
                        for statement in _CREATE.split(";"):
                            if statement.strip():
                                db.execute(statement)
                        db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (tag,))
                    db.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                    raise
            # a quick read of the table proves the file is a usable database
            db.execute("SELECT path FROM files LIMIT 1").fetchall()
        except BaseException:
            db.close()
            raise
        return db

    @staticmethod
    def _meta(db: sqlite3.Connection) -> str | None:
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return None
            raise
        return None if row is None else str(row[0])

    def _discard(self) -> None:
        """Delete a database that cannot be used (it is built again)."""
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.path}{suffix}")

    def close(self) -> None:
        db, self.connection = self.connection, None
        if db is not None:
            with contextlib.suppress(sqlite3.Error):
                db.close()

    def _failed(self, exc: sqlite3.Error) -> None:
        """After an error: a damaged database is deleted (built again next time); the index
        is off for the rest of this process either way."""
        self.close()
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
            self._discard()

    # --- reading ------------------------------------------------------------------------------

    def rows_under(self, directory: str) -> dict[str, IndexRow]:
        """Every record of a file below ``directory`` (an absolute path), by path."""
        db = self.connection
        if db is None:
            return {}
        low = directory.rstrip(os.sep) + os.sep
        high = low[:-1] + chr(ord(os.sep) + 1)
        try:  # (not the cursor: it is read only to resume a file that grew, see ``extra``)
            rows = db.execute(
                f"SELECT {_LISTED} FROM files WHERE path >= ? AND path < ?", (low, high)
            ).fetchall()
        except sqlite3.Error as exc:
            self._failed(exc)
            return {}
        out: dict[str, IndexRow] = {}
        for row in rows:
            record = _row(row)
            if record is not None:
                out[record.path] = record
        return out

    def row(self, path: str) -> IndexRow | None:
        db = self.connection
        if db is None:
            return None
        try:
            found = db.execute(f"SELECT {_COLUMNS} FROM files WHERE path = ?", (path,)).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
            return None
        return None if found is None else _row(found)

    def extra(self, path: str, name: str, identity: tuple[int, int, int, int, int]) -> bytes | None:
        """A record's ``cursor`` or ``turn_ends``, or the ``usage``, ``ls`` or ``cat`` value
        kept for a file, only while the file has the identity given."""
        if name in ("turn_ends", "cursor"):
            sql = f"SELECT {name} FROM files WHERE path = ? AND "
            args: tuple[Any, ...] = (path, *identity)
        elif name in _EXTRAS:
            sql = "SELECT value FROM extra WHERE path = ? AND name = ? AND "
            args = (path, name, *identity)
        else:
            raise ValueError(name)
        return self._blob(
            sql + "dev = ? AND ino = ? AND size = ? AND mtime_ns = ? AND ctime_ns = ?", args
        )

    def extras_under(
        self, directory: str, name: str
    ) -> dict[str, tuple[tuple[int, int, int, int, int], bytes]]:
        """``name`` (``usage``, ``ls`` or ``cat``) kept for every file below ``directory``,
        with the identity of the file it was computed from, by path."""
        if name not in _EXTRAS:
            raise ValueError(name)
        db = self.connection
        if db is None:
            return {}
        low = directory.rstrip(os.sep) + os.sep
        high = low[:-1] + chr(ord(os.sep) + 1)
        try:
            rows = db.execute(
                "SELECT path, dev, ino, size, mtime_ns, ctime_ns, value FROM extra "
                "WHERE path >= ? AND path < ? AND name = ?",
                (low, high, name),
            ).fetchall()
        except sqlite3.Error as exc:
            self._failed(exc)
            return {}
        out: dict[str, tuple[tuple[int, int, int, int, int], bytes]] = {}
        for path, dev, ino, size, mtime_ns, ctime_ns, value in rows:
            if isinstance(path, str) and isinstance(value, bytes):
                out[path] = ((dev, ino, size, mtime_ns, ctime_ns), value)
        return out

    def forest(self, root: str) -> bytes | None:
        """The tree of the store at ``root`` (an absolute path) as the app last showed it
        (``segview.browse.forest.encode``), or None."""
        return self._blob("SELECT value FROM forests WHERE root = ?", (root,))

    def output(self, root: str, name: str, key: bytes) -> bytes | None:
        """What the command ``name`` printed for the store at ``root`` (an absolute path),
        kept with ``put_output`` under ``key``; None unless it was kept under that key and
        reads back intact (its digest)."""
        value = self._blob(
            "SELECT value FROM outputs WHERE root = ? AND name = ? AND key = ?", (root, name, key)
        )
        if value is None:
            return None
        digest, data = value[:_DIGEST_SIZE], value[_DIGEST_SIZE:]
        return data if len(digest) == _DIGEST_SIZE and _digest(data) == digest else None

    def _blob(self, sql: str, args: tuple[Any, ...]) -> bytes | None:
        """The one value (a BLOB) ``sql`` selects, or None (none, not a BLOB, no index)."""
        db = self.connection
        if db is None:
            return None
        try:
            found = db.execute(sql, args).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
            return None
        return found[0] if found is not None and isinstance(found[0], bytes) else None

    # --- writing ------------------------------------------------------------------------------

    def put_output(self, root: str, name: str, key: bytes, value: bytes) -> bool:
        """Keep what the command ``name`` printed for the store at ``root`` under ``key``
        (a digest of what it was made from), replacing what was kept before."""
        return self._write(
            "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?)",
            [(root, name, key, _digest(value) + value)],
        )

    def put_forest(self, root: str, value: bytes) -> bool:
        """Keep the tree of the store at ``root`` (see ``forest``)."""
        return self._write("INSERT OR REPLACE INTO forests VALUES (?, ?)", [(root, value)])

    def put(self, rows: Iterable[tuple[IndexRow, bytes | None]]) -> bool:
        """Write records (with their ``turn_ends``) in one short transaction, replacing those
        of the same paths (and what was kept with them). False when it could not be written
        in time (another process holds the lock): the index is a cache, nothing is lost."""
        batch = [(*row, turn_ends) for row, turn_ends in rows]
        if not batch:
            return True
        return self._write(
            f"INSERT OR REPLACE INTO files ({_COLUMNS}, turn_ends) VALUES "
            f"({', '.join('?' * (len(IndexRow._fields) + 1))})",
            batch,
        )

    def put_extra(
        self, items: Iterable[tuple[str, tuple[int, int, int, int, int], bytes]], name: str
    ) -> bool:
        """Keep ``name`` (``usage``, ``ls`` or ``cat``) for files, with the identity of the
        file each value was computed from."""
        if name not in _EXTRAS:
            raise ValueError(name)
        batch = [(path, name, *identity, value) for path, identity, value in items]
        if not batch:
            return True
        return self._write("INSERT OR REPLACE INTO extra VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)

    def _write(self, sql: str, batch: list[tuple[Any, ...]]) -> bool:
        db = self.connection
        if db is None:
            return False
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                for chunk in _chunks(batch, 2000):
                    db.executemany(sql, chunk)
                db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                raise
        except (sqlite3.OperationalError, OverflowError):  # busy, disk full, read-only; a
            return False  # number SQLite cannot hold (an inode past 2**63)
        except sqlite3.Error as exc:
            self._failed(exc)
            return False
        return True


_DIGEST_SIZE = 16


def _digest(data: bytes) -> bytes:
    return new_digest(data).digest()


def new_digest(data: bytes = b"") -> blake2b:
    """A BLAKE2b hash of ``digest_size`` 16 (``_blake2`` directly: ``hashlib`` would load
    OpenSSL first, 3 ms of a command's start-up)."""
    try:
        from _blake2 import blake2b as make
    except ImportError:  # another interpreter
        from hashlib import blake2b as make
    return make(data, digest_size=_DIGEST_SIZE)


def _row(row: tuple[Any, ...]) -> IndexRow | None:
    """A record as read, or None when its columns are not what this version writes (the
    values themselves are checked where they are used)."""
    try:
        record = IndexRow(*row)
    except TypeError:
        return None
    if not (record.cursor is None or isinstance(record.cursor, bytes)):
        return None
    if not all(type(v) is int for v in (record.turns, record.problems_omitted)):
        return None
    for value in (record.dev, record.ino, record.size, record.mtime_ns, record.ctime_ns):
        if type(value) is not int:
            return None
    if record.fp_end is not None and (type(record.fp_end) is not int or record.fp is None):
        return None
    if record.fp is not None and not isinstance(record.fp, bytes):
        return None
    return record


def _chunks(items: list[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True
