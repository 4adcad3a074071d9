"""The compare screen: two conversations side by side from where they part.

The comparison (``segview.compare``) is built in a thread worker. The screen shows the
common ancestor, the shared turns collapsed into one row, then one row per position after
them with side A on the left and side B on the right: the divergence first (marked), then
every later turn. Words only one side has are highlighted on that side. ``n`` / ``N`` move
between the rows that differ, a click on a row shows its texts whole, escape closes. Rows are
mounted a batch at a time, so a comparison of long conversations opens quickly.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, cast

from rich.console import Console, RenderableType
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Collapsible, Footer, Static

from segview.app import keymap, logtext
from segview.app.styling import follow_theme, span_style
from segview.text import one_line

from .compare_text import (
    PARTS,
    PLAIN,
    CompareLook,
    Side,
    shared_list,
    side_renderable,
    step_head,
    summary_text,
    totals_table,
)

if TYPE_CHECKING:
    from segview.compare import Comparison, StepDiff
    from segview.cost import Priced

ROW_BATCH = 20  # rows are mounted this many at a time (more on demand: a button, n / N)


class StepRow(Vertical):
    """One position: a heading, then side A and side B next to each other."""

    def __init__(
        self,
        index: int,
        diff: StepDiff,
        name: Callable[[str], str],
        price: Priced | None,
        classes: str,
        *,
        divergence: bool = False,
        look: CompareLook = PLAIN,
    ) -> None:
        super().__init__(classes=f"step-row {classes}".strip())
        self.index = index
        self.diff = diff
        self.short = name
        self.price = price
        self.divergence = divergence
        self.look = look
        self.expanded = False

    @property
    def head(self) -> Text:
        return step_head(self.diff, self.short, self.divergence, self.look)

    def compose(self) -> ComposeResult:
        yield Static(self.head, classes="step-head")
        with Horizontal(classes="step-sides"):
            yield Static(self._side("a"), classes="step-side side-a")
            yield Static(self._side("b"), classes="step-side side-b")

    def _side(self, side: Side) -> RenderableType:
        return side_renderable(
            self.diff, side, expanded=self.expanded, price=self.price, look=self.look
        )

    @property
    def plain(self) -> str:
        """The row's text, for tests: heading, then A's side, then B's side."""
        out = io.StringIO()
        console = Console(file=out, width=200, color_system=None, legacy_windows=False)
        for renderable in (self.head, self._side("a"), self._side("b")):
            console.print(renderable)
        return out.getvalue()

    def restyle(self, look: CompareLook) -> None:
        """Draw the row again with ``look`` (after a theme change)."""
        self.look = look
        if self.is_mounted:
            self.query_one(".step-head", Static).update(self.head)
            self._update_sides()

    def _update_sides(self) -> None:
        sides = list(self.query(".step-side").results(Static))
        for widget, side in zip(sides, ("a", "b"), strict=True):
            widget.update(self._side(cast(Side, side)))

    def on_click(self, event: events.Click) -> None:
        self.expanded = not self.expanded
        self._update_sides()


class CompareScreen(Screen[None]):
    """A comparison of two segments; escape goes back to the main screen."""

    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings("compare")
    COMPONENT_CLASSES: ClassVar[set[str]] = {f"compare--{part}" for part in PARTS}

    def __init__(
        self,
        *,
        a: str,
        b: str,
        build: Callable[[], Comparison],
        names: dict[str, str],
        labels: dict[str, str] | None = None,
        price: Priced | None = None,
    ) -> None:
        super().__init__()
        self.a, self.b = a, b
        self._build = build
        self.names = names
        self.labels = labels or {}
        self.price = price
        self.comparison: Comparison | None = None
        self.error: str | None = None
        self.rows: list[StepRow] = []
        self.current = -1  # position in the differences
        self._summary = Text()
        self._mounted = 0
        self._ready = False
        self._marked: StepRow | None = None

    def short(self, segment_id: str) -> str:
        return self.names.get(segment_id, segment_id[:8])

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="compare-title")
        yield Static(Text("comparing…", style="italic"), id="compare-summary")
        yield VerticalScroll(id="compare-body")
        yield Static("", id="compare-totals")
        yield Footer()

    def _title(self) -> Text:
        title = Text()
        for side, sid in (("A", self.a), ("B", self.b)):
            if side == "B":
                title.append("   ⟷   ", style="dim")
            title.append(f" {side} ", style="bold reverse")
            title.append(f" {self.short(sid)}", style="bold")
            label = self.labels.get(sid)
            if label:
                title.append(" ✎ ", style="dim")
                title.append_text(logtext.line(label, 40, style="italic"))
        return title

    def on_mount(self) -> None:
        follow_theme(self, self._restyle)
        self._run()

    def _look(self) -> CompareLook:
        return CompareLook({part: span_style(self, f"compare--{part}") for part in PARTS})

    def _restyle(self) -> None:
        """Draw what is shown again in the theme's colours."""
        look = self._look()
        c = self.comparison
        if c is not None:
            self._summary = summary_text(c, self.short, look)
            self.query_one("#compare-summary", Static).update(self._summary)
        for row in self.rows:
            row.restyle(look)

    @work(thread=True, exclusive=True, group="compare")
    def _run(self) -> None:
        try:
            comparison = self._build()
        except Exception as exc:  # shown on the screen; the app keeps running
            self.app.call_from_thread(self._failed, f"{type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self.call_later, self._show, comparison)

    def _failed(self, message: str) -> None:
        self.error = message
        summary = self.query_one("#compare-summary", Static)
        summary.add_class("-failed")
        summary.update(Text(f"cannot compare: {one_line(message)}"))

    @property
    def loaded(self) -> bool:
        """The comparison is built and its first rows are on the screen."""
        return self.comparison is not None and self._ready

    @property
    def summary_plain(self) -> str:
        return self._summary.plain

    @property
    def mounted_rows(self) -> int:
        """How many rows are mounted (rows are mounted in batches, as they are needed)."""
        return self._mounted

    async def _show(self, c: Comparison) -> None:
        self.comparison = c
        look = self._look()
        self._summary = summary_text(c, self.short, look)
        self.query_one("#compare-summary", Static).update(self._summary)
        div = c.divergence
        div_index = c.steps.index(div) if div is not None else -1
        for i, diff in enumerate(c.steps):
            classes = []
            if not diff.same:
                classes.append("-differs")
            if i == div_index:
                classes.append("-divergence")
            row = StepRow(
                i,
                diff,
                self.short,
                self.price,
                " ".join(classes),
                divergence=i == div_index,
                look=look,
            )
            self.rows.append(row)
        body = self.query_one("#compare-body", VerticalScroll)
        if c.shared:
            shared = Collapsible(
                Static(shared_list(c, self.short), classes="shared-list"),
                title=cast(str, Content(c.shared_text(self.short))),
                collapsed=True,
                id="compare-shared",
            )
            await body.mount(shared)
        await body.mount(Button("", id="compare-more", compact=True))
        await self._mount_rows(ROW_BATCH)
        self.query_one("#compare-totals", Static).update(totals_table(c, self.short, self.price))
        if c.differences():
            self.current = 0
            self._mark_current()
        self._ready = True

    async def _mount_rows(self, until: int) -> None:
        """Mount the rows before ``until`` that are not yet (a whole batch at least)."""
        if until > self._mounted:
            until = min(len(self.rows), max(until, self._mounted + ROW_BATCH))
            more = self.query_one("#compare-more", Button)
            await self.query_one("#compare-body", VerticalScroll).mount_all(
                self.rows[self._mounted : until], before=more
            )
            self._mounted = until
        self._update_more()

    def _update_more(self) -> None:
        more = self.query_one("#compare-more", Button)
        left = len(self.rows) - self._mounted
        more.display = left > 0
        if left:
            more.label = f"▼ {left:,} more turns not shown · show {min(left, ROW_BATCH)} more"

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "compare-more":
            event.stop()
            await self._mount_rows(self._mounted + ROW_BATCH)

    # --- moving between differences -----------------------------------------------------------

    @property
    def current_row(self) -> StepRow | None:
        c = self.comparison
        if c is None or self.current < 0:
            return None
        diffs = c.differences()
        return self.rows[diffs[self.current]] if self.current < len(diffs) else None

    def _mark_current(self, scroll: bool = False) -> None:
        current = self.current_row
        if self._marked is not None and self._marked is not current:
            self._marked.set_class(False, "-current")
        if current is not None:
            current.set_class(True, "-current")
        self._marked = current
        if scroll and current is not None:
            self.query_one("#compare-body", VerticalScroll).scroll_to_widget(
                current, animate=False, top=True
            )

    async def _go(self, step: int) -> None:
        c = self.comparison
        if c is None:
            return
        diffs = c.differences()
        if not diffs:
            self.notify("no differences: the two conversations are the same")
            return
        self.current = (self.current + step) % len(diffs)
        await self._mount_rows(diffs[self.current] + 1)
        self._mark_current(scroll=True)

    async def action_next_difference(self) -> None:
        await self._go(1)

    async def action_previous_difference(self) -> None:
        await self._go(-1)

    def action_close(self) -> None:
        self.dismiss(None)
