"""The problems of the open segment: line and message, one per row."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from segview.app.styling import follow_theme, span_style
from segview.store.fs_store import MAX_PROBLEMS
from segview.text import one_line

if TYPE_CHECKING:
    from segview.store import Problem

MAX_SHOWN = 200  # a file of a million bad lines must not become a million rows


class ProblemsPanel(VerticalScroll):
    """Hidden when the segment has no problem."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"problems--title", "problems--note"}

    plain = ""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[str, list[Problem], list[str], int, int] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="problems-list")

    def on_mount(self) -> None:
        follow_theme(self, self._restyle)

    def _restyle(self) -> None:
        if self._shown is not None:
            path, problems, notes, damage, newer = self._shown
            self.show_problems(path, problems, notes, omitted_damage=damage, omitted_notes=newer)

    def show_problems(
        self,
        path: str,
        problems: list[Problem],
        notes: list[str],
        *,
        omitted_damage: int = 0,
        omitted_notes: int = 0,
    ) -> None:
        """``omitted_damage`` / ``omitted_notes``: problems found beyond those the reader keeps
        (only counted), damage and notes about what a newer runtime version wrote."""
        self._shown = (path, problems, notes, omitted_damage, omitted_notes)
        self.display = bool(problems or notes)
        text = Text()
        newer = sum(p.is_note for p in problems) + omitted_notes
        count = len(problems) - sum(p.is_note for p in problems) + len(notes) + omitted_damage
        if count:
            text.append(
                f"⚠ {count:,} problem{'s' * (count != 1)} in {one_line(path)}\n",
                style=span_style(self, "problems--title"),
            )
        if newer:
            lines = f"{newer:,} line holds" if newer == 1 else f"{newer:,} lines hold"
            text.append(
                f"ℹ {lines} what a newer runtime version wrote (kept as read)\n", style="bold"
            )
        for note in notes:
            text.append("  ", style="")
            text.append(one_line(note) + "\n", style=span_style(self, "problems--note"))
        for p in problems[:MAX_SHOWN]:
            where = f"line {p.line}" if p.line is not None else "file"
            text.append(f"  {where:>9}  ", style="bold")
            text.append(one_line(p.message) + "\n", style="dim" if p.is_note else "")
        omitted = omitted_damage + omitted_notes
        if len(problems) + omitted > MAX_SHOWN:
            rest = len(problems) + omitted - MAX_SHOWN
            text.append(
                f"  … and {rest:,} more (segview check lists the first {MAX_PROBLEMS:,})\n",
                style="italic dim",
            )
        self.plain = text.plain
        self.query_one("#problems-list", Static).update(text)
