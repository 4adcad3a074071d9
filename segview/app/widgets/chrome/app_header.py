"""The header line: store path, open segment, problem count; and the demo-store note."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from segview.text import one_line


class AppHeader(Static):
    """``segview  store …  segment …  problems …``."""

    plain = ""

    def show(
        self,
        store: str,
        segment: str | None,
        segment_problems: int,
        store_problems: int | None,
    ) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" segview ", style="bold black on #61afef")
        text.append("  store ", style="dim")
        text.append(one_line(store), style="bold")
        text.append("   segment ", style="dim")
        text.append(segment or "—", style="bold")
        text.append("   problems ", style="dim")
        style = "bold #e06c75" if segment_problems else "bold"
        text.append(f"{segment_problems} here", style=style)
        if store_problems is not None:
            style = "bold #e06c75" if store_problems else "bold"
            text.append(" · ", style="dim")
            text.append(f"{store_problems} in store", style=style)
        self.plain = text.plain
        self.update(text)


class DemoNote(Static):
    """A note shown above everything (the demo store, and how to open your own)."""
