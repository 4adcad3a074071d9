"""Every problem of the store, as ``segview check`` lists them: read in a thread worker (every
segment in full), one row each; enter (or a click) on a segment's problem opens that segment,
its own problems listed under its history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from segview.text import one_line, plural

if TYPE_CHECKING:
    from segview.lineage import StoreProblem

MAX_ROWS = 2_000  # a store of a million bad lines must not become a million rows


class StoreProblemsScreen(ModalScreen[str | None]):
    """Dismissed with the segment to open, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,P,q", "close", "Close"),
    ]

    def __init__(self, find: Callable[[], list[StoreProblem]], short: dict[str, str]) -> None:
        """``find()`` reads the store's problems (on a worker thread); ``short`` names each
        segment by its shortest unique prefix."""
        super().__init__()
        self.find = find
        self.short = short
        self.problems: list[StoreProblem] | None = None  # None: still reading

    def compose(self) -> ComposeResult:
        with Vertical(id="store-problems-box"):
            yield Static(Text("problems of the store", style="bold"), id="store-problems-title")
            yield Static(Text("reading every segment…", style="dim"), id="store-problems-status")
            yield OptionList(id="store-problems-list")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._read()

    @work(thread=True, exclusive=True, group="store-problems")
    def _read(self) -> None:
        problems = self.find()
        self.app.call_from_thread(self._show, problems)

    def _show(self, problems: list[StoreProblem]) -> None:
        self.problems = problems
        rows = self.query_one(OptionList)
        rows.clear_options()
        rows.add_options(Option(self._row(p), id=str(n)) for n, p in enumerate(problems[:MAX_ROWS]))
        damage = sum(p.count for p in problems if not p.is_note)
        notes = sum(p.count for p in problems if p.is_note)
        files = len({p.path for p in problems})
        if not problems:
            status = "no problems: every segment reads cleanly"
        else:
            status = f"{plural(damage, 'problem')} in {plural(files, 'file')}"
            if notes:
                status += f" (and {plural(notes, 'note')} about what a newer runtime wrote)"
            status += " · enter opens the segment · escape closes"
        if len(problems) > MAX_ROWS:
            status += f" · the first {MAX_ROWS:,} shown"
        self.query_one("#store-problems-status", Static).update(Text(status, style="dim"))

    def _row(self, problem: StoreProblem) -> Text:
        row = Text()  # a long message wraps: every word of it is shown, as check prints it
        segment = problem.segment_id
        name = self.short.get(segment, segment[:8]) if segment else problem.path.name
        row.append(f"{one_line(name, 40)} ", style="bold")
        where = f"line {problem.line}" if problem.line is not None else "file"
        row.append(f"{where:>10}  ", style="dim")
        row.append(one_line(problem.message, 300), style="dim" if problem.is_note else "")
        return row

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        problems = self.problems
        if problems is None or event.option.id is None:
            return
        segment = problems[int(event.option.id)].segment_id
        if segment is None:
            self.notify("not a segment of the store: nothing to open", timeout=3)
        else:
            self.dismiss(segment)

    def action_close(self) -> None:
        self.dismiss(None)
