"""Small dialogs: label a segment, add a note to a turn or one of its items."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from segview.app import logtext


class LabelDialog(ModalScreen[str | None]):
    """Dismissed with the new label ("" removes it), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, *, short: str, title: str | None, label: str | None) -> None:
        super().__init__()
        self.short = short
        self.segment_title = title
        self.label = label

    def compose(self) -> ComposeResult:
        with Vertical(id="label-box", classes="note-box"):
            yield Static(Text(f"Label {self.short}", style="bold"))
            about = Text("Shown instead of the title in the tree; empty removes it.", style="dim")
            if self.segment_title:
                about.append("\ntitle: ", style="dim")
                about.append_text(logtext.line(self.segment_title, 70))
            yield Static(about)
            yield Input(value=self.label or "", placeholder="label", id="label-input")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True, slots=True)
class NoteRequest:
    """What the note dialog asks for: the text, and the item (1-based) if one was named."""

    text: str
    item: int | None


class NoteDialog(ModalScreen[NoteRequest | None]):
    """A note on the turn shown, or on one of the history items it shows."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, *, short: str, turn: int, items: int) -> None:
        super().__init__()
        self.short = short
        self.turn = turn
        self.items = items

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box", classes="note-box"):
            yield Static(Text(f"Note on turn {self.turn} of {self.short}", style="bold"))
            yield Static(
                Text(
                    f"On the turn, or on one of its {self.items:,} history items "
                    "(as numbered in the Markdown export). Enter saves, escape cancels.",
                    style="dim",
                )
            )
            yield Input(placeholder="note", id="note-input")
            yield Input(placeholder="item number (empty: the turn)", type="integer", id="note-item")
            yield Static("", id="note-error")

    def on_mount(self) -> None:
        self.query_one("#note-input", Input).focus()

    def _error(self, message: str) -> None:
        self.query_one("#note-error", Static).update(Text(message))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        text = self.query_one("#note-input", Input).value.strip()
        raw = self.query_one("#note-item", Input).value.strip()
        if not text:
            if event.input.id == "note-input" and not raw:
                self.dismiss(None)  # nothing typed: nothing to save
                return
            self._error("the note is empty")
            return
        item: int | None = None
        if raw:
            try:
                item = int(raw)
            except ValueError:
                item = -1
            if not 1 <= item <= self.items:
                self._error(f"no item {raw}: items 1..{self.items} are shown at this turn")
                return
        self.dismiss(NoteRequest(text, item))

    def action_cancel(self) -> None:
        self.dismiss(None)
