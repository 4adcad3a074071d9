"""What a search found in the history: the units that hold the query, and the current match.

The units of a run never change, so each is looked at once per query (``scan``, a slice at a
time in a long history); which of them are matches depends on the history shown (``collect``):
a call whose result alone holds the query matches once its result is shown. Plain Python:
``HistoryView`` owns one and drives it.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import items as draw

if TYPE_CHECKING:
    from segview.browse.shown import HistoryUnits


@dataclass(frozen=True, slots=True)
class Highlight:
    query: str
    matches: tuple[int, ...]  # item indices (tool results drawn inside their calls excluded)
    current: int  # position in matches, -1 if none
    searched: int = 0  # items looked at so far (a long history is searched a slice at a time)
    total: int = 0  # items to look at

    @property
    def done(self) -> bool:
        return self.searched >= self.total


class HistorySearch:
    """The query, the units found to hold it, the matches among the units shown, and the
    position of the current one."""

    def __init__(self) -> None:
        self.query = ""
        self._own_hits: list[int] = []  # units whose own text holds the query, ascending
        self._result_hits: list[int] = []  # units (calls) where only the result holds it
        self.scanned = 0  # units looked at for the query
        self.matches: list[int] = []  # the matches among the units shown (units)
        self.pos = -1  # the current match: its position in matches, -1 if none

    def reset(self) -> None:
        """Forget what was found (the query changed, or the history did)."""
        self._own_hits = []
        self._result_hits = []
        self.scanned = 0
        self.matches = []
        self.pos = -1

    def forget_from(self, cut: int) -> None:
        """Look again at the units from ``cut`` on (a tail of the history was read again)."""
        del self._own_hits[bisect_left(self._own_hits, cut) :]
        del self._result_hits[bisect_left(self._result_hits, cut) :]
        self.scanned = min(self.scanned, cut)

    def highlight(self, units: HistoryUnits, count: int) -> Highlight:
        return Highlight(
            self.query,
            tuple(units.units[u] for u in self.matches),
            self.pos,
            min(self.scanned, count),
            count,
        )

    def scan(self, units: HistoryUnits, count: int, seconds: float) -> bool:
        """Look for the query in the units not looked at yet, for about ``seconds``; True
        when every one of the ``count`` units shown has been looked at."""
        needle = self.query.casefold()
        if not needle:
            self.scanned = max(self.scanned, count)
            return True
        items = units.items
        deadline = time.perf_counter() + seconds
        u = self.scanned
        while u < count:
            i = units.units[u]
            if needle in draw.folded_text(items[i]):
                self._own_hits.append(u)
            else:
                r = units.result(i, len(items))
                if r is not None and needle in draw.folded_text(items[r]):
                    self._result_hits.append(u)
            u += 1
            if u % 64 == 0 and time.perf_counter() > deadline:
                break
        self.scanned = max(self.scanned, u)
        return u >= count

    def collect(self, units: HistoryUnits, count: int, n: int, *, keep_position: bool) -> None:
        """The matches among the ``count`` units of a history of ``n`` items (a call matching
        by its result only once the result is shown); with ``keep_position``, the current
        match stays current while it is still one."""
        previous = self.matches[self.pos] if 0 <= self.pos < len(self.matches) else None
        matches = self._own_hits[: bisect_left(self._own_hits, count)]
        shown = [
            u
            for u in self._result_hits[: bisect_left(self._result_hits, count)]
            if units.result(units.units[u], n) is not None
        ]
        if shown:
            matches = sorted(matches + shown)
        self.matches = matches
        if keep_position and previous is not None:
            k = bisect_left(matches, previous)
            if k < len(matches) and matches[k] == previous:
                self.pos = k
                return
        if not keep_position or self.pos >= len(matches):
            self.pos = -1 if not matches else min(max(self.pos, 0), len(matches) - 1)

    def first_from(self, units: HistoryUnits, current_from: int) -> int:
        """The position of the first match at or after item ``current_from`` (else the last)."""
        for pos, u in enumerate(self.matches):
            if units.units[u] >= current_from:
                return pos
        return len(self.matches) - 1

    def state(self, u: int) -> str | None:
        """``search-current``, ``search-hit`` or None for unit ``u``."""
        if not self.query:
            return None
        matches = self.matches
        if 0 <= self.pos < len(matches) and matches[self.pos] == u:
            return "search-current"
        k = bisect_left(matches, u)
        return "search-hit" if k < len(matches) and matches[k] == u else None
