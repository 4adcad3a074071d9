"""What the compare screen shows, as Rich renderables: each side of a row, a row's heading, the
summary, the shared turns and the totals.

The colours come from the compare screen's component classes (``compare--*`` in the
stylesheet), passed in as a ``CompareLook``; ``PLAIN`` draws without them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text

from segview.app import logtext
from segview.text import format_duration, format_tokens, one_line

if TYPE_CHECKING:
    from segview.compare import Comparison, Step, StepDiff, TextDiff, ToolCall, ToolDiff
    from segview.cost import Priced

Side = Literal["a", "b"]

TEXT_LINES = 14  # a side's text shows this many lines until its row is clicked
SIMILAR = 0.5  # texts sharing less than this are not highlighted word by word

PARTS = (
    "removed",  # words only A has
    "added",  # words only B has
    "section",  # user, assistant, tool calls
    "tool-name",
    "ok",  # a tool result
    "error",  # a failed tool result, a comparison that could not be built
    "changed",  # a call that differs
    "note",  # what differs, the comparison's notes
    "diverges",  # the divergence's badge
)


@dataclass(frozen=True)
class CompareLook:
    """The style of each part (``PARTS``), from the screen's component classes."""

    styles: Mapping[str, Style] = field(default_factory=dict)

    def __getitem__(self, part: str) -> Style:
        return self.styles.get(part, _NULL)

    def side(self, side: Side) -> Style:
        """What only this side has."""
        return self["removed" if side == "a" else "added"]


_NULL = Style()
PLAIN = CompareLook()


def _clip(text: Text, expanded: bool, limit: int = TEXT_LINES) -> Text:
    if expanded:
        return text
    lines = text.split("\n", allow_blank=True)
    if len(lines) <= limit:
        return text
    out = Text("\n").join(lines[:limit])
    out.append(f"\n… {len(lines) - limit:,} more lines (click to show all)", style="italic dim")
    return out


def diff_text(diff: TextDiff, side: Side, look: CompareLook = PLAIN) -> Text:
    """One side of a text diff; what only this side has is highlighted (unless the two texts
    are mostly different, when highlighting everything would say nothing)."""
    mine = "-" if side == "a" else "+"
    highlight = diff.similarity >= SIMILAR and not diff.same
    out = Text()
    for op, chunk in diff.ops:
        if op == "=":
            out.append_text(logtext.text(chunk))
        elif op == mine:
            out.append_text(logtext.text(chunk, style=look.side(side) if highlight else ""))
    return out


def _section(title: str, look: CompareLook, note: str = "") -> Text:
    head = Text(title, style=look["section"])
    if note:
        head.append(f"  {note}", style="dim")
    return head


def _call_line(call: ToolCall, mark: str, style: Style | str, look: CompareLook) -> Text:
    line = Text()
    line.append(f"{mark} ", style=style)
    line.append_text(logtext.line(call.name, 40, style=look["tool-name"]))
    line.append(" ")
    line.append_text(logtext.line(call.arguments, 60, style="dim"))
    status: dict[str, tuple[str, Style | str]] = {
        "ok": ("✓", look["ok"]),
        "error": ("✗", look["error"]),
        "missing": ("…", "dim"),
    }
    sign, colour = status[call.status]
    line.append(f"\n   {sign} ", style=colour)
    if call.status == "missing":
        line.append("no result", style="dim")
    else:
        line.append_text(logtext.line(call.summary or "", 70))
    return line


def _tools(tools: tuple[ToolDiff, ...], side: Side, paired: bool, look: CompareLook) -> list[Text]:
    lines: list[Text] = []
    for tool in tools:
        call = tool.a if side == "a" else tool.b
        if call is None:
            continue
        if not paired:
            lines.append(_call_line(call, "•", "dim", look))
        elif tool.a is None or tool.b is None:
            lines.append(_call_line(call, "+" if side == "b" else "-", look.side(side), look))
        elif not tool.same_call:
            lines.append(_call_line(call, "≠", look["changed"], look))
            if tool.arguments is not None:
                lines.append(Text("   ").append_text(diff_text(tool.arguments, side, look)))
        else:
            mark = "=" if tool.same_result else "≠"
            style = "dim" if tool.same_result else look["changed"]
            lines.append(_call_line(call, mark, style, look))
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
    look: CompareLook = PLAIN,
) -> RenderableType:
    """What one side of a row shows."""
    from segview.compare import history_text  # (``segview.app``)

    step = diff.a if side == "a" else diff.b
    other = diff.b if side == "a" else diff.a
    if step is None:
        there = other.label if other is not None else "this point"
        return Text(f"(nothing at {there}: this conversation has ended)", style="dim italic")
    parts: list[RenderableType] = []
    if step.kind in ("compaction", "reseed"):
        what = "compaction" if step.kind == "compaction" else "history replaced at the fork"
        parts.append(
            _section(what, look, f"{len(step.items):,} items replace {len(step.replaced):,}")
        )
        summary = diff.summary
        text = summary.b_text if summary is not None and other is None else None
        if text is None:
            text = history_text(step.items)
        parts.append(_clip(logtext.text(text), expanded))
        return Group(*parts)
    if step.kind == "seed":
        parts.append(_section("seeded history", look, f"{len(step.items):,} items"))
        parts.append(_clip(logtext.text(history_text(step.items)), expanded))
        return Group(*parts)
    paired = other is not None
    user_note = "" if not paired else ("same" if diff.user.same else "differs")
    parts.append(_section("user", look, user_note))
    parts.append(_clip(diff_text(diff.user, side, look), expanded, 6))
    assistant_note = "" if not paired else ("same" if diff.assistant.same else "differs")
    parts.append(_section("assistant", look, assistant_note))
    reply = diff_text(diff.assistant, side, look)
    parts.append(_clip(reply, expanded) if reply.plain else Text("(no reply)", style="dim"))
    calls = _tools(diff.tools, side, paired, look)
    if calls:
        errors = sum(c.status == "error" for c in step.tool_calls)
        note = f"{len(step.tool_calls)}" + (f", {errors} failed" if errors else "")
        parts.append(_section("tool calls", look, note))
        parts.extend(calls if expanded else calls[: TEXT_LINES // 2])
        if not expanded and len(calls) > TEXT_LINES // 2:
            more = len(calls) - TEXT_LINES // 2
            parts.append(Text(f"… {more} more (click to show all)", style="italic dim"))
    parts.append(_figures(step, price))
    return Group(*parts)


def step_head(
    diff: StepDiff, name: Callable[[str], str], divergence: bool, look: CompareLook = PLAIN
) -> Text:
    """A row's heading: the divergence's badge, the position, where each side is."""
    head = Text()
    if divergence:
        head.append(" ◆ diverges here ", style=look["diverges"])
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
        head.append(f"   {diff.first_difference} differs", style=look["note"])
    return head


def summary_text(c: Comparison, name: Callable[[str], str], look: CompareLook = PLAIN) -> Text:
    """The comparison's notes, common ancestor, shared turns and divergence."""
    summary = Text()
    for note in c.notes:
        summary.append_text(logtext.line(note, 200, style=look["note"]))
        summary.append("\n")
    summary.append(c.common_text(name))
    summary.append("\n")
    summary.append(c.shared_text(name))
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
    return summary


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


def shared_list(c: Comparison, name: Callable[[str], str]) -> Text:
    """The shared turns, one per line."""
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
