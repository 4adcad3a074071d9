"""Compare two segments: the conversation they share, where they part, and what each did after.

A segment's conversation is its *branch*: the path from its root through every fork or
compaction (``forked_from`` / ``compacted_from``) down to it, each ancestor contributing its
turns up to the turn the next segment starts from. The branch is a list of *steps*, each
placed by the number of turns before it so that two branches line up:

* ``seed``: history a root starts with (a segment with no recorded parent, or whose parent is
  not in the store);
* ``turn``: one completed turn (turn numbers count every turn along the branch, so a fork
  after turn 4 continues with turn 5 whatever its own ``turn_count`` says);
* ``compaction``: a summary replacing the history so far (``reseed``: a fork whose seed is
  not its parent's state at the fork point);
* ``tail``: an unfinished turn at the end of the segment (a running agent, a crash).

The two step lists are paired by position. The *shared prefix* is the leading pairs that
are the same step (the common ancestor's turns) or carry the same history items (segments
that are unrelated in the tree but start alike); the first pair after it is the divergence.
Each later pair compares the user input and assistant text word by word, the tool calls by
name with their arguments and results, and the totals of each side are summed over its steps
after the shared prefix. Plain Python over the lineage and timeline models; no Textual here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from segview.cost import NO_TOKENS, Tokens, TurnSpan, segment_usage, sum_tokens
from segview.lineage import Lineage, SegmentNode, title_of
from segview.store import (
    MessageItem,
    RunErrored,
    SegmentStart,
    ToolCallItem,
    ToolResultItem,
)
from segview.text import pretty_json
from segview.timeline import Timeline

__all__ = [
    "MAX_DIFF_TOKENS",
    "Branch",
    "CommonAncestor",
    "Comparison",
    "Leg",
    "SideTotals",
    "Step",
    "StepDiff",
    "TextDiff",
    "ToolCall",
    "ToolDiff",
    "build_branch",
    "compare",
    "count_kinds",
    "history_text",
    "item_kind",
    "new_items",
    "line_diff",
    "word_diff",
]

StepKind = Literal["seed", "turn", "compaction", "reseed", "tail"]
Op = Literal["=", "-", "+"]
TimelineLoader = Callable[[SegmentNode], Timeline]

MAX_DIFF_TOKENS = 6000  # beyond this many words (or lines) a side is compared whole

# --- text diffs -----------------------------------------------------------------------------

_WORDS = re.compile(r"\w+|\s+|[^\w\s]")
_LINES = re.compile(r"[^\n]*\n|[^\n]+")


@dataclass(frozen=True, slots=True)
class TextDiff:
    """A diff of two texts as runs: ``=`` in both, ``-`` only in A, ``+`` only in B.

    The ``=`` and ``-`` runs spell A's text, the ``=`` and ``+`` runs B's.
    """

    ops: tuple[tuple[Op, str], ...] = ()

    @property
    def same(self) -> bool:
        return all(op == "=" for op, _ in self.ops)

    @property
    def a_text(self) -> str:
        return "".join(t for op, t in self.ops if op != "+")

    @property
    def b_text(self) -> str:
        return "".join(t for op, t in self.ops if op != "-")

    @property
    def changed(self) -> tuple[int, int]:
        """How many characters only A has, and only B."""
        removed = sum(len(t) for op, t in self.ops if op == "-")
        added = sum(len(t) for op, t in self.ops if op == "+")
        return removed, added

    @property
    def similarity(self) -> float:
        """The share of both texts that is unchanged (1.0 for two equal texts)."""
        same = sum(len(t) for op, t in self.ops if op == "=")
        total = len(self.a_text) + len(self.b_text)
        return 1.0 if total == 0 else 2 * same / total

    def to_json(self) -> list[list[str]]:
        return [[op, text] for op, text in self.ops]


def _runs(a: Sequence[str], b: Sequence[str]) -> TextDiff:
    ops: list[tuple[Op, str]] = []

    def push(op: Op, text: str) -> None:
        if not text:
            return
        if ops and ops[-1][0] == op:
            ops[-1] = (op, ops[-1][1] + text)
        else:
            ops.append((op, text))

    matcher = difflib.SequenceMatcher(None, a, b)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            push("=", "".join(a[i1:i2]))
        else:
            push("-", "".join(a[i1:i2]))
            push("+", "".join(b[j1:j2]))
    return TextDiff(tuple(ops))


def _whole(a: str, b: str) -> TextDiff:
    if a == b:
        return TextDiff((("=", a),) if a else ())
    ops: list[tuple[Op, str]] = []
    if a:
        ops.append(("-", a))
    if b:
        ops.append(("+", b))
    return TextDiff(tuple(ops))


def line_diff(a: str, b: str) -> TextDiff:
    """A line-level diff (tool output, arguments); whole texts when either is very long."""
    if a == b:
        return _whole(a, b)
    la, lb = _LINES.findall(a), _LINES.findall(b)
    if len(la) > MAX_DIFF_TOKENS or len(lb) > MAX_DIFF_TOKENS:
        return _whole(a, b)
    return _runs(la, lb)


def word_diff(a: str, b: str) -> TextDiff:
    """A word-level diff (prose); line-level when a side has very many words."""
    if a == b:
        return _whole(a, b)
    wa, wb = _WORDS.findall(a), _WORDS.findall(b)
    if len(wa) > MAX_DIFF_TOKENS or len(wb) > MAX_DIFF_TOKENS:
        return line_diff(a, b)
    return _runs(wa, wb)


# --- the steps of a branch --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool call of a step and what came back (``missing``: no result in the step)."""

    call_id: str
    name: str
    arguments: str
    status: Literal["ok", "error", "missing"]
    summary: str | None = None
    content: str | None = None

    @property
    def result_text(self) -> str:
        if self.status == "missing":
            return ""
        return (self.summary or "") + ("\n" + self.content if self.content else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "name": self.name,
            "arguments": self.arguments,
            "status": self.status,
            "summary": self.summary,
            "content": self.content,
        }


def _message_text(items: Iterable[Any], role: str) -> str:
    return "\n\n".join(i.text() for i in items if isinstance(i, MessageItem) and i.role == role)


def _tool_calls(items: Sequence[Any]) -> tuple[ToolCall, ...]:
    results: dict[str, ToolResultItem] = {}
    for item in items:
        if isinstance(item, ToolResultItem):
            results.setdefault(item.call_id, item)
    calls: list[ToolCall] = []
    for item in items:
        if not isinstance(item, ToolCallItem):
            continue
        result = results.get(item.call_id)
        if result is None:
            calls.append(ToolCall(item.call_id, item.name, item.arguments, "missing"))
        else:
            status: Literal["ok", "error"] = "error" if result.is_error else "ok"
            calls.append(
                ToolCall(
                    item.call_id, item.name, item.arguments, status, result.summary, result.content
                )
            )
    return tuple(calls)


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a branch (see the module docstring for the kinds)."""

    kind: StepKind
    number: int  # the turn's number along the branch; turns before it for the other kinds
    segment_id: str
    turn_count: int | None  # the turn's own turn_count in its segment
    items: tuple[Any, ...]  # history items it added (compaction, reseed: the new history)
    history_len: int  # history length after it
    replaced: tuple[Any, ...] = ()  # compaction, reseed: the history it replaced
    tool_calls: tuple[ToolCall, ...] = ()
    errors: int = 0  # failed tool results and errored runs
    tokens: Tokens = NO_TOKENS
    started_ts: int | None = None
    ended_ts: int | None = None
    outcome: str | None = None  # "finished", "errored: ..." when the log says

    @property
    def key(self) -> tuple[int, int]:
        """Where the step stands in a branch: a compaction after turn N comes after turn N
        and before turn N + 1; an unfinished turn stands where its turn would."""
        order = {"seed": 0, "turn": 1, "tail": 1, "compaction": 2, "reseed": 2}[self.kind]
        return self.number, order

    @property
    def label(self) -> str:
        if self.kind == "seed":
            return "start (seeded history)"
        if self.kind == "turn":
            return f"turn {self.number}"
        if self.kind == "tail":
            return f"turn {self.number} (unfinished)"
        what = "compaction" if self.kind == "compaction" else "history replaced at the fork"
        return f"{what} after turn {self.number}"

    @property
    def user_text(self) -> str:
        return _message_text(self.items, "user")

    @property
    def assistant_text(self) -> str:
        return _message_text(self.items, "assistant")

    @property
    def duration_ms(self) -> int | None:
        if self.started_ts is None or self.ended_ts is None:
            return None
        return max(0, self.ended_ts - self.started_ts)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "label": self.label,
            "number": self.number,
            "segment_id": self.segment_id,
            "turn_count": self.turn_count,
            "items": len(self.items),
            "history_len": self.history_len,
            "user": self.user_text,
            "assistant": self.assistant_text,
            "tool_calls": [c.to_json() for c in self.tool_calls],
            "errors": self.errors,
            "tokens": self.tokens.to_json(),
            "started_ts": self.started_ts,
            "ended_ts": self.ended_ts,
            "duration_ms": self.duration_ms,
            "outcome": self.outcome,
        }
        if self.kind in ("compaction", "reseed", "seed"):
            out["summary"] = history_text(self.items)
            out["replaced_items"] = len(self.replaced)
            out["replaced_kinds"] = count_kinds(self.replaced)
            out["kept_items"] = len(self.items) - len(new_items(self.items, self.replaced))
        return out


def item_kind(item: Any) -> str:
    """``user input``, ``reply``, ``system message``, ``tool call``, ``tool result`` or
    ``reasoning``."""
    if isinstance(item, MessageItem):
        return {"user": "user input", "assistant": "reply"}.get(item.role, "system message")
    if isinstance(item, ToolCallItem):
        return "tool call"
    if isinstance(item, ToolResultItem):
        return "tool result"
    return str(getattr(item, "kind", "item"))


def count_kinds(items: Iterable[Any]) -> dict[str, int]:
    """How many items of each kind (see ``item_kind``), in order of first appearance."""
    counts: dict[str, int] = {}
    for item in items:
        kind = item_kind(item)
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def new_items(new: Sequence[Any], old: Sequence[Any]) -> list[Any]:
    """The items of ``new`` that ``old`` does not hold as they are (a compaction's summary;
    the items it keeps, such as the last turn, are left out)."""
    seen = {repr(i) for i in old}
    return [i for i in new if repr(i) not in seen]


def history_text(items: Iterable[Any]) -> str:
    """The conversation text of history items (messages of every role), for comparing a
    summary with the history it replaced."""
    return "\n\n".join(i.text() for i in items if isinstance(i, MessageItem))


@dataclass(frozen=True, slots=True)
class Leg:
    """One segment of a branch: how it joins its parent, and how many of its turns count
    (``until``: the turn the next segment starts from; None: all of them)."""

    segment_id: str
    origin: str | None  # "fork" | "compaction" (None: a root)
    at_turn_index: int | None
    until: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "segment_id": self.segment_id,
            "origin": self.origin,
            "at_turn_index": self.at_turn_index,
            "until_turn": self.until,
        }


@dataclass(frozen=True)
class Branch:
    """The conversation of a segment from its root: the segments it passes and its steps."""

    segment_id: str
    title: str | None
    legs: tuple[Leg, ...]
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()  # e.g. a parent that is not in the store

    @property
    def turns(self) -> int:
        return sum(1 for s in self.steps if s.kind == "turn")


def _start_entries(entries: Sequence[Any]) -> int:
    n = 0
    for entry in entries:
        if not isinstance(entry, SegmentStart):
            break
        n += 1
    return n


def _span_times(entries: Sequence[Any], span: TurnSpan) -> tuple[int | None, int | None]:
    started = None
    for entry in entries[span.first : span.end + 1]:
        if not isinstance(entry, SegmentStart):
            started = getattr(entry, "ts", None)
            break
    ended = getattr(entries[span.end], "ts", None)
    return started, ended


def _span_outcome(entries: Sequence[Any], first: int, close: int) -> tuple[str | None, int]:
    outcome, errored = None, 0
    for entry in entries[first:close]:
        kind = getattr(entry, "kind", None)
        if isinstance(entry, RunErrored):
            outcome, errored = f"errored: {entry.message}", errored + 1
        elif kind == "run_completed":
            outcome = str(getattr(entry, "result", "")) or None
    return outcome, errored


def _included_turns(tl: Timeline, until: int | None) -> int:
    """How many of the timeline's turns a leg keeps (``fork_at``'s cut rule)."""
    if until is None:
        return len(tl.turns)
    if until == 0:
        return 0
    for turn in tl.turns:
        if turn.turn_count == until:
            return turn.index + 1
    return len(tl.turns)


def _leg_steps(
    tl: Timeline,
    leg: Leg,
    number: int,
    previous: list[Any] | None,
    last: bool,
) -> tuple[list[Step], int, list[Any]]:
    """The steps a segment adds to a branch, the turn number reached, and the history after.

    ``previous`` is the history the parent leg ended with (None for the root leg).
    """
    entries = tl.entries
    steps: list[Step] = []
    start_n = _start_entries(entries)
    if tl.turns:
        start_n = min(start_n, tl.turns[0].end_entry)
    seed = list(tl.state_at_entry(start_n).history)
    sid = tl.segment_id
    if previous is None:
        if seed:
            steps.append(Step("seed", 0, sid, None, tuple(seed), len(seed)))
    elif leg.origin == "compaction" or seed != previous:
        kind: StepKind = "compaction" if leg.origin == "compaction" else "reseed"
        steps.append(
            Step(kind, number, sid, None, tuple(seed), len(seed), replaced=tuple(previous))
        )
    history = seed
    usage = segment_usage(entries)
    keep = _included_turns(tl, leg.until)
    for index in range(keep):
        turn = tl.turns[index]
        span = usage.turns[index]
        after = tl.state_after_turn(index).history
        added = tuple(after[len(history) :]) if after[: len(history)] == history else tuple(after)
        number += 1
        started, ended = _span_times(entries, span)
        outcome, run_errors = _span_outcome(entries, span.first, span.close)
        calls = _tool_calls(added)
        steps.append(
            Step(
                "turn",
                number,
                sid,
                turn.turn_count,
                added,
                len(after),
                tool_calls=calls,
                errors=sum(c.status == "error" for c in calls) + run_errors,
                tokens=span.tokens,
                started_ts=started,
                ended_ts=ended,
                outcome=outcome,
            )
        )
        history = after
    if last and keep == len(tl.turns):
        close = usage.turns[-1].close if usage.turns else start_n
        final = tl.state_at_entry(len(entries)).history
        added = tuple(final[len(history) :]) if final[: len(history)] == history else ()
        if added:
            tail_ts = [getattr(e, "ts", None) for e in entries[close:]]
            stamps = [t for t in tail_ts if isinstance(t, int)]
            calls = _tool_calls(added)
            outcome, run_errors = _span_outcome(entries, close, len(entries))
            steps.append(
                Step(
                    "tail",
                    number + 1,
                    sid,
                    None,
                    added,
                    len(final),
                    tool_calls=calls,
                    errors=sum(c.status == "error" for c in calls) + run_errors,
                    tokens=usage.tail,
                    started_ts=stamps[0] if stamps else None,
                    ended_ts=stamps[-1] if stamps else None,
                    outcome=outcome,
                )
            )
            history = list(final)
    return steps, number, history


def _chain(node: SegmentNode) -> list[SegmentNode]:
    chain = [node]
    seen = {node.id}
    cur = node.parent
    while cur is not None and cur.id not in seen:
        chain.append(cur)
        seen.add(cur.id)
        cur = cur.parent
    chain.reverse()
    return chain


def _loader(cache: dict[str, Timeline] | None) -> TimelineLoader:
    store: dict[str, Timeline] = {} if cache is None else cache

    def load(node: SegmentNode) -> Timeline:
        tl = store.get(node.id)
        if tl is None:
            tl = store[node.id] = Timeline.load(node.store, node.id)
        return tl

    return load


def build_branch(lineage: Lineage, segment_id: str, load: TimelineLoader | None = None) -> Branch:
    """The branch of ``segment_id`` (raises ``KeyError`` when it is not in the lineage)."""
    node = lineage.nodes[segment_id]
    load = load or _loader(None)
    chain = _chain(node)
    legs: list[Leg] = []
    for i, member in enumerate(chain):
        until = chain[i + 1].at_turn_index if i + 1 < len(chain) else None
        origin = member.origin if i > 0 else None
        legs.append(Leg(member.id, origin, member.at_turn_index if i > 0 else None, until))
    notes: list[str] = []
    root = chain[0]
    if root.parent_id is not None and root.parent is None:
        why = "not in the store" if root.parent_missing else "part of an ancestry cycle"
        notes.append(
            f"{root.id} is a {root.origin} of {root.parent_id} after turn "
            f"{root.at_turn_index}, which is {why}: its history starts as a seed"
        )
    steps: list[Step] = []
    number = 0
    history: list[Any] | None = None
    for i, (member, leg) in enumerate(zip(chain, legs, strict=True)):
        tl = load(member)
        new, number, history = _leg_steps(tl, leg, number, history, i == len(chain) - 1)
        steps.extend(new)
    title = title_of(load(node).entries)
    return Branch(node.id, title, tuple(legs), tuple(steps), tuple(notes))


# --- comparing ------------------------------------------------------------------------------


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
