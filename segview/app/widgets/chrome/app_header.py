"""The header line: store path, open segment, problem count; and the demo-store note."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from segview.text import one_line


class AppHeader(Static):
    """``segview  SEGMENT  session …  ● live  problems …  store …`` — the segment first, so a
    narrow terminal cuts the store path, not the id."""

    plain = ""

    def show(
        self,
        store: str,
        segment: str | None,
        segment_problems: int,
        store_problems: int | None,
        *,
        session: str | None = None,
        live: bool = False,
    ) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" segview ", style="bold reverse")
        text.append("  ")
        text.append(segment or "no segment open", style="bold" if segment else "dim")
        if session:
            text.append("  session ", style="dim")
            text.append(one_line(session, 36))
        if live:
            text.append("  ● live", style="bold green")
        text.append("   problems ", style="dim")
        style = "bold red" if segment_problems else "bold"
        text.append(f"{segment_problems} here", style=style)
        if store_problems is not None:
            style = "bold red" if store_problems else "bold"
            text.append(" · ", style="dim")
            text.append(f"{store_problems} in store", style=style)
        text.append("   store ", style="dim")
        text.append(one_line(store), style="bold")
        self.plain = text.plain
        self.update(text)


class DemoNote(Static):
    """A note shown above everything (the demo store, and how to open your own)."""
