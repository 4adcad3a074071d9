"""``segview search``: find text in every conversation of a store (or of one segment)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from segview.search import SegmentHits
from segview.text import one_line, plural, short_ids

from .arguments import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from .common import CliError, open_scan, print_json_list, resolve_segment


def _turn(turn: int | None) -> str:
    return "running" if turn is None else f"turn {turn}"


def cmd_search(ns: argparse.Namespace) -> int:
    from segview.search import Query, QueryError, search_store

    query = Query(ns.query, regex=ns.regex, case_sensitive=ns.case_sensitive)
    try:
        query.pattern()
    except QueryError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    if not query.text:
        raise CliError("the query is empty", EXIT_USAGE)
    scan = open_scan(ns.store)
    only = None
    if ns.segment is not None or scan.selected is not None:
        only = [resolve_segment(scan, ns.segment)]
    # printed as each segment is searched: the hits of a common word in a big store are
    # never held whole
    problems: list[SegmentHits] = []
    matched = [0, 0]  # items, segments

    def each() -> Iterator[SegmentHits]:
        for found in search_store(scan, query, segments=only, inherited=ns.inherited):
            if found.problem is not None:
                problems.append(found)
            if found.hits:
                matched[0] += len(found.hits)
                matched[1] += 1
                yield found

    if ns.json:
        print_json_list(_to_json(f) for f in each())
    else:
        _print(each(), [s.id for s in scan.segments])
        items, segments = matched
        print(
            f"segview: {plural(items, 'item')} in {plural(segments, 'segment')}",
            file=sys.stderr,
        )
    for f in problems:
        print(
            f"segview: {one_line(str(f.segment.path))}: {one_line(str(f.problem))}", file=sys.stderr
        )
    return EXIT_OK if matched[1] else EXIT_PROBLEMS


def _to_json(found: SegmentHits) -> dict[str, Any]:
    return {
        "segment_id": found.segment.id,
        "session_id": found.segment.session_id,
        "path": str(found.segment.path),
        "hits": [h.to_json() for h in found.hits],
    }


def _print(found: Iterable[SegmentHits], ids: list[str]) -> None:
    short = short_ids(ids)
    out = sys.stdout
    for f in found:
        for hit in f.hits:
            label = short.get(hit.segment_id, hit.segment_id[:8])
            out.write(f"{label}  {_turn(hit.turn):>9}  {hit.where:<18} {hit.snippet}\n")
