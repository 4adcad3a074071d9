"""How the history view scrolls: to the current turn, the end, the top or an item, once it has a
size; and, while units above the screen get measured (their heights were estimates), by moving
its own scroll position with them, so what is on screen never jumps. A view showing the last
line keeps showing it. ``HistoryView`` builds on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

from .history_drawing import HistoryDrawing

if TYPE_CHECKING:
    from segview.browse.shown import ScrollTarget


class HistoryScrolling(HistoryDrawing):
    """Scrolling to a target, and keeping what is on screen where it is."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._pending: ScrollTarget | int | None = None  # a scroll waiting for a size
        self._adjusting = False  # the view is scrolling itself
        self._at_end = False  # the last line is on screen (a change of size keeps it there)

    @property
    def settled(self) -> bool:
        """No scroll is waiting for the view to be laid out."""
        return self._pending is None

    # --- keeping what is on screen ----------------------------------------------------------

    def _anchor(self) -> tuple[int, int] | None:
        """The unit at the top of the screen and how far into it the screen starts."""
        if not self._count:
            return None
        y = round(self.scroll_y)
        u = self._unit_at(y)
        return u, y - self._layout.top(u)

    def _relayout(self, anchor: tuple[int, int] | None, *, follow_end: bool = True) -> None:
        """Render what is (or comes) on screen and keep ``anchor`` where it was; a view
        showing the last line keeps showing it (unless ``follow_end`` is off)."""
        if not self._ready():
            self._update_virtual_size()
            self.refresh()
            return
        self._check_look()
        if follow_end and self._at_end and self._count:
            self._scroll_end()
            return
        if anchor is None or anchor[0] >= self._count:
            anchor = self._anchor()
        if anchor is None:
            self._update_virtual_size()
            self.refresh()
            return
        u, offset = anchor
        self._measure_around(u, offset)
        offset = min(offset, self._layout.height(u) - 1)
        self._scroll_to_line(self._layout.top(u) + offset)

    def _scroll_to_line(self, y: int) -> None:
        self._update_virtual_size()
        self._adjusting = True
        try:
            self.scroll_to(y=y, animate=False, immediate=True, force=True)
        finally:
            self._adjusting = False
        self._note_end()
        self.refresh()

    def _note_end(self) -> None:
        self._at_end = self.scroll_y >= self.max_scroll_y

    # keys scroll without an animation: the view moves its own scroll position when items
    # above it get measured, which an animation would overwrite at its next frame

    def action_scroll_up(self) -> None:
        self.scroll_to(y=round(self.scroll_y) - 1, animate=False)

    def action_scroll_down(self) -> None:
        self.scroll_to(y=round(self.scroll_y) + 1, animate=False)

    def action_page_up(self) -> None:
        page = self.scrollable_content_region.height
        self.scroll_to(y=round(self.scroll_y) - page, animate=False)

    def action_page_down(self) -> None:
        page = self.scrollable_content_region.height
        self.scroll_to(y=round(self.scroll_y) + page, animate=False)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if not self._adjusting and self._ready() and self._count:
            self._relayout(self._anchor(), follow_end=False)
            self._note_end()

    def on_resize(self, event: events.Resize) -> None:
        if self._pending is not None:
            self._request_scroll(self._pending)
        else:
            self._relayout(self._anchor())

    def _drawn_with_size(self) -> None:
        # a scroll still waiting although the view has a size: its Resize came before the
        # scroll was asked for, or was handled while the layout had not given it a height
        if self._pending is not None and self._ready():
            self.call_later(self._run_pending)

    def _run_pending(self) -> None:
        if self._pending is not None:
            self._request_scroll(self._pending)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self._look is not None and self.is_mounted:
            self.call_later(self._restyle)

    def _restyle(self) -> None:
        self._relayout(self._anchor())
        self.refresh()

    # --- scrolling --------------------------------------------------------------------------

    def _request_scroll(self, target: ScrollTarget | int) -> None:
        """Scroll to ``target`` (a unit: to its top) now, or once the view has a size."""
        if not self._ready():
            self._pending = target
            return
        self._pending = None
        self._check_look()
        if not self._count:
            self._scroll_to_line(0)
            return
        if target == "turn":
            first = self.first_current_unit()
            target = first if first is not None else "end"
        if target == "end":
            self._scroll_end()
        elif target in ("top", "none"):
            self._measure_around(0)
            self._scroll_to_line(0)
        else:
            assert isinstance(target, int)
            self._measure_around(target)
            top = self._layout.top(target)
            if top > self._total() - self.scrollable_content_region.height:
                self._scroll_end()  # too near the end to be at the top: show the end
            else:
                self._scroll_to_line(top)

    def _scroll_end(self) -> None:
        height = self.scrollable_content_region.height
        filled = 0
        u = self._count - 1
        while u >= 0 and filled < height * 2:
            filled += self._draw(u).height
            u -= 1
        self._scroll_to_line(self._total())  # as far as it goes

    def scroll_to_current(self) -> None:
        self._request_scroll("turn")

    def scroll_to_item(self, index: int) -> None:
        """Scroll the unit drawing item ``index`` to the top."""
        u = self.unit_of(index)
        if u is not None:
            self._request_scroll(u)
