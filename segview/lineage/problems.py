"""The problems of a store: one ``StoreProblem`` per thing wrong, what ``segview check``
reports and the app lists; a segment's own (first line, links, what its read reported) come
from ``node_problems``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from segview.store.fs_store import (
    MAX_PROBLEMS,
    NEWER_VERSION_KIND,
    LongLine,
    Problem,
    is_blank,
    open_regular,
    read_lines,
)

if TYPE_CHECKING:
    from segview.store.layout import Unlisted

    from .nodes import SegmentNode

__all__ = [
    "StoreProblem",
    "classify_problem",
    "first_entry_line",
    "node_problems",
    "problem_order",
]

TAIL_MARK = "truncated last line"


def classify_problem(problem: Problem) -> str:
    """The kind of a problem the tolerant reader reported (see ``StoreProblem.kind``)."""
    if problem.kind is not None:
        return problem.kind
    message = problem.message
    if message.startswith(TAIL_MARK):
        return "truncated"
    if message.startswith("UTF-8 byte-order mark"):
        return "bom"
    if problem.line is None:
        return "io"
    return "corrupt"


@dataclass(frozen=True)
class StoreProblem:
    """One problem of a store, for ``segview check`` and the app's problem list.

    ``kind`` is one of ``corrupt``, ``truncated``, ``newer_version``, ``bom``, ``io``,
    ``empty``, ``bad_first_line``, ``missing_parent``, ``cycle``, ``session_mismatch``, or,
    for what the store scanner did not list, ``skipped``, ``temp_file`` (left by an
    interrupted fork), ``unreadable`` (a directory) and ``session_file`` (a worker's
    ``session.json``). ``newer_version`` is a note, not damage: what a newer runtime version
    wrote (an unknown entry kind, unknown keys or nested kinds), kept as read (``is_note``).
    A file with more than ``MAX_PROBLEMS`` problems ends with ``omitted`` (the damage found
    but not kept) and ``omitted_notes`` (the notes), whose ``count`` says how many.
    """

    path: Path
    line: int | None
    message: str
    segment_id: str | None
    kind: str
    count: int = 1

    @classmethod
    def of_unlisted(cls, entry: Unlisted) -> StoreProblem:
        """A problem for what the store scanner did not list (``kind`` as the entry's)."""
        if entry.kind in ("temp_file", "session_file"):  # no segment was left out
            return cls(entry.path, None, entry.reason, None, entry.kind)
        return cls(entry.path, None, f"skipped: {entry.reason}", None, entry.kind)

    @property
    def is_note(self) -> bool:
        return self.kind in (NEWER_VERSION_KIND, "omitted_notes")

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.message}"

    def to_json(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "line": self.line,
            "message": self.message,
            "kind": self.kind,
            "segment_id": self.segment_id,
            **({"count": self.count} if self.kind in _OMITTED else {}),
        }


_OMITTED = ("omitted", "omitted_notes")


def problem_order(problem: StoreProblem) -> tuple[str, bool, int]:
    """Problems by file, then line (a file's own first, the counts of omitted ones last)."""
    line = -1 if problem.line is None else problem.line
    return str(problem.path), problem.kind in _OMITTED, line


def node_problems(
    node: SegmentNode, nodes: Mapping[str, SegmentNode], *, with_details: bool = True
) -> list[StoreProblem]:
    """The problems of one segment of the forest ``nodes``, in line order (links and first
    line included; with ``with_details``, its details must have been loaded)."""
    if not (
        node.first_line_problem is not None
        or node.parent_missing
        or node.cycle_broken_here
        or (node.session_id is not None and node.start_session_id not in (None, node.session_id))
        or (with_details and (node.problems or node.problems_omitted))
    ):
        return []  # the common case: nothing to report (and no path to make)
    path = node.path
    out: list[StoreProblem] = []
    first = node.first_line_problem
    if first is not None:
        out.append(
            StoreProblem(path, first.line, first.message, node.id, node.first_line_kind or "")
        )
    if node.parent_missing:
        out.append(
            StoreProblem(
                path,
                first_entry_line(path),
                f"parent missing: {node.origin} of {node.parent_id} (turn "
                f"{node.at_turn_index}), which is not in the store",
                node.id,
                "missing_parent",
            )
        )
    if node.cycle_broken_here:
        members = _cycle_of(node, nodes)
        chain = " -> ".join(m.id for m in members)
        out.append(
            StoreProblem(
                path,
                first_entry_line(path),
                f"ancestry cycle: {chain} -> {node.id}; the link of {node.id} to its "
                f"parent {node.parent_id} is ignored",
                node.id,
                "cycle",
            )
        )
    if (
        node.session_id is not None
        and node.start_session_id is not None
        and node.start_session_id != node.session_id
    ):
        out.append(
            StoreProblem(
                path,
                first_entry_line(path),
                f"segment_start names session {node.start_session_id}, but the file is "
                f"in session directory {node.session_id}",
                node.id,
                "session_mismatch",
            )
        )
    if with_details:
        for p in node.problems:
            if p is first:
                continue
            out.append(StoreProblem(path, p.line, p.message, node.id, classify_problem(p)))
        damage = node.damage_omitted
        if damage:
            message = (
                f"… and {damage:,} more problem{'s' * (damage != 1)} (the first "
                f"{MAX_PROBLEMS:,} of a file are listed)"
            )
            out.append(StoreProblem(path, None, message, node.id, "omitted", count=damage))
        if notes := node.problems_omitted - damage:
            message = (
                f"… and {notes:,} more note{'s' * (notes != 1)} about what a newer runtime "
                "version wrote"
            )
            out.append(StoreProblem(path, None, message, node.id, "omitted_notes", count=notes))
    out.sort(key=problem_order)
    return out


def _cycle_of(node: SegmentNode, nodes: Mapping[str, SegmentNode]) -> list[SegmentNode]:
    """The members of the cycle broken at ``node``, from ``node`` along parent ids."""
    members = [node]
    cur = nodes.get(node.parent_id) if node.parent_id else None
    while cur is not None and cur is not node and len(members) <= len(nodes):
        members.append(cur)
        cur = nodes.get(cur.parent_id) if cur.parent_id else None
    return members


def first_entry_line(path: Path) -> int | None:
    """The 1-based number of the first non-blank line (where ``segment_start`` belongs)."""
    try:
        with open_regular(path) as f:
            for lineno, _start, _end, content, _term in read_lines(f):
                if isinstance(content, LongLine):
                    if content.blank:
                        continue
                    return lineno
                if lineno == 1 and content.startswith(b"\xef\xbb\xbf"):
                    content = content[3:]
                if not is_blank(content):
                    return lineno
    except OSError:
        return None
    return None
