"""``segview ls / show / cat / fork``: the store core's commands, their arguments, and ``fork``.

``ls`` is in ``ls_cmd``, ``show`` in ``show_cmd``, ``cat`` in ``cat_cmd``.

Text from a log reaches the terminal only through ``segview.text``: ``safe`` for the
transcript's multi-line text, ``one_line`` for table cells, headings, names and file names,
``safe_json`` for JSON.
"""

from __future__ import annotations

import argparse
from typing import Any

from .arguments import (
    add_command,
    add_format_version,
    add_index_flag,
    add_json,
    add_segment,
    add_store,
    format_version,
    non_negative,
)
from .cat_cmd import cmd_cat
from .common import EXIT_USAGE, CliError, open_scan, print_json, resolve_segment
from .ls_cmd import cmd_ls
from .show_cmd import cmd_show, turn_ranges


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "ls",
        cmd_ls,
        help="list the segments of a store, newest first",
        description=(
            "List every segment of STORE, newest first (the runtime's own order: sessions\n"
            "newest first, each session's segments newest first). STORE is a store in any\n"
            "layout, or a segment file (then only that segment is listed)."
        ),
        epilog="example:\n  segview ls sample_logs\n  segview ls sample_logs --json | jq '.[0]'",
    )
    add_store(p)
    add_json(p, "print a JSON list instead of a table")
    add_index_flag(p)

    p = add_command(
        sub,
        "show",
        cmd_show,
        help="print the replayed conversation of a segment (at a turn)",
        description=(
            "Replay SEGMENT and print the conversation state: after the turn_end whose\n"
            "turn_count is N with --turn N, else after the whole log."
        ),
        epilog="example:\n  segview show sample_logs 01926b80 --turn 2\n  segview show sample_logs 01926b80 --json",
    )
    add_store(p)
    add_segment(p, optional=True)
    p.add_argument("--turn", type=non_negative, metavar="N", help="the state after turn N")
    add_json(p, "print the state as JSON")
    add_format_version(p)
    add_index_flag(p)

    p = add_command(
        sub,
        "cat",
        cmd_cat,
        help="print a segment's entries, decoded and re-encoded",
        description=(
            "Print SEGMENT's entries one per line, each decoded and re-encoded by the codec.\n"
            "For a file written by the agent runtime this reproduces the file byte for byte\n"
            "(but DEL, C1 and bidirectional controls in strings, written as \\u escapes);\n"
            "what a newer runtime version wrote (unknown kinds and keys) is kept as read.\n"
            "Damaged lines are reported on stderr (exit status 1); notes about what a newer\n"
            "runtime version wrote too (exit status 0). A current-version segment's last\n"
            "line without a newline is a write in progress and is not printed."
        ),
        epilog="example:\n  segview cat sample_logs 01926b80 | diff - sample_logs/01926b80-*.jsonl",
    )
    add_store(p)
    add_segment(p, optional=True)
    add_index_flag(p)
    p.add_argument(
        "--runtime",
        action="store_true",
        help="print each entry as the runtime of the segment's version writes it back "
        "(what it does not know is dropped)",
    )
    add_format_version(p)

    p = add_command(
        sub,
        "fork",
        cmd_fork,
        help="branch a segment after a turn into a new segment",
        description=(
            "Create a new segment that starts from SEGMENT's state after turn N\n"
            "(forked_from records the source and N). The source is never modified;\n"
            "--at-turn 0 branches before the first turn."
        ),
        epilog="example:\n  segview fork sample_logs 01926b80 --at-turn 2",
    )
    add_store(p)
    add_segment(p, optional=True)
    p.add_argument("--at-turn", type=non_negative, metavar="N", required=True, help="the turn")
    add_json(p, "print the result as JSON")
    add_format_version(p)


def cmd_fork(ns: argparse.Namespace) -> int:
    from segview.store import TurnEnd, fork_at

    found = resolve_segment(open_scan(ns.store), ns.segment)
    store, segment_id = found.store, found.id  # the fork goes beside its source
    # strict, as the Rust crate's fork_at; a last line still being written is left out
    entries, version = store.read_strict(
        segment_id, version=format_version(ns), committed_only=True
    )
    if ns.at_turn != 0 and not any(
        isinstance(e, TurnEnd) and e.turn_count == ns.at_turn for e in entries
    ):
        turns = [e.turn_count for e in entries if isinstance(e, TurnEnd)]
        have = f"its turns are {turn_ranges(turns)}" if turns else "it has no completed turn"
        raise CliError(f"segment {segment_id} has no turn {ns.at_turn}: {have}", EXIT_USAGE)
    new_id = fork_at(store, segment_id, ns.at_turn, entries=entries, version=version)
    if ns.json:
        print_json(
            {
                "segment_id": new_id,
                "forked_from": {"segment_id": segment_id, "at_turn_index": ns.at_turn},
            }
        )
    else:
        print(new_id)
    return 0
