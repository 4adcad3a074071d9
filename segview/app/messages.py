"""The app's messages, in one place. Workers post them from threads; widgets post them up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from segview.browse.cursor import SegmentCursor
    from segview.browse.forest import ForestSnapshot


@dataclass
class ForestChanged(Message):
    """A new snapshot of the lineage forest (store opened, details loaded, store changed);
    ``kept``: the tree kept from the last time the store was shown, while it is opened."""

    forest: ForestSnapshot
    added: tuple[str, ...] = ()
    kept: bool = False

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ForestChanged) and not message.added


@dataclass
class LoadProgress(Message):
    """Bytes read so far while a segment loads."""

    segment_id: str
    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LoadProgress) and message.segment_id == self.segment_id


@dataclass
class TimelineLoaded(Message):
    """A segment finished loading (``cursor`` on its timeline, at its first stop);
    ``turn_count`` is where to open it (None: last turn)."""

    segment_id: str
    cursor: SegmentCursor
    turn_count: int | None
    generation: int


@dataclass
class TimelineFailed(Message):
    """A segment could not be read at all."""

    segment_id: str
    error: str
    generation: int


@dataclass
class TimelineGrew(Message):
    """The open segment's file grew (or was rewritten)."""

    segment_id: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TimelineGrew) and message.segment_id == self.segment_id


@dataclass
class RawLinesLoaded(Message):
    """The raw JSON lines of the entries the inspector shows."""

    segment_id: str
    first_entry: int
    line_numbers: list[int]
    lines: list[bytes]


@dataclass
class SegmentChosen(Message):
    """The user picked a segment (tree, command palette)."""

    segment_id: str
    turn_count: int | None = None
