"""What ``ls`` and ``tree`` add to each segment: its label, its tokens and their cost."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from segview.notes import SegmentNotes, read_store_notes
from segview.text import one_line

if TYPE_CHECKING:
    from segview.cost import PriceTable, SegmentUsage, Tokens, UsageFigures
    from segview.lineage import Lineage

SCOPES = ("own", "inherited", "branch", "subtree")


@dataclass
class Annotations:
    """Labels (from the notes sidecars), token figures and the store's price, if any."""

    notes: dict[str, SegmentNotes] = field(default_factory=dict)
    figures: dict[str, UsageFigures] = field(default_factory=dict)
    prices: PriceTable | None = None  # None: no prices read
    model: str | None = None

    def label(self, segment_id: str) -> str | None:
        notes = self.notes.get(segment_id)
        return notes.label if notes is not None else None

    def json(self, segment_id: str) -> dict[str, Any]:
        """``label``, ``tokens`` and ``cost`` of a segment, for ``--json`` output."""
        figures = self.figures.get(segment_id)
        cost: dict[str, Any] | None = None
        if figures is not None and self.model is not None and self.prices is not None:
            price = self.prices.prices[self.model]
            cost = {"model": self.model, "currency": self.prices.currency}
            cost.update({scope: price.cost(figures.get(scope)) for scope in SCOPES})
        return {
            "label": self.label(segment_id),
            "tokens": None if figures is None else figures.to_json(),
            "cost": cost,
        }


def store_directories(lineage: Lineage) -> list[Path]:
    """Every directory holding segments of the store (the root first)."""
    dirs = {lineage.root: None}
    for node in lineage.nodes.values():
        dirs.setdefault(node.store.root, None)
    return list(dirs)


def annotate(lineage: Lineage, *, usage: bool, progress_to: TextIO | None = None) -> Annotations:
    """The labels of the store's segments, and (``usage``) their tokens and cost (with the
    progress of reading them on ``progress_to``, default stderr)."""
    notes = read_store_notes(store_directories(lineage))
    if not usage:
        return Annotations(notes)
    from segview.cost import lineage_links, load_prices, usage_figures

    prices, warning = load_prices()
    if warning:
        print(f"segview: warning: {one_line(warning)}", file=sys.stderr)
    found = prices.price_for(lineage.root)
    model = found[0] if found is not None else None
    links = lineage_links(lineage)
    ids = [link.segment_id for link in links]
    figures = usage_figures(links, indexed_usage(lineage, ids, progress_to))
    return Annotations(notes, figures, prices, model)


def indexed_usage(
    lineage: Lineage, ids: list[str], progress_to: TextIO | None = None
) -> dict[str, SegmentUsage]:
    """Each segment's usage (``cost.scan_usage``), from the index for files it has it for;
    the others are read (with their progress on ``progress_to``), and kept in the index."""
    from segview.cost import UsageReader

    from .progress import Progress

    index = lineage.index
    known = index.extras_under(os.path.abspath(lineage.scan_root), "usage") if index else {}
    reader = UsageReader()
    out: dict[str, SegmentUsage] = {}
    fresh: list[tuple[str, tuple[int, int, int, int, int], bytes]] = []
    total = sum(lineage.nodes[i].size for i in ids)
    with Progress("counting the tokens of", len(ids), total, progress_to) as progress:
        for done, segment_id in enumerate(ids, 1):
            progress.update(done)
            node = lineage.nodes[segment_id]
            key = lineage.index_key(node)
            st = node._stat
            identity = None if st is None else (st.dev, st.ino, st.size, st.mtime_ns, st.ctime_ns)
            found = known.get(key)
            if found is not None and found[0] == identity:
                try:
                    out[segment_id] = usage_of_json(found[1])
                    continue
                except (ValueError, TypeError, IndexError):
                    pass
            usage = out[segment_id] = reader.read(node.store, segment_id)
            if index is not None and identity is not None and _unchanged(key, identity):
                fresh.append((key, identity, usage_json(usage)))
    if index is not None and fresh:
        index.put_extra(fresh, "usage")
    return out


def _unchanged(path: str, identity: tuple[int, ...]) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns) == identity


def usage_json(usage: SegmentUsage) -> bytes:
    import orjson

    def tokens(t: Tokens) -> list[int]:
        return [t.requests, t.input, t.cache_read, t.cache_write, t.output]

    spans = [[s.turn_count, s.first, s.end, s.close, *tokens(s.tokens)] for s in usage.turns]
    return orjson.dumps([spans, tokens(usage.tail)])


def usage_of_json(blob: bytes) -> SegmentUsage:
    """``usage_json`` undone; raises ``ValueError`` when it is not what it writes."""
    import orjson

    from segview.cost import SegmentUsage, Tokens, TurnSpan, sum_tokens

    spans_raw, tail_raw = orjson.loads(blob)
    for value in (*tail_raw, *(v for span in spans_raw for v in span)):
        if type(value) is not int:
            raise ValueError("not a number")
    spans = tuple(
        TurnSpan(s[0], s[1], s[2], s[3], Tokens(*s[4:9])) for s in spans_raw if len(s) == 9
    )
    if len(spans) != len(spans_raw) or len(tail_raw) != 5:
        raise ValueError("not a usage record")
    tail = Tokens(*tail_raw)
    return SegmentUsage(spans, tail, sum_tokens(s.tokens for s in spans) + tail)
