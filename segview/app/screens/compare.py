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
from typing import ClassVar, Literal, cast

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Collapsible, Footer, Static

from segview.app import keymap, logtext
from segview.compare import (
    Comparison,
    Step,
    StepDiff,
    TextDiff,
    ToolCall,
    ToolDiff,
    history_text,
)
from segview.cost import Priced
from segview.text import format_duration, format_tokens, one_line

Side = Literal["a", "b"]

TEXT_LINES = 14  # a side's text shows this many lines until its row is clicked
ROW_BATCH = 20  # rows are mounted this many at a time (more on demand: a button, n / N)
SIMILAR = 0.5  # texts sharing less than this are not highlighted word by word
REMOVED = "bold #1e1e1e on #e06c75"  # words only A has
ADDED = "bold #1e1e1e on #98c379"  # words only B has
SIDE_STYLE: dict[Side, str] = {"a": REMOVED, "b": ADDED}
SECTION = "bold #61afef"


def _clip(text: Text, expanded: bool, limit: int = TEXT_LINES) -> Text:
    if expanded:
        return text
    lines = text.split("\n", allow_blank=True)
    if len(lines) <= limit:
        return text
    out = Text("\n").join(lines[:limit])
    out.append(f"\n… {len(lines) - limit:,} more lines (click to show all)", style="italic dim")
    return out


def diff_text(diff: TextDiff, side: Side) -> Text:
    """One side of a text diff; what only this side has is highlighted (unless the two texts
    are mostly different, when highlighting everything would say nothing)."""
    mine = "-" if side == "a" else "+"
    highlight = diff.similarity >= SIMILAR and not diff.same
    out = Text()
    for op, chunk in diff.ops:
        if op == "=":
            out.append_text(logtext.text(chunk))
        elif op == mine:
            out.append_text(logtext.text(chunk, style=SIDE_STYLE[side] if highlight else ""))
    return out


def _section(title: str, note: str = "") -> Text:
    head = Text(title, style=SECTION)
    if note:
        head.append(f"  {note}", style="dim")
    return head


def _call_line(call: ToolCall, mark: str, style: str) -> Text:
    line = Text()
    line.append(f"{mark} ", style=style)
    line.append_text(logtext.line(call.name, 40, style="bold #56b6c2"))
    line.append(" ")
    line.append_text(logtext.line(call.arguments, 60, style="dim"))
    status = {"ok": ("✓", "#7fd88f"), "error": ("✗", "bold #e06c75"), "missing": ("…", "dim")}
    sign, colour = status[call.status]
    line.append(f"\n   {sign} ", style=colour)
    if call.status == "missing":
        line.append("no result", style="dim")
    else:
        line.append_text(logtext.line(call.summary or "", 70))
    return line


def _tools(tools: tuple[ToolDiff, ...], side: Side, paired: bool) -> list[Text]:
    lines: list[Text] = []
    for tool in tools:
        call = tool.a if side == "a" else tool.b
        if call is None:
            continue
        if not paired:
            lines.append(_call_line(call, "•", "dim"))
        elif tool.a is None or tool.b is None:
            lines.append(_call_line(call, "+" if side == "b" else "-", SIDE_STYLE[side]))
        elif not tool.same_call:
            lines.append(_call_line(call, "≠", "bold #e5c07b"))
            if tool.arguments is not None:
                lines.append(Text("   ").append_text(diff_text(tool.arguments, side)))
        else:
            mark = "=" if tool.same_result else "≠"
            lines.append(_call_line(call, mark, "dim" if tool.same_result else "bold #e5c07b"))
    return lines


def _figures(step: Step, price: Priced | None) -> Text:
    t = step.tokens
    out = Text(style="dim")
    parts = []
    if t:
        parts.append(f"{format_tokens(t.input)} in · {format_tokens(t.output)} out")
        if price is not None:
            parts.append(price.format(t))
    if step.duration_ms is not None:
        parts.append(format_duration(step.duration_ms))
    if step.outcome and step.outcome != "finished":
        parts.append(f"run {one_line(step.outcome, 60)}")
    out.append("  ·  ".join(parts))
    return out


def side_renderable(
    diff: StepDiff,
    side: Side,
    *,
    expanded: bool = False,
    price: Priced | None = None,
) -> RenderableType:
    """What one side of a row shows."""
    step = diff.a if side == "a" else diff.b
    other = diff.b if side == "a" else diff.a
    if step is None:
        there = other.label if other is not None else "this point"
        return Text(f"(nothing at {there}: this conversation has ended)", style="dim italic")
    parts: list[RenderableType] = []
    if step.kind in ("compaction", "reseed"):
        what = "compaction" if step.kind == "compaction" else "history replaced at the fork"
        parts.append(
            _section(
                what,
                f"{len(step.items):,} items replace {len(step.replaced):,}",
            )
        )
        summary = diff.summary
        text = summary.b_text if summary is not None and other is None else None
        if text is None:
            text = history_text(step.items)
        parts.append(_clip(logtext.text(text), expanded))
        return Group(*parts)
    if step.kind == "seed":
        parts.append(_section("seeded history", f"{len(step.items):,} items"))
        parts.append(_clip(logtext.text(history_text(step.items)), expanded))
        return Group(*parts)
    paired = other is not None
    user_note = "" if not paired else ("same" if diff.user.same else "differs")
    parts.append(_section("user", user_note))
    parts.append(_clip(diff_text(diff.user, side), expanded, 6))
    assistant_note = "" if not paired else ("same" if diff.assistant.same else "differs")
    parts.append(_section("assistant", assistant_note))
    reply = diff_text(diff.assistant, side)
    parts.append(_clip(reply, expanded) if reply.plain else Text("(no reply)", style="dim"))
    calls = _tools(diff.tools, side, paired)
    if calls:
        errors = sum(c.status == "error" for c in step.tool_calls)
        note = f"{len(step.tool_calls)}" + (f", {errors} failed" if errors else "")
        parts.append(_section("tool calls", note))
        parts.extend(calls if expanded else calls[: TEXT_LINES // 2])
        if not expanded and len(calls) > TEXT_LINES // 2:
            more = len(calls) - TEXT_LINES // 2
            parts.append(Text(f"… {more} more (click to show all)", style="italic dim"))
    parts.append(_figures(step, price))
    return Group(*parts)


def _step_head(diff: StepDiff, name: Callable[[str], str], divergence: bool) -> Text:
    head = Text()
    if divergence:
        head.append(" ◆ diverges here ", style="bold #1e1e1e on #e5c07b")
        head.append(" ")
    head.append(diff.label, style="bold")
    for side, step in (("A", diff.a), ("B", diff.b)):
        head.append(f"   {side}: ", style="dim")
        if step is None:
            head.append("-", style="dim")
        elif step.turn_count is not None:
            head.append(f"{name(step.segment_id)} turn {step.turn_count}")
        else:
            head.append(name(step.segment_id))
    if diff.same:
        head.append("   same", style="dim italic")
    elif diff.first_difference:
        head.append(f"   {diff.first_difference} differs", style="#e5c07b")
    return head


class StepRow(Vertical):
    """One position: a heading, then side A and side B next to each other."""

    def __init__(
        self,
        index: int,
        diff: StepDiff,
        head: Text,
        price: Priced | None,
        classes: str,
    ) -> None:
        super().__init__(classes=f"step-row {classes}".strip())
        self.index = index
        self.diff = diff
        self.head = head
        self.price = price
        self.expanded = False

    def compose(self) -> ComposeResult:
        yield Static(self.head, classes="step-head")
        with Horizontal(classes="step-sides"):
            yield Static(self._side("a"), classes="step-side side-a")
            yield Static(self._side("b"), classes="step-side side-b")

    def _side(self, side: Side) -> RenderableType:
        return side_renderable(self.diff, side, expanded=self.expanded, price=self.price)

    @property
    def plain(self) -> str:
        """The row's text, for tests: heading, then A's side, then B's side."""
        out = io.StringIO()
        console = Console(file=out, width=200, color_system=None, legacy_windows=False)
        for renderable in (self.head, self._side("a"), self._side("b")):
            console.print(renderable)
        return out.getvalue()

    def on_click(self, event: events.Click) -> None:
        self.expanded = not self.expanded
        sides = list(self.query(".step-side").results(Static))
        for widget, side in zip(sides, ("a", "b"), strict=True):
            widget.update(self._side(cast(Side, side)))


def totals_table(c: Comparison, name: Callable[[str], str], price: Priced | None = None) -> Table:
    """Each side's totals after the shared turns."""
    table = Table(box=None, pad_edge=False, show_edge=False, expand=False)
    title = "after the shared turns" if c.shared else "totals"
    table.add_column(title, style="dim", no_wrap=True)
    table.add_column(f"A {name(c.a.segment_id)}", justify="right", no_wrap=True)
    table.add_column(f"B {name(c.b.segment_id)}", justify="right", no_wrap=True)
    a, b = c.totals_a, c.totals_b

    def row(label: str, x: str, y: str) -> None:
        table.add_row(label, x, y)

    row("turns", f"{a.turns:,}", f"{b.turns:,}")
    if a.unfinished or b.unfinished:
        row("unfinished", f"{a.unfinished:,}", f"{b.unfinished:,}")
    if a.compactions or b.compactions:
        row("compactions", f"{a.compactions:,}", f"{b.compactions:,}")
    row("tool calls", f"{a.tool_calls:,}", f"{b.tool_calls:,}")
    row("errors", f"{a.errors:,}", f"{b.errors:,}")
    row("input tokens", f"{a.tokens.input:,}", f"{b.tokens.input:,}")
    row("  cache read", f"{a.tokens.cache_read:,}", f"{b.tokens.cache_read:,}")
    row("  cache write", f"{a.tokens.cache_write:,}", f"{b.tokens.cache_write:,}")
    row("output tokens", f"{a.tokens.output:,}", f"{b.tokens.output:,}")
    row("wall time", format_duration(a.wall_ms), format_duration(b.wall_ms))
    if price is not None:
        row(f"cost ({one_line(price.model, 16)})", price.format(a.tokens), price.format(b.tokens))
    return table


def _shared_list(c: Comparison, name: Callable[[str], str]) -> Text:
    out = Text()
    for step in c.shared:
        if out:
            out.append("\n")
        where = f"{name(step.segment_id)}" + (
            f" turn {step.turn_count}" if step.turn_count is not None else ""
        )
        out.append(f"{step.label:<12}", style="bold")
        out.append(f" {where:<18} ", style="dim")
        text = step.user_text if step.kind == "turn" else f"{len(step.items)} items"
        out.append_text(logtext.line(text or "(no user input)", 90))
    return out


class CompareScreen(Screen[None]):
    """A comparison of two segments; escape goes back to the main screen."""

    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings("compare")

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
        self._run()

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
        self.query_one("#compare-summary", Static).update(
            Text(f"cannot compare: {one_line(message)}", style="bold #e06c75")
        )

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
        summary = Text()
        for note in c.notes:
            summary.append_text(logtext.line(note, 200, style="#e5c07b"))
            summary.append("\n")
        summary.append(c.common_text(self.short))
        summary.append("\n")
        summary.append(c.shared_text(self.short))
        summary.append("\n")
        div = c.divergence
        summary.append(c.divergence_text(), style="bold" if div is not None else "")
        if div is not None:
            for side, step in (("A", div.a), ("B", div.b)):
                summary.append(f"\n  {side}: ", style="dim")
                if step is None:
                    summary.append("(ends before this point)", style="dim italic")
                elif step.kind in ("turn", "tail"):
                    summary.append_text(logtext.line(step.user_text or "(no user input)", 120))
                else:
                    summary.append(step.label)
        self._summary = summary
        self.query_one("#compare-summary", Static).update(summary)
        div_index = c.steps.index(div) if div is not None else -1
        for i, diff in enumerate(c.steps):
            classes = []
            if not diff.same:
                classes.append("-differs")
            if i == div_index:
                classes.append("-divergence")
            head = _step_head(diff, self.short, i == div_index)
            self.rows.append(StepRow(i, diff, head, self.price, " ".join(classes)))
        body = self.query_one("#compare-body", VerticalScroll)
        if c.shared:
            shared = Collapsible(
                Static(_shared_list(c, self.short), classes="shared-list"),
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
