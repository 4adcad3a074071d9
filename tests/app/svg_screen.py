"""Compare SVG screenshots by what they show, not by how the SVG happens to be split.

Textual may draw the same line as one text run or as several (a line last drawn through
partial updates is stitched from pieces), and the SVG keeps the split. ``screen_cells``
reduces a screenshot to what a person sees: for each cell its character with its text style,
and its background colour. Spaces carry no text style (only their background shows).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

CELL_WIDTH = 12.2  # Textual's SVG export: 20px font, 0.61 em per cell
_STYLE = re.compile(r"\.(terminal-[\w-]*?r\d+) \{ ([^}]*) \}")
_TEXT = re.compile(
    r'<text class="([^"]+)" x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"[^>]*>([^<]*)</text>'
)
_RECT = re.compile(r'<rect fill="([^"]+)" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height')


@dataclass(frozen=True)
class Screen:
    text: dict[tuple[float, int], tuple[str, str]]  # (row y, column) -> (characters, style)
    background: dict[tuple[float, int], str]  # (row y, column) -> colour

    def row_text(self, y: float) -> str:
        cells = {col: chars for (row, col), (chars, _) in self.text.items() if row == y}
        width = max(cells, default=-1) + 1
        return "".join(cells.get(col, " ") for col in range(width))


def _col(x: str) -> int:
    return round(float(x) / CELL_WIDTH)


def screen_cells(svg: str) -> Screen:
    styles = {name: css.strip() for name, css in _STYLE.findall(svg)}
    text: dict[tuple[float, int], tuple[str, str]] = {}
    for cls, x, y, length, raw in _TEXT.findall(svg):
        chars = html.unescape(raw).replace("\xa0", " ")
        style = styles.get(cls, cls)
        start, cells = _col(x), _col(length)
        if len(chars) == cells:
            for i, ch in enumerate(chars):
                if ch != " ":
                    text[(float(y), start + i)] = (ch, style)
        elif chars.strip():  # wide characters: keep the run whole at its first cell
            text[(float(y), start)] = (chars, style)
    background: dict[tuple[float, int], str] = {}
    for fill, x, y, width in _RECT.findall(svg):
        for col in range(_col(x), _col(x) + _col(width)):
            background[(float(y), col)] = fill
    return Screen(text, background)


def first_difference(expected: Screen, actual: Screen) -> str | None:
    """None when both show the same; else a readable account of the first differing row."""
    for what, a, b in (
        ("text", expected.text, actual.text),
        ("background", expected.background, actual.background),
    ):
        if a != b:
            y = min(
                k[0] for k in set(a) ^ set(b) | {k for k in a.keys() & b.keys() if a[k] != b[k]}
            )
            return (
                f"{what} differs on the row at y={y}:\n"
                f"  expected: {expected.row_text(y)!r}\n  actual:   {actual.row_text(y)!r}"
            )
    return None
