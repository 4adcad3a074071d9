"""Two branches compared: the common ancestor, the shared prefix, the divergence, each later
pair of steps diffed (``StepDiff``, ``ToolDiff``) and each side's totals (``SideTotals``);
``compare`` builds a ``Comparison``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from segview.cost import NO_TOKENS, Tokens, sum_tokens
from segview.store import ToolCallItem, ToolResultItem
from segview.text import pretty_json

from .branch import Branch, Step, ToolCall, _loader, build_branch, history_text
from .diff import TextDiff, line_diff, word_diff

if TYPE_CHECKING:
    from segview.lineage import Lineage
    from segview.timeline import Timeline

__all__ = [
    "CommonAncestor",
    "Comparison",
    "SideTotals",
    "StepDiff",
    "ToolDiff",
    "compare",
]


@dataclass(frozen=True, slots=True)
class ToolDiff:
    """A tool call of each side, paired by name (None: the other side has no such call)."""

    a: ToolCall | None
    b: ToolCall | None
    arguments: TextDiff | None = None
    result: TextDiff | None = None

    @property
    def same_call(self) -> bool:
        return (
            self.a is not None
            and self.b is not None
            and self.a.name == self.b.name
            and (self.arguments is None or self.arguments.same)
        )

    @property
    def same_result(self) -> bool:
        if self.a is None or self.b is None:
            return False
        return self.a.status == self.b.status and (self.result is None or self.result.same)

    def to_json(self) -> dict[str, Any]:
        return {
            "a": None if self.a is None else self.a.to_json(),
            "b": None if self.b is None else self.b.to_json(),
            "arguments_diff": None if self.arguments is None else self.arguments.to_json(),
            "result_diff": None if self.result is None else self.result.to_json(),
            "same_call": self.same_call,
            "same_result": self.same_result,
        }


def _tool_diffs(a: Sequence[ToolCall], b: Sequence[ToolCall]) -> tuple[ToolDiff, ...]:
    out: list[ToolDiff] = []

    def pair(x: ToolCall, y: ToolCall) -> ToolDiff:
        args = line_diff(pretty_json(x.arguments), pretty_json(y.arguments))
        result = line_diff(x.result_text, y.result_text)
        return ToolDiff(x, y, args, result)

    matcher = difflib.SequenceMatcher(None, [c.name for c in a], [c.name for c in b])
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or tag == "replace":
            n = min(i2 - i1, j2 - j1)
            out.extend(pair(a[i1 + k], b[j1 + k]) for k in range(n))
            out.extend(ToolDiff(x, None) for x in a[i1 + n : i2])
            out.extend(ToolDiff(None, y) for y in b[j1 + n : j2])
        elif tag == "delete":
            out.extend(ToolDiff(x, None) for x in a[i1:i2])
        else:
            out.extend(ToolDiff(None, y) for y in b[j1:j2])
    return tuple(out)


@dataclass(frozen=True, slots=True)
class StepDiff:
    """One position after the shared prefix: the step of each side there, and their diffs."""

    a: Step | None
    b: Step | None
    user: TextDiff
    assistant: TextDiff
    tools: tuple[ToolDiff, ...]
    same: bool
    first_difference: str | None  # what differs first, in reading order (None: nothing)
    summary: TextDiff | None = None  # compaction / reseed: replaced history -> new history

    @property
    def step(self) -> Step:
        step = self.a if self.a is not None else self.b
        assert step is not None
        return step

    @property
    def key(self) -> tuple[int, int]:
        return self.step.key

    @property
    def label(self) -> str:
        a, b = self.a, self.b
        if a is not None and b is not None and a.kind != b.kind:
            return f"{a.label} / {b.label}"
        return self.step.label

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "number": self.step.number,
            "same": self.same,
            "first_difference": self.first_difference,
            "a": None if self.a is None else self.a.to_json(),
            "b": None if self.b is None else self.b.to_json(),
            "user_diff": self.user.to_json(),
            "assistant_diff": self.assistant.to_json(),
            "tools": [t.to_json() for t in self.tools],
            "summary_diff": None if self.summary is None else self.summary.to_json(),
        }


def _content(items: Sequence[Any]) -> list[Any]:
    """Items as compared across segments: tool call ids are left out (each run draws new
    ones), so a turn repeated word for word reads as the same turn."""
    return [
        i.model_copy(update={"call_id": ""}) if isinstance(i, ToolCallItem | ToolResultItem) else i
        for i in items
    ]


def _same_items(a: Sequence[Any], b: Sequence[Any]) -> bool:
    return len(a) == len(b) and (list(a) == list(b) or _content(a) == _content(b))


def _same_step(a: Step, b: Step) -> bool:
    if a.kind != b.kind:
        return False
    if a.segment_id == b.segment_id and a.turn_count == b.turn_count and a.key == b.key:
        return a.items == b.items  # the same turn of the same file
    return _same_items(a.items, b.items) and _same_items(a.replaced, b.replaced)


def _diff_step(a: Step | None, b: Step | None) -> StepDiff:
    user = word_diff(a.user_text if a else "", b.user_text if b else "")
    assistant = word_diff(a.assistant_text if a else "", b.assistant_text if b else "")
    tools = _tool_diffs(a.tool_calls if a else (), b.tool_calls if b else ())
    summary = None
    one = a if a is not None else b
    if one is not None and one.kind in ("compaction", "reseed") and (a is None or b is None):
        summary = word_diff(history_text(one.replaced), history_text(one.items))
    elif a is not None and b is not None and a.kind in ("compaction", "reseed", "seed"):
        summary = word_diff(history_text(a.items), history_text(b.items))
    same = a is not None and b is not None and _same_step(a, b)
    first: str | None = None
    if a is None:
        first = "only in B"
    elif b is None:
        first = "only in A"
    elif a.kind != b.kind:
        first = "kind of step"
    elif not same:
        if not user.same:
            first = "user input"
        elif not assistant.same:
            first = "assistant text"
        elif any(not t.same_call for t in tools):
            first = "tool calls"
        elif any(not t.same_result for t in tools):
            first = "tool results"
        else:
            first = "history items"
    return StepDiff(a, b, user, assistant, tools, same, first, summary)


def _pairs(a: Sequence[Step], b: Sequence[Step]) -> list[tuple[Step | None, Step | None]]:
    out: list[tuple[Step | None, Step | None]] = []
    i = j = 0
    while i < len(a) or j < len(b):
        if j >= len(b) or (i < len(a) and a[i].key < b[j].key):
            out.append((a[i], None))
            i += 1
        elif i >= len(a) or b[j].key < a[i].key:
            out.append((None, b[j]))
            j += 1
        else:
            out.append((a[i], b[j]))
            i += 1
            j += 1
    return out


@dataclass(frozen=True, slots=True)
class SideTotals:
    """What one side did after the shared prefix."""

    turns: int = 0
    unfinished: int = 0
    compactions: int = 0
    tool_calls: int = 0
    errors: int = 0
    tokens: Tokens = NO_TOKENS
    wall_ms: int = 0  # the turns' durations summed (waiting for the user not included)

    @classmethod
    def of(cls, steps: Iterable[Step]) -> SideTotals:
        steps = list(steps)
        return cls(
            turns=sum(s.kind == "turn" for s in steps),
            unfinished=sum(s.kind == "tail" for s in steps),
            compactions=sum(s.kind in ("compaction", "reseed") for s in steps),
            tool_calls=sum(len(s.tool_calls) for s in steps),
            errors=sum(s.errors for s in steps),
            tokens=sum_tokens(s.tokens for s in steps),
            wall_ms=sum(s.duration_ms or 0 for s in steps),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "turns": self.turns,
            "unfinished_turns": self.unfinished,
            "compactions": self.compactions,
            "tool_calls": self.tool_calls,
            "errors": self.errors,
            "tokens": self.tokens.to_json(),
            "wall_ms": self.wall_ms,
        }


@dataclass(frozen=True, slots=True)
class CommonAncestor:
    """The deepest segment both branches pass through, and the turn each leaves it after
    (None: the branch ends in it)."""

    segment_id: str
    a_until: int | None
    b_until: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "segment_id": self.segment_id,
            "a_until_turn": self.a_until,
            "b_until_turn": self.b_until,
        }


@dataclass(frozen=True)
class Comparison:
    """Two branches side by side: what they share, and each position after it."""

    a: Branch
    b: Branch
    common: CommonAncestor | None
    shared: tuple[Step, ...]
    steps: tuple[StepDiff, ...]
    totals_a: SideTotals
    totals_b: SideTotals
    shared_tokens: Tokens = NO_TOKENS
    notes: tuple[str, ...] = field(default=())

    @property
    def shared_turns(self) -> int:
        return sum(1 for s in self.shared if s.kind == "turn")

    @property
    def shared_items(self) -> int:
        return self.shared[-1].history_len if self.shared else 0

    @property
    def shared_segments(self) -> list[tuple[str, int, int]]:
        """The shared turns by segment: ``(segment_id, first turn, last turn)`` (branch
        numbers), in order."""
        out: list[tuple[str, int, int]] = []
        for step in self.shared:
            if step.kind != "turn":
                continue
            if out and out[-1][0] == step.segment_id:
                out[-1] = (step.segment_id, out[-1][1], step.number)
            else:
                out.append((step.segment_id, step.number, step.number))
        return out

    @property
    def divergence(self) -> StepDiff | None:
        """The first position that differs (None: the branches are the same)."""
        for step in self.steps:
            if not step.same:
                return step
        return None

    @property
    def identical(self) -> bool:
        return self.divergence is None

    def differences(self) -> list[int]:
        """Indices into ``steps`` of the positions that differ."""
        return [i for i, s in enumerate(self.steps) if not s.same]

    # --- in words (ids through ``name``; no log text here) ---------------------------------

    def common_text(self, name: Callable[[str], str]) -> str:
        """``common ancestor: 01926b8 (A leaves it after its turn 4; B is it)``."""
        anc = self.common
        if anc is None:
            return "common ancestor: none (unrelated segments: compared from their start)"

        def leaves(side: str, until: int | None) -> str:
            return f"{side} is it" if until is None else f"{side} leaves it after its turn {until}"

        return (
            f"common ancestor: {name(anc.segment_id)} "
            f"({leaves('A', anc.a_until)}; {leaves('B', anc.b_until)})"
        )

    def shared_text(self, name: Callable[[str], str]) -> str:
        """``shared: 4 turns, 47 items (01926b8 turns 1-4)``."""
        if not self.shared:
            return "shared: nothing (the conversations differ from the start)"
        where = ", ".join(
            f"{name(s)} turn {f}" if f == last else f"{name(s)} turns {f}-{last}"
            for s, f, last in self.shared_segments
        )
        turns = f"{self.shared_turns} turn{'s' * (self.shared_turns != 1)}"
        items = f"{self.shared_items} item{'s' * (self.shared_items != 1)}"
        return f"shared: {turns}, {items}" + (f" ({where})" if where else "")

    def divergence_text(self) -> str:
        """``diverges at turn 5 (user input)``, or that the two are the same."""
        div = self.divergence
        if div is None:
            return "no divergence: the two conversations are the same"
        return f"diverges at {div.label} ({div.first_difference})"

    def to_json(self) -> dict[str, Any]:
        div = self.divergence
        return {
            "a": _branch_json(self.a),
            "b": _branch_json(self.b),
            "common_ancestor": None if self.common is None else self.common.to_json(),
            "shared": {
                "turns": self.shared_turns,
                "items": self.shared_items,
                "steps": len(self.shared),
                "segments": [
                    {"segment_id": s, "first_turn": f, "last_turn": last}
                    for s, f, last in self.shared_segments
                ],
                "tokens": self.shared_tokens.to_json(),
            },
            "divergence": None
            if div is None
            else {
                "label": div.label,
                "number": div.step.number,
                "first_difference": div.first_difference,
                "a_user": None if div.a is None else div.a.user_text,
                "b_user": None if div.b is None else div.b.user_text,
            },
            "steps": [s.to_json() for s in self.steps],
            "totals": {"a": self.totals_a.to_json(), "b": self.totals_b.to_json()},
            "notes": list(self.notes),
        }


def _branch_json(branch: Branch) -> dict[str, Any]:
    return {
        "segment_id": branch.segment_id,
        "title": branch.title,
        "turns": branch.turns,
        "path": [leg.to_json() for leg in branch.legs],
        "notes": list(branch.notes),
    }


def compare(
    lineage: Lineage,
    a: str,
    b: str,
    *,
    timelines: dict[str, Timeline] | None = None,
) -> Comparison:
    """Compare the branches of segments ``a`` and ``b`` (full ids in ``lineage``).

    ``timelines`` caches loaded timelines by segment id (filled as segments are read).
    Raises ``KeyError`` for an id that is not in the lineage.
    """
    load = _loader(timelines)
    branch_a = build_branch(lineage, a, load)
    branch_b = build_branch(lineage, b, load)
    common = _common_ancestor(branch_a, branch_b)
    pairs = _pairs(branch_a.steps, branch_b.steps)
    k = 0
    while k < len(pairs):
        x, y = pairs[k]
        if x is None or y is None or not _same_step(x, y):
            break
        k += 1
    shared = tuple(x for x, _y in pairs[:k] if x is not None)
    rest = pairs[k:]
    diffs = tuple(_diff_step(x, y) for x, y in rest)
    notes = list(branch_a.notes) + [n for n in branch_b.notes if n not in branch_a.notes]
    return Comparison(
        a=branch_a,
        b=branch_b,
        common=common,
        shared=shared,
        steps=diffs,
        totals_a=SideTotals.of(x for x, _y in rest if x is not None),
        totals_b=SideTotals.of(y for _x, y in rest if y is not None),
        shared_tokens=sum_tokens(s.tokens for s in shared),
        notes=tuple(notes),
    )


def _common_ancestor(a: Branch, b: Branch) -> CommonAncestor | None:
    k = 0
    while k < min(len(a.legs), len(b.legs)) and a.legs[k].segment_id == b.legs[k].segment_id:
        k += 1
    if k == 0:
        return None
    return CommonAncestor(a.legs[k - 1].segment_id, a.legs[k - 1].until, b.legs[k - 1].until)
