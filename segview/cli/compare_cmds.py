"""``segview diff``: compare the conversations of two segments."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segview.text import format_duration, one_line, plural, safe, short_ids

if TYPE_CHECKING:
    from segview.compare import Comparison, Step, StepDiff, TextDiff, ToolDiff
    from segview.cost import Priced, Tokens
    from segview.lineage import Lineage

from .arguments import EXIT_OK, TEXT_LINES
from .common import CliError, print_json
from .lineage_cmds import open_lineage

SIMILAR = 0.5  # texts sharing less than this are shown one after the other, not interleaved
WIDTH = 100


def resolve(lineage: Lineage, prefix: str) -> str:
    """A full id from a full id or a unique prefix (the store's one resolver)."""
    try:
        return lineage.resolve(prefix).id
    except LookupError as exc:
        raise CliError(str(exc)) from None


def store_prices(root: Path) -> Priced | None:
    """The price of the store's model, when the config gives one (a bad config is a
    warning on stderr)."""
    from segview.cost import Priced, load_prices

    table, warning = load_prices()
    if warning:
        print(f"segview: warning: {one_line(warning)}", file=sys.stderr)
    return Priced.of(table, root)


def cmd_diff(ns: argparse.Namespace) -> int:
    from segview.compare import compare

    lineage = open_lineage(ns.store)
    a, b = resolve(lineage, ns.a), resolve(lineage, ns.b)
    comparison = compare(lineage, a, b)
    prices = store_prices(lineage.root)
    if ns.json:
        data = comparison.to_json()
        if prices is not None:
            data["cost"] = {
                "model": prices.model,
                "currency": prices.table.currency,
                "a": prices.cost(comparison.totals_a.tokens),
                "b": prices.cost(comparison.totals_b.tokens),
                "shared": prices.cost(comparison.shared_tokens),
            }
        else:
            data["cost"] = None
        print_json(data)
        return EXIT_OK
    names = short_ids(lineage.nodes)
    out = sys.stdout
    for line in render(comparison, names, full=ns.full, prices=prices):
        out.write(line + "\n")
    out.flush()
    return EXIT_OK


# --- the text report ------------------------------------------------------------------------


def _origin(comparison: Comparison, side: str, name: Any) -> str:
    branch = comparison.a if side == "A" else comparison.b
    leg = branch.legs[-1]
    own = sum(1 for s in branch.steps if s.kind == "turn" and s.segment_id == branch.segment_id)
    turns = plural(own, "turn")
    if own != branch.turns:
        turns += f" ({branch.turns} with its ancestors')"
    if leg.origin is None:
        return f"root · {turns}"
    parent = name(branch.legs[-2].segment_id) if len(branch.legs) > 1 else "?"
    return f"{leg.origin} of {parent} after turn {leg.at_turn_index} · {turns}"


def render(
    c: Comparison,
    names: dict[str, str],
    *,
    full: bool = False,
    prices: Priced | None = None,
) -> Iterator[str]:
    """The comparison as readable lines (every string from a log escaped)."""

    def name(segment_id: str) -> str:
        return names.get(segment_id, segment_id[:8])

    for side, branch in (("A", c.a), ("B", c.b)):
        title = one_line(branch.title, 60) if branch.title else "(no user input)"
        yield f"{side}  {name(branch.segment_id)}  {_origin(c, side, name)} · {title}"
    for note in c.notes:
        yield f"note: {one_line(note)}"
    yield c.common_text(name)
    yield c.shared_text(name)
    yield c.divergence_text()
    div = c.divergence
    if div is not None:
        for side, step in (("A", div.a), ("B", div.b)):
            if step is None:
                yield f"  {side}: (nothing: the conversation ends before this point)"
            elif step.kind in ("turn", "tail"):
                text = step.user_text
                yield f"  {side}: " + (one_line(text, WIDTH) if text else "(no user input)")
            else:
                yield f"  {side}: {step.label}"
    for diff in c.steps:
        yield ""
        yield from _render_step(diff, name, full)
    yield ""
    yield from _render_totals(c, name, prices)


def _head(diff: StepDiff, name: Any) -> str:
    parts = [diff.label]
    for side, step in (("A", diff.a), ("B", diff.b)):
        if step is None:
            parts.append(f"{side}: -")
        elif step.turn_count is not None:
            parts.append(f"{side}: {name(step.segment_id)} turn {step.turn_count}")
        else:
            parts.append(f"{side}: {name(step.segment_id)}")
    if diff.same:
        parts.append("same")
    head = "── " + " · ".join(parts) + " "
    return head + "─" * max(0, WIDTH - len(head))


def _render_step(diff: StepDiff, name: Any, full: bool) -> Iterator[str]:
    yield _head(diff, name)
    a, b = diff.a, diff.b
    kind = diff.step.kind
    if kind in ("compaction", "reseed") and (a is None or b is None):
        step = a if a is not None else b
        assert step is not None
        yield from _render_compaction("A" if a is not None else "B", step, full)
        return
    if kind in ("compaction", "reseed", "seed") and diff.summary is not None:
        yield from _text_section("history", diff.summary, a, b, full)
        return
    yield from _text_section("user", diff.user, a, b, full)
    yield from _text_section("assistant", diff.assistant, a, b, full)
    if diff.tools:
        yield "tool calls:"
        for tool in diff.tools:
            yield from _render_tool(tool, a is not None and b is not None, full)
    for side, step in (("A", a), ("B", b)):
        if step is not None and step.outcome and step.outcome != "finished":
            yield f"{side} run: {one_line(step.outcome, WIDTH)}"


_PLURALS = {"reply": "replies", "reasoning": "reasoning items"}


def _kinds(items: Any) -> str:
    from segview.compare import count_kinds

    counts = count_kinds(items).items()
    return ", ".join(plural(n, kind, _PLURALS.get(kind)) for kind, n in counts) or "nothing"


def _render_compaction(side: str, step: Step, full: bool) -> Iterator[str]:
    """What a compaction (or a reseeded fork) replaced, and with what."""
    from segview.compare import history_text, new_items

    fresh = new_items(step.items, step.replaced)
    kept = len(step.items) - len(fresh)
    what = f"turns 1-{step.number}" if step.number > 1 else f"turn {step.number}"
    what = what if step.number else "the seed"
    yield (
        f"{side} replaces the history of {what} "
        f"({plural(len(step.replaced), 'item')}: {_kinds(step.replaced)})"
    )
    yield (
        f"  with {plural(len(step.items), 'item')}: {len(fresh):,} new ({_kinds(fresh)}), "
        f"{kept:,} kept as they were"
    )
    before, after = history_text(step.replaced), history_text(step.items)
    yield f"  conversation text: {len(before):,} characters before, {len(after):,} after"
    yield "new history:"
    yield from _block(after, full)


def _text_section(
    label: str, diff: TextDiff, a: Step | None, b: Step | None, full: bool
) -> Iterator[str]:
    if not diff.ops:
        return
    if a is None or b is None:
        side = "A" if a is not None else "B"
        text = diff.a_text if a is not None else diff.b_text
        yield f"{label} ({side} only):"
        yield from _block(text, full)
        return
    if diff.same:
        yield f"{label} (same):"
        yield from _block(diff.a_text, full, limit=3)
        return
    if diff.similarity < SIMILAR:  # mostly different: one after the other reads better
        yield f"{label} (differs):"
        for side, text in (("A", diff.a_text), ("B", diff.b_text)):
            for line in _block(text, full, limit=TEXT_LINES // 2):
                yield f"  {side} │{line[1:]}" if line.startswith("  ") else line
        return
    yield f"{label}:"
    yield from _block(_marked(diff), full)


def _marked(diff: TextDiff) -> str:
    """A word diff as text: ``[-only in A-]{+only in B+}``, long unchanged runs shortened."""
    out: list[str] = []
    for i, (op, text) in enumerate(diff.ops):
        if op == "-":
            out.append(f"[-{text}-]")
        elif op == "+":
            out.append(f"{{+{text}+}}")
        else:
            out.append(_shorten(text, first=i == 0, last=i == len(diff.ops) - 1))
    return "".join(out)


def _shorten(text: str, *, first: bool, last: bool, keep: int = 80) -> str:
    if len(text) <= 2 * keep + 10:
        return text
    head = "" if first else text[:keep]
    tail = "" if last else text[-keep:]
    return f"{head} … {tail}"


def _block(text: str, full: bool, limit: int = TEXT_LINES) -> Iterator[str]:
    lines = safe(text).split("\n")
    shown = lines if full else lines[:limit]
    for line in shown:
        yield "  " + line
    if len(shown) < len(lines):
        yield f"  … {plural(len(lines) - len(shown), 'more line')} (--full shows all)"


def _call_line(call: Any) -> str:
    args = one_line(call.arguments, 70)
    return f"{one_line(call.name, 40)} {args}"


def _status(call: Any) -> str:
    if call.status == "missing":
        return "no result"
    summary = one_line(call.summary or "", 60)
    return f"{call.status}: {summary}" if summary else call.status


def _render_tool(tool: ToolDiff, paired: bool, full: bool) -> Iterator[str]:
    if tool.a is None or tool.b is None:
        side, call = ("A", tool.a) if tool.a is not None else ("B", tool.b)
        assert call is not None
        prefix = f"  {side} only: " if paired else "  "
        yield prefix + _call_line(call)
        yield f"      → {_status(call)}"
        return
    mark = "=" if tool.same_call else "≠"
    yield f"  {mark} {_call_line(tool.a)}"
    if tool.arguments is not None and not tool.arguments.same:
        yield "    arguments:"
        yield from _line_diff(tool.arguments, full)
    if tool.same_result:
        yield f"      → both {_status(tool.a)}"
        return
    yield f"      → A {_status(tool.a)}"
    yield f"      → B {_status(tool.b)}"
    if tool.result is not None and not tool.result.same:
        yield "    result:"
        yield from _line_diff(tool.result, full)


def _line_diff(diff: TextDiff, full: bool) -> Iterator[str]:
    """``- line`` / ``+ line`` for changed lines, a few unchanged ones around them."""
    rows: list[tuple[str, str]] = []
    for op, text in diff.ops:
        mark = {"=": " ", "-": "-", "+": "+"}[op]
        for line in text.split("\n"):
            rows.append((mark, line))
        if rows and rows[-1][1] == "" and text.endswith("\n"):
            rows.pop()
    changed = [i for i, (m, _t) in enumerate(rows) if m != " "]
    keep: set[int] = set()
    for i in changed:
        keep.update(range(max(0, i - 2), min(len(rows), i + 3)))
    shown = 0
    skipped = False
    for i, (mark, line) in enumerate(rows):
        if i not in keep:
            skipped = True
            continue
        if skipped:
            yield "      …"
            skipped = False
        if not full and shown >= 4 * TEXT_LINES:
            yield f"      … {plural(len(rows) - i, 'more line')} (--full shows all)"
            return
        yield f"    {mark} {safe(line)}"
        shown += 1


def _render_totals(c: Comparison, name: Any, prices: Priced | None) -> Iterator[str]:
    a, b = c.totals_a, c.totals_b
    label = "after the shared turns" if c.shared else "totals"
    left = f"A {name(c.a.segment_id)}"
    right = f"B {name(c.b.segment_id)}"
    yield f"{label:<28}{left:>18}{right:>18}"
    rows: list[tuple[str, str, str]] = [
        ("turns", f"{a.turns:,}", f"{b.turns:,}"),
    ]
    if a.unfinished or b.unfinished:
        rows.append(("unfinished turns", f"{a.unfinished:,}", f"{b.unfinished:,}"))
    if a.compactions or b.compactions:
        rows.append(("compactions", f"{a.compactions:,}", f"{b.compactions:,}"))
    rows += [
        ("tool calls", f"{a.tool_calls:,}", f"{b.tool_calls:,}"),
        ("errors", f"{a.errors:,}", f"{b.errors:,}"),
        *_token_rows(a.tokens, b.tokens),
        ("wall time", format_duration(a.wall_ms), format_duration(b.wall_ms)),
    ]
    if prices is not None:
        rows.append(
            (
                f"cost ({one_line(prices.model, 16)})",
                prices.format(a.tokens),
                prices.format(b.tokens),
            )
        )
    for what, x, y in rows:
        yield f"{what:<28}{x:>18}{y:>18}"
    if c.shared and c.shared_tokens:
        shared = f"shared turns: {c.shared_tokens.input:,} input, {c.shared_tokens.output:,} output tokens"
        if prices is not None:
            shared += f" ({prices.format(c.shared_tokens)})"
        yield shared


def _token_rows(a: Tokens, b: Tokens) -> list[tuple[str, str, str]]:
    return [
        ("requests", f"{a.requests:,}", f"{b.requests:,}"),
        ("input tokens", f"{a.input:,}", f"{b.input:,}"),
        ("  cache read", f"{a.cache_read:,}", f"{b.cache_read:,}"),
        ("  cache write", f"{a.cache_write:,}", f"{b.cache_write:,}"),
        ("output tokens", f"{a.output:,}", f"{b.output:,}"),
    ]
