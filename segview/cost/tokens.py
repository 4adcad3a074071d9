"""Token counts (``Tokens``) and what the requests of one segment used: the turns and their
requests (``TurnSpan``, ``turn_spans``) and a segment's usage from its entries
(``SegmentUsage``, ``segment_usage``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from segview.store import LlmUsage

__all__ = [
    "NO_TOKENS",
    "SegmentUsage",
    "Tokens",
    "TurnSpan",
    "segment_usage",
    "sum_tokens",
    "turn_spans",
]


# Entries that begin a turn: a request's usage after a turn_end belongs to that turn until
# one of these comes.
TURN_STARTER_KINDS = (
    "invoke",
    "user_input",
    "segment_start",
    "assistant_item",
    "tool_result",
    "system_item",
    "assistant_items",
    "tool_results",
    "system_items",
    "hook_injected_items",
)


@dataclass(frozen=True, slots=True)
class Tokens:
    """Summed counters of some requests."""

    requests: int = 0
    input: int = 0  # input_total_tokens: the whole prompt, cached parts included
    cache_read: int = 0
    cache_write: int = 0
    output: int = 0

    @classmethod
    def of(cls, usage: LlmUsage) -> Tokens:
        return cls(
            1,
            usage.input_total_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens,
            usage.output_tokens,
        )

    def __add__(self, other: Tokens) -> Tokens:
        return Tokens(
            self.requests + other.requests,
            self.input + other.input,
            self.cache_read + other.cache_read,
            self.cache_write + other.cache_write,
            self.output + other.output,
        )

    def __sub__(self, other: Tokens) -> Tokens:
        return Tokens(
            self.requests - other.requests,
            self.input - other.input,
            self.cache_read - other.cache_read,
            self.cache_write - other.cache_write,
            self.output - other.output,
        )

    @property
    def uncached_input(self) -> int:
        """Input tokens neither read from nor written to the cache."""
        return max(0, self.input - self.cache_read - self.cache_write)

    def __bool__(self) -> bool:
        return self.requests > 0

    def to_json(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "input_total_tokens": self.input,
            "cache_read_tokens": self.cache_read,
            "cache_write_tokens": self.cache_write,
            "output_tokens": self.output,
        }


NO_TOKENS = Tokens()


def sum_tokens(values: Iterable[Tokens]) -> Tokens:
    requests = input_ = cache_read = cache_write = output = (
        0  # (one Tokens made, not one per value)
    )
    for value in values:
        requests += value.requests
        input_ += value.input
        cache_read += value.cache_read
        cache_write += value.cache_write
        output += value.output
    return Tokens(requests, input_, cache_read, cache_write, output)


@dataclass(frozen=True, slots=True)
class TurnSpan:
    """The entries of one completed turn, with what closes it, and its requests.

    ``first`` is its first entry (after what closed the previous turn), ``end`` the index of
    its ``turn_end``, ``close`` one past the last entry written after the ``turn_end`` for it
    (usage, the run's outcome).
    """

    turn_count: int
    first: int
    end: int
    close: int
    tokens: Tokens


def turn_spans(entries: Sequence[Any]) -> tuple[list[TurnSpan], Tokens]:
    """One span per ``turn_end``, in log order, and the usage after the last closed turn
    (an unfinished turn's requests, if any were written)."""
    from segview.store.model import ENTRY_CLASSES, LlmUsage, TurnEnd  # (see ``segview.app``)

    starters = tuple(ENTRY_CLASSES[kind] for kind in TURN_STARTER_KINDS)

    def role(cls: type) -> int:  # 1 usage, 2 turn_end, 3 a turn's start, 0 anything else
        for code, classes in ((1, LlmUsage), (2, TurnEnd), (3, starters)):
            if issubclass(cls, classes):
                return code
        return 0

    roles: dict[type, int] = {}  # (a dictionary lookup per entry, not three isinstance)
    spans: list[TurnSpan] = []
    first = 0
    pending: tuple[int, int, int] | None = None  # (turn_count, first, end) awaiting its close
    acc = [0, 0, 0, 0, 0]  # the Tokens of the requests since the last close, as counters
    for i, entry in enumerate(entries):
        code = roles.get(type(entry))
        if code is None:
            code = roles[type(entry)] = role(type(entry))
        if not code:
            continue
        if code == 1:
            acc[0] += 1
            acc[1] += entry.input_total_tokens
            acc[2] += entry.cache_read_tokens
            acc[3] += entry.cache_write_tokens
            acc[4] += entry.output_tokens
        elif code == 2:
            if pending is not None:
                spans.append(TurnSpan(pending[0], pending[1], pending[2], i, Tokens(*acc)))
                acc, first = [0, 0, 0, 0, 0], i
            pending = (entry.turn_count, first, i)
        elif pending is not None:
            spans.append(TurnSpan(pending[0], pending[1], pending[2], i, Tokens(*acc)))
            acc, first, pending = [0, 0, 0, 0, 0], i, None
    if pending is not None:
        spans.append(TurnSpan(pending[0], pending[1], pending[2], len(entries), Tokens(*acc)))
        acc = [0, 0, 0, 0, 0]
    return spans, Tokens(*acc)


@dataclass(frozen=True, slots=True)
class SegmentUsage:
    """The requests of one segment file: per turn, after the last turn, and in total."""

    turns: tuple[TurnSpan, ...] = ()
    tail: Tokens = Tokens()
    total: Tokens = Tokens()
    # running totals of ``turns``, filled on first use (stepping asks at every turn)
    _running: list[Tokens] = field(default_factory=list, compare=False, repr=False)

    def through_turn(self, turn_count: int) -> Tokens:
        """What the segment spent up to and including the first turn with ``turn_count``
        (0: nothing; a count no turn has: everything, as ``fork_at`` keeps the whole log)."""
        if turn_count == 0:
            return Tokens()
        acc = Tokens()
        for span in self.turns:
            acc = acc + span.tokens
            if span.turn_count == turn_count:
                return acc
        return self.total

    def running_totals(self) -> list[Tokens]:
        """What turns ``0..i`` spent, for each position ``i`` in ``turns`` (made once)."""
        running = self._running
        if len(running) < len(self.turns):
            acc = running[-1] if running else Tokens()
            for span in self.turns[len(running) :]:
                acc = acc + span.tokens
                running.append(acc)
        return running

    def through_index(self, index: int) -> Tokens:
        """What turns ``0..index`` (positions in ``turns``) spent."""
        running = self.running_totals()
        if index < 0 or not running:
            return Tokens()
        return running[min(index, len(running) - 1)]


def segment_usage(entries: Sequence[Any]) -> SegmentUsage:
    spans, tail = turn_spans(entries)
    total = sum_tokens(s.tokens for s in spans) + tail
    return SegmentUsage(tuple(spans), tail, total)
