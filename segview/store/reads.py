"""What the tolerant reader returns: the entries it kept, where they are, and the problems.

``Problem`` is one thing wrong with a file (or a note about what a newer runtime wrote,
``NEWER_VERSION_KIND``); ``UnknownEntry`` an entry of a kind no known version has, kept as
read; ``TolerantRead`` one read, resumable where it stopped, keeping the first
``MAX_PROBLEMS`` problems of a file and counting the rest exactly; ``SkippedFile`` a
directory entry that looks like a segment file but is not listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .version import FormatVersion

if TYPE_CHECKING:
    from .model import LogEntry

__all__ = [
    "MAX_PROBLEMS",
    "NEWER_VERSION_KIND",
    "Problem",
    "SkippedFile",
    "TolerantRead",
    "UnknownEntry",
]

MAX_PROBLEMS = 1000
"""Problems the tolerant reader keeps per file; the rest are only counted, exactly."""

NEWER_VERSION_KIND = "newer_version"
"""``Problem.kind`` of a note: something no known version has, kept as read (not damage)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a file: ``line`` is 1-based, or None for the file as a whole.

    ``kind`` is ``NEWER_VERSION_KIND`` for a note about what a newer runtime version wrote
    (kept as read), None for damage and everything else.
    """

    line: int | None
    message: str
    kind: str | None = None

    @property
    def is_note(self) -> bool:
        return self.kind == NEWER_VERSION_KIND

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message}

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line is not None else self.message


@dataclass(frozen=True, slots=True)
class UnknownEntry:
    """An entry whose ``kind`` this version does not know, kept with its raw JSON."""

    kind: str
    ts: int | None
    raw: dict[str, Any]
    line_bytes: bytes

    def encode(self) -> bytes:
        return self.line_bytes


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A directory entry that looks like a segment file but is not listed, and why."""

    name: str
    reason: str


@dataclass(slots=True)
class TolerantRead:
    """What ``read_tolerant`` found: the good entries, their line numbers and offsets, problems.

    ``end_offset`` / ``next_line`` say where to resume when the file grows: just after the
    last terminated line (an unterminated tail that does not parse is read again later).

    ``problems`` holds the first ``MAX_PROBLEMS`` problems of the terminated lines, then the
    problems of an unterminated last line (always kept: a resumed read replaces them).
    ``problems_omitted`` counts the problems found beyond those, exactly, and
    ``bad_lines_omitted`` how many of them were lines that gave no entry (so that the lines of
    a file can still be counted: the lines of ``lines`` and of ``problems``, plus these).
    """

    entries: list[LogEntry | UnknownEntry] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    end_offset: int = 0
    next_line: int = 1
    pending_tail: bool = False
    tail_is_entry: bool = False
    format_version: FormatVersion = FormatVersion.AUTO
    problems_omitted: int = 0
    bad_lines_omitted: int = 0

    @property
    def damage(self) -> list[Problem]:
        """The problems kept that are not notes about a newer runtime version."""
        return [p for p in self.problems if not p.is_note]

    @property
    def damage_omitted(self) -> int:
        """The damage among the problems omitted: a note is about an entry that was kept, so
        every omitted problem that is not a note is a line that gave no entry."""
        return self.bad_lines_omitted

    def note(self, problem: Problem, *, bad_line: bool) -> None:
        """Keep ``problem`` if fewer than ``MAX_PROBLEMS`` are kept, else count it."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.problems_omitted += 1
            self.bad_lines_omitted += bad_line

    def extend(self, more: TolerantRead) -> None:
        """Add what a read resumed at ``end_offset`` found (re-read tails replace old ones)."""
        if self.tail_is_entry:
            del self.entries[-1], self.lines[-1], self.offsets[-1]
        # problems at or after the resume line were found in the re-read tail (including
        # the first line's byte-order mark when the first line was still unterminated)
        kept = [p for p in self.problems if p.line is None or p.line < self.next_line]
        tail = more.next_line if more.pending_tail else None
        added = [p for p in more.problems if p.line is None or tail is None or p.line < tail]
        overflow = len(kept) + len(added) - MAX_PROBLEMS
        if overflow > 0:  # the resumed read's last problems go past what one file keeps
            entry_lines = set(more.lines)
            dropped = added[len(added) - overflow :]
            del added[len(added) - overflow :]
            self.problems_omitted += overflow
            self.bad_lines_omitted += sum(p.line not in entry_lines for p in dropped)
        self.problems = kept + added + more.problems[len(added) + max(0, overflow) :]
        self.problems_omitted += more.problems_omitted
        self.bad_lines_omitted += more.bad_lines_omitted
        self.entries.extend(more.entries)
        self.lines.extend(more.lines)
        self.offsets.extend(more.offsets)
        self.end_offset = more.end_offset
        self.next_line = more.next_line
        self.pending_tail = more.pending_tail
        self.tail_is_entry = more.tail_is_entry
        if more.format_version is not FormatVersion.AUTO:
            self.format_version = more.format_version
