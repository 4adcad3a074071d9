"""What ``ls`` and ``tree`` add to each segment: its label, its tokens and their cost."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segview.notes import SegmentNotes, read_store_notes
from segview.text import one_line

if TYPE_CHECKING:
    from segview.cost import PriceTable, UsageFigures
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


def annotate(lineage: Lineage, *, usage: bool) -> Annotations:
    """The labels of the store's segments, and (``usage``) their tokens and cost."""
    notes = read_store_notes(store_directories(lineage))
    if not usage:
        return Annotations(notes)
    from segview.cost import lineage_figures, load_prices

    prices, warning = load_prices()
    if warning:
        print(f"segview: warning: {one_line(warning)}", file=sys.stderr)
    found = prices.price_for(lineage.root)
    model = found[0] if found is not None else None
    return Annotations(notes, lineage_figures(lineage), prices, model)
