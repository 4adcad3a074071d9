"""The store's exceptions: one base class, a few precise subclasses."""

from __future__ import annotations

from pathlib import Path

__all__ = ["AlreadyExists", "Corrupt", "IoError", "NotFound", "StoreError", "StoreIOError"]


class StoreError(Exception):
    """Base of every error the store raises."""

    @property
    def reason(self) -> str:
        """What went wrong, without the file's path: for a report that names the file
        already (``path: reason``)."""
        return str(self)


class NotFound(StoreError):
    """The segment (or its file) does not exist."""

    def __init__(self, segment_id: str, path: Path | None = None) -> None:
        self.segment_id = segment_id
        self.path = path
        where = f" ({path})" if path is not None else ""
        super().__init__(f"segment not found: {segment_id}{where}")

    @property
    def reason(self) -> str:
        return "no such file"


class Corrupt(StoreError):
    """A line that does not parse as an entry; ``line`` is 1-based and counts blank lines."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        super().__init__(f"{path}:{line}: corrupt entry: {message}")


class StoreIOError(StoreError):
    """Reading or writing a file failed (includes invalid UTF-8, as in the Rust crate)."""

    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")

    @property
    def reason(self) -> str:
        return self.message


IoError = StoreIOError


class AlreadyExists(StoreError):
    """A segment file of that id exists; segview never overwrites one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"segment file already exists, not overwriting: {path}")
