"""The main screen's reviewing aids: what the history hides (reasoning, tool output), the
format version segments are replayed by, the tree's filter and the store's problems.
``MainScreen`` builds on it.
"""

from __future__ import annotations

from textual.reactive import var

from segview.store.version import FormatVersion

from . import keymap
from .annotating import AnnotatingScreen
from .screens.search import SearchScreen
from .screens.store_problems import StoreProblemsScreen
from .widgets.conversation.history_view import HIDE_ACTIONS
from .widgets.conversation.turn_bar import HIDEABLE, hidden_note

FORMAT_VERSIONS = {  # the choices of "Replay as format version" (segview show --format-version)
    FormatVersion.AUTO: "rules of each segment's own version (auto: inferred from the segment)",
    FormatVersion.REFERENCE: "rules of the reference version (22f5d023)",
    FormatVersion.CURRENT: "rules of the current version (b12e0785)",
}


class ReviewingScreen(AnnotatingScreen):
    """Hiding, format versions, the tree's filter and the store's problems, over the main
    screen's state."""

    hidden_kinds: var[frozenset[str]] = var(frozenset())  # hidden in the history: R, O

    def open_segment(self, segment_id: str, turn_count: int | None = None) -> None:
        raise NotImplementedError  # the main screen opens segments

    def replay_as(self, version: FormatVersion) -> None:
        """Replay segments by the rules of ``version`` from now on (``AUTO``: the version each
        segment implies), as ``--format-version`` does; the open segment is read again."""
        self.format_version = version
        self.notify(f"replaying by the {FORMAT_VERSIONS[version]}", timeout=4)
        cursor = self.pane.cursor
        if self.segment_id is not None:
            here = None  # at the end: at the end again
            if cursor is not None and cursor.index < len(cursor.stops) - 1:
                here = cursor.turn_count
            self.open_segment(self.segment_id, here)

    def action_store_problems(self) -> None:
        """List every problem of the store; the one chosen opens its segment."""

        def chosen(segment_id: str | None) -> None:
            if segment_id is not None and self.session.contains(segment_id):
                self.open_segment(segment_id)

        short = {row.id: row.short for row in self._rows()}
        self.app.push_screen(StoreProblemsScreen(self.session.problems, short), chosen)

    def action_filter_tree(self) -> None:
        """Show the tree and filter it as you type; enter keeps the filter (and focuses the
        tree), escape clears it."""
        self.tree_shown = True
        tree = self.ancestry

        def changed(text: str) -> str:
            matching, total = tree.set_filter(text)
            return f"{matching} of {total} segments" if text else ""

        def done(text: str | None) -> None:
            tree.set_filter(text or "")
            if text:
                tree.focus()

        filter_line = SearchScreen(
            tree.filter_text, changed, label="filter tree", placeholder="title, label or id…"
        )
        self.app.push_screen(filter_line, done)

    def action_toggle_reasoning(self) -> None:
        self._toggle_hidden("reasoning")

    def action_toggle_tool_output(self) -> None:
        self._toggle_hidden("tool")

    def _toggle_hidden(self, kind: str) -> None:
        self.hidden_kinds = self.hidden_kinds ^ {kind}
        hidden = kind in self.hidden_kinds
        key = keymap.spec_for(HIDE_ACTIONS[kind], self.segview.key_table).display
        state, then = ("hidden", "show") if hidden else ("shown", "hide")
        self.notify(f"{HIDEABLE[kind]} {state} in the history ({key} to {then} it)", timeout=3)

    def watch_hidden_kinds(self, kinds: frozenset[str]) -> None:
        self.history.set_hidden(kinds)
        table = self.segview.key_table
        keys = {kind: keymap.spec_for(HIDE_ACTIONS[kind], table).display for kind in HIDEABLE}
        self.turn_bar.set_hidden(hidden_note(kinds), hidden_note(kinds, keys))
