"""What ``segview tree``, ``ls`` and ``check`` printed, kept in the index and printed again
while nothing it was made from has changed: such a command is then the scan of the store (a
``stat`` per file) and a read of the index, without building the forest or reading a record
per file.

The key is a digest of every input of the output:

* segview's version, the command (``tree``, ``ls --json``, ...) and the path given (it is
  printed, and the price of a store is chosen by it);
* what the scan found: each listed file's directory, id, session, layout and identity
  (device, inode, size, modification and change time), and each entry it did not list, with
  the reason;
* the label sidecars of every directory holding segments (their names and identities);
* for ``--json``, the price table's path and bytes.

A file's contents are trusted by its identity, as the index trusts them for its records.
What is kept is both streams and the exit status: stdout (compressed) and what went to
stderr before and after it (the skipped files, ``check``'s summary, the price table's
warning, warnings about the lines read), but not a progress line. An output
that cannot be kept whole (the index is off, a price table that cannot be read) is simply
not kept; one that does not read back intact is made again.
"""

from __future__ import annotations

import codecs
import os
import sys
import zlib
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from hashlib import blake2b

    from segview.index import StoreIndex
    from segview.store.fs_store import FsStore
    from segview.store.layout import StoreScan

__all__ = ["KeptOutput", "Recording", "kept_or_made"]

_MAGIC = b"segview-kept-2\n"
_TEXT, _BYTES = b"t", b"b"
_SLICE = 1 << 17  # of the compressed stdout, unpacked at a time


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogatepass")


class KeptOutput:
    """One command's output for one store, as kept in the index (``StoreIndex.output``)."""

    def __init__(self, index: StoreIndex, root: str, name: str, key: bytes) -> None:
        self.index = index
        self.root = root
        self.name = name
        self.key = key

    @classmethod
    def of(
        cls, index: StoreIndex | None, scan: StoreScan, given: str, name: str, *, prices: bool
    ) -> KeptOutput | None:
        """The output of ``name`` for ``scan`` (the scan of the path ``given``), or None when
        there is no index or an input cannot be known (a price table that cannot be read)."""
        if index is None or index.connection is None:
            return None
        from segview.index import new_digest, version_tag

        digest = new_digest()
        head = [version_tag(), name, given, scan.kind, str(scan.selected)]
        if prices:
            found = _price_table()
            if found is None:
                return None
            head.extend(found)
        digest.update(_encode("\0".join(head)))
        _scan_digest(digest, scan, given)
        return cls(index, os.path.abspath(scan.root), name, digest.digest())

    def replay(self) -> int | None:
        """Print what was kept, as it was printed, and return the exit status it had; None
        (nothing printed) when nothing was kept under this key or it does not read back
        whole."""
        value = self.index.output(self.root, self.name, self.key)
        parts = None if value is None else _unpack(value)
        if parts is None:
            return None
        mode, code, err_before, packed, err_after = parts
        if err_before:
            sys.stderr.write(err_before)
            sys.stderr.flush()
        if mode == _TEXT:
            decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")
            for chunk in packed:
                sys.stdout.write(decoder.decode(chunk))
            sys.stdout.write(decoder.decode(b"", final=True))
        else:
            sys.stdout.flush()
            for chunk in packed:
                sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
        if err_after:
            sys.stderr.write(err_after)
        return code

    def keep(self, recording: Recording, code: int) -> None:
        """Keep what ``recording`` saw, and the exit status ``code`` (the index may refuse
        it: it is a cache)."""
        value = recording.packed(code)
        if value is not None:
            self.index.put_output(self.root, self.name, self.key, value)


def kept_or_made(
    index: StoreIndex | None,
    scan: StoreScan,
    given: str,
    name: str,
    make: Callable[[Recording], int],
    *,
    prices: bool = False,
) -> int:
    """The output of the command ``name`` printed again if it was kept for ``scan`` as it is
    (see ``KeptOutput.of``), else made by ``make`` (which writes through the ``Recording``
    it is given and returns the exit status), and kept."""
    kept = KeptOutput.of(index, scan, given, name, prices=prices)
    if kept is not None:
        code = kept.replay()
        if code is not None:
            return code
    out = Recording(kept)
    with out.capture_stderr():
        code = make(out)
    if kept is not None:
        kept.keep(out, code)
    return code


class Recording:
    """Writes a command's stdout (``text`` or ``bytes``, not both) and, with ``kept``,
    records it, and what goes to stderr meanwhile (``capture_stderr``); ``stderr`` is the
    stream itself, for what must not be kept (a progress line)."""

    def __init__(self, kept: KeptOutput | None) -> None:
        self.kept = kept
        self.stderr: TextIO = sys.stderr
        self._mode: bytes | None = None
        self._zip = zlib.compressobj(1) if kept is not None else None
        self._chunks: list[bytes] = []
        self._err: list[list[str]] = [[], []]  # before the first stdout write, after it
        self._broken = False

    def write_text(self, text: str) -> None:
        sys.stdout.write(text)
        self._record(_TEXT, text)

    def write_bytes(self, data: bytes) -> None:
        sys.stdout.buffer.write(data)
        self._record(_BYTES, data)

    def _record(self, mode: bytes, data: str | bytes) -> None:
        if self._zip is None:
            return
        if self._mode is None:
            self._mode = mode
        elif self._mode != mode:
            self._broken = True
        raw = _encode(data) if isinstance(data, str) else data
        self._chunks.append(self._zip.compress(raw))

    @contextmanager
    def capture_stderr(self) -> Iterator[None]:
        """Record what is written to ``sys.stderr`` in this block (it is written too)."""
        if self.kept is None:
            yield
            return
        real = self.stderr = sys.stderr
        tee = _Tee(real, self)
        sys.stderr = tee
        try:
            yield
        finally:
            if sys.stderr is tee:
                sys.stderr = real
            else:  # replaced meanwhile: what went there was not seen
                self._broken = True

    def _stderr(self, text: str) -> None:
        self._err[self._mode is not None].append(text)

    def packed(self, code: int) -> bytes | None:
        """What was recorded, with the exit status, as ``KeptOutput`` keeps it (None: nothing
        to keep)."""
        if self._zip is None or self._broken or not 0 <= code < 256:
            return None
        out = b"".join(self._chunks) + self._zip.flush()
        before, after = (_encode("".join(part)) for part in self._err)
        return b"".join(
            (
                _MAGIC,
                self._mode or _TEXT,
                bytes([code]),
                len(before).to_bytes(8, "big"),
                len(after).to_bytes(8, "big"),
                before,
                after,
                out,
            )
        )


def _unpack(value: bytes) -> tuple[bytes, int, str, list[bytes], str] | None:
    """What ``Recording.packed`` made: the mode, the exit status, stderr before, stdout in
    pieces, stderr after; None when it is not that, whole."""
    start = len(_MAGIC)
    if not value.startswith(_MAGIC) or len(value) < start + 18:
        return None
    mode, code = value[start : start + 1], value[start + 1]
    n_before = int.from_bytes(value[start + 2 : start + 10], "big")
    n_after = int.from_bytes(value[start + 10 : start + 18], "big")
    at = start + 18
    if mode not in (_TEXT, _BYTES) or at + n_before + n_after > len(value):
        return None
    before = value[at : at + n_before]
    after = value[at + n_before : at + n_before + n_after]
    packed = memoryview(value)[at + n_before + n_after :]
    # unpacked whole before anything is printed (a damaged end must not print half), but
    # in pieces: the output of a large store is never held twice
    pieces: list[bytes] = []
    unzip = zlib.decompressobj()
    try:
        for offset in range(0, len(packed), _SLICE):
            pieces.append(unzip.decompress(packed[offset : offset + _SLICE]))
        pieces.append(unzip.flush())
        if not unzip.eof or unzip.unused_data:
            return None
        return mode, code, _decode(before), pieces, _decode(after)
    except (zlib.error, UnicodeDecodeError):
        return None


class _Tee:
    """``sys.stderr`` while a command's output is recorded."""

    def __init__(self, real: TextIO, recording: Recording) -> None:
        self._real = real
        self._recording = recording

    def write(self, text: str) -> int:
        written = self._real.write(text)
        self._recording._stderr(text)
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _price_table() -> list[str] | None:
    """The price table's path and bytes (``--json`` prints costs), or None when it cannot
    be read (the warning then depends on more than its bytes)."""
    from segview.cost.prices import config_path

    path = config_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [os.fspath(path), "(none)"]
    except OSError:
        return None
    return [os.fspath(path), data.hex()]


def _scan_digest(digest: blake2b, scan: StoreScan, given: str) -> None:
    """Feed ``digest`` with what the scan found, and the label sidecars of its directories."""
    from segview.sidecar import NOTES_SUFFIX, SIDECAR_DIR

    segments = scan.segments
    stores: dict[FsStore, int] = {}
    which: list[int] = []
    for found in segments:
        n = stores.get(found.store)
        if n is None:
            n = stores[found.store] = len(stores)
        which.append(n)
    directories = [given, *(os.fspath(s.root) for s in stores)]
    digest.update(_encode("\0".join(directories)))
    digest.update(_encode("\0".join([f"{f.id}\0{f.session_id}\0{f.layout}" for f in segments])))
    digest.update(array("q", which).tobytes())
    try:
        digest.update(array("q", chain.from_iterable(f.stat for f in segments)).tobytes())
    except OverflowError:  # a number beyond 64 bits
        digest.update(_encode(repr([tuple(f.stat) for f in segments])))
    digest.update(_encode(repr([(os.fspath(u.path), u.reason, u.kind) for u in scan.unlisted])))
    sidecars: list[str] = []
    for directory in dict.fromkeys(directories):
        try:
            with os.scandir(os.path.join(directory, SIDECAR_DIR)) as entries:
                for entry in entries:
                    if entry.name.endswith(NOTES_SUFFIX):
                        sidecars.append(f"{entry.path}\0{_identity(entry)}")
        except OSError:
            continue
    sidecars.sort()  # (a directory's listing order may change)
    digest.update(_encode("\n".join(sidecars)))


def _identity(entry: os.DirEntry[str]) -> str:
    from segview.store.scan_results import FileStat

    try:
        return repr(tuple(FileStat.of(entry.stat())))
    except OSError:
        return "unreadable"
