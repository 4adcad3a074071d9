"""Go to turn N: asks for the turn count."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


def describe_turns(counts: list[int]) -> str:
    """``0, 1..10`` — the turns one can go to (0 is the start)."""
    values = sorted({0, *counts})
    runs: list[str] = []
    start = prev = values[0]
    for v in values[1:]:
        if v == prev + 1:
            prev = v
            continue
        runs.append(str(start) if start == prev else f"{start}..{prev}")
        start = prev = v
    runs.append(str(start) if start == prev else f"{start}..{prev}")
    return ", ".join(runs)


class GoToTurnScreen(ModalScreen[int | None]):
    """Dismissed with the chosen turn count, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, turn_counts: list[int], current: int) -> None:
        super().__init__()
        self.turn_counts = set(turn_counts) | {0}
        self.available = describe_turns(turn_counts)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="goto-box"):
            yield Static(Text("Go to turn", style="bold"))
            yield Static(Text(f"turns: {self.available}", style="dim"), id="goto-available")
            yield Input(placeholder=str(self.current), type="integer", id="goto-input")
            yield Static("", id="goto-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.dismiss(None)
            return
        try:
            n = int(text)
        except ValueError:
            n = -1
        if n not in self.turn_counts:
            self.query_one("#goto-error", Static).update(
                Text(f"no turn {text}; turns: {self.available}")
            )
            return
        self.dismiss(n)

    def action_cancel(self) -> None:
        self.dismiss(None)
