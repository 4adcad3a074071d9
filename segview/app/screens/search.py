"""A search line at the bottom, live as you type: the search of the history shown at the
current turn (``/``), and the filter of the tree (``ctrl+f``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class SearchScreen(ModalScreen[str | None]):
    """A search line at the bottom; enter keeps the search, escape clears it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        query: str = "",
        on_change: Callable[[str], str] | None = None,
        *,
        label: str = "search",
        placeholder: str = "text in the history…",
    ) -> None:
        """``on_change(text)`` runs as the text changes and returns the status to show."""
        super().__init__()
        self.initial = query
        self.on_change = on_change
        self.label = label
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Horizontal(id="search-bar"):
            yield Static(self.label, id="search-label")
            yield Input(value=self.initial, placeholder=self.placeholder, id="search-input")
            yield Static("", id="search-count")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def set_status(self, text: str) -> None:
        self.query_one("#search-count", Static).update(Text(text))

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if self.on_change is not None:
            self.set_status(self.on_change(event.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
