"""``segview ls / show / cat / fork``: the store core's commands, their arguments, and ``fork``.

``ls`` is in ``ls_cmd``, ``show`` in ``show_cmd``, ``cat`` in ``cat_cmd``.

Text from a log reaches the terminal only through ``segview.text``: ``safe`` for the
transcript's multi-line text, ``one_line`` for table cells, headings, names and file names,
``safe_json`` for JSON.
"""

from __future__ import annotations

import argparse

from .arguments import EXIT_USAGE, format_version
from .common import CliError, open_scan, print_json, resolve_segment
from .show_cmd import turn_ranges


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
