"""Search the whole store: type, see every matching item of every segment, open one.

The search runs in a thread worker as you type (after a short pause), streaming results into
the list with a count; a newer query cancels the one before. Enter (or a click) on a result
closes the screen with where to go: the segment, the turn whose state shows the item, and the
query (so the history highlights it there).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from segview.search import Hit, Query, QueryError, SegmentHits, search_store
from segview.text import one_line

if TYPE_CHECKING:
    from segview.store.layout import StoreScan

MAX_RESULTS = 500  # rows shown; the count says how many matched in all
DEBOUNCE = 0.25


@dataclass(frozen=True, slots=True)
class StoreSearchResult:
    """Where the chosen result is."""

    segment_id: str
    turn: int | None  # None: the turn in progress
    item: int | None
    query: Query


class StoreSearchScreen(ModalScreen[StoreSearchResult | None]):
    """Dismissed with the chosen result, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close"),
        Binding("ctrl+r", "toggle_regex", "Regex"),
        Binding("ctrl+t", "toggle_case", "Case"),
        Binding("down", "focus_results", "Results", show=False),
    ]

    def __init__(self, scan: StoreScan, short: dict[str, str], query: str = "") -> None:
        super().__init__()
        self.scan = scan
        self.short = short
        self.initial = query
        self.regex = False
        self.case_sensitive = False
        self.hits: list[Hit] = []
        self.searched: Query | None = None
        self.total = 0
        self._timer: Timer | None = None
        self._cancel = threading.Event()

    def compose(self) -> ComposeResult:
        with Vertical(id="store-search-box"):
            with Horizontal(id="store-search-bar"):
                yield Static("search the store", id="store-search-label")
                yield Input(
                    value=self.initial,
                    placeholder="text in any conversation…",
                    id="store-search-input",
                )
            yield Static("", id="store-search-status")
            yield OptionList(id="store-search-results")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._show_status("type to search every conversation · ctrl+r regex · ctrl+t case")
        if self.initial:
            self._schedule()

    # --- searching ---------------------------------------------------------------------------

    @property
    def query_now(self) -> Query:
        text = self.query_one(Input).value
        return Query(text, regex=self.regex, case_sensitive=self.case_sensitive)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._schedule()

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self.start_search)

    def start_search(self) -> None:
        """Search for what the input says now (cancelling a search still running)."""
        self._cancel.set()
        query = self.query_now
        results = self.query_one(OptionList)
        results.clear_options()
        self.hits, self.total = [], 0
        self.searched = None
        if not query.text:
            self._show_status("type to search every conversation · ctrl+r regex · ctrl+t case")
            return
        try:
            query.pattern()
        except QueryError as exc:
            self._show_status(str(exc), error=True)
            return
        self._cancel = threading.Event()
        self._show_status(f"searching {len(self.scan.segments):,} segments…")
        self._search(query, self._cancel)

    @work(thread=True, exclusive=True, group="store-search")
    def _search(self, query: Query, cancel: threading.Event) -> None:
        batch: list[SegmentHits] = []
        for found in search_store(self.scan, query, cancelled=cancel.is_set):
            batch.append(found)
            if len(batch) >= 8:
                self.app.call_from_thread(self._add, query, batch, cancel, False)
                batch = []
        if not cancel.is_set():
            self.app.call_from_thread(self._add, query, batch, cancel, True)

    def _add(
        self, query: Query, batch: list[SegmentHits], cancel: threading.Event, done: bool
    ) -> None:
        if cancel.is_set():
            return
        results = self.query_one(OptionList)
        for found in batch:
            for hit in found.hits:
                self.total += 1
                if len(self.hits) < MAX_RESULTS:
                    self.hits.append(hit)
                    results.add_option(Option(self._row(hit), id=str(len(self.hits) - 1)))
        segments = len({h.segment_id for h in self.hits})
        what = f"{self.total:,} item{'s' * (self.total != 1)} in {segments:,} segment" + (
            "s" * (segments != 1)
        )
        if self.total > len(self.hits):
            what += f" (the first {len(self.hits):,} shown)"
        self._show_status(what + ("" if done else " · searching…") + self._mode())
        if done:
            self.searched = query

    def _mode(self) -> str:
        flags = [
            name for name, on_ in (("regex", self.regex), ("case", self.case_sensitive)) if on_
        ]
        return f"   [{', '.join(flags)}]" if flags else ""

    def _row(self, hit: Hit) -> Text:
        row = Text(no_wrap=True, overflow="ellipsis")
        row.append(f"{self.short.get(hit.segment_id, hit.segment_id[:8])} ", style="bold")
        turn = "running" if hit.turn is None else f"turn {hit.turn}"
        row.append(f"{turn:>9}  ", style="dim")
        row.append(f"{one_line(hit.where, 18):<18} ", style="italic")
        width = self.query_one(OptionList).content_region.width
        room = (max(20, width - 1) if width else 160) - row.cell_len
        row.append_text(self._snippet(one_line(hit.snippet, 160), room))
        row.truncate(row.cell_len if not width else max(20, width - 1), overflow="ellipsis")
        return row

    def _snippet(self, snippet: str, room: int) -> Text:
        """The snippet with its match highlighted; cut around the match when it is longer than
        ``room`` cells, so a narrow list still shows what was found."""
        try:
            match = self.query_now.pattern().search(snippet)
        except QueryError:
            match = None
        if match is None:
            return Text(snippet)
        start, end = match.span()
        if len(snippet) > room > 8 and end > room - 1:
            cut = max(0, start - room // 4)
            snippet = "…" + snippet[cut + 1 :]
            start, end = start - cut, end - cut
        text = Text(snippet)
        text.stylize("reverse", start, end)
        return text

    def _show_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#store-search-status", Static)
        status.set_class(error, "-error")
        status.update(Text(text, style="" if error else "dim"))

    # --- keys ---------------------------------------------------------------------------------

    def action_toggle_regex(self) -> None:
        self.regex = not self.regex
        self.start_search()

    def action_toggle_case(self) -> None:
        self.case_sensitive = not self.case_sensitive
        self.start_search()

    def action_focus_results(self) -> None:
        self.query_one(OptionList).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        results = self.query_one(OptionList)
        if self.hits:
            results.highlighted = 0
            self._choose(0)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self._choose(int(event.option.id))

    def _choose(self, index: int) -> None:
        hit = self.hits[index]
        self._cancel.set()
        self.dismiss(StoreSearchResult(hit.segment_id, hit.turn, hit.item, self.query_now))

    def action_cancel(self) -> None:
        self._cancel.set()
        self.dismiss(None)
