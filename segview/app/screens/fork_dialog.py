"""Fork here: confirm, write the new segment, and show the error if the write fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ForkDialog(ModalScreen[str | None]):
    """Dismissed with the new segment id, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "confirm", "Fork", show=False),
    ]

    def __init__(
        self, *, source: str, turn_count: int, items: int, fork: Callable[[], str]
    ) -> None:
        super().__init__()
        self.source = source
        self.turn_count = turn_count
        self.items = items
        self._fork = fork
        self.error: str | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="fork-box"):
            yield Static(Text(f"Fork after turn {self.turn_count}?", style="bold"), id="fork-title")
            body = Text()
            body.append("Source  ", style="dim")
            body.append(self.source + "\n", style="bold")
            body.append(
                f"A new segment will start with the state after turn {self.turn_count} "
                f"({self.items} history item{'s' * (self.items != 1)}), recording "
                f"forked_from {{segment, turn {self.turn_count}}}.\n"
                "The new file is written completely and exclusively; the source is not touched."
            )
            yield Static(body, id="fork-body")
            yield Static("", id="fork-error")
            with Horizontal(id="fork-buttons"):
                yield Button("Fork", variant="primary", id="fork-confirm")
                yield Button("Cancel", id="fork-cancel")

    def on_mount(self) -> None:
        self.query_one("#fork-error").display = False
        self.query_one("#fork-confirm", Button).focus()

    @property
    def error_text(self) -> str:
        return self.error or ""

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)

    def action_confirm(self) -> None:
        if self.busy or self.error is not None:
            if self.error is not None:
                self.dismiss(None)
            return
        self.busy = True
        self.query_one("#fork-confirm", Button).disabled = True
        self.query_one("#fork-title", Static).update(Text("Forking…", style="bold"))
        self._run_fork()

    @on(Button.Pressed, "#fork-confirm")
    def _confirm_pressed(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#fork-cancel")
    def _cancel_pressed(self) -> None:
        if self.error is not None:
            self.dismiss(None)
        else:
            self.action_cancel()

    @work(thread=True, exclusive=True, group="fork")
    def _run_fork(self) -> None:
        try:
            new_id = self._fork()
        except Exception as exc:  # shown to the user; nothing was written
            self.app.call_from_thread(self._failed, _describe(exc))
        else:
            self.app.call_from_thread(self.dismiss, new_id)

    def _failed(self, message: str) -> None:
        self.busy = False
        self.error = message
        title = self.query_one("#fork-title", Static)
        title.add_class("-failed")
        title.update(Text("Fork failed"))
        error = self.query_one("#fork-error", Static)
        error.update(Text(message + "\nNothing was written."))
        error.display = True
        self.query_one("#fork-confirm", Button).display = False
        cancel = self.query_one("#fork-cancel", Button)
        cancel.label = "Close"
        cancel.focus()


def _describe(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())
