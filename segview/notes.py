"""Labels and notes on segments, kept in a sidecar beside the logs (never inside a log file).

Each segment has at most one small append-only file, ``{dir}/.segview/{segment_id}.notes.jsonl``,
``{dir}`` being the directory that holds the segment's log. The runtime lists only the
``*.jsonl`` files of that directory whose name is a segment id, and never descends into
``.segview/``; segview's own scanner skips it too.

One JSON object per line:

* ``{"kind": "label", "ts": MS, "text": TEXT}``: the segment's label (shown instead of its
  title); the last one wins, an empty text removes the label;
* ``{"kind": "note", "id": ID, "ts": MS, "turn": N | null, "item": K | null, "text": TEXT}``:
  a note on the segment, on its turn N (its own ``turn_count``; 0 is the start) or on its
  history item K (1-based, as the Markdown export numbers them).

Writers append one whole line per ``write`` on a descriptor opened with ``O_APPEND``, so two
processes can add notes at once. Readers ignore a last line without its newline (a write in
progress, or a writer that crashed) and report, without failing, lines that are not records;
a writer that finds such a torn tail starts its line on a fresh one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segview.sidecar import NOTES_SUFFIX, SIDECAR_DIR

__all__ = [
    "NOTES_SUFFIX",
    "SIDECAR_DIR",
    "Note",
    "NotesBook",
    "NotesError",
    "NotesProblem",
    "SegmentNotes",
    "add_note",
    "notes_path",
    "read_notes",
    "read_store_notes",
    "set_label",
]

_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


class NotesError(Exception):
    """A note or label could not be written; nothing was written. The message says why."""


@dataclass(frozen=True, slots=True)
class Note:
    """One note: on the segment (no turn, no item), on a turn, or on a history item."""

    id: str
    ts: int
    text: str
    turn: int | None = None
    item: int | None = None  # 1-based history item

    @property
    def target(self) -> str:
        """``turn 3, item 12``, ``turn 3``, ``item 12`` or ``segment``."""
        parts = []
        if self.turn is not None:
            parts.append(f"turn {self.turn}")
        if self.item is not None:
            parts.append(f"item {self.item}")
        return ", ".join(parts) or "segment"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ts": self.ts,
            "turn": self.turn,
            "item": self.item,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class NotesProblem:
    """A line of a notes file that is not a record (skipped)."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class SegmentNotes:
    """The label and notes of one segment, as its sidecar file holds them."""

    segment_id: str
    label: str | None = None
    notes: list[Note] = field(default_factory=list)
    problems: list[NotesProblem] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.label is not None or bool(self.notes)

    def on_item(self, item: int) -> list[Note]:
        """Notes on history item ``item`` (1-based)."""
        return [n for n in self.notes if n.item == item]

    def on_turn(self, turn: int) -> list[Note]:
        """Notes on turn ``turn`` that name no item."""
        return [n for n in self.notes if n.turn == turn and n.item is None]

    @property
    def segment_notes(self) -> list[Note]:
        """Notes on the segment as a whole (neither turn nor item)."""
        return [n for n in self.notes if n.turn is None and n.item is None]

    def to_json(self) -> dict[str, Any]:
        return {
            "segment_id": self.segment_id,
            "label": self.label,
            "notes": [n.to_json() for n in self.notes],
            "problems": [{"line": p.line, "message": p.message} for p in self.problems],
        }


def notes_path(directory: Path, segment_id: str) -> Path:
    """The sidecar file of a segment whose log is in ``directory``."""
    return directory / SIDECAR_DIR / f"{segment_id}{NOTES_SUFFIX}"


# --- reading --------------------------------------------------------------------------------


def _optional_int(record: dict[str, Any], key: str) -> int | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"`{key}` must be a whole number of 0 or more")
    return value


def _apply(notes: SegmentNotes, record: Any) -> None:
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    kind, text, ts = record.get("kind"), record.get("text"), record.get("ts", 0)
    if not isinstance(text, str):
        raise ValueError("`text` must be a string")
    if isinstance(ts, bool) or not isinstance(ts, int):
        raise ValueError("`ts` must be a whole number")
    if kind == "label":
        notes.label = text or None
    elif kind == "note":
        note_id = record.get("id")
        if not isinstance(note_id, str):
            raise ValueError("`id` must be a string")
        notes.notes.append(
            Note(note_id, ts, text, _optional_int(record, "turn"), _optional_int(record, "item"))
        )
    else:
        raise ValueError(f"unknown record kind {kind!r}")


def read_notes(directory: Path, segment_id: str) -> SegmentNotes:
    """The label and notes of a segment (empty when it has no sidecar or it is unreadable)."""
    import orjson

    path = notes_path(directory, segment_id)
    notes = SegmentNotes(segment_id)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return notes
    except OSError as exc:
        notes.problems.append(NotesProblem(path, 0, f"cannot read: {exc.strerror or exc}"))
        return notes
    lines = data.split(b"\n")
    lines.pop()  # after the last newline: empty, or a line still being written
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            _apply(notes, orjson.loads(raw))
        except (orjson.JSONDecodeError, ValueError) as exc:
            notes.problems.append(NotesProblem(path, number, str(exc).split("\n")[0]))
    return notes


def read_store_notes(directories: Iterable[Path]) -> dict[str, SegmentNotes]:
    """Every segment that has a sidecar in one of ``directories`` (by segment id)."""
    out: dict[str, SegmentNotes] = {}
    for directory in directories:
        for segment_id in _sidecar_ids(directory):
            notes = read_notes(directory, segment_id)
            if notes or notes.problems:
                out.setdefault(segment_id, notes)
    return out


def _sidecar_ids(directory: Path) -> Iterator[str]:
    try:
        with os.scandir(directory / SIDECAR_DIR) as it:
            names = sorted(e.name for e in it if e.name.endswith(NOTES_SUFFIX))
    except OSError:
        return
    for name in names:
        yield name[: -len(NOTES_SUFFIX)]


class NotesBook:
    """The notes of a store, kept current cheaply: a sidecar is read again only when its size
    or modification time changed."""

    def __init__(self) -> None:
        self.notes: dict[str, SegmentNotes] = {}
        self._keys: dict[Path, tuple[int, float]] = {}

    def refresh(self, directories: Iterable[Path]) -> bool:
        """Look at the sidecars of ``directories`` again; True when anything changed."""
        seen: dict[Path, tuple[int, float]] = {}
        notes: dict[str, SegmentNotes] = {}
        changed = False
        for directory in directories:
            for segment_id in _sidecar_ids(directory):
                path = notes_path(directory, segment_id)
                try:
                    st = path.stat()
                except OSError:
                    continue
                key = (st.st_size, st.st_mtime)
                seen[path] = key
                old = self.notes.get(segment_id)
                if self._keys.get(path) == key and old is not None:
                    notes.setdefault(segment_id, old)
                    continue
                changed = True
                notes.setdefault(segment_id, read_notes(directory, segment_id))
        changed = changed or set(seen) != set(self._keys)
        self.notes, self._keys = notes, seen
        return changed

    def get(self, segment_id: str) -> SegmentNotes:
        return self.notes.get(segment_id) or SegmentNotes(segment_id)

    def labels(self) -> dict[str, str]:
        return {sid: n.label for sid, n in self.notes.items() if n.label}


# --- writing --------------------------------------------------------------------------------


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _describe(exc: OSError, path: Path) -> str:
    reason = exc.strerror or str(exc)
    if exc.errno in _READ_ONLY:
        return f"cannot write {path}: {reason} (the store is read-only); nothing was written"
    return f"cannot write {path}: {reason}; nothing was written"


def _append(directory: Path, segment_id: str, record: dict[str, Any]) -> None:
    """Append one record to a segment's sidecar: one line, one ``write``."""
    import orjson

    path = notes_path(directory, segment_id)
    line = orjson.dumps(record) + b"\n"
    if not directory.is_dir():
        raise NotesError(f"cannot write {path}: the store directory {directory} does not exist")
    made = False
    try:
        os.mkdir(path.parent, 0o755)
        made = True
    except FileExistsError:
        pass
    except OSError as exc:
        raise NotesError(_describe(exc, path)) from None
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as exc:
        if made:
            with contextlib.suppress(OSError):
                os.rmdir(path.parent)
        raise NotesError(_describe(exc, path)) from None
    try:
        if _torn_tail(fd):
            line = b"\n" + line  # keep the torn line apart: it stays unreadable, ours does not
        written = os.write(fd, line)
        while written < len(line):  # a short write (a full disk): finish the line
            written += os.write(fd, line[written:])
    except OSError as exc:
        raise NotesError(_describe(exc, path)) from None
    finally:
        os.close(fd)


def _torn_tail(fd: int) -> bool:
    size = os.fstat(fd).st_size
    return size > 0 and os.pread(fd, 1, size - 1) != b"\n"


def set_label(directory: Path, segment_id: str, text: str, *, ts: int | None = None) -> None:
    """Label a segment (an empty ``text`` removes its label). Raises ``NotesError``."""
    label = " ".join(text.split())
    _append(directory, segment_id, {"kind": "label", "ts": _ts(ts), "text": label})


def add_note(
    directory: Path,
    segment_id: str,
    text: str,
    *,
    turn: int | None = None,
    item: int | None = None,
    ts: int | None = None,
) -> Note:
    """Add a note to a segment, one of its turns or one of its items. Raises ``NotesError``."""
    if not text.strip():
        raise NotesError("a note needs some text")
    if turn is not None and turn < 0:
        raise NotesError(f"no turn {turn}: turns are 0 or more")
    if item is not None and item < 1:
        raise NotesError(f"no item {item}: items are numbered from 1")
    import uuid  # (with it come the platform and ipaddress modules: only when writing)

    note = Note(uuid.uuid4().hex[:12], _ts(ts), text.strip(), turn, item)
    record = {"kind": "note", **note.to_json()}
    _append(directory, segment_id, record)
    return note


def _ts(ts: int | None) -> int:
    return _now_ms() if ts is None else ts
