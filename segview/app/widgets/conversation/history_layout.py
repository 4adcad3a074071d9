"""The history's units as lines: the renderings kept, and where each unit starts.

A unit (an item drawn on its own, a tool call with its result inside) is rendered when it first
comes into view. ``Layout`` keeps the most recently used renderings, the height of every unit
rendered once, and from them the line each unit starts at: a unit not rendered yet is taken to
need ``ESTIMATE`` lines, so a position is ``u * ESTIMATE`` plus a running sum of the measured
units' differences from the estimate. Plain Python: ``HistoryView`` owns one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from textual.strip import Strip

ESTIMATE = 8  # lines an item not rendered yet is taken to need (with its margin)
CACHED_UNITS = 800  # rendered items kept


@dataclass(slots=True)
class Drawn:
    """One unit rendered: what it was rendered from, and its lines (framed: with margin,
    border and padding, for the frame styles of ``frame_key``)."""

    head_key: tuple[Any, ...]
    head: list[Strip]
    body_key: tuple[Any, ...]
    body: list[Strip]
    frame_key: tuple[Any, ...] = ()
    framed: dict[int, Strip] = field(default_factory=dict)

    @property
    def height(self) -> int:
        return 1 + len(self.head) + len(self.body)  # a blank line above each item


class Layout:
    """The renderings of units kept (the ``CACHED_UNITS`` most recently used), the height of
    every unit rendered once, and the positions they give."""

    def __init__(self) -> None:
        self.drawn: OrderedDict[int, Drawn] = OrderedDict()  # by unit
        self._heights: dict[int, int] = {}  # unit -> lines (its last rendering)
        self._measured: list[int] = []  # the units in _heights, ascending
        self._deltas: list[int] = [0]  # running sum of (height - ESTIMATE) over _measured
        self._deltas_valid = 0  # how much of _deltas is up to date

    # --- renderings -------------------------------------------------------------------------

    def forget(self) -> None:
        """Forget every rendering and height (another history is shown)."""
        self.drawn.clear()
        self._heights.clear()
        self._measured.clear()
        self._deltas = [0]
        self._deltas_valid = 0

    def forget_from(self, u: int) -> None:
        """Forget the renderings and heights of the units from ``u`` on."""
        for k in [k for k in self.drawn if k >= u]:
            del self.drawn[k]
        for k in [k for k in self._heights if k >= u]:
            del self._heights[k]
        cut = bisect_left(self._measured, u)
        del self._measured[cut:]
        self._deltas_valid = min(self._deltas_valid, cut)

    def keep(self, u: int, drawn: Drawn) -> None:
        """Keep ``drawn``, the new rendering of unit ``u`` (the least recently used goes)."""
        self.drawn[u] = drawn
        while len(self.drawn) > CACHED_UNITS:
            self.drawn.popitem(last=False)
        self._set_height(u, drawn.height)

    def reuse(self, u: int) -> None:
        """The rendering kept for unit ``u`` is used again."""
        self.drawn.move_to_end(u)
        self._set_height(u, self.drawn[u].height)

    # --- heights and positions --------------------------------------------------------------

    def _set_height(self, u: int, height: int) -> None:
        old = self._heights.get(u)
        if old == height:
            return
        self._heights[u] = height
        k = bisect_left(self._measured, u)
        if old is None:
            insort(self._measured, u)
        self._deltas_valid = min(self._deltas_valid, k)

    def _delta_before(self, u: int) -> int:
        """The sum of (height - ESTIMATE) over the measured units before ``u``."""
        k = bisect_left(self._measured, u)
        if self._deltas_valid < k:
            deltas, measured, heights = self._deltas, self._measured, self._heights
            del deltas[self._deltas_valid + 1 :]
            total = deltas[-1]
            for j in range(self._deltas_valid, len(measured)):
                total += heights[measured[j]] - ESTIMATE
                deltas.append(total)
            self._deltas_valid = len(measured)
        return self._deltas[k]

    def top(self, u: int) -> int:
        """The first line of unit ``u`` (its blank line above)."""
        return u * ESTIMATE + self._delta_before(u)

    def height(self, u: int) -> int:
        return self._heights.get(u, ESTIMATE)

    def unit_at(self, y: int, count: int) -> int:
        """The unit holding line ``y`` (clamped to the ``count`` units shown)."""
        if count == 0:
            return 0
        u = bisect_right(range(count), y, key=self.top) - 1
        return max(0, min(u, count - 1))
