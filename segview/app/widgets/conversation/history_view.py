"""The history view: the conversation as the model saw it at the current turn.

It is given whole histories (a list of items) and works out the difference from what it
shows: items that stayed are kept, items that went are removed, new items are mounted. Only a
window of the history is mounted (the current turn and some context before it); earlier items
are mounted on demand (button, search). So stepping through a long segment touches only the
items that changed, and opening one at its 1,500th item mounts a few dozen widgets.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Button

from segview.app import keymap
from segview.browse.sources import ItemSource, ItemSources
from segview.describe import item_text
from segview.store import ToolCallItem, ToolResultItem

from .items import HistoryItemMixin, ItemInfo, ToolCallView, make_item_widget

CONTEXT = 30  # items mounted before the current turn's first item
MAX_MOUNTED = 240  # beyond this, items far above the current turn are unmounted
EARLIER_STEP = 60  # items mounted per "show earlier" click

ScrollTarget = Literal["turn", "end", "top", "none"]


@dataclass(frozen=True, slots=True)
class Highlight:
    query: str
    matches: tuple[int, ...]  # item indices (tool results merged into their calls excluded)
    current: int  # position in matches, -1 if none


class HistoryView(VerticalScroll):
    """Scrollable list of history items; focusable (home / end go to the first / last turn)."""

    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings("conversation")
    can_focus = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._items: list[Any] = []
        self._item_widgets: dict[int, Widget] = {}
        self._window_start = 0
        self._current_from = 0
        self._inherited_len = 0
        self._sources: Sequence[ItemSource] = ()
        self._index: ItemSources | None = None
        self._call_at: dict[str, int] = {}  # call_id -> index of the (first) call
        self._result_at: dict[str, int] = {}  # call_id -> index of its (first) result
        self._query = ""
        self._text_cache: dict[int, tuple[Any, str]] = {}
        self._matches: list[int] = []
        self._match_pos = -1
        self._pending: list[Awaitable[Any]] = []
        self._unsettled = 0
        self._notes: dict[int, tuple[str, ...]] = {}  # item index -> the user's notes

    def compose(self) -> ComposeResult:
        yield Button("", id="history-earlier", compact=True)

    def on_mount(self) -> None:
        self.query_one("#history-earlier").display = False

    # --- what is shown ------------------------------------------------------------------------

    @property
    def items(self) -> list[Any]:
        return self._items

    @property
    def window_start(self) -> int:
        return self._window_start

    @property
    def current_from(self) -> int:
        return self._current_from

    def widget_for(self, index: int) -> Widget | None:
        """The widget showing item ``index`` (a tool result shows in its call's widget)."""
        item = self._items[index] if 0 <= index < len(self._items) else None
        if isinstance(item, ToolResultItem):
            call = self._call_at.get(item.call_id)
            if call is not None and call < index:
                index = call
        return self._item_widgets.get(index)

    def mounted_widgets(self) -> list[Widget]:
        return [self._item_widgets[i] for i in sorted(self._item_widgets)]

    # --- mounting -----------------------------------------------------------------------------

    def _mount(self, widgets: list[Widget], before: Widget | None = None) -> None:
        if before is not None:
            self._pending.append(self.mount_all(widgets, before=before))
        else:
            self._pending.append(self.mount_all(widgets))

    def _remove(self, widgets: list[Widget]) -> None:
        self._pending.append(self.remove_children(widgets))

    def _after_layout(self, callback: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        """Call ``callback`` once the pending mounts and removals are laid out."""
        pending, self._pending = self._pending, []
        self._unsettled += 1

        def finish() -> None:
            try:
                callback(*args, **kwargs)
            finally:
                self._unsettled -= 1

        async def run() -> None:
            for awaitable in pending:
                await awaitable
            self.call_after_refresh(finish)

        self.call_later(run)

    @property
    def settled(self) -> bool:
        """No mount, removal or scroll is still on its way."""
        return self._unsettled == 0 and not self._pending

    # --- syncing ----------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything (another segment is being shown)."""
        if self._item_widgets:
            self._remove(list(self._item_widgets.values()))
        self._item_widgets.clear()
        self._items = []
        self._window_start = 0
        self._current_from = 0
        self._call_at.clear()
        self._result_at.clear()
        self._text_cache.clear()
        self._matches = []
        self._match_pos = -1

    def sync(
        self,
        items: Sequence[Any],
        *,
        sources: Sequence[ItemSource],
        index: ItemSources | None,
        current_from: int,
        inherited_len: int,
        scroll: ScrollTarget = "turn",
    ) -> None:
        """Show ``items``, changing only what differs from the items shown now."""
        old = self._items
        p = 0
        limit = min(len(old), len(items))
        while p < limit and (old[p] is items[p] or old[p] == items[p]):
            p += 1
        self._sources = sources
        self._index = index
        self._inherited_len = inherited_len
        self._remove_from(p)
        self._items = list(items)
        self._index_calls(p)
        self._current_from = min(current_from, len(self._items))
        self._place_window(p)
        for i, w in self._item_widgets.items():
            assert isinstance(w, HistoryItemMixin)
            w.set_current(self._is_current(i, w))
        self._update_earlier()
        if self._query:
            self._recompute_matches(keep_position=True)
        if scroll == "turn":
            self._after_layout(self.scroll_to_current)
        elif scroll == "end":
            self._after_layout(self.scroll_end, animate=False)
        elif scroll == "top":
            self._after_layout(self.scroll_home, animate=False)

    def _is_current(self, index: int, widget: Widget) -> bool:
        if index >= self._current_from:
            return True
        if isinstance(widget, ToolCallView) and widget.result is not None:
            r = self._result_at.get(widget.item.call_id)
            return r is not None and r >= self._current_from
        return False

    def _remove_from(self, p: int) -> None:
        """Unmount items ``p..``; calls that lose their result go back to waiting."""
        gone = [i for i in self._item_widgets if i >= p]
        if gone:
            self._remove([self._item_widgets.pop(i) for i in sorted(gone)])
        for i in range(p, len(self._items)):
            item = self._items[i]
            if isinstance(item, ToolResultItem) and self._result_at.get(item.call_id) == i:
                del self._result_at[item.call_id]
                call = self._call_at.get(item.call_id)
                if call is not None and call < p:
                    w = self._item_widgets.get(call)
                    if isinstance(w, ToolCallView):
                        w.set_result(None)
            elif isinstance(item, ToolCallItem) and self._call_at.get(item.call_id) == i:
                del self._call_at[item.call_id]

    def _index_calls(self, p: int) -> None:
        for i in range(p, len(self._items)):
            item = self._items[i]
            if isinstance(item, ToolCallItem):
                self._call_at.setdefault(item.call_id, i)
            elif isinstance(item, ToolResultItem) and item.call_id not in self._result_at:
                self._result_at[item.call_id] = i
                call = self._call_at.get(item.call_id)
                if call is not None and call < p:
                    w = self._item_widgets.get(call)
                    if isinstance(w, ToolCallView):
                        w.set_result(item)

    def _merged(self, i: int) -> bool:
        """A tool result shown inside its call's widget (no widget of its own)."""
        item = self._items[i]
        if not isinstance(item, ToolResultItem):
            return False
        call = self._call_at.get(item.call_id)
        return call is not None and call < i and self._result_at.get(item.call_id) == i

    def _info(self, i: int) -> ItemInfo:
        inherited = i < self._inherited_len
        notes = self._notes_for(i)
        if self._index is None or i >= len(self._sources):
            return ItemInfo(inherited=inherited, notes=notes)
        src = self._sources[i]
        return ItemInfo(
            ts=None if self._index.is_seed(src) else self._index.ts(src),
            system_item=self._index.system_item(src),
            segments=self._index.user_segments(src),
            inherited=inherited,
            notes=notes,
        )

    def set_notes(self, notes: dict[int, tuple[str, ...]]) -> None:
        """The user's notes by item index; shown items whose notes changed are redrawn."""
        self._notes = notes
        for i, widget in self._item_widgets.items():
            assert isinstance(widget, HistoryItemMixin)
            widget.set_notes(self._notes_for(i))

    def _notes_for(self, i: int) -> tuple[str, ...]:
        """Notes on item ``i``, and on the result shown inside it when it is a tool call."""
        notes = self._notes.get(i, ())
        item = self._items[i] if 0 <= i < len(self._items) else None
        if isinstance(item, ToolCallItem):
            r = self._result_at.get(item.call_id)
            if r is not None and r > i:
                notes = notes + self._notes.get(r, ())
        return notes

    def _make(self, i: int) -> Widget | None:
        if self._merged(i):
            return None
        item = self._items[i]
        result = None
        if isinstance(item, ToolCallItem):
            r = self._result_at.get(item.call_id)
            result = self._items[r] if r is not None and r > i else None
        widget = make_item_widget(i, item, self._info(i), result)
        assert isinstance(widget, HistoryItemMixin)
        if self._query:
            widget.set_query(self._query)
        return widget

    def _place_window(self, p: int) -> None:
        """Mount what the window needs: new items at the end, earlier ones on top if needed.

        Before this, the widgets of items ``[window_start, p)`` are mounted (or none).
        """
        n = len(self._items)
        desired = max(0, min(self._current_from, n) - CONTEXT)
        top: list[tuple[int, Widget]] = []
        if not self._item_widgets:
            start = bottom_from = desired
        else:
            old_start = self._window_start
            start = min(old_start, desired)
            if n - start > MAX_MOUNTED:
                start = max(start, min(desired, n - MAX_MOUNTED))
            if start > old_start:  # trim the top
                drop = sorted(i for i in self._item_widgets if i < start)
                self._remove([self._item_widgets.pop(i) for i in drop])
            top = [(i, w) for i in range(start, old_start) if (w := self._make(i))]
            bottom_from = max(p, start)
        bottom = [(i, w) for i in range(bottom_from, n) if (w := self._make(i))]
        if top:
            first = self._item_widgets[min(self._item_widgets)] if self._item_widgets else None
            if first is not None:
                self._mount([w for _, w in top], before=first)
            else:
                self._mount([w for _, w in top])
        if bottom:
            self._mount([w for _, w in bottom])
        self._item_widgets.update(top)
        self._item_widgets.update(bottom)
        self._window_start = start

    def show_earlier(self, count: int = EARLIER_STEP) -> None:
        """Mount ``count`` more items above the window."""
        self.extend_window_to(max(0, self._window_start - count))

    def extend_window_to(self, index: int) -> None:
        if index >= self._window_start:
            return
        first = self._item_widgets[min(self._item_widgets)] if self._item_widgets else None
        new = [(i, w) for i in range(index, self._window_start) if (w := self._make(i))]
        for i, w in new:
            assert isinstance(w, HistoryItemMixin)
            w.set_current(self._is_current(i, w))
        if new:
            if first is not None:
                self._mount([w for _, w in new], before=first)
            else:
                self._mount([w for _, w in new])
        self._item_widgets.update(new)
        self._window_start = index
        self._update_earlier()

    def _update_earlier(self) -> None:
        button = self.query_one("#history-earlier", Button)
        hidden = self._window_start
        button.display = hidden > 0
        if hidden:
            step = min(EARLIER_STEP, hidden)
            button.label = f"▲ {hidden} earlier items not shown · show {step} more"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "history-earlier":
            event.stop()
            self.show_earlier()

    # --- scrolling ----------------------------------------------------------------------------

    def first_current_widget(self) -> Widget | None:
        for i in sorted(self._item_widgets):
            w = self._item_widgets[i]
            if i >= self._current_from or (isinstance(w, ToolCallView) and self._is_current(i, w)):
                return w
        return None

    def scroll_to_current(self) -> None:
        target = self.first_current_widget()
        if target is None:
            self.scroll_end(animate=False)
        else:
            self._scroll_to_top(target, retries=3)

    def _scroll_to_top(self, target: Widget, retries: int) -> None:
        """Scroll ``target`` to the top; check again after the next layout (heights of
        freshly mounted items can still change) and follow it if it moved."""
        self.scroll_to_widget(target, animate=False, top=True)
        if retries:
            self._unsettled += 1
            self.call_after_refresh(self._check_scroll, target, target.virtual_region.y, retries)

    def _check_scroll(self, target: Widget, y: int, retries: int) -> None:
        self._unsettled -= 1
        if target.is_attached and target.virtual_region.y != y:
            self._scroll_to_top(target, retries - 1)

    # --- search -----------------------------------------------------------------------------

    @property
    def highlight(self) -> Highlight:
        return Highlight(self._query, tuple(self._matches), self._match_pos)

    def search(self, query: str) -> Highlight:
        """Highlight every item containing ``query`` (case-insensitive); go to the first."""
        self._query = query
        for w in self._item_widgets.values():
            assert isinstance(w, HistoryItemMixin)
            w.set_query(query)
        self._match_pos = -1
        self._recompute_matches(keep_position=False)
        if self._matches:
            self.goto_match(self._first_match_from_current())
        return self.highlight

    def clear_search(self) -> None:
        self.search("")

    def _first_match_from_current(self) -> int:
        for pos, i in enumerate(self._matches):
            if i >= self._current_from:
                return pos
        return len(self._matches) - 1

    def _recompute_matches(self, *, keep_position: bool) -> None:
        previous = (
            self._matches[self._match_pos] if 0 <= self._match_pos < len(self._matches) else None
        )
        needle = self._query.casefold()
        matches: list[int] = []
        if needle:
            for i, item in enumerate(self._items):
                if self._merged(i):
                    continue
                text = self._folded_text(item)
                if isinstance(item, ToolCallItem):
                    r = self._result_at.get(item.call_id)
                    if r is not None and r > i:
                        text += "\n" + self._folded_text(self._items[r])
                if needle in text:
                    matches.append(i)
        self._matches = matches
        if keep_position and previous in matches:
            self._match_pos = matches.index(previous)
        elif not keep_position or self._match_pos >= len(matches):
            self._match_pos = -1 if not matches else min(max(self._match_pos, 0), len(matches) - 1)
        self._mark_matches()

    def _folded_text(self, item: Any) -> str:
        """The searchable text of an item, case-folded (cached: items never change)."""
        cached = self._text_cache.get(id(item))
        if cached is not None and cached[0] is item:
            return cached[1]
        text = item_text(item).casefold()
        self._text_cache[id(item)] = (item, text)
        return text

    def _mark_matches(self) -> None:
        hits = set(self._matches)
        current = (
            self._matches[self._match_pos] if 0 <= self._match_pos < len(self._matches) else None
        )
        for i, w in self._item_widgets.items():
            w.set_class(i in hits, "search-hit")
            w.set_class(i == current, "search-current")

    def goto_match(self, pos: int) -> None:
        if not self._matches:
            return
        self._match_pos = pos % len(self._matches)
        index = self._matches[self._match_pos]
        self.extend_window_to(index)
        self._mark_matches()
        widget = self._item_widgets.get(index)
        if widget is not None:
            assert isinstance(widget, HistoryItemMixin)
            widget.reveal()
            self._after_layout(self._scroll_to_top, widget, 3)

    def next_match(self) -> None:
        if self._matches:
            self.goto_match(self._match_pos + 1)

    def previous_match(self) -> None:
        if self._matches:
            self.goto_match(self._match_pos - 1)
