"""The help screen: every binding, generated from the key map."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from segview.app.keymap import EXTRA_HELP, KEYS, MAIN_SCOPES, KeySpec
from segview.app.styling import follow_theme, span_style


def help_table(keys: Sequence[KeySpec] = KEYS, key_style: Style | None = None) -> Table:
    """Every binding of ``keys`` (the app's, remapped or not), then the keys of Textual's own
    widgets; the keys in ``key_style``."""
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, expand=True)
    table.add_column("key", style=key_style or Style(bold=True), no_wrap=True, width=16)
    table.add_column("action")
    for spec in keys:
        if spec.scope in MAIN_SCOPES:
            table.add_row(spec.display, Text(spec.help))
    table.add_row("", "")
    for spec in keys:
        if spec.scope not in MAIN_SCOPES:
            table.add_row(spec.display, Text(spec.help))
    table.add_row("", "")
    for shown, text in EXTRA_HELP:
        table.add_row(shown, text)
    return table


class HelpScreen(ModalScreen[None]):
    """Closed with escape, ``?`` or ``q``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"help--key"}

    def __init__(self, keys: Sequence[KeySpec] = KEYS) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text("segview — keys", style="bold"), id="help-title")
            yield Static(id="help-table")
            yield Static(
                Text(
                    "Every action is also in the command palette (ctrl+p).",
                    style="dim",
                ),
                id="help-footer",
            )

    def on_mount(self) -> None:
        self._restyle()
        follow_theme(self, self._restyle)

    def _restyle(self) -> None:
        table = help_table(self.keys, span_style(self, "help--key"))
        self.query_one("#help-table", Static).update(table)

    def action_close(self) -> None:
        self.dismiss(None)
