"""``segview search``: find text in every conversation of a store (or of one segment)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from segview.search import SegmentHits
from segview.text import one_line, plural, short_ids

from .arguments import add_command, add_json, add_store
from .common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    CliError,
    open_scan,
    print_json_list,
    resolve_segment,
)


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "search",
        cmd_search,
        help="find text in every conversation of a store (as the model saw it)",
        description=(
            "Find QUERY in the conversations of a store: user input, assistant text,\n"
            "reasoning, tool calls and results, system messages, system prompts, seeded\n"
            "history, labels and notes. One line per item that matches: the segment, the\n"
            "turn whose state first shows the item (turn 0: the seed; 'running': a turn\n"
            "still in progress), what the item is, and the text around the first match.\n"
            "Case-insensitive literal text by default. Exit status: 0 when something\n"
            "matches, 1 when nothing does, 2 for a usage error (a bad regular expression)."
        ),
        epilog=(
            "examples:\n"
            "  segview search sample_logs ValueError\n"
            "  segview search sample_logs 'parse_\\w+\\(' --regex --case-sensitive\n"
            "  segview search sample_logs timedelta --segment 01926c6 --json"
        ),
    )
    add_store(p, "a store (any layout) or a segment file")
    p.add_argument("query", metavar="QUERY", help="the text (or with --regex, the pattern)")
    p.add_argument("--regex", "-e", action="store_true", help="QUERY is a regular expression")
    p.add_argument(
        "--case-sensitive", "-s", action="store_true", help="match upper and lower case exactly"
    )
    p.add_argument(
        "--segment", metavar="SEGMENT", help="search only this segment (an id or a prefix)"
    )
    p.add_argument(
        "--inherited",
        action="store_true",
        help="also search the history a fork inherited from its parent (found in the parent)",
    )
    add_json(p, "print the hits as JSON")


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
