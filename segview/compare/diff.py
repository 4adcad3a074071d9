"""Word and line diffs of two texts (``TextDiff``): runs of kept, removed and added tokens; a
side longer than ``MAX_DIFF_TOKENS`` is compared whole.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "MAX_DIFF_TOKENS",
    "TextDiff",
    "line_diff",
    "word_diff",
]


Op = Literal["=", "-", "+"]


MAX_DIFF_TOKENS = 6000  # beyond this many words (or lines) a side is compared whole


_WORDS = re.compile(r"\w+|\s+|[^\w\s]")


_LINES = re.compile(r"[^\n]*\n|[^\n]+")


@dataclass(frozen=True, slots=True)
class TextDiff:
    """A diff of two texts as runs: ``=`` in both, ``-`` only in A, ``+`` only in B.

    The ``=`` and ``-`` runs spell A's text, the ``=`` and ``+`` runs B's.
    """

    ops: tuple[tuple[Op, str], ...] = ()

    @property
    def same(self) -> bool:
        return all(op == "=" for op, _ in self.ops)

    @property
    def a_text(self) -> str:
        return "".join(t for op, t in self.ops if op != "+")

    @property
    def b_text(self) -> str:
        return "".join(t for op, t in self.ops if op != "-")

    @property
    def changed(self) -> tuple[int, int]:
        """How many characters only A has, and only B."""
        removed = sum(len(t) for op, t in self.ops if op == "-")
        added = sum(len(t) for op, t in self.ops if op == "+")
        return removed, added

    @property
    def similarity(self) -> float:
        """The share of both texts that is unchanged (1.0 for two equal texts)."""
        same = sum(len(t) for op, t in self.ops if op == "=")
        total = len(self.a_text) + len(self.b_text)
        return 1.0 if total == 0 else 2 * same / total

    def to_json(self) -> list[list[str]]:
        return [[op, text] for op, text in self.ops]


def _runs(a: Sequence[str], b: Sequence[str]) -> TextDiff:
    ops: list[tuple[Op, str]] = []

    def push(op: Op, text: str) -> None:
        if not text:
            return
        if ops and ops[-1][0] == op:
            ops[-1] = (op, ops[-1][1] + text)
        else:
            ops.append((op, text))

    matcher = difflib.SequenceMatcher(None, a, b)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            push("=", "".join(a[i1:i2]))
        else:
            push("-", "".join(a[i1:i2]))
            push("+", "".join(b[j1:j2]))
    return TextDiff(tuple(ops))


def _whole(a: str, b: str) -> TextDiff:
    if a == b:
        return TextDiff((("=", a),) if a else ())
    ops: list[tuple[Op, str]] = []
    if a:
        ops.append(("-", a))
    if b:
        ops.append(("+", b))
    return TextDiff(tuple(ops))


def line_diff(a: str, b: str) -> TextDiff:
    """A line-level diff (tool output, arguments); whole texts when either is very long."""
    if a == b:
        return _whole(a, b)
    la, lb = _LINES.findall(a), _LINES.findall(b)
    if len(la) > MAX_DIFF_TOKENS or len(lb) > MAX_DIFF_TOKENS:
        return _whole(a, b)
    return _runs(la, lb)


def word_diff(a: str, b: str) -> TextDiff:
    """A word-level diff (prose); line-level when a side has very many words."""
    if a == b:
        return _whole(a, b)
    wa, wb = _WORDS.findall(a), _WORDS.findall(b)
    if len(wa) > MAX_DIFF_TOKENS or len(wb) > MAX_DIFF_TOKENS:
        return line_diff(a, b)
    return _runs(wa, wb)
