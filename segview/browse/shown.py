"""What a position of a segment shows, as the views are given it: the turn bar's text
(``TurnInfo``), how the histories of a run are drawn (``HistoryUnits``) and a position
(``Position``). Apart from the cursor, which makes them, so that a view can be imported
without the store's models (see ``segview.app``).
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from segview.store import RestoredState

    from .sources import ItemSource

__all__ = ["HistoryUnits", "Position", "ScrollTarget", "TurnInfo"]

ScrollTarget = Literal["turn", "end", "top", "none"]


@dataclass(frozen=True, slots=True)
class TurnInfo:
    """Everything the turn bar shows."""

    turn_count: int
    max_turn: int
    kind: str = "turn"  # "start" | "turn" | "tail" | "none" (nothing yet: loading, no segment)
    first_ts: int | None = None
    last_ts: int | None = None
    duration_ms: int | None = None
    user_preview: str | None = None
    tool_calls: int = 0
    errors: int = 0
    outcome: str | None = None  # "finished", "errored: ...", ...
    tail_entries: int = 0
    replay: str | None = None  # the replay state while replaying
    speed: int = 1
    usage: tuple[int, ...] = ()  # input tokens per request, whole segment
    usage_here: int | None = None  # input tokens of the last request up to this point
    loading: str | None = None

    @property
    def position(self) -> str:
        """The contract text: ``turn N / M``."""
        return f"turn {self.turn_count} / {self.max_turn}"


class HistoryUnits:
    """How the histories of one run are drawn: which items are drawn on their own (*units*),
    and which tool result is drawn inside its call.

    A tool result is drawn inside the first call with its ``call_id`` when that call comes
    before it and it is the first result for that id; every other item is a unit. Whether an
    item is a unit depends only on the items before it, so one ``HistoryUnits`` serves every
    history of a run: a history of ``n`` items draws ``units[:count(n)]``.

    ``take`` brings it up to a history: it takes in what a longer history adds and, when the
    history parts from what was taken in (the last entry of a live log read again), forgets
    the tail from there; ``cuts`` lists where such tails began, so a view can tell which of
    what it drew is stale.
    """

    def __init__(self) -> None:
        self.items: list[Any] = []  # the items taken in (references, not copies)
        self.units = array("q")  # indices of the items drawn on their own, ascending
        self.cuts: list[int] = []  # where each forgotten tail began, in order
        self._call_at: dict[str, int] = {}  # call_id -> index of its first call
        self._result_at: dict[str, int] = {}  # call_id -> index of its first result
        self._result_of: dict[int, int] = {}  # index of a call -> index of its result

    def take(self, history: Sequence[Any]) -> None:
        """Match ``history`` (a history of this run): forget a tail it does not share, take
        in what it adds. Histories of a run agree up to where they part, so the place is
        found by bisection on identity, not by comparing items."""
        items = self.items
        k = min(len(history), len(items))
        if k and history[k - 1] is not items[k - 1]:
            lo, hi = 0, k - 1
            while lo < hi:
                mid = (lo + hi) // 2
                if history[mid] is items[mid]:
                    lo = mid + 1
                else:
                    hi = mid
            self._forget(lo)
        if len(history) > len(items):
            self._extend(history)

    def _extend(self, history: Sequence[Any]) -> None:
        from segview.store.model import ToolCallItem, ToolResultItem

        units, call_at, result_at = self.units, self._call_at, self._result_at
        result_of, items = self._result_of, self.items
        for i in range(len(items), len(history)):
            item = history[i]
            items.append(item)
            kind = type(item)
            if kind is ToolCallItem:
                call_at.setdefault(item.call_id, i)
            elif kind is ToolResultItem and item.call_id not in result_at:
                result_at[item.call_id] = i
                call = call_at.get(item.call_id)
                if call is not None:
                    result_of[call] = i
                    continue
            units.append(i)

    def _forget(self, n: int) -> None:
        """Forget the items from ``n`` on."""
        from segview.store.model import ToolCallItem, ToolResultItem

        for i in range(n, len(self.items)):
            item = self.items[i]
            if isinstance(item, ToolCallItem) and self._call_at.get(item.call_id) == i:
                del self._call_at[item.call_id]
            elif isinstance(item, ToolResultItem) and self._result_at.get(item.call_id) == i:
                del self._result_at[item.call_id]
        for call in [c for c, r in self._result_of.items() if r >= n]:
            del self._result_of[call]
        del self.units[self.count(n) :]
        del self.items[n:]
        self.cuts.append(n)

    def count(self, n: int) -> int:
        """How many units a history of ``n`` items draws."""
        return bisect.bisect_left(self.units, n)

    def result(self, call: int, n: int) -> int | None:
        """The index of the result drawn inside the call at index ``call`` in a history of
        ``n`` items (None: no result yet)."""
        r = self._result_of.get(call)
        return r if r is not None and r < n else None

    def call_of(self, index: int) -> int | None:
        """The index of the call the item at ``index`` is drawn in (None: it is a unit)."""
        from segview.store.model import ToolResultItem

        item = self.items[index] if 0 <= index < len(self.items) else None
        if not isinstance(item, ToolResultItem) or self._result_at.get(item.call_id) != index:
            return None
        call = self._call_at.get(item.call_id)
        return call if call is not None and call < index else None


@dataclass(frozen=True, slots=True)
class Position:
    """A state to show: the history after ``entries_applied`` entries, the index of the first
    item the current turn added (``current_from``), and how the history is drawn (``units``:
    shared by the states of one run; None when not known)."""

    state: RestoredState
    entries_applied: int
    current_from: int
    sources: list[ItemSource]
    units: HistoryUnits | None = None
