"""Compare two segments: the conversation they share, where they part, and what each did after.

A segment's conversation is its *branch*: the path from its root through every fork or
compaction (``forked_from`` / ``compacted_from``) down to it, each ancestor contributing its
turns up to the turn the next segment starts from. The branch is a list of *steps*, each
placed by the number of turns before it so that two branches line up:

* ``seed``: history a root starts with (a segment with no recorded parent, or whose parent is
  not in the store);
* ``turn``: one completed turn (turn numbers count every turn along the branch, so a fork
  after turn 4 continues with turn 5 whatever its own ``turn_count`` says);
* ``compaction``: a summary replacing the history so far (``reseed``: a fork whose seed is
  not its parent's state at the fork point);
* ``tail``: an unfinished turn at the end of the segment (a running agent, a crash).

The two step lists are paired by position. The *shared prefix* is the leading pairs that
are the same step (the common ancestor's turns) or carry the same history items (segments
that are unrelated in the tree but start alike); the first pair after it is the divergence.
Each later pair compares the user input and assistant text word by word, the tool calls by
name with their arguments and results, and the totals of each side are summed over its steps
after the shared prefix. Plain Python over the lineage and timeline models; no Textual here.

The package: ``diff`` (word and line diffs), ``branch`` (a segment's steps) and
``comparison`` (two branches compared).
"""

from __future__ import annotations

from .branch import (
    Branch,
    Leg,
    Step,
    ToolCall,
    build_branch,
    count_kinds,
    history_text,
    item_kind,
    new_items,
)
from .comparison import CommonAncestor, Comparison, SideTotals, StepDiff, ToolDiff, compare
from .diff import MAX_DIFF_TOKENS, TextDiff, line_diff, word_diff

__all__ = [
    "MAX_DIFF_TOKENS",
    "Branch",
    "CommonAncestor",
    "Comparison",
    "Leg",
    "SideTotals",
    "Step",
    "StepDiff",
    "TextDiff",
    "ToolCall",
    "ToolDiff",
    "build_branch",
    "compare",
    "count_kinds",
    "history_text",
    "item_kind",
    "new_items",
    "line_diff",
    "word_diff",
]
