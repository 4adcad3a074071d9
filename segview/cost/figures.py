"""Figures over the forest: each segment's own, inherited, branch and subtree tokens
(``UsageFigures``), following the links of forks and compactions (``Link``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .scan import UsageReader
from .tokens import SegmentUsage, Tokens

if TYPE_CHECKING:
    from segview.lineage import Lineage

__all__ = [
    "Link",
    "UsageFigures",
    "lineage_figures",
    "lineage_links",
    "usage_figures",
]


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
