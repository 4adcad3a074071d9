"""The help screen: every binding, generated from the key map."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from segview.app.keymap import EXTRA_HELP, KEYS, MAIN_SCOPES


def help_table() -> Table:
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, expand=True)
    table.add_column("key", style="bold #61afef", no_wrap=True, width=16)
    table.add_column("action")
    for spec in KEYS:
        if spec.scope in MAIN_SCOPES:
            table.add_row(spec.display, Text(spec.help))
    table.add_row("", "")
    for spec in KEYS:
        if spec.scope not in MAIN_SCOPES:
            table.add_row(spec.display, Text(spec.help))
    table.add_row("", "")
    for keys, text in EXTRA_HELP:
        table.add_row(keys, text)
    return table


class HelpScreen(ModalScreen[None]):
    """Closed with escape, ``?`` or ``q``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text("segview — keys", style="bold"), id="help-title")
            yield Static(help_table(), id="help-table")
            yield Static(
                Text(
                    "Every action is also in the command palette (ctrl+p).",
                    style="dim",
                ),
                id="help-footer",
            )

    def action_close(self) -> None:
        self.dismiss(None)
