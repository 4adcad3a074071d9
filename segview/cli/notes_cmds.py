"""``segview notes / label / note``: labels and notes kept beside the logs."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from segview.notes import NotesError, SegmentNotes, add_note, read_store_notes, set_label
from segview.store import StoreError
from segview.text import format_ts, one_line, short_ids

from .annotations import store_directories
from .arguments import EXIT_OK, EXIT_USAGE
from .common import CliError, print_json
from .compare_cmds import resolve
from .lineage_cmds import open_lineage

if TYPE_CHECKING:
    from segview.lineage import Lineage, SegmentNode


def lineage_notes(lineage: Lineage) -> dict[str, SegmentNotes]:
    """The notes of every segment of the store that has any."""
    return read_store_notes(store_directories(lineage))


def cmd_notes(ns: argparse.Namespace) -> int:
    lineage = open_lineage(ns.store)
    found = lineage_notes(lineage)
    order = [node.id for _depth, node in lineage.walk() if node.id in found]
    order += sorted(set(found) - set(order))
    for seg in order:
        for problem in found[seg].problems:
            print(f"segview: warning: {one_line(str(problem))} (line skipped)", file=sys.stderr)
    if ns.json:
        print_json([{**found[s].to_json(), "in_store": s in lineage.nodes} for s in order])
        return EXIT_OK
    if not any(found[s] for s in order):
        print(f"no labels or notes in {one_line(str(lineage.root))}")
        return EXIT_OK
    names = short_ids(list(lineage.nodes) + order)
    for seg in order:
        notes = found[seg]
        if not notes:
            continue
        head = names[seg]
        if notes.label:
            head += f"  ✎ {one_line(notes.label)}"
        if seg not in lineage.nodes:
            head += "  (not in the store)"
        print(head)
        for note in notes.notes:
            print(f"  {note.target}: {one_line(note.text)}  ({format_ts(note.ts)})")
    return EXIT_OK


def _node(lineage: Lineage, prefix: str) -> SegmentNode:
    return lineage.nodes[resolve(lineage, prefix)]


def cmd_label(ns: argparse.Namespace) -> int:
    lineage = open_lineage(ns.store)
    node = _node(lineage, ns.segment)
    text = " ".join(ns.text)
    try:
        set_label(node.store.root, node.id, text)
    except NotesError as exc:
        raise CliError(str(exc)) from None
    label = " ".join(text.split())
    print(f"{node.id}: label {one_line(label)!r}" if label else f"{node.id}: label removed")
    return EXIT_OK


def cmd_note(ns: argparse.Namespace) -> int:
    lineage = open_lineage(ns.store)
    node = _node(lineage, ns.segment)
    text = " ".join(ns.text)
    if ns.turn is not None or ns.item is not None:
        _check_target(node, ns.turn, ns.item)
    try:
        note = add_note(node.store.root, node.id, text, turn=ns.turn, item=ns.item)
    except NotesError as exc:
        raise CliError(str(exc)) from None
    print(f"{node.id}: note {note.id} on {note.target}")
    return EXIT_OK


def _check_target(node: SegmentNode, turn: int | None, item: int | None) -> None:
    """A turn the segment has, an item its history has (at that turn): else a usage error."""
    from segview.timeline import Timeline

    try:
        timeline = Timeline.load(node.store, node.id)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    counts = [t.turn_count for t in timeline.turns]
    if turn is not None and turn != 0 and turn not in counts:
        have = f"its turns are 0..{max(counts)}" if counts else "it has no completed turn"
        raise CliError(f"segment {node.id} has no turn {turn}: {have}", EXIT_USAGE)
    if item is not None:
        if turn is None:
            state = timeline.state_at(None)
        elif turn == 0:  # the start: the seed history
            state = timeline.state_at_entry(min(1, len(timeline.entries)))
        else:
            state = timeline.state_at(turn)
        n = len(state.history)
        where = f"after turn {turn}" if turn is not None else "in all"
        if item < 1 or item > n:
            raise CliError(
                f"segment {node.id} has no item {item}: it has {n} item{'s' * (n != 1)} {where}",
                EXIT_USAGE,
            )
