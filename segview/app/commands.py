"""The command palette (ctrl+p): every keyed action, "Replay as format version" (what
``--format-version`` chooses on the command line), and "open segment" for each segment."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from segview.app.logtext import highlighted
from segview.text import one_line

from .keymap import MAIN_SCOPES
from .reviewing import FORMAT_VERSIONS
from .screens.compare import CompareScreen

if TYPE_CHECKING:
    from .app import SegviewApp


class SegviewCommands(Provider):
    """Actions by name (with their key), then segments by id or title."""

    @property
    def segview(self) -> SegviewApp:
        return cast("SegviewApp", self.app)

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        main = self.segview.main
        out: list[tuple[str, str, Callable[[], object]]] = []
        if isinstance(self.screen, CompareScreen):  # the comparison's own keys
            for spec in self.segview.key_table:
                if spec.scope == "compare":
                    name = f"{spec.title} ({spec.display})"
                    out.append((name, spec.help, partial(self.screen.run_action, spec.action)))
            return out
        for spec in self.segview.key_table:
            if spec.scope not in MAIN_SCOPES:
                continue
            name = f"{spec.title} ({spec.display})"
            out.append((name, spec.help, partial(main.run_action, spec.action)))
        for version, rules in FORMAT_VERSIONS.items():
            mark = " (in use)" if version is main.format_version else ""
            name = f"Replay as format version: {version.value}{mark}"
            help_text = f"Read and replay segments by the {rules}, as --format-version does."
            out.append((name, help_text, partial(main.replay_as, version)))
        forest = main.forest
        if forest is not None:
            for row in forest.rows:
                title = one_line(row.title or "", 50)
                name = f"Open segment {row.short} {title}".rstrip()
                out.append((name, f"open {row.id}", partial(main.open_segment, row.id)))
        return out

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(Content(name), callback, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, highlighted(matcher, name), callback, text=name, help=help_text)
