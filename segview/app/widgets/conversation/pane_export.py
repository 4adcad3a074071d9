"""The conversation pane's exports: the conversation shown (or what the turn added) as Markdown,
to a file, the clipboard, ``$PAGER`` or ``$EDITOR``; the open segment's HTML replay page up to
the turn shown. Files are written on workers, in the current directory (or, when that is inside
the store or not writable, a private temporary one). ``ConversationPane`` builds on it.
"""

from __future__ import annotations

from textual import work

from segview.app.external import external_command, run_external
from segview.store import StoreError

from .pane_state import PaneState


class PaneExport(PaneState):
    """Markdown and HTML exports of what the pane shows."""

    def markdown(self, *, turn_only: bool = False) -> str | None:
        """The conversation shown (or only what this turn added) as Markdown."""
        from segview.app.export import ExportContext, state_to_markdown  # (``segview.app``)

        cursor = self.cursor
        if cursor is None or cursor.state is None:
            return None
        tl = cursor.timeline
        ctx = ExportContext(
            store=self.store_label,
            segment_id=tl.segment_id,
            position=self.position_text,
            origin=tl.origin,
            origin_kind=tl.origin_kind,
            inherited_len=tl.inherited_len,
            label=self.placement.label,
            item_notes=self.placement.by_item,
            notes=self.placement.loose,
        )
        sources = list(cursor.sources_at(cursor.stop.entry_end))
        start = cursor.current_from(cursor.stop, cursor.state) if turn_only else 0
        return state_to_markdown(cursor.state, ctx, sources, cursor.sources, items_from=start)

    def export_markdown(self) -> None:
        cursor, text = self.cursor, self.markdown()
        if cursor is None or text is None:
            return
        stem = f"segview-{self.session.short(cursor.segment_id)}-turn-{cursor.turn_count}"
        self._write_export(text, stem)

    def copy(self, *, turn_only: bool) -> None:
        """Copy the conversation shown (or this turn's items) to the clipboard as Markdown."""
        text = self.markdown(turn_only=turn_only)
        if text is None:
            return
        self.app.copy_to_clipboard(text)
        what = "this turn" if turn_only else f"the conversation at {self.position_text}"
        lines = text.count("\n")
        self.notify(f"copied {what} ({lines:,} lines of Markdown) to the clipboard", timeout=4)

    def open_externally(self, *, editor: bool) -> None:
        """The conversation shown, as Markdown, in ``$PAGER`` (or ``$EDITOR``); the app is
        suspended meanwhile. The file is a private temporary one, removed afterwards."""
        text = self.markdown()
        if text is None:
            return
        command = external_command(editor=editor)
        try:
            run_external(self.app, command, text)
        except OSError as exc:
            self.notify(f"cannot run {command[0]}: {exc.strerror or exc}", severity="error")

    def export_html(self) -> None:
        """Write the replay page of the open segment from its root up to the turn shown."""
        cursor = self.cursor
        if cursor is None:
            return
        until = None if cursor.index == len(cursor.stops) - 1 else cursor.turn_count
        stem = f"segview-{self.session.short(cursor.segment_id)}-turn-{cursor.turn_count}"
        self._write_html_export(cursor.segment_id, until, stem)

    @work(thread=True, exclusive=True, group="export")
    def _write_html_export(self, segment_id: str, until: int | None, stem: str) -> None:
        try:
            from segview.share.html import replay_page  # (``segview.app``)

            text = replay_page(self.session.path, segment_id, until, self.store_label)
        except (StoreError, LookupError, ValueError) as exc:
            self.app.call_from_thread(
                self.app.notify, f"export failed: {exc}", severity="error", timeout=10
            )
            return
        self._write_file(text, stem, ".html")

    @work(thread=True, exclusive=True, group="export")
    def _write_export(self, text: str, stem: str) -> None:
        self._write_file(text, stem, ".md")

    def _write_file(self, text: str, stem: str, suffix: str) -> None:
        """Write an export (on a worker thread) and say where it went."""
        from segview.app.export import export_file  # (``segview.app``)

        try:
            exported = export_file(text, self.session.path, stem, suffix)
        except OSError as exc:
            self.app.call_from_thread(
                self.app.notify, f"export failed: {exc}", severity="error", timeout=10
            )
            return
        self.last_export = path = exported.path
        if exported.fallback is not None:
            message = f"{exported.fallback}: exported {self.position_text} to {path}"
            self.app.call_from_thread(self.app.notify, message, severity="warning", timeout=15)
            return
        self.app.call_from_thread(
            self.app.notify, f"exported {self.position_text} to {path}", timeout=8
        )
