"""Export: choose Markdown (the state at this turn) or HTML (a replay page from the root)."""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

ExportFormat = Literal["markdown", "html"]


class ExportDialog(ModalScreen[ExportFormat | None]):
    """Dismissed with the chosen format, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("m", "choose('markdown')", "Markdown"),
        Binding("h", "choose('html')", "HTML replay"),
    ]

    def __init__(self, position: str) -> None:
        super().__init__()
        self.position = position

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield Static(Text(f"Export the conversation at {self.position}", style="bold"))
            body = Text()
            body.append("Markdown", style="bold")
            body.append(" (m): the conversation as the model saw it at this turn, as text.\n")
            body.append("HTML replay", style="bold")
            body.append(
                " (h): one self-contained page that replays it from its root up to this turn, "
                "forks and compactions as chapters; it opens in any browser, offline.\n"
            )
            body.append(
                "The file goes into the current directory (else a temporary one), never into "
                "the store.",
                style="dim",
            )
            yield Static(body, id="export-body")
            with Horizontal(id="export-buttons"):
                yield Button("Markdown", variant="primary", id="export-markdown")
                yield Button("HTML replay", id="export-html")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-markdown", Button).focus()

    def action_choose(self, choice: ExportFormat) -> None:
        self.dismiss(choice)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#export-markdown")
    def _markdown(self) -> None:
        self.dismiss("markdown")

    @on(Button.Pressed, "#export-html")
    def _html(self) -> None:
        self.dismiss("html")

    @on(Button.Pressed, "#export-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
