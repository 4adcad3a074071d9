"""Tokens and cost: what the requests of a segment, a branch and a subtree used.

Each ``llm_usage`` entry is one LLM request; it is counted once, in the segment whose file
holds it. ``input_total_tokens`` is the whole prompt of the request, the cache reads and
writes included (``cache_read_tokens`` and ``cache_write_tokens`` are parts of it), so the
uncached input is the difference.

A turn's requests are written after its ``turn_end`` (with the run's outcome), so a
``llm_usage`` entry belongs to the turn whose ``turn_end`` it follows, up to the entry that
starts the next turn (``invoke``, ``user_input`` or a history item); usage before the first
``turn_end`` belongs to the first turn.

A fork or compaction starts from its parent's state after turn N: what the parent's branch
spent up to there (its turns up to N, and what the parent itself inherited) is the child's
*inherited* share, kept apart from what the child spent itself. Per segment the figures are:
``own`` (its file's requests), ``inherited``, ``branch`` (own + inherited: the root-to-segment
total) and ``subtree`` (own + every descendant's own: each request once).

Prices are optional: ``config.toml`` in the user's config directory (``$SEGVIEW_CONFIG``, else
``$XDG_CONFIG_HOME/segview/config.toml``, else ``~/.config/segview/config.toml``) can give
a price per million tokens for each model. Logs do not name the model, so a store's model
comes from the config: ``[cost.stores]`` maps a store directory to a model, ``cost.model``
names the model of every other store, and without either the ``default`` price is used.
Without a price nothing is shown as money. See ``docs/cost.md`` for the format.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import orjson

from segview.lineage import Lineage
from segview.store import (
    AssistantItem,
    AssistantItems,
    FsStore,
    HookInjectedItems,
    Invoke,
    LlmUsage,
    SegmentStart,
    SystemItemEntry,
    SystemItems,
    ToolResultEntry,
    ToolResults,
    TurnEnd,
    UserInput,
)

__all__ = [
    "CONFIG_ENV",
    "NO_TOKENS",
    "Link",
    "Price",
    "PriceTable",
    "Priced",
    "SegmentUsage",
    "Tokens",
    "TurnSpan",
    "UsageFigures",
    "UsageReader",
    "config_path",
    "format_money",
    "lineage_figures",
    "lineage_links",
    "load_prices",
    "scan_usage",
    "segment_usage",
    "sum_tokens",
    "turn_spans",
    "usage_figures",
]

CONFIG_ENV = "SEGVIEW_CONFIG"
PER = 1_000_000  # prices are per million tokens

# Entries that begin a turn: a request's usage after a turn_end belongs to that turn until
# one of these comes.
_TURN_STARTERS = (
    Invoke,
    UserInput,
    SegmentStart,
    AssistantItem,
    ToolResultEntry,
    SystemItemEntry,
    AssistantItems,
    ToolResults,
    SystemItems,
    HookInjectedItems,
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
    total = Tokens()
    for value in values:
        total = total + value
    return total


# --- turns and their requests ----------------------------------------------------------------


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
    spans: list[TurnSpan] = []
    first = 0
    pending: tuple[int, int, int] | None = None  # (turn_count, first, end) awaiting its close
    acc = Tokens()
    for i, entry in enumerate(entries):
        if isinstance(entry, LlmUsage):
            acc = acc + Tokens.of(entry)
        elif isinstance(entry, TurnEnd):
            if pending is not None:
                spans.append(TurnSpan(pending[0], pending[1], pending[2], i, acc))
                acc, first = Tokens(), i
            pending = (entry.turn_count, first, i)
        elif isinstance(entry, _TURN_STARTERS) and pending is not None:
            spans.append(TurnSpan(pending[0], pending[1], pending[2], i, acc))
            acc, first, pending = Tokens(), i, None
    if pending is not None:
        spans.append(TurnSpan(pending[0], pending[1], pending[2], len(entries), acc))
        acc = Tokens()
    return spans, acc


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

    def through_index(self, index: int) -> Tokens:
        """What turns ``0..index`` (positions in ``turns``) spent."""
        running = self._running
        if len(running) < len(self.turns):
            acc = running[-1] if running else Tokens()
            for span in self.turns[len(running) :]:
                acc = acc + span.tokens
                running.append(acc)
        if index < 0 or not running:
            return Tokens()
        return running[min(index, len(running) - 1)]


def segment_usage(entries: Sequence[Any]) -> SegmentUsage:
    spans, tail = turn_spans(entries)
    total = sum_tokens(s.tokens for s in spans) + tail
    return SegmentUsage(tuple(spans), tail, total)


# How every line the runtime writes begins: the kind comes first
_KIND_AT = b'{"kind":"'
_LINE_KIND = re.compile(rb'^\{"kind":"([a-z_]*)"')
_STARTER_KINDS = frozenset(
    k.encode()
    for k in (
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
)
_COUNTERS = ("input_total_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens")


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _usage_of(record: Any) -> Tokens | None:
    """The counters of a parsed ``llm_usage`` line (None when they are not whole numbers)."""
    if not isinstance(record, dict):
        return None
    total, read, write, out = (record.get(k) for k in _COUNTERS)
    if not (_is_count(total) and _is_count(read) and _is_count(write) and _is_count(out)):
        return None
    return Tokens(1, total, read, write, out)


def _line_at(data: bytes, start: int) -> bytes:
    end = data.find(b"\n", start)
    return data[start:] if end < 0 else data[start:end]


def _kind_at(data: bytes, start: int) -> bytes:
    """The kind of the line at ``start`` (a line written the runtime's way)."""
    begin = start + len(_KIND_AT)
    return data[begin : data.find(b'"', begin)]


def _find_lines(data: bytes, kind: bytes) -> list[int]:
    """Where the lines of ``kind`` start (lines written the runtime's way)."""
    head = _KIND_AT + kind + b'"'
    needle = b"\n" + head
    out = [0] if data.startswith(head) else []
    pos = data.find(needle)
    while pos >= 0:
        out.append(pos + 1)
        pos = data.find(needle, pos + 1)
    return out


def _sweep(events: list[tuple[int, int, Any]], count: Any) -> SegmentUsage:
    """Spans from ``(position, what, value)`` events in order: ``what`` 0 is a line that
    starts a turn, 1 a request (value: its tokens), 2 a ``turn_end`` (value: its count).
    ``count(position)`` is the entry index at a position; ``count(None)`` the entries in all."""
    spans: list[TurnSpan] = []
    first = 0
    pending: tuple[int, int, int] | None = None
    acc = Tokens()
    for position, what, value in events:
        if what == 1:
            acc = acc + value
            continue
        index = count(position)
        if what == 2:
            if pending is not None:
                spans.append(TurnSpan(pending[0], pending[1], pending[2], index, acc))
                acc, first = Tokens(), index
            pending = (value, first, index)
        elif pending is not None:
            spans.append(TurnSpan(pending[0], pending[1], pending[2], index, acc))
            acc, first, pending = Tokens(), index, None
    if pending is not None:
        spans.append(TurnSpan(pending[0], pending[1], pending[2], count(None), acc))
        acc = Tokens()
    total = sum_tokens(s.tokens for s in spans) + acc
    return SegmentUsage(tuple(spans), acc, total)


def _scan_canonical(data: bytes) -> SegmentUsage:
    """``scan_usage`` of a file whose every line is written the runtime's way: the usage and
    ``turn_end`` lines are found by searching the bytes, and only the few lines after each
    ``turn_end`` (up to the one that starts the next turn) are looked at one by one."""
    events: list[tuple[int, int, Any]] = []
    for start in _find_lines(data, b"llm_usage"):
        try:
            tokens = _usage_of(orjson.loads(_line_at(data, start)))
        except orjson.JSONDecodeError:
            continue
        if tokens is not None:
            events.append((start, 1, tokens))
    for start in _find_lines(data, b"turn_end"):
        try:
            record = orjson.loads(_line_at(data, start))
        except orjson.JSONDecodeError:
            continue
        if not isinstance(record, dict) or not _is_count(record.get("turn_count")):
            continue
        events.append((start, 2, record["turn_count"]))
        nxt = data.find(b"\n", start) + 1
        while 0 < nxt < len(data):  # the lines that close the turn: usage, the outcome, ...
            kind = _kind_at(data, nxt)
            if kind in _STARTER_KINDS:
                events.append((nxt, 0, None))
                break
            if kind == b"turn_end":
                break
            nxt = data.find(b"\n", nxt) + 1
    events.sort(key=lambda e: e[0])
    seen = [0, 0]  # (offset, lines before it), advanced as the sweep goes

    def count(position: int | None) -> int:
        if position is None:
            return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        seen[1] += data.count(b"\n", seen[0], position)
        seen[0] = position
        return seen[1]

    return _sweep(events, count)


def scan_usage(data: bytes) -> SegmentUsage:
    """``segment_usage`` of a file's bytes without decoding every entry: only ``llm_usage``
    and ``turn_end`` lines are parsed (and lines not written the runtime's way); the kind of
    any other line is read from its beginning. A line that is not valid JSON, or a usage line
    whose counters are not whole numbers, is left out (the exact reader's finer checks, such
    as duplicate keys, are not repeated). Span indices count the lines read."""
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    if data.startswith(_KIND_AT) + data.count(b"\n" + _KIND_AT) == lines:
        return _scan_canonical(data)  # every line the runtime's way: the common case
    events: list[tuple[int, int, Any]] = []
    index = 0
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        m = _LINE_KIND.match(line)
        kind = m.group(1) if m else None
        if kind is None or kind == b"llm_usage" or kind == b"turn_end":
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(record, dict) or not isinstance(record.get("kind"), str):
                continue
            kind = record["kind"].encode()
            if kind == b"llm_usage":
                tokens = _usage_of(record)
                if tokens is None:
                    continue
                events.append((index, 1, tokens))
            elif kind == b"turn_end":
                if not _is_count(record.get("turn_count")):
                    continue
                events.append((index, 2, record["turn_count"]))
        if kind in _STARTER_KINDS:
            events.append((index, 0, None))
        index += 1
    total = index
    return _sweep(events, lambda position: total if position is None else position)


class UsageReader:
    """Reads the usage of segment files (``scan_usage``), keeping each until its file
    changes (size, mtime).

    Not thread-safe by itself: one reader per worker, or a lock around it.
    """

    def __init__(self) -> None:
        self._cache: dict[Path, tuple[tuple[int, float], SegmentUsage]] = {}

    def read(self, store: FsStore, segment_id: str) -> SegmentUsage:
        """The usage of a segment; a file that cannot be read has none."""
        path = store.path_for(segment_id)
        try:
            st = path.stat()
        except OSError:
            self._cache.pop(path, None)
            return SegmentUsage()
        key = (st.st_size, st.st_mtime)
        cached = self._cache.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        try:
            usage = scan_usage(path.read_bytes())
        except OSError:
            usage = SegmentUsage()
        self._cache[path] = (key, usage)
        return usage


# --- figures over the forest -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Link:
    """A segment's place in the forest: its parent as resolved in the store (None for a
    root), the parent's turn it starts from, and whether it names a parent the store lacks."""

    segment_id: str
    parent_id: str | None
    at_turn: int | None
    parent_missing: bool = False


@dataclass(frozen=True, slots=True)
class UsageFigures:
    """One segment's tokens: its own, inherited from its parent's branch, and the sums."""

    own: Tokens
    inherited: Tokens
    subtree: Tokens
    inherited_complete: bool = True  # False when an ancestor is missing from the store

    @property
    def branch(self) -> Tokens:
        return self.own + self.inherited

    def get(self, scope: str) -> Tokens:
        """``own``, ``inherited``, ``branch`` or ``subtree``."""
        if scope == "branch":
            return self.branch
        value = getattr(self, scope)
        assert isinstance(value, Tokens)
        return value

    def to_json(self) -> dict[str, Any]:
        return {
            "own": self.own.to_json(),
            "inherited": self.inherited.to_json(),
            "inherited_complete": self.inherited_complete,
            "branch": self.branch.to_json(),
            "subtree": self.subtree.to_json(),
        }


def usage_figures(
    links: Sequence[Link], usage: Mapping[str, SegmentUsage]
) -> dict[str, UsageFigures]:
    """The figures of every segment. ``links`` lists parents before their children (the
    forest's depth-first order); ``usage`` holds each segment's own requests."""
    inherited: dict[str, tuple[Tokens, bool]] = {}
    for link in links:
        if link.parent_id is None or link.parent_id not in inherited:
            inherited[link.segment_id] = (Tokens(), not link.parent_missing)
            continue
        parent_inherited, complete = inherited[link.parent_id]
        parent = usage.get(link.parent_id, SegmentUsage())
        share = parent.through_turn(link.at_turn if link.at_turn is not None else 0)
        inherited[link.segment_id] = (parent_inherited + share, complete)
    subtree: dict[str, Tokens] = {}
    for link in reversed(links):  # children before their parents
        own = usage.get(link.segment_id, SegmentUsage()).total
        subtree[link.segment_id] = subtree.get(link.segment_id, Tokens()) + own
        if link.parent_id is not None and link.parent_id in inherited:
            subtree[link.parent_id] = (
                subtree.get(link.parent_id, Tokens()) + subtree[link.segment_id]
            )
    out: dict[str, UsageFigures] = {}
    for link in links:
        share, complete = inherited[link.segment_id]
        own = usage.get(link.segment_id, SegmentUsage()).total
        out[link.segment_id] = UsageFigures(own, share, subtree[link.segment_id], complete)
    return out


def lineage_links(lineage: Lineage) -> list[Link]:
    """The links of every segment of a lineage, parents before children."""
    return [
        Link(
            node.id,
            node.parent.id if node.parent is not None else None,
            node.at_turn_index,
            node.parent_id is not None and node.parent is None,
        )
        for _depth, node in lineage.walk()
    ]


def lineage_figures(lineage: Lineage, reader: UsageReader | None = None) -> dict[str, UsageFigures]:
    """The figures of every segment of a lineage (each file read once, or from ``reader``'s
    cache when unchanged)."""
    reader = reader or UsageReader()
    links = lineage_links(lineage)
    usage = {
        link.segment_id: reader.read(lineage.nodes[link.segment_id].store, link.segment_id)
        for link in links
    }
    return usage_figures(links, usage)


# --- prices ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Price:
    """Prices per million tokens: uncached input, cache reads, cache writes, output."""

    input: float
    cache_read: float
    cache_write: float
    output: float

    def cost(self, tokens: Tokens) -> float:
        return (
            tokens.uncached_input * self.input
            + tokens.cache_read * self.cache_read
            + tokens.cache_write * self.cache_write
            + tokens.output * self.output
        ) / PER


@dataclass(frozen=True)
class PriceTable:
    """The prices of the config file, and which model each store uses."""

    prices: Mapping[str, Price] = field(default_factory=dict)
    currency: str = "$"
    model: str = "default"
    stores: Mapping[Path, str] = field(default_factory=dict)
    source: Path | None = None

    def model_for(self, store_root: Path) -> str:
        """The model of a store: its ``[cost.stores]`` entry, else ``cost.model``."""
        key = _normal(store_root)
        for path, model in self.stores.items():
            if key == path or path in key.parents:
                return model
        return self.model

    def price_for(self, store_root: Path) -> tuple[str, Price] | None:
        """``(model, price)`` for a store, or None when no price is configured for it."""
        model = self.model_for(store_root)
        price = self.prices.get(model)
        return None if price is None else (model, price)

    def format(self, amount: float) -> str:
        return format_money(amount, self.currency)


@dataclass(frozen=True, slots=True)
class Priced:
    """The price of a store's model, with the table it comes from (for the currency)."""

    model: str
    price: Price
    table: PriceTable

    def cost(self, tokens: Tokens) -> float:
        return self.price.cost(tokens)

    def format(self, tokens: Tokens) -> str:
        return self.table.format(self.price.cost(tokens))

    @classmethod
    def of(cls, table: PriceTable, store_root: Path) -> Priced | None:
        """The price of the store's model, or None when the table has none for it."""
        found = table.price_for(store_root)
        return None if found is None else cls(found[0], found[1], table)


def format_money(amount: float, currency: str = "$") -> str:
    """``$12.34``, ``$0.042``, ``<$0.001``, ``$1,234``."""
    if amount == 0:
        return f"{currency}0"
    if amount < 0.001:
        return f"<{currency}0.001"
    if amount < 1:
        return f"{currency}{amount:.3f}"
    if amount < 1000:
        return f"{currency}{amount:.2f}"
    return f"{currency}{amount:,.0f}"


def _normal(path: Path) -> Path:
    try:
        return path.expanduser().resolve()
    except OSError:
        return path.expanduser().absolute()


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the config file is looked for."""
    env = os.environ if environ is None else environ
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser()
    base = env.get("XDG_CONFIG_HOME")
    root = Path(base).expanduser() if base else Path.home() / ".config"
    return root / "segview" / "config.toml"


class ConfigError(ValueError):
    """The config file exists but cannot be used (the message names the file)."""


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where} must be a number, not {value!r}")
    if value < 0 or value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(f"{where} must be a finite number of 0 or more, not {value!r}")
    return float(value)


def _price(model: str, table: object, where: str) -> Price:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [prices.{model}] must be a table")
    unknown = set(table) - {"input", "cache_read", "cache_write", "output"}
    if unknown:
        raise ConfigError(
            f"{where}: [prices.{model}] has unknown keys: {', '.join(sorted(unknown))}"
        )
    for key in ("input", "output"):
        if key not in table:
            raise ConfigError(f"{where}: [prices.{model}] needs `{key}`")
    base = _number(table["input"], f"{where}: prices.{model}.input")
    return Price(
        input=base,
        cache_read=_number(table.get("cache_read", base), f"{where}: prices.{model}.cache_read"),
        cache_write=_number(table.get("cache_write", base), f"{where}: prices.{model}.cache_write"),
        output=_number(table["output"], f"{where}: prices.{model}.output"),
    )


def parse_prices(data: Mapping[str, Any], source: Path) -> PriceTable:
    """The price table of a parsed config file (raises ``ConfigError``)."""
    where = str(source)
    prices: dict[str, Price] = {}
    raw_prices = data.get("prices", {})
    if not isinstance(raw_prices, dict):
        raise ConfigError(f"{where}: `prices` must be a table of models")
    for model, table in raw_prices.items():
        prices[model] = _price(model, table, where)
    cost = data.get("cost", {})
    if not isinstance(cost, dict):
        raise ConfigError(f"{where}: `cost` must be a table")
    currency = cost.get("currency", "$")
    model = cost.get("model", "default")
    if not isinstance(currency, str) or not isinstance(model, str):
        raise ConfigError(f"{where}: cost.currency and cost.model must be strings")
    stores_raw = cost.get("stores", {})
    if not isinstance(stores_raw, dict):
        raise ConfigError(f"{where}: [cost.stores] must map store directories to models")
    stores: dict[Path, str] = {}
    for directory, name in stores_raw.items():
        if not isinstance(name, str):
            raise ConfigError(f"{where}: cost.stores.{directory!r} must name a model")
        stores[_normal(Path(directory))] = name
    return PriceTable(prices, currency, model, stores, source)


def load_prices(path: Path | None = None) -> tuple[PriceTable, str | None]:
    """The price table of the config file, and a warning when the file cannot be used.

    A missing file is no warning (no prices); an unreadable or malformed one gives an empty
    table and a one-line message naming the file (and the line, for TOML syntax errors).
    """
    source = config_path() if path is None else path
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        return PriceTable(), None
    except OSError as exc:
        return PriceTable(), f"{source}: cannot read: {exc.strerror or exc}; no prices"
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return PriceTable(), f"{source}: not UTF-8 text; no prices"
    except tomllib.TOMLDecodeError as exc:
        return PriceTable(), f"{source}: {exc}; no prices"
    try:
        return parse_prices(data, source), None
    except ConfigError as exc:
        return PriceTable(), f"{exc}; no prices"
