"""``segview tree`` and ``segview check``: the lineage model's commands.

Text from a log or a directory listing (titles, ids, problem messages, file names) is printed
through ``segview.text``: ``one_line`` for rows and file names, ``safe_json`` for JSON.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

from segview.store import StoreError
from segview.store.layout import NotAStore
from segview.text import one_line, unique_prefix_lengths

from .arguments import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from .common import CliError, dumps_json, open_index, open_scan
from .kept import Recording, kept_or_made
from .progress import Progress

if TYPE_CHECKING:
    from segview.index import StoreIndex
    from segview.lineage import Lineage, SegmentNode, StoreProblem
    from segview.store.layout import StoreScan

    from .annotations import Annotations

# The lineage model is imported where it is used: a ``tree`` printed again from the index
# (``kept``) never builds it.

MIN_PREFIX = 8


def open_lineage(
    path: str,
    ns: argparse.Namespace | None = None,
    *,
    index: StoreIndex | None = None,
    scan: StoreScan | None = None,
) -> Lineage:
    """The forest of the store at ``path`` (any layout; a segment file: its directory), with
    the index unless ``ns.no_index`` (or ``index``, already open); ``scan``: the store's
    scan, already made."""
    from segview.lineage import Lineage

    if index is None and ns is not None:
        index = open_index(path, ns)
    try:
        # read once, never refreshed
        return Lineage.open(path, track_rewrites=False, index=index, scan=scan)
    except NotAStore as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    except StoreError as exc:
        raise CliError(f"cannot read store {path}: {exc}", EXIT_USAGE) from None


# --- tree -----------------------------------------------------------------------------------


def node_flags(node: SegmentNode) -> list[str]:
    flags: list[str] = []
    if node.parent_missing:
        flags.append(f"[parent missing: {one_line(node.parent_id or '')}]")
    if node.in_cycle:
        flags.append("[cycle: link ignored here]" if node.parent is None else "[in a cycle]")
    if (first := node.first_line_problem) is not None:
        where = f"line {first.line}: " if first.line is not None else ""
        flags.append(f"[unreadable start: {one_line(where + first.message, 60)}]")
    others = sum(p is not node.first_line_problem for p in node.problems)
    if n := others + node.problems_omitted:
        flags.append(f"[{n:,} problem{'s' * (n != 1)}]")
    return flags


def node_line(node: SegmentNode, prefix_len: int, label: str | None = None) -> str:
    parts = [one_line(node.id[:prefix_len])]
    if node.origin is not None:
        parts.append(f"{node.origin} @{node.at_turn_index}")
    if node.turns is not None:
        parts.append(f"{node.turns} turn{'s' * (node.turns != 1)}")
    parts.extend(node_flags(node))
    if label:
        parts.append(f"✎ {one_line(label)}")
    else:
        parts.append(one_line(node.title) if node.title else "(no user input)")
    return "  ".join(parts)


def tree_lines(lineage: Lineage, labels: Annotations | None = None) -> Iterator[str]:
    """The forest drawn with box characters; sessions (later layout) as headings; a label
    (``segview label``) shows instead of the title."""
    lengths = unique_prefix_lengths(lineage.nodes, MIN_PREFIX)
    groups: list[tuple[str | None, list[SegmentNode]]]
    if lineage.layout == "sessions":
        loose = [r for r in lineage.roots if r.session_id is None]
        groups = [(f"session {sid}", roots) for sid, roots in lineage.sessions.items()]
        if loose:
            groups.append(("(outside any session directory)", loose))
    else:
        groups = [(None, lineage.roots)]
    for heading, roots in groups:
        base = ""
        if heading is not None:
            yield one_line(heading)
            base = "  "
        # (node, prefix for its own line, prefix for its children's lines)
        stack: list[tuple[SegmentNode, str, str]] = [(r, base, base) for r in reversed(roots)]
        while stack:
            node, lead, child_lead = stack.pop()
            label = labels.label(node.id) if labels is not None else None
            yield lead + node_line(node, lengths[node.id], label)
            children = node.children
            for i in range(len(children) - 1, -1, -1):
                last = i == len(children) - 1
                stack.append(
                    (
                        children[i],
                        child_lead + ("└─ " if last else "├─ "),
                        child_lead + ("   " if last else "│  "),
                    )
                )


def node_json(node: SegmentNode, extra: Annotations | None = None) -> dict[str, Any]:
    """One node's fields for ``tree --json`` (``children`` last, filled by the caller)."""
    first = node.first_line_problem
    more = extra.json(node.id) if extra is not None else {}
    return {
        "id": node.id,
        "origin": node.origin,
        "parent_id": node.parent_id,
        "at_turn_index": node.at_turn_index,
        "parent_missing": node.parent_missing,
        "in_cycle": node.in_cycle,
        "session_id": node.session_id,
        "created_ts": node.created_ts,
        "last_ts": node.last_ts,
        "title": node.title,
        "turns": node.turns,
        "entries": node.entries,
        "size": node.size,
        "first_line_problem": None if first is None else first.to_json(),
        "problems": [p.to_json() for p in node.problems],
        **more,
        "children": None,
    }


_CHILDREN_KEY = '"children": null'


def forest_json(roots: list[SegmentNode], extra: Annotations | None = None) -> str:
    """The forest as indented JSON, written without recursion (chains can be very deep)."""
    return "".join(forest_json_parts(roots, extra))


def forest_json_parts(roots: list[SegmentNode], extra: Annotations | None = None) -> Iterator[str]:
    """``forest_json`` a piece at a time (a node's own fields, then its children), so that the
    JSON of a big forest is never held whole."""
    if not roots:
        yield "[]"
        return
    yield "[\n"
    stack: list[str | tuple[SegmentNode, int]] = ["\n]"]
    _push_list(stack, roots, 2)
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
            continue
        node, indent = item
        text = dumps_json(node_json(node, extra)).decode()
        head, _key, tail = text.rpartition(_CHILDREN_KEY)
        pad = " " * indent
        yield "\n".join(pad + line for line in head.split("\n"))
        closing = "\n".join(pad + line if line else line for line in tail.split("\n"))
        if not node.children:
            yield '"children": []' + closing
            continue
        yield '"children": [\n'
        stack.append("\n" + pad + "  ]" + closing)
        _push_list(stack, node.children, indent + 4)


def _push_list(
    stack: list[str | tuple[SegmentNode, int]], nodes: list[SegmentNode], indent: int
) -> None:
    for i in range(len(nodes) - 1, -1, -1):
        stack.append((nodes[i], indent))
        if i:
            stack.append(",\n")


def cmd_tree(ns: argparse.Namespace) -> int:
    index = open_index(ns.store, ns)
    scan = open_scan(ns.store)

    def make(out: Recording) -> int:
        _print_tree(ns, open_lineage(ns.store, index=index, scan=scan), out)
        return EXIT_OK

    name = "tree --json" if ns.json else "tree"
    return kept_or_made(index, scan, ns.store, name, make, prices=ns.json)


def _print_tree(ns: argparse.Namespace, lineage: Lineage, out: Recording) -> None:
    from .annotations import annotate

    nodes = lineage.nodes.values()
    with Progress("reading", len(nodes), sum(n.size for n in nodes), out.stderr) as progress:
        for done, (_depth, node) in enumerate(lineage.walk(), 1):
            lineage.load_details(node)
            progress.update(done)
    lineage.save_index()
    extra = annotate(lineage, usage=ns.json, progress_to=out.stderr)
    if ns.json:
        sys.stdout.flush()
        for part in forest_json_parts(lineage.roots, extra):
            out.write_bytes(part.encode())
        out.write_bytes(b"\n")
        sys.stdout.flush()
        return
    if not lineage.nodes:
        out.write_text(f"no segments in {one_line(str(lineage.root))}\n")
    lines = list(tree_lines(lineage, extra))
    if lines:
        out.write_text("\n".join(lines) + "\n")
    sys.stdout.flush()
    if lineage.skipped:
        n = len(lineage.skipped)
        print(
            f"segview: {n} file{'s' * (n != 1)} skipped (not segment files); see `segview check`",
            file=sys.stderr,
        )


# --- check ----------------------------------------------------------------------------------


def checked_nodes(lineage: Lineage) -> list[SegmentNode]:
    """What ``check`` reads: every segment, or the one a segment-file path selected."""
    if lineage.selected is not None:
        node = lineage.get(lineage.selected)
        return [node] if node is not None else []
    return list(lineage.nodes.values())


def collect_problems(lineage: Lineage, progress_to: TextIO | None = None) -> list[StoreProblem]:
    """Every problem of the store (every file read in full), sorted by file and line; the
    progress on ``progress_to`` (default: stderr)."""
    from segview.lineage import StoreProblem, problem_order

    nodes = checked_nodes(lineage)
    problems: list[StoreProblem] = []
    if lineage.selected is None:  # a segment file: that segment's problems only
        problems.extend(StoreProblem.of_unlisted(entry) for entry in lineage.unlisted)
    with Progress("checking", len(nodes), sum(n.size for n in nodes), progress_to) as progress:
        for done, node in enumerate(nodes, 1):
            problems.extend(lineage.node_problems(node, with_details=True))
            progress.update(done)
    problems.sort(key=problem_order)
    return problems


def problem_line(problem: StoreProblem) -> str:
    """``FILE:LINE: MESSAGE`` on one line: file name and message escaped (``one_line``), so
    that neither can send a control sequence or start a line of its own."""
    path = one_line(str(problem.path))
    where = f"{path}:{problem.line}" if problem.line is not None else path
    return f"{where}: {one_line(problem.message)}"


def cmd_check(ns: argparse.Namespace) -> int:
    index = open_index(ns.store, ns)
    scan = open_scan(ns.store)

    def make(out: Recording) -> int:
        lineage = open_lineage(ns.store, index=index, scan=scan)
        problems = collect_problems(lineage, out.stderr)
        lineage.save_index()
        if ns.json:
            out.write_bytes(dumps_json([p.to_json() for p in problems]))
            out.write_bytes(b"\n")
            sys.stdout.flush()
        else:
            for problem in problems:
                out.write_text(problem_line(problem) + "\n")
            sys.stdout.flush()
            segments = len(checked_nodes(lineage))
            print(f"segview: {check_summary(segments, problems)}", file=sys.stderr)
        return EXIT_PROBLEMS if any(not p.is_note for p in problems) else EXIT_OK

    return kept_or_made(index, scan, ns.store, "check --json" if ns.json else "check", make)


def check_summary(segments: int, problems: list[StoreProblem]) -> str:
    """The last line of ``check``: how many problems in how many files, notes told apart
    (those counted beyond the 1,000 kept per file included)."""
    summary = f"{segments} segment{'s' * (segments != 1)} checked"
    if not problems:
        return summary + ": no problems"
    files = len({p.path for p in problems})
    in_files = f"in {files} file{'s' * (files != 1)}"
    total = sum(p.count for p in problems)
    notes = sum(p.count for p in problems if p.is_note)
    note_text = f"{notes:,} note{'s' * (notes != 1)} about what a newer runtime version wrote"
    if notes == total:
        return f"{summary}: no damage; {note_text} {in_files}"
    summary += f": {total:,} problem{'s' * (total != 1)} {in_files}"
    return summary + (f" ({note_text}, not damage)" if notes else "")
