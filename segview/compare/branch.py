"""A segment's branch: the steps of its conversation from its root through every fork or
compaction (``Step``, ``Leg``, ``Branch``; ``build_branch``), and the helpers that describe
the items of a step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from segview.cost import NO_TOKENS, Tokens, TurnSpan, segment_usage
from segview.lineage import Lineage, SegmentNode, title_of
from segview.store import MessageItem, RunErrored, SegmentStart, ToolCallItem, ToolResultItem
from segview.timeline import Timeline

__all__ = [
    "Branch",
    "Leg",
    "Step",
    "ToolCall",
    "build_branch",
    "count_kinds",
    "history_text",
    "item_kind",
    "new_items",
]


StepKind = Literal["seed", "turn", "compaction", "reseed", "tail"]


TimelineLoader = Callable[[SegmentNode], Timeline]


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
