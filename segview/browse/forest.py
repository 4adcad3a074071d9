"""A snapshot of the lineage forest for the ancestry tree (plain data, built off the UI thread).

The tree widget never touches the lineage model: a worker builds these rows while holding
the model lock and posts them; the widget only draws them.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING

from segview.text import short_ids

if TYPE_CHECKING:
    from segview.lineage import Lineage, SegmentNode


@dataclass(frozen=True, slots=True)
class TreeRow:
    """One segment as the tree shows it."""

    id: str
    short: str
    parent_id: str | None  # the resolved parent in the tree (None for a root)
    session_id: str | None
    origin: str | None  # "fork" | "compaction"
    origin_parent: str | None  # as recorded (may be missing from the store)
    at_turn: int | None
    title: str | None
    turns: int | None
    created_ts: int | None
    last_ts: int | None
    parent_missing: bool
    in_cycle: bool
    problems: int
    first_line_problem: str | None

    @property
    def flagged(self) -> bool:
        return self.parent_missing or self.in_cycle or self.problems > 0


@dataclass(frozen=True, slots=True)
class ForestSnapshot:
    """Every row in tree order (depth first, roots newest first), plus store-wide figures."""

    rows: tuple[TreeRow, ...]
    layout: str
    problems: int  # store-wide damage count (what makes ``segview check`` fail)
    skipped: int

    @property
    def shape(self) -> tuple[tuple[str, str | None, str | None], ...]:
        """What decides the tree's structure (not its labels)."""
        return tuple((r.id, r.parent_id, r.session_id) for r in self.rows)

    def row(self, segment_id: str) -> TreeRow | None:
        for r in self.rows:
            if r.id == segment_id:
                return r
        return None


def _row(node: SegmentNode, short: dict[str, str]) -> TreeRow:
    # notes about what a newer runtime version wrote are no damage (as for `segview check`)
    damage = node.damage_omitted
    if node.problems:
        damage += sum(not p.is_note for p in node.problems)
    problems = damage if node.details_loaded else 0
    if node.first_line_problem is not None and not node.details_loaded:
        problems = 1
    return TreeRow(
        id=node.id,
        short=short.get(node.id, node.id[:8]),
        parent_id=node.parent.id if node.parent is not None else None,
        session_id=node.session_id,
        origin=node.origin,
        origin_parent=node.parent_id,
        at_turn=node.at_turn_index,
        title=node.title,
        turns=node.turns,
        created_ts=node.created_ts,
        last_ts=node.last_ts,
        parent_missing=node.parent_missing,
        in_cycle=node.in_cycle,
        problems=problems,
        first_line_problem=(
            str(node.first_line_problem) if node.first_line_problem is not None else None
        ),
    )


_FORMAT = b"segview-forest-1\n"
_DIGEST = 16  # bytes: the index's digest (``segview.index.new_digest``)


def encode(forest: ForestSnapshot) -> bytes:
    """``forest`` as bytes to keep (``decode`` reads them back): a header, a digest of the
    body, the body (JSON: the store-wide figures, then every row's fields in order)."""
    import orjson

    from segview.index import new_digest

    body = orjson.dumps(
        [forest.layout, forest.problems, forest.skipped, list(map(_fields, forest.rows))]
    )
    return _FORMAT + new_digest(body).digest() + body


def forest_digest(data: bytes) -> bytes:
    """What tells two encoded snapshots apart (its header and the digest of its body): kept
    instead of the whole encoding (10 MB at 50,000 rows)."""
    return data[: len(_FORMAT) + _DIGEST]


def decode(data: bytes) -> ForestSnapshot | None:
    """The snapshot ``encode`` made, or None when ``data`` is not one (another format, cut
    short, changed since: the digest does not match)."""
    import orjson

    from segview.index import new_digest

    head = len(_FORMAT)
    if not data.startswith(_FORMAT) or len(data) < head + _DIGEST:
        return None
    digest, body = data[head : head + _DIGEST], data[head + _DIGEST :]
    if new_digest(body).digest() != digest:
        return None
    try:
        layout, problems, skipped, rows = orjson.loads(body)
        return ForestSnapshot(tuple(TreeRow(*r) for r in rows), layout, problems, skipped)
    except (orjson.JSONDecodeError, TypeError, ValueError):
        return None


_fields = attrgetter(*TreeRow.__dataclass_fields__)  # a row's fields, in order


def snapshot(lineage: Lineage, *, with_details: bool) -> ForestSnapshot:
    """The rows of ``lineage`` (details loaded first when ``with_details``)."""
    nodes = [node for _depth, node in lineage.walk()]
    if with_details:
        for node in nodes:
            lineage.load_details(node)
    short = short_ids(n.id for n in nodes)
    rows = tuple(_row(n, short) for n in nodes)
    problems = sum(p.count for p in lineage.problems(with_details=with_details) if not p.is_note)
    return ForestSnapshot(rows, lineage.layout, problems, len(lineage.skipped))
