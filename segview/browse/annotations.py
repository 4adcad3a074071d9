"""What the main screen shows besides the log: the user's notes placed on history items, and
token figures (with their cost) for the tree and the turn bar. Plain Python; no Textual here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from segview.cost import (
    Link,
    Priced,
    SegmentUsage,
    Tokens,
    UsageFigures,
    UsageReader,
    usage_figures,
)
from segview.store import FsStore
from segview.text import format_tokens

if TYPE_CHECKING:
    from segview.notes import SegmentNotes
    from segview.timeline import Timeline

    from .forest import ForestSnapshot, TreeRow
    from .positions import Stop

__all__ = [
    "TOKEN_MODES",
    "NotePlacement",
    "TokenMode",
    "TurnTokens",
    "forest_figures",
    "inherited_share",
    "place_notes",
    "tree_token_texts",
    "turn_tokens",
]

TokenMode = Literal["off", "own", "branch", "subtree"]
TOKEN_MODES: tuple[TokenMode, ...] = ("off", "own", "branch", "subtree")
TOKEN_MODE_NAMES: dict[TokenMode, str] = {
    "off": "off",
    "own": "per segment (its own requests)",
    "branch": "per branch (from the root to the segment)",
    "subtree": "per subtree (the segment and everything forked from it)",
}


# --- notes ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NotePlacement:
    """Where a segment's notes show: on history items (by index), or in the notes bar."""

    by_item: dict[int, tuple[str, ...]]
    loose: tuple[str, ...]
    label: str | None

    @property
    def bar(self) -> str | None:
        """The notes bar's text (None: nothing to show)."""
        parts = [f"✎ {self.label}"] if self.label else []
        parts.extend(self.loose)
        return "  ·  ".join(parts) if parts else None


def place_notes(timeline: Timeline, notes: SegmentNotes) -> NotePlacement:
    """Item notes on their item; a turn's notes on the first item the turn added; notes on
    the segment, on turn 0 or on a turn that added nothing, in the bar."""
    by_item: dict[int, tuple[str, ...]] = {}
    loose: list[str] = []
    for note in notes.notes:
        if note.item is not None:
            text = note.text if note.turn is None else f"turn {note.turn}: {note.text}"
            by_item[note.item - 1] = (*by_item.get(note.item - 1, ()), text)
            continue
        turn = timeline.turn_by_count(note.turn) if note.turn else None
        if turn is None:
            loose.append(note.text if not note.turn else f"turn {note.turn}: {note.text}")
            continue
        first = turn.history_len_before
        if turn.index == 0:
            first = max(first, timeline.inherited_len)
        if first < turn.history_len_after:
            by_item[first] = (*by_item.get(first, ()), f"turn {note.turn}: {note.text}")
        else:
            loose.append(f"turn {note.turn}: {note.text}")
    return NotePlacement(by_item, tuple(loose), notes.label)


# --- tokens ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TurnTokens:
    """The tokens the turn bar shows: the requests of the turn shown (None at the start),
    and of the whole branch up to it (inherited from the ancestors included)."""

    turn: Tokens | None
    so_far: Tokens
    turn_cost: str | None = None
    so_far_cost: str | None = None
    partial: bool = False  # an ancestor is not in the store: its share is missing


def turn_tokens(
    stop: Stop,
    usage: SegmentUsage,
    inherited: Tokens,
    *,
    partial: bool = False,
    priced: Priced | None = None,
) -> TurnTokens:
    """The turn bar's figures at a stop of a segment with this usage."""
    turn: Tokens | None
    if stop.kind == "turn" and stop.turn_index is not None and stop.turn_index < len(usage.turns):
        turn = usage.turns[stop.turn_index].tokens
        so_far = inherited + usage.through_index(stop.turn_index)
    elif stop.kind == "tail":
        turn, so_far = usage.tail, inherited + usage.total
    else:
        turn, so_far = None, inherited
    return TurnTokens(
        turn,
        so_far,
        priced.format(turn) if priced is not None and turn is not None else None,
        priced.format(so_far) if priced is not None else None,
        partial,
    )


StoreFor = Callable[[str], FsStore | None]


def _links(rows: Sequence[TreeRow]) -> list[Link]:
    return [Link(r.id, r.parent_id, r.at_turn, r.parent_missing) for r in rows]


def _read(reader: UsageReader, store_for: StoreFor, segment_id: str) -> SegmentUsage:
    store = store_for(segment_id)
    return reader.read(store, segment_id) if store is not None else SegmentUsage()


def forest_figures(
    forest: ForestSnapshot, reader: UsageReader, store_for: StoreFor
) -> dict[str, UsageFigures]:
    """The figures of every segment in the tree (rows are parents before children)."""
    usage = {r.id: _read(reader, store_for, r.id) for r in forest.rows}
    return usage_figures(_links(forest.rows), usage)


def inherited_share(
    forest: ForestSnapshot, segment_id: str, reader: UsageReader, store_for: StoreFor
) -> tuple[Tokens, bool]:
    """What a segment's ancestors spent up to where it starts, and whether an ancestor is
    missing from the store (its share then is not counted)."""
    rows = {r.id: r for r in forest.rows}
    total = Tokens()
    row = rows.get(segment_id)
    seen = {segment_id}
    while row is not None and row.parent_id is not None and row.parent_id not in seen:
        parent = rows.get(row.parent_id)
        if parent is None:
            break
        usage = _read(reader, store_for, parent.id)
        total = total + usage.through_turn(row.at_turn or 0)
        seen.add(parent.id)
        row = parent
    partial = row is not None and row.parent_missing
    return total, partial


def tree_token_texts(
    figures: dict[str, UsageFigures], mode: TokenMode, priced: Priced | None = None
) -> dict[str, str]:
    """The tree's token text per segment: ``41.2k/1.1k`` (input/output) and the cost."""
    if mode == "off":
        return {}
    out: dict[str, str] = {}
    for segment_id, fig in figures.items():
        tokens = fig.get(mode)
        text = f"{format_tokens(tokens.input)}/{format_tokens(tokens.output)}"
        if priced is not None:
            text += f" {priced.format(tokens)}"
        if mode == "branch" and not fig.inherited_complete:
            text += "+?"
        out[segment_id] = text
    return out
