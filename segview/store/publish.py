"""Publishing new files: a new segment file appears complete or not at all, and never
replaces a file.

``write_new_file`` writes to a temporary file beside the target (named as ``TEMP_NAME_RE``
says), flushes it to disk, then links it into place, which fails if the target exists; where
hard links are unavailable it renames without replacing (``renameat2``), else claims the
name first. A process killed while writing leaves the temporary file behind
(``temporary_target`` names what it was for).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from .errors import AlreadyExists, StoreIOError

__all__ = ["TEMP_NAME_RE", "temporary_target", "write_new_file"]

TEMP_NAME_RE = re.compile(r"\.(?P<target>.+)\.(?P<token>[0-9a-f]{16})\.tmp")
"""The name of the temporary file ``write_new_file`` writes a new segment to before it gets
its name: ``.{target name}.{16 hex digits}.tmp`` beside the target, for instance
``.0192f3a1-…-5e1d.jsonl.9f86d081884c7d65.tmp``. It starts with a dot and does not end in
``.jsonl``, so it is never listed as a segment. A process killed while writing (SIGKILL, a
power cut) leaves it behind; any other failure removes it. See ``temporary_target``."""


def temporary_target(name: str) -> str | None:
    """The target file name when ``name`` is a temporary file of ``write_new_file``."""
    match = TEMP_NAME_RE.fullmatch(name)
    return match.group("target") if match else None


# errno values of link() on a filesystem without hard links (FAT, some network and FUSE
# filesystems, some container mounts)
_NO_HARD_LINKS = frozenset(
    {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK}
)
_NO_RENAMEAT2 = frozenset({errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP})
_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


def write_new_file(path: Path, data: bytes, *, mode: int | None = None) -> Path:
    """Create ``path`` holding ``data`` completely or not at all, never replacing a file.

    The data goes to a temporary file beside ``path`` (named as ``TEMP_NAME_RE`` says, mode
    0600 while it is written), is flushed to disk, gets its permission bits, then is
    published under ``path`` in one step that fails if ``path`` exists:

    1. ``link`` (a hard link), then the temporary name is removed;
    2. where hard links are unavailable: ``renameat2(RENAME_NOREPLACE)`` (Linux);
    3. where that is unavailable too: ``path`` is first claimed with an empty file created
       with ``O_EXCL``, then the complete temporary file is renamed over it (``os.replace``).
       Other readers can see that empty file for the time of one rename, never a partial one.

    The temporary file is removed on every failure (``KeyboardInterrupt`` included). ``mode``
    gives the permission bits (default 0666), masked by the process umask as ``open`` masks
    them.
    """
    directory = path.parent
    if path.exists():
        raise AlreadyExists(path)
    bits = (0o666 if mode is None else mode) & 0o777 & ~_UMASK
    tmp: str | None = None
    try:
        try:
            fd, tmp = _create_temporary(directory, path.name)
        except OSError as exc:
            raise StoreIOError(
                path, f"cannot create a file in {directory}: {exc.strerror or exc}"
            ) from None
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
                os.fchmod(f.fileno(), bits)
        except OSError as exc:
            raise StoreIOError(path, f"write failed: {exc.strerror or exc}") from None
        try:
            _publish(tmp, path)
        except FileExistsError:
            raise AlreadyExists(path) from None
        except OSError as exc:
            raise StoreIOError(path, exc.strerror or str(exc)) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)  # after a link: the temporary name; after a rename: gone
    return path


def _create_temporary(directory: Path, name: str) -> tuple[int, str]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
    for _attempt in range(100):
        tmp = os.path.join(directory, f".{name}.{os.urandom(8).hex()}.tmp")
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(directory))


def _publish(tmp: str, path: Path) -> None:
    """Give the complete file ``tmp`` the name ``path``, failing if ``path`` exists."""
    try:
        os.link(tmp, path)
        return
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
    if _rename_noreplace(tmp, path):
        return
    # claim the name with an empty file (O_EXCL), then replace that file in one rename
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # only where a segment is published: reading commands start without it

    try:
        func = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):  # a C library without renameat2 (glibc < 2.28, musl)
        return None
    func.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    func.restype = ctypes.c_int
    return func


def _rename_noreplace(src: str, dst: Path) -> bool:
    """Rename ``src`` to ``dst`` unless ``dst`` exists (``FileExistsError``); False when the
    system or the filesystem cannot rename without replacing."""
    func = _renameat2()
    if func is None:
        return False
    if func(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
        return True
    import ctypes

    err = ctypes.get_errno()
    if err in _NO_RENAMEAT2:
        return False
    raise OSError(err, os.strerror(err), str(dst))


def _read_umask() -> int:
    # os.umask can only be read by setting it; do that once, at import, before any thread runs
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()
