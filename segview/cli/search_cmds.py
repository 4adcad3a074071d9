"""``segview search``: find text in every conversation of a store (or of one segment)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from segview.search import SegmentHits
from segview.text import one_line, short_ids

from .arguments import add_command, add_json, add_store
from .common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    CliError,
    open_scan,
    print_json,
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
    found = list(search_store(scan, query, segments=only, inherited=ns.inherited))
    if ns.json:
        print_json([_to_json(f) for f in found if f.hits])
    else:
        _print(found, [s.id for s in scan.segments])
    for f in found:
        if f.problem is not None:
            print(
                f"segview: {one_line(str(f.segment.path))}: {one_line(f.problem)}", file=sys.stderr
            )
    return EXIT_OK if any(f.hits for f in found) else EXIT_PROBLEMS


def _to_json(found: SegmentHits) -> dict[str, Any]:
    return {
        "segment_id": found.segment.id,
        "session_id": found.segment.session_id,
        "path": str(found.segment.path),
        "hits": [h.to_json() for h in found.hits],
    }


def _print(found: list[SegmentHits], ids: list[str]) -> None:
    short = short_ids(ids)
    out = sys.stdout
    total = 0
    for f in found:
        for hit in f.hits:
            total += 1
            label = short.get(hit.segment_id, hit.segment_id[:8])
            out.write(f"{label}  {_turn(hit.turn):>9}  {hit.where:<18} {hit.snippet}\n")
    segments = sum(1 for f in found if f.hits)
    print(
        f"segview: {total} item{'s' * (total != 1)} in {segments} segment{'s' * (segments != 1)}",
        file=sys.stderr,
    )
