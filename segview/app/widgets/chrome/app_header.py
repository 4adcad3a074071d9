"""The header line: store path, open segment, problem count; and the demo-store note."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from segview.app.styling import span_style
from segview.text import one_line


@dataclass(frozen=True, slots=True)
class _Shown:
    store: str = ""
    segment: str | None = None
    segment_problems: int = 0
    store_problems: int | None = None
    session: str | None = None
    live: bool = False
    checking: bool = False


class AppHeader(Static):
    """``segview  SEGMENT  session …  ● live  problems …  store …`` — the segment first, so a
    narrow terminal cuts the store path, not the id. Drawn in ``render``, so it takes the
    colours of a new theme by itself."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"header--live", "header--problems"}

    plain = ""
    _shown = _Shown()

    def show(
        self,
        store: str,
        segment: str | None,
        segment_problems: int,
        store_problems: int | None,
        *,
        session: str | None = None,
        live: bool = False,
        checking: bool = False,
    ) -> None:
        """``checking``: the tree shown is the one kept from last time, while every file of
        the store is looked at again."""
        self._shown = _Shown(
            store, segment, segment_problems, store_problems, session, live, checking
        )
        self.plain = self._text().plain
        self.refresh(layout=True)

    def render(self) -> Text:
        return self._text()

    def _text(self) -> Text:
        shown = self._shown
        store, segment, session = shown.store, shown.segment, shown.session
        segment_problems, store_problems = shown.segment_problems, shown.store_problems
        problem = span_style(self, "header--problems")
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" segview ", style="bold reverse")
        text.append("  ")
        text.append(segment or "no segment open", style="bold" if segment else "dim")
        if session:
            text.append("  session ", style="dim")
            text.append(one_line(session, 36))
        if shown.live:
            text.append("  ● live", style=span_style(self, "header--live"))
        text.append("   problems ", style="dim")
        text.append(f"{segment_problems} here", style=problem if segment_problems else "bold")
        if store_problems is not None:
            text.append(" · ", style="dim")
            text.append(f"{store_problems} in store", style=problem if store_problems else "bold")
        elif shown.checking:
            text.append(" · checking the store…", style="dim italic")
        text.append("   store ", style="dim")
        text.append(one_line(store), style="bold")
        return text


class DemoNote(Static):
    """A note shown above everything (the demo store, and how to open your own)."""
